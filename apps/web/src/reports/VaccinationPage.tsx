import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { SelectField } from '../ui/fields.tsx';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { CategoryBars, ChartPanel, COLOURS, DailyCumulativeChart, PALETTE } from './charts.tsx';
import {
  CsvButton,
  DateRangeFields,
  ReportBreadcrumb,
  StatCards,
  useAreaTrail,
  useDateRange,
} from './common.tsx';
import {
  AreaPanel,
  areaColumn,
  countColumn,
  coverageBarColumns,
  DataTable,
  genderColumns,
} from './DataTable.tsx';
import { AGE_BANDS, bandStart, GENDERS, useReportFormat, type ReportFormat } from './format.ts';
import { useVaccinationReport, useVaccinationTrend } from './queries.ts';
import { areaRows, type AgeBand, type Gender, type ReportArea, type VaccinationReport } from './types.ts';

/** Rows of age band × gender counts, one per band in order, with a column per gender. */
export function ageGenderRows<T extends { ageBand: AgeBand; gender: Gender }>(
  rows: readonly T[],
  value: (row: T) => number,
  r: ReportFormat,
) {
  return AGE_BANDS.map((start) => {
    const out = { band: r.band(start), start, female: 0, male: 0, third_gender: 0, total: 0 };
    for (const row of rows) {
      if (bandStart(row.ageBand) !== start) continue;
      out[row.gender] += value(row);
      out.total += value(row);
    }
    return out;
  });
}

type AgeGenderRow = ReturnType<typeof ageGenderRows>[number];

export function AgeGenderPanel({
  title,
  rows,
  r,
  csv,
  testId,
}: {
  title: string;
  rows: AgeGenderRow[];
  r: ReportFormat;
  csv?: ReactNode;
  testId?: string;
}) {
  const { t } = useTranslation();
  const series = GENDERS.map((g) => ({ key: g, label: r.gender(g), colour: COLOURS[g] }));
  const biggest = [...rows].sort((a, b) => b.total - a.total)[0];
  return (
    <ChartPanel
      title={title}
      testId={testId}
      tools={csv}
      summary={t('reports.summaries.ageGender', {
        band: biggest && biggest.total > 0 ? r.bandYears(biggest.start) : '—',
      })}
      chart={(label) => (
        <CategoryBars data={rows} category="band" series={series} stacked ariaLabel={label} r={r} />
      )}
      table={
        <DataTable
          label={title}
          columns={[
            {
              key: 'band',
              header: t('reports.ageBand'),
              rowHeader: true,
              cell: (row) => r.bandYears(row.start),
            },
            ...genderColumns<AgeGenderRow>(r, (row, g) => row[g]),
            { key: 'total', header: t('reports.total'), numeric: true, cell: (row) => r.number(row.total) },
          ]}
          rows={rows}
          rowKey={(row) => row.start}
        />
      }
    />
  );
}

/** A single-series bar chart with its table: doses by vaccine, by dose number, by priority group. */
function BreakdownPanel({
  title,
  summary,
  rows,
  valueLabel,
  r,
  horizontal,
  colour,
  csv,
  testId,
}: {
  title: string;
  summary: string;
  rows: { label: string; value: number }[];
  valueLabel: string;
  r: ReportFormat;
  horizontal?: boolean;
  colour: string;
  csv?: ReactNode;
  testId?: string;
}) {
  const { t } = useTranslation();
  const total = rows.reduce((s, x) => s + x.value, 0);
  return (
    <ChartPanel
      title={title}
      testId={testId}
      tools={csv}
      summary={summary}
      chart={(label) =>
        rows.length === 0 ? (
          <p className="empty">{t('reports.noData')}</p>
        ) : (
          <CategoryBars
            data={rows.map((x) => ({ label: x.label, value: x.value }))}
            category="label"
            series={[{ key: 'value', label: valueLabel, colour }]}
            horizontal={horizontal}
            ariaLabel={label}
            r={r}
          />
        )
      }
      table={
        <DataTable
          label={title}
          columns={[
            { key: 'label', header: t('reports.category'), rowHeader: true, cell: (x) => x.label },
            { key: 'value', header: valueLabel, numeric: true, cell: (x) => r.number(x.value) },
            {
              key: 'share',
              header: t('reports.share'),
              numeric: true,
              cell: (x) => r.percent(total ? x.value / total : null),
            },
          ]}
          rows={rows}
          rowKey={(x) => x.label}
        />
      }
    />
  );
}

