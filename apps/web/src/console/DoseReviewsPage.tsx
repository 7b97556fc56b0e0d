import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import type { DoseReview } from '../api/vaccination.ts';
import { useSessionState } from '../auth/session.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { SelectField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { mayDo } from './permissions.ts';

type ReviewStatus = 'open' | 'kept_existing' | 'replaced_existing';

/**
 * Second records of a dose a person already has (from two devices, or two vaccinators): a
 * supervisor keeps the existing dose or replaces it with the new record, with a note.
 */
export function DoseReviewsPage() {
  const { t } = useTranslation();
  usePageTitle(t('console.sections.doseReviews'));
  const [status, setStatus] = useState<ReviewStatus>('open');
  const list = useQuery({
    queryKey: ['dose-reviews', status],
    queryFn: () => unwrap(api.GET('/api/dose-reviews', { params: { query: { status, limit: 200 } } })),
  });
  return (
    <>
      <h1>{t('console.sections.doseReviews')}</h1>
      <p className="lead">{t('reviews.intro')}</p>
      <div className="toolbar">
        <div className="toolbar-filters">
          <SelectField
            className="field-narrow"
            label={t('reviews.status')}
            value={status}
            onChange={(v) => setStatus(v as ReviewStatus)}
            options={(['open', 'kept_existing', 'replaced_existing'] as const).map((s) => ({
              value: s,
              label: t(`reviews.statuses.${s}`),
            }))}
          />
        </div>
      </div>
      <ErrorAlert error={list.error} />
      {list.isPending && <Loading />}
      {list.data?.items.length === 0 && <p className="empty">{t('reviews.none')}</p>}
      <ul className="stack plain-list" role="list" data-testid="dose-reviews">
        {list.data?.items.map((r) => (
          <li key={`${r.personId}-${r.id}`}>
            <ReviewCard review={r} />
          </li>
        ))}
      </ul>
    </>
  );
}

function ReviewCard({ review: r }: { review: DoseReview }) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const user = useSessionState().session?.user;
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const resolve = useMutation({
    mutationFn: (decision: 'keep_existing' | 'replace_existing') =>
      unwrap(
        api.POST('/api/dose-reviews/{personId}/{id}/resolve', {
          params: { path: { personId: r.personId, id: r.id } },
          body: { decision, note: note.trim() },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['dose-reviews'] }),
  });
  const decide = (decision: 'keep_existing' | 'replace_existing') => {
    setProblem(null);
    if (note.trim().length < 3) return setProblem(t('reviews.noteNeeded'));
    resolve.mutate(decision);
  };
  const rec = r.record;
  const field = (k: string) =>
    typeof rec[k] === 'string' || typeof rec[k] === 'number' ? String(rec[k]) : '—';
  return (
    <article className="panel">
      <h2>
        <Link to={`/console/people/${r.personId}`}>{r.nameEn}</Link> <code>{r.registrationNumber}</code>
      </h2>
      <p>
        {t(`reviews.reasons.${r.reason}`, { defaultValue: r.reason })} · {f.dateTime(r.createdAt)}
        {r.facilityName && ` · ${r.facilityName}`}
        {r.recordedBy && ` · ${r.recordedBy}`}
      </p>
      <div className="cards">
        <div className="card">
          <h3>{t('reviews.existing')}</h3>
          {r.existingDose ? (
            <p>
              {t('aefi.doseN', { n: f.number(r.existingDose.doseNumber) })} · {r.existingDose.productCode} ·{' '}
              <code>{r.existingDose.lotNumber ?? '—'}</code> · {f.dateTime(r.existingDose.administeredAt)} ·{' '}
              {r.existingDose.facilityName ?? '—'}
            </p>
          ) : (
            <p className="muted">—</p>
          )}
        </div>
        <div className="card">
          <h3>{t('reviews.incoming')}</h3>
          <p>
            {t('aefi.doseN', { n: field('doseNumber') })} · {t('reviews.lotId', { id: field('lotId') })} ·{' '}
            {typeof rec.administeredAt === 'string' && !Number.isNaN(Date.parse(rec.administeredAt))
              ? f.dateTime(rec.administeredAt)
              : '—'}
          </p>
        </div>
      </div>
      {r.status === 'open' ? (
        mayDo(user, 'dose.correct') && (
          <div className="stack">
            <div className="field">
              <label htmlFor={`review-note-${r.id}`}>{t('reviews.note')}</label>
              <input
                id={`review-note-${r.id}`}
                type="text"
                maxLength={500}
                value={note}
                onChange={(e) => setNote(e.target.value)}
              />
            </div>
            {problem && (
              <p className="alert" role="alert">
                {problem}
              </p>
            )}
            <ErrorAlert error={resolve.error} />
            <div className="actions">
              <button
                type="button"
                className="button"
                disabled={resolve.isPending}
                onClick={() => decide('keep_existing')}
              >
                {t('reviews.keep')}
              </button>
              <button
                type="button"
                className="button secondary"
                disabled={resolve.isPending}
                onClick={() => decide('replace_existing')}
              >
                {t('reviews.replace')}
              </button>
            </div>
          </div>
        )
      ) : (
        <p className="muted">
          {t(`reviews.statuses.${r.status}`, { defaultValue: r.status })}
          {r.resolvedBy && ` · ${r.resolvedBy}`}
          {r.resolvedAt && ` · ${f.dateTime(r.resolvedAt)}`}
          {r.resolutionNote && ` · ${r.resolutionNote}`}
        </p>
      )}
    </article>
  );
}
