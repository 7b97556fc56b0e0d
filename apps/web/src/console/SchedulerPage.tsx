import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type ApiError } from '../api/client.ts';
import type { components } from '../api/schema';
import { useSessionState } from '../auth/session.ts';
import { useScheduleFormat } from '../scheduling/format.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { NumberField, isWholeNumber } from '../ui/fields.tsx';
import { Loading, Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { AreaPicker } from './AreaPicker.tsx';
import { grantAllows } from './permissions.ts';
import { AreaName } from './ScopeNames.tsx';
import '../scheduling/scheduling.css';

type ScheduleRun = components['schemas']['ScheduleRun'];
type Summary = NonNullable<ScheduleRun['summary']>;

/** How often a running run is asked about. */
const POLL_MS = 1000;
const RUNS_SHOWN = 20;
const PHASES = ['queued', 'reading', 'assigning', 'writing', 'recording', 'done', 'failed'] as const;
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

const runKeys = {
  all: ['schedule-runs'] as const,
  list: ['schedule-runs', 'list'] as const,
  one: (id: number) => ['schedule-runs', 'one', id] as const,
};

const isPhase = (p: string): p is (typeof PHASES)[number] => (PHASES as readonly string[]).includes(p);
const isReason = (r: string): r is (typeof UNPLACED_REASONS)[number] =>
  (UNPLACED_REASONS as readonly string[]).includes(r);

/** The auto-scheduler: start a run for the country or an area, follow it, read what it did. */
export function SchedulerPage() {
  const { t } = useTranslation();
  usePageTitle(t('console.sections.scheduler'));
  const queryClient = useQueryClient();
  const runs = useQuery({
    queryKey: runKeys.list,
    queryFn: () => unwrap(api.GET('/api/schedule-runs', { params: { query: { limit: RUNS_SHOWN } } })),
  });
  const [followed, setFollowed] = useState<number | null>(null);
  const [shown, setShown] = useState<number | null>(null);
  // The run to follow: the one just started, or one still running from before.
  const runningId = followed ?? runs.data?.find((r) => r.status === 'running')?.id ?? null;
  const shownId = shown ?? runs.data?.find((r) => r.status !== 'running')?.id ?? null;

  return (
    <>
      <h1>{t('console.sections.scheduler')}</h1>
      <p className="lead">{t('scheduler.intro')}</p>
      <StartForm
        running={runningId !== null}
        onStarted={(run) => {
          setFollowed(run.id);
          void queryClient.invalidateQueries({ queryKey: runKeys.list });
        }}
      />
      {runningId !== null && (
        <RunProgress
          key={runningId}
          id={runningId}
          onFinished={(run) => {
            setFollowed(null);
            setShown(run.id);
            void queryClient.invalidateQueries({ queryKey: runKeys.list });
          }}
        />
      )}
      {shownId !== null && <RunSummary key={shownId} id={shownId} />}
      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading">{t('scheduler.runs')}</h2>
        <ErrorAlert error={runs.error} />
        {runs.isPending && <Loading />}
        {runs.data && runs.data.length === 0 && <p className="empty">{t('scheduler.noRuns')}</p>}
        {runs.data && runs.data.length > 0 && (
          <RunList runs={runs.data} shownId={shownId} onShow={(id) => setShown(id)} />
        )}
      </section>
    </>
  );
}

function StartForm({ running, onStarted }: { running: boolean; onStarted: (run: ScheduleRun) => void }) {
  const { t } = useTranslation();
  const user = useSessionState().session?.user;
  const grants = (user?.grants ?? []).filter((g) => grantAllows(g, 'schedule.run'));
  const national = grants.some((g) => g.areaId === null && g.facilityId === null);
  const ownArea = grants.find((g) => g.areaId !== null)?.areaId ?? null;
  const [area, setArea] = useState(!national && ownArea !== null ? String(ownArea) : '');
  const [days, setDays] = useState('');
  const [problem, setProblem] = useState<{ area?: string; days?: string }>({});
  const start = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/schedule-runs', {
          body: {
            ...(isWholeNumber(area) ? { areaId: Number(area) } : {}),
            ...(days.trim() ? { days: Number(days) } : {}),
          },
        }),
      ),
    onSuccess: onStarted,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: { area?: string; days?: string } = {};
    if (!national && !isWholeNumber(area)) found.area = t('scheduler.areaRequired');
    if (days.trim() && (!isWholeNumber(days) || Number(days) < 1 || Number(days) > 60))
      found.days = t('scheduler.daysRange');
    setProblem(found);
    if (Object.keys(found).length === 0) start.mutate();
  };
  return (
    <section className="panel" aria-labelledby="start-run-heading">
      <h2 id="start-run-heading">{t('scheduler.startTitle')}</h2>
      <form className="stack" onSubmit={submit} noValidate>
        <AreaPicker
          legend={national ? t('scheduler.areaOptional') : t('scheduler.area')}
          value={area}
          onChange={setArea}
          error={problem.area}
        />
        {national && !area && <p className="field-hint">{t('scheduler.wholeCountry')}</p>}
        <NumberField
          label={t('scheduler.days')}
          hint={t('scheduler.daysHint')}
          value={days}
          onChange={setDays}
          min={1}
          max={60}
          error={problem.days}
          className="field-short-input"
        />
        <ErrorAlert
          error={start.error}
          localMessage={(e: ApiError) =>
            e.code === 'schedule_run_running' ? t('scheduler.alreadyRunning') : undefined
          }
        />
        <div className="actions">
          <button
            type="submit"
            className="button"
            disabled={start.isPending || running}
            data-testid="start-run"
          >
            {start.isPending ? t('scheduler.starting') : t('scheduler.start')}
          </button>
          {running && <span className="field-hint">{t('scheduler.waitForRun')}</span>}
        </div>
      </form>
    </section>
  );
}

