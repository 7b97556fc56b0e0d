import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { unwrap, type Person } from '../api/client.ts';
import { citizenApi } from '../api/citizenClient.ts';
import { citizenKeys, useFamily } from '../citizen/queries.ts';
import { currentLanguage } from '../i18n/index.ts';
import { savePdf } from '../registration/pdf.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { CertificateCard } from './CertificateCard.tsx';
import type { Certificate } from './types.ts';

const certificateKeys = (personId: number) => [...citizenKeys.all, 'certificates', personId] as const;

/** "My certificates": every family member's certificates, with their QR codes and downloads. */
export function CitizenCertificatesPage() {
  const { t } = useTranslation();
  const f = useFormat();
  usePageTitle(t('certificates.myCertificates'));
  const family = useFamily();
  return (
    <div className="container">
      <h1>{t('certificates.myCertificates')}</h1>
      <p className="panel-intro">{t('certificates.intro')}</p>
      {family.isPending && <Loading />}
      <ErrorAlert error={family.error} />
      {family.data?.map((person) => (
        <section
          key={person.id}
          className="panel"
          aria-labelledby={`certificates-${person.id}`}
          data-testid={`person-certificates-${person.id}`}
        >
          <h2 id={`certificates-${person.id}`}>
            {f.name({ nameEn: person.nameEn, nameBn: person.nameBn ?? '' })}
          </h2>
          <PersonCertificates person={person} />
        </section>
      ))}
    </div>
  );
}

function PersonCertificates({ person }: { person: Person }) {
  const { t } = useTranslation();
  const list = useQuery({
    queryKey: certificateKeys(person.id),
    queryFn: () =>
      unwrap(
        citizenApi.GET('/api/citizen/people/{id}/certificates', { params: { path: { id: person.id } } }),
      ),
  });
  const download = useMutation({
    mutationFn: async ({ c, kind }: { c: Certificate; kind: 'pdf' | 'shc' }) => {
      const path = { id: person.id, certificateId: c.id };
      if (kind === 'pdf') {
        const blob = await unwrap(
          citizenApi.GET('/api/citizen/people/{id}/certificates/{certificateId}/pdf', {
            params: { path, query: { locale: currentLanguage() } },
            parseAs: 'blob',
          }),
        );
        savePdf(blob, `vaccination-certificate-${person.registrationNumber}-v${c.version}.pdf`);
      } else {
        const text = await unwrap(
          citizenApi.GET('/api/citizen/people/{id}/certificates/{certificateId}/shc', {
            params: { path },
            parseAs: 'text',
          }),
        );
        savePdf(
          new Blob([text], { type: 'application/smart-health-card' }),
          `vaccination-${person.registrationNumber}-v${c.version}.smart-health-card`,
        );
      }
    },
  });
  const items = list.data?.items ?? [];
  // The citizen sees what is in force; a revoked version stays listed by staff only.
  const inForce = items.filter((c) => !c.revoked);
  return (
    <>
      {list.isPending && <Loading />}
      <ErrorAlert error={list.error ?? download.error} />
      {list.data && inForce.length === 0 && <p className="empty">{t('certificates.none')}</p>}
      <ul className="certificate-list" role="list">
        {inForce.map((c) => (
          <li key={c.id}>
            <CertificateCard
              certificate={c}
              actions={
                <>
                  <button
                    type="button"
                    className="button"
                    disabled={download.isPending}
                    onClick={() => download.mutate({ c, kind: 'pdf' })}
                    data-testid="certificate-pdf"
                  >
                    {t('certificates.pdf')}
                  </button>
                  <button
                    type="button"
                    className="button secondary"
                    disabled={download.isPending}
                    onClick={() => download.mutate({ c, kind: 'shc' })}
                    data-testid="certificate-shc"
                  >
                    {t('certificates.shcFile')}
                  </button>
                </>
              }
            />
          </li>
        ))}
      </ul>
    </>
  );
}
