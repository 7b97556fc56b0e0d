import { useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { WaitingQueue } from '../api/scheduling.ts';
import { useScheduleFormat } from '../scheduling/format.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { SelectField, isWholeNumber } from '../ui/fields.tsx';
import { Loading } from '../ui/Notice.tsx';
import { Pager } from '../ui/Pager.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { useSessionState } from '../auth/session.ts';
import { AreaPicker } from './AreaPicker.tsx';
import { useFacility } from './facilityQueries.ts';
import { grantAllows } from './permissions.ts';
import { useWaitingQueue } from './sessionQueries.ts';
import '../scheduling/scheduling.css';

const PAGE_SIZE = 50;
const WAITING_REASONS = [
  'registered',
  'next_dose',
  'person_cancelled',
  'session_cancelled',
  'missed',
] as const;
type WaitingReason = (typeof WAITING_REASONS)[number];
/** Why the auto-scheduler left someone unplaced (packages/domain, scheduler). */
const UNPLACED_REASONS = [
  'earlier_dose_pending',
  'no_location',
  'not_due_in_window',
  'no_session_nearby',
  'no_session_for_product',
  'no_session_for_dose',
  'too_young_for_sessions',
  'too_old_for_sessions',
  'no_capacity_nearby',
] as const;
type UnplacedReason = (typeof UNPLACED_REASONS)[number];

const isWaitingReason = (r: string): r is WaitingReason => (WAITING_REASONS as readonly string[]).includes(r);
const isUnplacedReason = (r: string): r is UnplacedReason =>
  (UNPLACED_REASONS as readonly string[]).includes(r);

/** The people waiting for a dose, in the order the auto-scheduler serves them, with counts. */
export function WaitingQueuePage() {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  usePageTitle(t('console.sections.waitingQueue'));
  const defaultArea = useDefaultArea();
  const [chosenArea, setArea] = useState<string | null>(null);
  const area = chosenArea ?? defaultArea ?? '';
  const [dose, setDose] = useState('');
  const [offset, setOffset] = useState(0);
  const areaId = isWholeNumber(area) ? Number(area) : undefined;
  const doseNumber = isWholeNumber(dose) ? Number(dose) : undefined;
  const queue = useWaitingQueue(
    { areaId, doseNumber, limit: PAGE_SIZE, offset },
    chosenArea !== null || defaultArea !== null,
  );
  const q = queue.data;
  const reason = (r: string) => (isWaitingReason(r) ? t(`queue.reasons.${r}`) : r);
  const unplaced = (r: string) => (isUnplacedReason(r) ? t(`queue.unplaced.${r}`) : r);

  return (
    <>
      <h1>{t('console.sections.waitingQueue')}</h1>
      <p className="lead">{t('queue.intro')}</p>
      <p className="audit-note">{t('queue.audited')}</p>
      <div className="toolbar">
        <div className="toolbar-filters queue-filters">
          <AreaPicker
            legend={t('queue.area')}
            value={area}
            onChange={(v) => {
              setArea(v);
              setOffset(0);
            }}
          />
          <SelectField
            label={t('queue.dose')}
            value={dose}
            onChange={(v) => {
              setDose(v);
              setOffset(0);
            }}
            className="field-narrow"
            options={[
              { value: '', label: t('queue.allDoses') },
              ...[1, 2, 3, 4].map((d) => ({
                value: String(d),
                label: t('sessions.doseN', { dose: f.number(d) }),
              })),
            ]}
          />
        </div>
      </div>
      <ErrorAlert error={queue.error} />
      {queue.isPending && <Loading />}
      {q && (
        <>
          <section aria-labelledby="queue-counts-heading" className="queue-counts">
            <h2 id="queue-counts-heading">{t('queue.total', { count: q.total, n: f.number(q.total) })}</h2>
            <div className="count-tables">
              <CountTable
                title={t('queue.byDose')}
                keyLabel={t('queue.dose')}
                rows={q.byDose}
                label={(k) => t('sessions.doseN', { dose: f.number(Number(k)) })}
                testId="queue-by-dose"
              />
              <CountTable
                title={t('queue.byRank')}
                keyLabel={t('queue.priority')}
                rows={q.byRank}
                label={(k) => t('queue.rank', { rank: f.number(Number(k)) })}
                testId="queue-by-rank"
              />
              <CountTable
                title={t('queue.byReason')}
                keyLabel={t('queue.reason')}
                rows={q.byReason}
                label={reason}
                testId="queue-by-reason"
              />
            </div>
          </section>
          <section aria-labelledby="queue-entries-heading">
            <h2 id="queue-entries-heading">{t('queue.entries')}</h2>
            {q.entries.length === 0 ? (
              <p className="empty">{offset > 0 ? t('queue.noMore') : t('queue.empty')}</p>
            ) : (
              <TableWrap label={t('queue.entries')}>
                <table className="queue-table" data-testid="queue-table">
                  <thead>
                    <tr>
                      <th scope="col" className="num">
                        {t('queue.position')}
                      </th>
                      <th scope="col">{t('queue.person')}</th>
                      <th scope="col">{t('registration.fields.registrationNumber')}</th>
                      <th scope="col" className="num">
                        {t('queue.dose')}
                      </th>
                      <th scope="col">{t('queue.priority')}</th>
                      <th scope="col">{t('queue.earliest')}</th>
                      <th scope="col">{t('queue.due')}</th>
                      <th scope="col">{t('queue.reason')}</th>
                      <th scope="col">{t('queue.since')}</th>
                      <th scope="col">{t('queue.unplacedReason')}</th>
                      <th scope="col">{t('queue.areaColumn')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {q.entries.map((e, i) => (
                      <tr key={`${e.personId}-${e.doseNumber}`}>
                        <td className="num">{f.number(offset + i + 1)}</td>
                        <th scope="row">
                          <Link to={`/console/people/${e.personId}`}>
                            {f.name({ nameEn: e.nameEn, nameBn: e.nameBn ?? '' })}
                          </Link>
                        </th>
                        <td>
                          <code>{e.registrationNumber}</code>
                        </td>
                        <td className="num">{f.number(e.doseNumber)}</td>
                        <td>
                          {t('queue.rank', { rank: f.number(e.priorityRank) })}{' '}
                          <span className="muted">({e.groupCode})</span>
                        </td>
                        <td className="nowrap">{f.date(e.earliestDate)}</td>
                        <td className="nowrap">{e.dueDate ? f.date(e.dueDate) : '—'}</td>
                        <td>{reason(e.reason)}</td>
                        <td className="nowrap">{f.dateTime(e.since)}</td>
                        <td>{e.unplacedReason ? unplaced(e.unplacedReason) : '—'}</td>
                        <td>{f.name({ nameEn: e.areaNameEn, nameBn: e.areaNameBn })}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
            {(offset > 0 || offset + q.entries.length < q.total) && (
              <Pager
                summary={
                  q.entries.length
                    ? t('queue.shown', {
                        from: f.number(offset + 1),
                        to: f.number(offset + q.entries.length),
                        total: f.number(q.total),
                      })
                    : undefined
                }
                hasPrevious={offset > 0}
                hasNext={offset + q.entries.length < q.total}
                onPrevious={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
                onNext={() => setOffset(offset + PAGE_SIZE)}
              />
            )}
          </section>
        </>
      )}
    </>
  );
}

/**
 * Where the queue opens: the whole country for national staff, otherwise the area of the user's
 * grant, or the area of their facility (null while that is still loading).
 */
function useDefaultArea(): string | null {
  const user = useSessionState().session?.user;
  const grants = (user?.grants ?? []).filter((g) => grantAllows(g, 'appointment.read'));
  const national = grants.some((g) => g.areaId === null && g.facilityId === null);
  const areaGrant = grants.find((g) => g.areaId !== null)?.areaId ?? null;
  const facilityGrant = grants.find((g) => g.facilityId !== null)?.facilityId ?? null;
  const facility = useFacility(!national && areaGrant === null ? facilityGrant : null);
  if (national || grants.length === 0) return '';
  if (areaGrant !== null) return String(areaGrant);
  if (facility.data) return String(facility.data.areaId);
  return facility.isError ? '' : null;
}

function CountTable({
  title,
  keyLabel,
  rows,
  label,
  testId,
}: {
  title: string;
  keyLabel: string;
  rows: WaitingQueue['byDose'];
  label: (key: string) => string;
  testId: string;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  return (
    <TableWrap label={title}>
      <table className="count-table" data-testid={testId}>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{keyLabel}</th>
            <th scope="col" className="num">
              {t('queue.people')}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={2} className="muted">
                {t('queue.none')}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{label(r.key)}</th>
                <td className="num">{f.number(r.count)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </TableWrap>
  );
}