function useRun(id: number, poll: boolean) {
  return useQuery({
    queryKey: runKeys.one(id),
    queryFn: () => unwrap(api.GET('/api/schedule-runs/{id}', { params: { path: { id } } })),
    refetchInterval: (q) =>
      poll && q.state.data?.status !== 'done' && q.state.data?.status !== 'failed' ? POLL_MS : false,
  });
}

function RunProgress({ id, onFinished }: { id: number; onFinished: (run: ScheduleRun) => void }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const labelId = useId();
  const run = useRun(id, true);
  const r = run.data;
  const finished = r && r.status !== 'running' ? r : null;
  const reported = useRef(false);
  useEffect(() => {
    if (finished && !reported.current) {
      reported.current = true;
      onFinished(finished);
    }
  }, [finished, onFinished]);
  const phase = r ? (isPhase(r.phase) ? t(`scheduler.phases.${r.phase}`) : r.phase) : t('common.loading');
  // Once it has ended, the run is shown by its summary instead.
  if (finished) return null;
  return (
    <section className="panel run-progress" aria-labelledby={labelId} data-testid="run-progress">
      <h2 id={labelId}>{t('scheduler.progressTitle', { id: f.number(id) })}</h2>
      <ErrorAlert error={run.error} />
      <progress
        className="run-bar"
        max={1}
        value={r?.progress ?? 0}
        aria-labelledby={labelId}
        aria-valuetext={r ? `${f.percent(r.progress)}, ${phase}` : phase}
      />
      <p role="status" data-testid="run-phase">
        {r ? t('scheduler.progress', { percent: f.percent(r.progress), phase }) : phase}
      </p>
    </section>
  );
}

function RunSummary({ id }: { id: number }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const run = useRun(id, false);
  const r = run.data;
  if (!r) return run.isPending ? <Loading /> : <ErrorAlert error={run.error} />;
  const s = r.summary;
  return (
    <section className="panel run-summary" aria-labelledby="run-summary-heading" data-testid="run-summary">
      <h2 id="run-summary-heading">
        {t('scheduler.summaryTitle', {
          id: f.number(r.id),
          from: f.dayLabel(r.params.fromDate),
          to: f.dayLabel(r.params.toDate),
        })}
      </h2>
      <p className="muted">
        {r.params.areaId !== null ? <AreaName id={r.params.areaId} /> : t('scheduler.wholeCountryShort')}
        {' · '}
        {t('scheduler.startedAt', { when: f.dateTime(r.startedAt) })}
      </p>
      {r.status === 'failed' && (
        <Notice tone="info">{t('scheduler.failed', { error: r.error ?? '—' })}</Notice>
      )}
      {s && <SummaryFigures summary={s} />}
    </section>
  );
}