/** The child areas ranked by first-dose coverage, each a link one level down. */
function AreaLeague({
  report,
  r,
  drillTo,
  csv,
}: {
  report: VaccinationReport;
  r: ReportFormat;
  drillTo: (area: ReportArea) => string;
  csv: ReactNode;
}) {
  const { t } = useTranslation();
  const rows = areaRows(report.byArea).sort(
    (a, b) => (b.coverageFirst ?? -1) - (a.coverageFirst ?? -1) || b.doses - a.doses,
  );
  type Row = (typeof rows)[number];
  const title = t('reports.vaccination.byArea');
  return (
    <AreaPanel
      titleId="area-league-title"
      title={title}
      tools={csv}
      intro={t('reports.vaccination.byAreaIntro')}
      testId="area-league"
      columns={[
        { key: 'rank', header: t('reports.rank'), numeric: true, cell: (_, i) => r.number(i + 1) },
        areaColumn(t('reports.area'), r, drillTo, true),
        countColumn<Row>(r, 'doses', t('reports.doses')),
        countColumn<Row>(r, 'firstDose', t('reports.firstDose')),
        countColumn<Row>(r, 'complete', t('reports.complete')),
        countColumn<Row>(r, 'booster', t('reports.booster')),
        {
          key: 'population',
          header: t('reports.population'),
          numeric: true,
          cell: (row) => (row.population ? r.number(row.population) : '—'),
        },
        ...coverageBarColumns<Row>(t, r),
      ]}
      rows={rows}
    />
  );
}

function TrendPanel({ areaId, report, r }: { areaId?: number; report: VaccinationReport; r: ReportFormat }) {
  const { t } = useTranslation();
  const range = useDateRange(30);
  const [productId, setProductId] = useState('');
  const trend = useVaccinationTrend({
    areaId,
    from: range.from,
    to: range.to,
    productId: productId ? Number(productId) : undefined,
  });
  const days = trend.data?.days ?? [];
  type Day = (typeof days)[number];
  const title = t('reports.vaccination.trend');
  const inRange = days.reduce((s, d) => s + d.doses, 0);
  return (
    <ChartPanel
      title={title}
      testId="trend-panel"
      intro={
        <span className="chart-controls">
          <DateRangeFields from={range.from} to={range.to} onChange={range.set} />
          <SelectField
            className="field-medium"
            label={t('reports.vaccine')}
            value={productId}
            onChange={setProductId}
            options={[
              { value: '', label: t('reports.allVaccines') },
              ...report.byProduct.map((p) => ({ value: String(p.productId), label: p.name })),
            ]}
          />
        </span>
      }
      summary={t('reports.summaries.trend', {
        from: r.date(range.from),
        to: r.date(range.to),
        doses: r.number(inRange),
        cumulative: r.number(days.at(-1)?.cumulative ?? 0),
      })}
      chart={(label) => (
        <>
          <ErrorAlert error={trend.error} />
          {trend.isPending ? (
            <Loading />
          ) : (
            <DailyCumulativeChart
              data={days.map((d) => ({ day: d.day, daily: d.doses, cumulative: d.cumulative }))}
              ariaLabel={label}
              r={r}
              dailyLabel={t('reports.dosesPerDay')}
              cumulativeLabel={t('reports.cumulative')}
            />
          )}
        </>
      )}
      table={
        <DataTable
          label={title}
          testId="trend-table"
          columns={[
            { key: 'day', header: t('reports.day'), rowHeader: true, cell: (d) => r.date(d.day) },
            countColumn<Day>(r, 'doses', t('reports.doses')),
            countColumn<Day>(r, 'firstDose', t('reports.firstDose')),
            countColumn<Day>(r, 'complete', t('reports.complete')),
            countColumn<Day>(r, 'booster', t('reports.booster')),
            countColumn<Day>(r, 'cumulative', t('reports.cumulative')),
          ]}
          rows={days}
          rowKey={(d) => d.day}
        />
      }
    />
  );
}

