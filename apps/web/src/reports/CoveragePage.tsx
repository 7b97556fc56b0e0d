import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { CategoryBars, ChartPanel, COLOURS } from './charts.tsx';
import { CsvButton, ReportBreadcrumb, StatCards, useAreaTrail } from './common.tsx';
import {
  AreaPanel,
  areaColumn,
  countColumn,
  coverageBarColumns,
  DataTable,
  type Column,
} from './DataTable.tsx';
import { bandStart, GENDERS, useReportFormat, type ReportFormat } from './format.ts';
import { useCoverageReport } from './queries.ts';
import { areaRows, type CoverageRow } from './types.ts';

/** The columns of every coverage table after the first. */
function coverageColumns(t: TFunction, r: ReportFormat): Column<CoverageRow>[] {
  return [
    {
      key: 'population',
      header: t('reports.population'),
      numeric: true,
      cell: (row) => (row.population ? r.number(row.population) : '—'),
    },
    countColumn<CoverageRow>(r, 'firstDose', t('reports.firstDose')),
    countColumn<CoverageRow>(r, 'complete', t('reports.complete')),
    countColumn<CoverageRow>(r, 'booster', t('reports.booster')),
    ...coverageBarColumns<CoverageRow>(t, r),
  ];
}

export function CoveragePage() {
  const { t } = useTranslation();
  const r = useReportFormat();
  usePageTitle(t('reports.tabs.coverage'));
  const { trail, areaId, drillTo } = useAreaTrail();
  const report = useCoverageReport(areaId);
  const data = report.data;
  const series = [
    { key: 'coverageFirst', label: t('reports.firstDose'), colour: COLOURS.firstDose },
    { key: 'coverageComplete', label: t('reports.complete'), colour: COLOURS.complete },
  ];
  const byBand = [...(data?.byAgeBand ?? [])].sort((a, b) => bandStart(a.ageBand) - bandStart(b.ageBand));
  const byGender = GENDERS.map((g) => data?.byGender.find((x) => x.gender === g)).filter((x) => !!x);
  const bandTitle = t('reports.coverage.byAgeBand');
  const genderTitle = t('reports.coverage.byGender');
  const areaTitle = t('reports.coverage.byArea');
  return (
    <>
      <ReportBreadcrumb trail={trail} current={data?.area ?? null} />
      <p className="lead">{t('reports.coverage.intro')}</p>
      <ErrorAlert error={report.error} />
      {report.isPending && <Loading />}
      {data && (
        <div className={report.isPlaceholderData ? 'report-body is-updating' : 'report-body'}>
          <StatCards
            items={[
              { label: t('reports.population'), value: r.number(data.totals.population) },
              {
                label: t('reports.coverageFirst'),
                value: r.percent(data.totals.coverageFirst),
                note: t('reports.people', {
                  count: data.totals.firstDose,
                  n: r.number(data.totals.firstDose),
                }),
                testId: 'coverage-first',
              },
              {
                label: t('reports.coverageComplete'),
                value: r.percent(data.totals.coverageComplete),
                note: t('reports.people', { count: data.totals.complete, n: r.number(data.totals.complete) }),
              },
              {
                label: t('reports.coverageBooster'),
                value: r.percent(data.totals.coverageBooster),
                note: t('reports.people', { count: data.totals.booster, n: r.number(data.totals.booster) }),
              },
            ]}
          />
          {!data.totals.population && <p className="notice notice-info">{t('reports.noPopulation')}</p>}
          <ChartPanel
            title={bandTitle}
            testId="coverage-age-panel"
            summary={t('reports.summaries.coverageByBand')}
            chart={(label) => (
              <CategoryBars
                data={byBand.map((b) => ({
                  band: r.band(b.ageBand),
                  coverageFirst: b.coverageFirst,
                  coverageComplete: b.coverageComplete,
                }))}
                category="band"
                series={series}
                percent
                ariaLabel={label}
                r={r}
              />
            )}
            table={
              <DataTable
                label={bandTitle}
                columns={[
                  {
                    key: 'band',
                    header: t('reports.ageBand'),
                    rowHeader: true,
                    cell: (b) => r.bandYears(b.ageBand),
                  },
                  ...coverageColumns(t, r),
                ]}
                rows={byBand}
                rowKey={(b) => String(b.ageBand)}
              />
            }
          />
          <ChartPanel
            title={genderTitle}
            summary={t('reports.summaries.coverageByGender')}
            chart={(label) => (
              <CategoryBars
                data={byGender.map((g) => ({
                  gender: r.gender(g.gender),
                  coverageFirst: g.coverageFirst,
                  coverageComplete: g.coverageComplete,
                }))}
                category="gender"
                series={series}
                percent
                horizontal
                ariaLabel={label}
                r={r}
              />
            )}
            table={
              <DataTable
                label={genderTitle}
                columns={[
                  {
                    key: 'gender',
                    header: t('reports.gender'),
                    rowHeader: true,
                    cell: (g) => r.gender(g.gender),
                  },
                  ...coverageColumns(t, r),
                ]}
                rows={byGender}
                rowKey={(g) => g.gender}
              />
            }
          />
          <AreaPanel
            titleId="coverage-area-title"
            title={areaTitle}
            tools={
              <CsvButton
                path="/api/reports/coverage"
                query={{ areaId }}
                name={`coverage-${data.area?.code ?? 'national'}`}
              />
            }
            testId="coverage-areas"
            columns={[areaColumn(t('reports.area'), r, drillTo), ...coverageColumns(t, r)]}
            rows={areaRows(data.byArea).sort((a, b) => (b.coverageFirst ?? -1) - (a.coverageFirst ?? -1))}
          />
        </div>
      )}
    </>
  );
}
