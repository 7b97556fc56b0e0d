import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { SelectField } from '../ui/fields.tsx';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { CategoryBars, ChartPanel, COLOURS, TrendLines } from '../reports/charts.tsx';
import { StatCards } from '../reports/common.tsx';
import { coverageBarColumns, DataTable, ReportSection } from '../reports/DataTable.tsx';
import { bandStart, useReportFormat } from '../reports/format.ts';
import { usePublicDashboard } from '../reports/queries.ts';
import { areaRows } from '../reports/types.ts';
import '../reports/reports.css';

/**
 * The public figures, for anyone: the country or one division. Counts from 1 to 9 come as null
 * (too few to publish without pointing at people) and are shown as "<10" with a footnote.
 */
export function DashboardPage() {
  const { t } = useTranslation();
  const r = useReportFormat();
  usePageTitle(t('dashboard.title'));
  const [params, setParams] = useSearchParams();
  const raw = Number(params.get('division'));
  const divisionId = Number.isSafeInteger(raw) && raw > 0 ? raw : undefined;
  const national = usePublicDashboard(undefined);
  const selected = usePublicDashboard(divisionId);
  const data = selected.data;
  const divisions = areaRows(national.data?.divisions ?? []);
  const below = data?.suppressedBelow ?? national.data?.suppressedBelow ?? 10;
  const hidden = t('dashboard.suppressed', { n: r.number(below) });
  /** A public count: "<10" when it is too small to publish. */
  const count = (n: number | null) =>
    n === null ? (
      <abbr title={t('dashboard.suppressedTitle', { n: r.number(below) })}>{hidden}</abbr>
    ) : (
      r.number(n)
    );
  const anySuppressed =
    !!data &&
    (Object.values(data.totals).some((v) => v === null) ||
      data.trend.some((d) => d.doses === null) ||
      data.coverageByAgeBand.some((b) => b.firstDose === null || b.complete === null) ||
      divisions.some((d) => d.firstDose === null || d.complete === null));
  const placeName = data?.area ? r.name(data.area) : t('reports.country');
  const trendTitle = t('dashboard.trend');
  const bandTitle = t('dashboard.coverageByAge');
  const leagueTitle = t('dashboard.divisions');
  const bands = [...(data?.coverageByAgeBand ?? [])].sort(
    (a, b) => bandStart(a.ageBand) - bandStart(b.ageBand),
  );

  return (
    <div className="dashboard reports">
      <div className="reports-head">
        <h1>{t('dashboard.title')}</h1>
        {data && (
          <p className="report-status" data-testid="dashboard-updated">
            {t('dashboard.updated', {
              time: r.dateTime(data.generatedAt),
              seconds: r.number(data.refreshSeconds),
            })}
          </p>
        )}
      </div>
      <p className="lead">{t('dashboard.intro')}</p>
      <div className="toolbar">
        <div className="toolbar-filters">
          <SelectField
            className="field-medium"
            label={t('dashboard.place')}
            value={divisionId ? String(divisionId) : ''}
            onChange={(v) => {
              const p = new URLSearchParams(params);
              if (v) p.set('division', v);
              else p.delete('division');
              setParams(p, { replace: true });
            }}
            options={[
              { value: '', label: t('reports.country') },
              ...divisions.map((d) => ({ value: String(d.area.id), label: r.name(d.area) })),
            ]}
          />
        </div>
      </div>
      <ErrorAlert error={selected.error} />
      {selected.isPending && <Loading />}
      {data && (
        <div className={selected.isPlaceholderData ? 'report-body is-updating' : 'report-body'}>
          <h2 className="dashboard-place" data-testid="dashboard-place">
            {placeName}
          </h2>
          <StatCards
            items={[
              {
                label: t('dashboard.registered'),
                value: count(data.totals.registered),
                testId: 'public-registered',
              },
              { label: t('reports.dosesGiven'), value: count(data.totals.doses), testId: 'public-doses' },
              { label: t('reports.firstDose'), value: count(data.totals.firstDose), testId: 'public-first' },
              { label: t('reports.complete'), value: count(data.totals.complete), testId: 'public-complete' },
              { label: t('reports.booster'), value: count(data.totals.booster), testId: 'public-booster' },
              { label: t('dashboard.today'), value: count(data.totals.dosesToday), testId: 'public-today' },
            ]}
          />
          {anySuppressed && (
            <p className="notice notice-info suppression-note" data-testid="suppression-note">
              {t('dashboard.suppressionNote', { hidden, n: r.number(below) })}
            </p>
          )}
          <div className="report-grid">
            <ChartPanel
              title={trendTitle}
              testId="public-trend-panel"
              summary={t('dashboard.trendSummary', {
                place: placeName,
                doses: r.number(data.trend.reduce((s, d) => s + (d.doses ?? 0), 0)),
              })}
              chart={(label) => (
                <TrendLines
                  data={data.trend.map((d) => ({ day: d.day, doses: d.doses }))}
                  series={[{ key: 'doses', label: t('reports.dosesPerDay'), colour: COLOURS.doses }]}
                  ariaLabel={label}
                  r={r}
                />
              )}
              table={
                <DataTable
                  label={trendTitle}
                  columns={[
                    { key: 'day', header: t('reports.day'), rowHeader: true, cell: (d) => r.date(d.day) },
                    { key: 'doses', header: t('reports.doses'), numeric: true, cell: (d) => count(d.doses) },
                  ]}
                  rows={data.trend}
                  rowKey={(d) => d.day}
                />
              }
            />
            <ChartPanel
              title={bandTitle}
              testId="public-coverage-panel"
              summary={t('reports.summaries.coverageByBand')}
              chart={(label) => (
                <CategoryBars
                  data={bands.map((b) => ({
                    band: r.band(b.ageBand),
                    coverageFirst: b.coverageFirst,
                    coverageComplete: b.coverageComplete,
                  }))}
                  category="band"
                  series={[
                    { key: 'coverageFirst', label: t('reports.firstDose'), colour: COLOURS.firstDose },
                    { key: 'coverageComplete', label: t('reports.complete'), colour: COLOURS.complete },
                  ]}
                  percent
                  ariaLabel={label}
                  r={r}
                />
              )}
              table={
                <DataTable
                  label={bandTitle}
                  testId="public-coverage-table"
                  columns={[
                    {
                      key: 'band',
                      header: t('reports.ageBand'),
                      rowHeader: true,
                      cell: (b) => r.bandYears(b.ageBand),
                    },
                    {
                      key: 'firstDose',
                      header: t('reports.firstDose'),
                      numeric: true,
                      cell: (b) => count(b.firstDose),
                    },
                    {
                      key: 'complete',
                      header: t('reports.complete'),
                      numeric: true,
                      cell: (b) => count(b.complete),
                    },
                    {
                      key: 'coverageFirst',
                      header: t('reports.coverageFirst'),
                      numeric: true,
                      cell: (b) => r.percent(b.coverageFirst),
                    },
                    {
                      key: 'coverageComplete',
                      header: t('reports.coverageComplete'),
                      numeric: true,
                      cell: (b) => r.percent(b.coverageComplete),
                    },
                  ]}
                  rows={bands}
                  rowKey={(b) => String(b.ageBand)}
                />
              }
            />
          </div>
          <ReportSection titleId="division-league-title" title={leagueTitle}>
            <DataTable
              label={leagueTitle}
              captionHidden
              className="league"
              testId="division-league"
              columns={[
                { key: 'rank', header: t('reports.rank'), numeric: true, cell: (_, i) => r.number(i + 1) },
                {
                  key: 'area',
                  header: t('dashboard.division'),
                  rowHeader: true,
                  cell: (d) => r.name(d.area),
                },
                {
                  key: 'firstDose',
                  header: t('reports.firstDose'),
                  numeric: true,
                  cell: (d) => count(d.firstDose),
                },
                {
                  key: 'complete',
                  header: t('reports.complete'),
                  numeric: true,
                  cell: (d) => count(d.complete),
                },
                ...coverageBarColumns<(typeof divisions)[number]>(t, r),
              ]}
              rows={[...divisions].sort((a, b) => (b.coverageFirst ?? -1) - (a.coverageFirst ?? -1))}
              rowKey={(d) => d.area.id}
              rowClassName={(d) => (d.area.id === divisionId ? 'is-selected' : undefined)}
            />
          </ReportSection>
        </div>
      )}
    </div>
  );
}
