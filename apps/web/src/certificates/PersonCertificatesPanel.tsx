import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import { currentLanguage } from '../i18n/index.ts';
import { openPdfTab } from '../registration/pdf.ts';
import { useSessionState } from '../auth/session.ts';
import { mayDo } from '../console/permissions.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { TextAreaField, TextField } from '../ui/fields.tsx';
import { Loading, Notice } from '../ui/Notice.tsx';
import { CertificateCard } from './CertificateCard.tsx';
import type { Certificate } from './types.ts';

export const staffCertificateKeys = { person: (id: number) => ['certificates', 'person', id] as const };

/**
 * A person's certificates on their record in the console: every version, in force or revoked,
 * to print; re-issuing all of them from the record as it is now; revoking one with a reason.
 * Re-issue and revoke are offered to the roles that correct records; the server decides.
 */
export function PersonCertificatesPanel({
  personId,
  registrationNumber,
}: {
  personId: number;
  registrationNumber: string;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mayCorrect = mayDo(useSessionState().session?.user, 'person.correct');
  const [notice, setNotice] = useState<string | null>(null);
  const [reissuing, setReissuing] = useState(false);
  const [reissueReason, setReissueReason] = useState('');
  const [revoking, setRevoking] = useState<Certificate | null>(null);
  const list = useQuery({
    queryKey: staffCertificateKeys.person(personId),
    queryFn: () => unwrap(api.GET('/api/people/{id}/certificates', { params: { path: { id: personId } } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: staffCertificateKeys.person(personId) });

  const print = useMutation({
    mutationFn: async ({ c, tab }: { c: Certificate; tab: ReturnType<typeof openPdfTab> }) => {
      try {
        const blob = await unwrap(
          api.GET('/api/people/{id}/certificates/{certificateId}/pdf', {
            params: { path: { id: personId, certificateId: c.id }, query: { locale: currentLanguage() } },
            parseAs: 'blob',
          }),
        );
        tab.show(blob, `vaccination-certificate-${registrationNumber}-v${c.version}.pdf`);
      } catch (e) {
        tab.cancel();
        throw e;
      }
    },
  });
  const reissue = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/people/{id}/certificates/reissue', {
          params: { path: { id: personId } },
          body: reissueReason.trim() ? { reason: reissueReason.trim() } : {},
        }),
      ),
    onSuccess: () => {
      setReissuing(false);
      setReissueReason('');
      setNotice(t('certificates.reissued'));
      void refresh();
    },
  });

  const items = list.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="certificates-heading" data-testid="person-certificates">
      <div className="panel-head">
        <h2 id="certificates-heading">{t('certificates.title')}</h2>
        {list.data && mayCorrect && (
          <button
            type="button"
            className="button secondary small"
            aria-expanded={reissuing}
            onClick={() => {
              setNotice(null);
              setReissuing(!reissuing);
            }}
            data-testid="reissue-certificates"
          >
            {t('certificates.reissue')}
          </button>
        )}
      </div>
      <ErrorAlert error={list.error ?? print.error} />
      {notice && <Notice>{notice}</Notice>}
      {reissuing && (
        <form
          className="confirm-box"
          onSubmit={(e) => {
            e.preventDefault();
            reissue.mutate();
          }}
        >
          <p>{t('certificates.reissueText')}</p>
          <TextField
            label={t('certificates.reissueReason')}
            value={reissueReason}
            onChange={setReissueReason}
            maxLength={500}
          />
          <ErrorAlert error={reissue.error} />
          <div className="actions">
            <button
              type="submit"
              className="button"
              disabled={reissue.isPending}
              data-testid="reissue-confirm"
            >
              {t('certificates.reissueConfirm')}
            </button>
            <button type="button" className="button secondary" onClick={() => setReissuing(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {list.isPending && <Loading />}
      {list.data && items.length === 0 && <p className="empty">{t('certificates.none')}</p>}
      <ul className="certificate-list" role="list">
        {items.map((c) => (
          <li key={c.id}>
            <CertificateCard
              certificate={c}
              showQr={false}
              actions={
                <>
                  {!c.revoked && (
                    <button
                      type="button"
                      className="button small"
                      disabled={print.isPending}
                      onClick={() => print.mutate({ c, tab: openPdfTab() })}
                      data-testid="certificate-pdf"
                    >
                      {t('certificates.pdf')}
                    </button>
                  )}
                  {!c.revoked && mayCorrect && (
                    <button
                      type="button"
                      className="button danger small"
                      aria-expanded={revoking?.id === c.id}
                      onClick={() => {
                        setNotice(null);
                        setRevoking(revoking?.id === c.id ? null : c);
                      }}
                      data-testid="revoke-certificate"
                    >
                      {t('certificates.revoke')}
                    </button>
                  )}
                </>
              }
            />
            {revoking?.id === c.id && (
              <RevokeForm
                personId={personId}
                certificate={c}
                onCancel={() => setRevoking(null)}
                onDone={() => {
                  setRevoking(null);
                  setNotice(t('certificates.revokedDone', { hcid: c.hcid }));
                  void refresh();
                }}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function RevokeForm({
  personId,
  certificate: c,
  onCancel,
  onDone,
}: {
  personId: number;
  certificate: Certificate;
  onCancel: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [tooShort, setTooShort] = useState(false);
  const revoke = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/people/{id}/certificates/{certificateId}/revoke', {
          params: { path: { id: personId, certificateId: c.id } },
          body: { reason: reason.trim() },
        }),
      ),
    onSuccess: onDone,
  });
  return (
    <form
      className="confirm-box"
      aria-label={t('certificates.revokeTitle', { hcid: c.hcid })}
      data-testid="revoke-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (reason.trim().length < 3) {
          setTooShort(true);
          return;
        }
        setTooShort(false);
        revoke.mutate();
      }}
    >
      <p>
        <strong>{t('certificates.revokeTitle', { hcid: c.hcid })}</strong>
      </p>
      <p>{t('certificates.revokeText')}</p>
      <TextAreaField
        label={t('certificates.revokeReason')}
        hint={t('certificates.revokeReasonHint')}
        value={reason}
        onChange={setReason}
        rows={2}
        maxLength={500}
        prose
        {...(tooShort ? { error: t('certificates.revokeReasonShort') } : {})}
      />
      <ErrorAlert error={revoke.error} />
      <div className="actions">
        <button
          type="submit"
          className="button danger"
          disabled={revoke.isPending}
          data-testid="revoke-confirm"
        >
          {t('certificates.revokeConfirm')}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