function SummaryFigures({ summary: s }: { summary: Summary }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const reasons = Object.entries(s.unplaced.byReason).sort((a, b) => b[1] - a[1]);
  const doses = Object.entries(s.byDose).sort((a, b) => Number(a[0]) - Number(b[0]));
  return (
    <>
      <dl className="stats">
        <div>
          <dt>{t('scheduler.considered')}</dt>
          <dd>{f.number(s.considered)}</dd>
        </div>
        <div>
          <dt>{t('scheduler.placed')}</dt>
          <dd data-testid="run-placed">{f.number(s.placed)}</dd>
        </div>
        <div className={s.unplaced.total > 0 ? 'stat-bad' : undefined}>
          <dt>{t('scheduler.unplaced')}</dt>
          <dd data-testid="run-unplaced">{f.number(s.unplaced.total)}</dd>
        </div>
        <div>
          <dt>{t('scheduler.sms')}</dt>
          <dd>{f.number(s.sms)}</dd>
        </div>
      </dl>
      <div className="count-tables">
        <TableWrap label={t('scheduler.byReason')}>
          <table className="count-table" data-testid="run-by-reason">
            <caption>{t('scheduler.byReason')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('queue.reason')}</th>
                <th scope="col" className="num">
                  {t('queue.people')}
                </th>
              </tr>
            </thead>
            <tbody>
              {reasons.length === 0 ? (
                <tr>
                  <td colSpan={2} className="muted">
                    {t('scheduler.allPlaced')}
                  </td>
                </tr>
              ) : (
                reasons.map(([reason, n]) => (
                  <tr key={reason}>
                    <th scope="row">{isReason(reason) ? t(`queue.unplaced.${reason}`) : reason}</th>
                    <td className="num">{f.number(n)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </TableWrap>
        <TableWrap label={t('scheduler.byDose')}>
          <table className="count-table">
            <caption>{t('scheduler.byDose')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('queue.dose')}</th>
                <th scope="col" className="num">
                  {t('scheduler.placed')}
                </th>
                <th scope="col" className="num">
                  {t('scheduler.unplaced')}
                </th>
              </tr>
            </thead>
            <tbody>
              {doses.length === 0 ? (
                <tr>
                  <td colSpan={3} className="muted">
                    {t('queue.none')}
                  </td>
                </tr>
              ) : (
                doses.map(([dose, d]) => (
                  <tr key={dose}>
                    <th scope="row">{t('sessions.doseN', { dose: f.number(Number(dose)) })}</th>
                    <td className="num">{f.number(d.placed)}</td>
                    <td className="num">{f.number(d.unplaced)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </TableWrap>
        <dl className="run-extra">
          <div>
            <dt>{t('scheduler.seatsTaken')}</dt>
            <dd>{f.number(s.seatsTakenMeanwhile)}</dd>
          </div>
          <div>
            <dt>{t('scheduler.duration')}</dt>
            <dd>{t('scheduler.seconds', { n: f.km(s.seconds.total) })}</dd>
          </div>
        </dl>
      </div>
    </>
  );
}

const STATUS_TONE: Record<ScheduleRun['status'], string> = {
  running: 'badge-info',
  done: 'badge-ok',
  failed: 'badge-bad',
};

function RunList({
  runs,
  shownId,
  onShow,
}: {
  runs: ScheduleRun[];
  shownId: number | null;
  onShow: (id: number) => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  return (
    <TableWrap label={t('scheduler.runs')}>
      <table data-testid="run-list">
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('scheduler.run')}
            </th>
            <th scope="col">{t('scheduler.started')}</th>
            <th scope="col">{t('scheduler.where')}</th>
            <th scope="col">{t('scheduler.daysColumn')}</th>
            <th scope="col">{t('scheduler.status')}</th>
            <th scope="col" className="num">
              {t('scheduler.placed')}
            </th>
            <th scope="col" className="num">
              {t('scheduler.unplaced')}
            </th>
            <th scope="col">
              <span className="visually-hidden">{t('common.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} aria-current={r.id === shownId ? 'true' : undefined}>
              <td className="num">{f.number(r.id)}</td>
              <td className="nowrap">{f.dateTime(r.startedAt)}</td>
              <td>
                {r.params.areaId !== null ? (
                  <AreaName id={r.params.areaId} />
                ) : (
                  t('scheduler.wholeCountryShort')
                )}
              </td>
              <td className="nowrap">
                {f.dayLabel(r.params.fromDate)} – {f.dayLabel(r.params.toDate)}
              </td>
              <td>
                <span className={`badge ${STATUS_TONE[r.status]}`}>
                  {t(`scheduler.statuses.${r.status}`)}
                </span>
              </td>
              <td className="num">{r.summary ? f.number(r.summary.placed) : '—'}</td>
              <td className="num">{r.summary ? f.number(r.summary.unplaced.total) : '—'}</td>
              <td className="row-actions">
                {r.status !== 'running' && (
                  <button
                    type="button"
                    className="button secondary small"
                    aria-label={t('scheduler.showNamed', { id: f.number(r.id) })}
                    aria-pressed={r.id === shownId}
                    onClick={() => onShow(r.id)}
                  >
                    {t('scheduler.show')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
