import { useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQueries } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import { useSessionState } from '../auth/session.ts';
import { areaKeys } from '../console/areaQueries.ts';
import { hasWideGrant } from '../console/permissions.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import type { ReportFormat } from './format.ts';
import { downloadCsv, type ReportQuery } from './queries.ts';
import type { ReportArea } from './types.ts';

const TIME_ZONE = 'Asia/Dhaka';

/** Today's date where the programme runs (the reports' days are Bangladesh days). */
export function todayHere(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date());
}

function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function parseTrail(raw: string | null): number[] {
  return (raw ?? '')
    .split('.')
    .map(Number)
    .filter((n) => Number.isSafeInteger(n) && n > 0);
}

/**
 * The area a report looks at, kept in the address as the path clicked through (`?trail=3.41`):
 * the last step is the area, and the breadcrumb links back to every step. No trail = the whole
 * of the viewer's scope (the country for national staff).
 */
export function useAreaTrail() {
  const [params, setParams] = useSearchParams();
  const trail = parseTrail(params.get('trail'));
  const areaId = trail.at(-1);
  const withTrail = (next: readonly number[]) => {
    const p = new URLSearchParams(params);
    if (next.length) p.set('trail', next.join('.'));
    else p.delete('trail');
    return `?${p.toString()}`;
  };
  return {
    trail,
    areaId,
    /** The address of a child area of the one shown. */
    drillTo: (area: ReportArea) => withTrail([...trail, area.id]),
    withTrail,
    setTrail: (next: readonly number[]) => setParams(new URLSearchParams(withTrail(next).slice(1))),
  };
}

/** The date range of a dated report, in the address (`?from=&to=`); the last 30 days by default. */
export function useDateRange(defaultDays = 30) {
  const [params, setParams] = useSearchParams();
  const to = params.get('to') ?? todayHere();
  const from = params.get('from') ?? addDays(to, -(defaultDays - 1));
  const set = (next: { from: string; to: string }) => {
    const p = new URLSearchParams(params);
    p.set('from', next.from);
    p.set('to', next.to);
    setParams(p, { replace: true });
  };
  return { from, to, set };
}

/** True when one of the user's grants covers the whole country. */
export function useNationalViewer(): boolean {
  const user = useSessionState().session?.user;
  return !!user?.grants.some((g) => g.areaId === null && g.facilityId === null);
}

/** The path down to the area shown; `current` is the shown area when the report names it. */
export function ReportBreadcrumb({
  trail,
  current,
}: {
  trail: readonly number[];
  current?: ReportArea | null;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const national = useNationalViewer();
  const wide = hasWideGrant(useSessionState().session?.user, 'report.read');
  const { withTrail } = useAreaTrail();
  const areas = useQueries({
    queries: (current === undefined ? trail : trail.slice(0, -1)).map((id) => ({
      queryKey: areaKeys.one(id),
      queryFn: () => unwrap(api.GET('/api/areas/{id}', { params: { path: { id } } })),
      staleTime: 60_000,
    })),
  });
  const rootLabel = national ? t('reports.country') : t('reports.myArea');
  // Staff of single facilities see their facilities' figures: there is no area to go up or down.
  if (!wide && trail.length === 0) return null;
  return (
    <nav
      className="breadcrumb report-breadcrumb"
      aria-label={t('reports.areaPath')}
      data-testid="report-breadcrumb"
    >
      <ol>
        <li>
          {trail.length === 0 ? (
            <span aria-current="page">{current && !national ? f.name(current) : rootLabel}</span>
          ) : (
            <Link to={withTrail([])}>{rootLabel}</Link>
          )}
        </li>
        {trail.map((id, i) => {
          const last = i === trail.length - 1;
          const area = last && current !== undefined ? current : areas[i]?.data;
          const label = area ? f.name(area) : '…';
          return (
            <li key={id}>
              {last ? (
                <span aria-current="page">{label}</span>
              ) : (
                <Link to={withTrail(trail.slice(0, i + 1))}>{label}</Link>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/** From and to dates of a report; a range the server would refuse is not sent. */
export function DateRangeFields({
  from,
  to,
  onChange,
}: {
  from: string;
  to: string;
  onChange: (r: { from: string; to: string }) => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState({ from, to });
  const [problem, setProblem] = useState('');
  const apply = (next: { from: string; to: string }) => {
    setDraft(next);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(next.from) || !/^\d{4}-\d{2}-\d{2}$/.test(next.to)) return;
    if (next.to < next.from) return setProblem(t('reports.rangeBackwards'));
    const days = (Date.parse(next.to) - Date.parse(next.from)) / 86_400_000 + 1;
    if (days > 366) return setProblem(t('reports.rangeTooLong'));
    setProblem('');
    onChange(next);
  };
  return (
    <fieldset className="date-range">
      <legend className="visually-hidden">{t('reports.dateRange')}</legend>
      <TextField
        className="field-narrow-date"
        label={t('reports.from')}
        type="date"
        value={draft.from}
        max={draft.to}
        onChange={(v) => apply({ ...draft, from: v })}
      />
      <TextField
        className="field-narrow-date"
        label={t('reports.to')}
        type="date"
        value={draft.to}
        min={draft.from}
        onChange={(v) => apply({ ...draft, to: v })}
      />
      {problem && (
        <p className="field-error date-range-problem" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}

/** Downloads a report table as CSV (the signed-in request, saved as a file). */
export function CsvButton({
  path,
  query,
  name,
  label,
  testId,
}: {
  path: string;
  query: ReportQuery;
  name: string;
  label?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <button
        type="button"
        className="button secondary small csv-button"
        disabled={busy}
        data-testid={testId}
        onClick={() => {
          setBusy(true);
          setError(null);
          downloadCsv(path, query, `${name}.csv`)
            .catch((e: unknown) => setError(e))
            .finally(() => setBusy(false));
        }}
      >
        <svg viewBox="0 0 16 16" className="icon" aria-hidden="true" focusable="false">
          <path d="M8 2v8m0 0L4.5 6.5M8 10l3.5-3.5M3 13h10" />
        </svg>
        {label ?? t('reports.csv')}
      </button>
      {error !== null && <ErrorAlert error={error} />}
    </>
  );
}

/** The headline figures of a report. */
export function StatCards({
  items,
}: {
  items: { label: string; value: ReactNode; note?: ReactNode; testId?: string; tone?: string }[];
}) {
  return (
    <dl className="report-stats">
      {items.map((s) => (
        <div key={s.label} className={s.tone ? `report-stat report-stat-${s.tone}` : 'report-stat'}>
          <dt>{s.label}</dt>
          <dd data-testid={s.testId}>{s.value}</dd>
          {s.note && <dd className="report-stat-note">{s.note}</dd>}
        </div>
      ))}
    </dl>
  );
}

/** The name of an area in a report row; the country when there is none. */
export function areaName(area: ReportArea | null, r: ReportFormat, countryLabel: string): string {
  return area ? r.name(area) : countryLabel;
}
