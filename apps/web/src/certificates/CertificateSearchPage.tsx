import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { TextField } from '../ui/fields.tsx';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { CertificateCard } from './CertificateCard.tsx';

/** The console's certificate search: a certificate by its HCID, and the way to its person. */
export function CertificateSearchPage() {
  const { t } = useTranslation();
  usePageTitle(t('certificates.search.title'));
  const [hcid, setHcid] = useState('');
  const [asked, setAsked] = useState<string | null>(null);
  const found = useQuery({
    queryKey: ['certificates', 'hcid', asked],
    enabled: asked !== null,
    retry: false,
    queryFn: () => unwrap(api.GET('/api/certificates', { params: { query: { hcid: asked ?? '' } } })),
  });
  return (
    <>
      <h1>{t('certificates.search.title')}</h1>
      <p className="panel-intro">{t('certificates.search.intro')}</p>
      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const value = hcid.trim();
          if (value) setAsked(value);
        }}
      >
        <div className="toolbar-search">
          <TextField label={t('certificates.search.label')} value={hcid} onChange={setHcid} maxLength={100} />
        </div>
        <div className="toolbar-actions toolbar-actions-start">
          <button type="submit" className="button" data-testid="certificate-search">
            {t('certificates.search.submit')}
          </button>
        </div>
      </form>
      {asked !== null && found.isFetching && <Loading />}
      <ErrorAlert error={found.error} />
      {found.data?.items.map((c) => (
        <div key={c.id} className="panel" data-testid="certificate-found">
          <CertificateCard certificate={c} showQr={false} headingLevel="h3" />
          <p>
            <Link to={`/console/people/${c.personId}`}>{t('certificates.search.open')}</Link>
          </p>
        </div>
      ))}
    </>
  );
}