export function VaccinationPage() {
  const { t } = useTranslation();
  const r = useReportFormat();
  usePageTitle(t('reports.tabs.vaccination'));
  const { trail, areaId, drillTo } = useAreaTrail();
  const report = useVaccinationReport(areaId);
  const data = report.data;
  const csvName = data?.area?.code ?? 'national';
  const csv = (table: string, testId?: string) => (
    <CsvButton
      path="/api/reports/vaccination"
      query={{ areaId, table }}
      name={`vaccination-${table}-${csvName}`}
      testId={testId}
    />
  );
  return (
    <>
      <ReportBreadcrumb trail={trail} current={data?.area ?? null} />
      <ErrorAlert error={report.error} />
      {report.isPending && <Loading />}
      {data && (
        <div className={report.isPlaceholderData ? 'report-body is-updating' : 'report-body'}>
          <StatCards
            items={[
              { label: t('reports.dosesGiven'), value: r.number(data.totals.doses), testId: 'total-doses' },
              {
                label: t('reports.firstDose'),
                value: r.number(data.totals.firstDose),
                testId: 'total-first',
              },
              {
                label: t('reports.complete'),
                value: r.number(data.totals.complete),
                testId: 'total-complete',
              },
              { label: t('reports.booster'), value: r.number(data.totals.booster), testId: 'total-booster' },
            ]}
          />
          <TrendPanel areaId={areaId} report={data} r={r} />
          <AreaLeague report={data} r={r} drillTo={drillTo} csv={csv('area', 'csv-area')} />
          <AgeGenderPanel
            title={t('reports.vaccination.byAgeGender')}
            rows={ageGenderRows(data.byAgeGender, (x) => x.doses, r)}
            r={r}
            csv={csv('age_gender')}
            testId="age-gender-panel"
          />
          <div className="report-grid">
            <BreakdownPanel
              title={t('reports.vaccination.byProduct')}
              summary={t('reports.summaries.byProduct', { count: data.byProduct.length })}
              rows={data.byProduct.map((p) => ({ label: p.name, value: p.doses }))}
              valueLabel={t('reports.doses')}
              r={r}
              horizontal
              colour={PALETTE[0]!}
              csv={csv('product')}
            />
            <BreakdownPanel
              title={t('reports.vaccination.byDoseNumber')}
              summary={t('reports.summaries.byDoseNumber')}
              rows={[...data.byDoseNumber]
                .sort((a, b) => a.doseNumber - b.doseNumber)
                .map((d) => ({ label: t('reports.doseN', { n: r.number(d.doseNumber) }), value: d.doses }))}
              valueLabel={t('reports.doses')}
              r={r}
              colour={PALETTE[1]!}
              csv={csv('dose')}
            />
          </div>
          <BreakdownPanel
            title={t('reports.vaccination.byGroup')}
            summary={t('reports.summaries.byGroup', { count: data.byGroup.length })}
            rows={[...data.byGroup]
              .sort((a, b) => b.doses - a.doses)
              .map((g) => ({ label: r.name(g), value: g.doses }))}
            valueLabel={t('reports.doses')}
            r={r}
            horizontal
            colour={PALETTE[3]!}
            csv={csv('group')}
          />
          <section className="panel">
            <h2>{t('reports.downloads')}</h2>
            <p className="panel-intro">{t('reports.lowestIntro')}</p>
            <CsvButton
              path="/api/reports/vaccination"
              query={{ areaId, table: 'lowest' }}
              name={`vaccination-lowest-${csvName}`}
              label={t('reports.lowestCsv')}
            />
          </section>
        </div>
      )}
    </>
  );
}
