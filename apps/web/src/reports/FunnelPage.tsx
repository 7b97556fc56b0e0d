import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { ChartPanel, COLOURS, CoverageBar, FunnelBars } from './charts.tsx';
import { CsvButton, ReportBreadcrumb, useAreaTrail } from './common.tsx';
import { AreaPanel, areaColumn, countColumn, DataTable } from './DataTable.tsx';
import { useReportFormat } from './format.ts';
import { useFunnelReport } from './queries.ts';
import { areaRows, type FunnelCounts } from './types.ts';

const STAGES = [
  'registered',
  'booked',
  'vaccinated',
  'complete',
] as const satisfies readonly (keyof FunnelCounts)[];

const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/** From registration to a complete course: where people drop out, area by area. */
export function FunnelPage() {
  const { t } = useTranslation();
  const r = useReportFormat();
  usePageTitle(t('reports.tabs.funnel'));
  const { trail, areaId, drillTo } = useAreaTrail();
  const report = useFunnelReport(areaId);
  const data = report.data;
  const title = t('reports.funnel.title');
  const areaTitle = t('reports.funnel.byArea');
  return (
    <>
      <ReportBreadcrumb trail={trail} current={data?.area ?? null} />
      <p className="lead">{t('reports.funnel.intro')}</p>
      <ErrorAlert error={report.error} />
      {report.isPending && <Loading />}
      {data && (
        <div className={report.isPlaceholderData ? 'report-body is-updating' : 'report-body'}>
          <ChartPanel
            title={title}
            testId="funnel-panel"
            summary={t('reports.summaries.funnel', {
              registered: r.number(data.totals.registered),
              complete: r.number(data.totals.complete),
            })}
            chart={(label) => (
              <FunnelBars
                data={STAGES.map((s) => ({
                  stage: t(`reports.funnel.stages.${s}`),
                  value: data.totals[s],
                  colour: COLOURS[s],
                }))}
                ariaLabel={label}
                r={r}
              />
            )}
            table={
              <DataTable
                label={title}
                columns={[
                  {
                    key: 'stage',
                    header: t('reports.funnel.stage'),
                    rowHeader: true,
                    cell: (s) => t(`reports.funnel.stages.${s}`),
                  },
                  {
                    key: 'people',
                    header: t('reports.peopleCol'),
                    numeric: true,
                    cell: (s) => r.number(data.totals[s]),
                  },
                  {
                    key: 'share',
                    header: t('reports.funnel.ofRegistered'),
                    numeric: true,
                    cell: (s) => r.percent(share(data.totals[s], data.totals.registered)),
                  },
                ]}
                rows={STAGES}
                rowKey={(s) => s}
              />
            }
          />
          <AreaPanel
            titleId="funnel-area-title"
            title={areaTitle}
            tools={
              <CsvButton
                path="/api/reports/funnel"
                query={{ areaId }}
                name={`funnel-${data.area?.code ?? 'national'}`}
              />
            }
            testId="funnel-areas"
            columns={[
              areaColumn(t('reports.area'), r, drillTo),
              ...STAGES.map((s) => countColumn<FunnelCounts>(r, s, t(`reports.funnel.stages.${s}`))),
              {
                key: 'vaccinatedShare',
                header: t('reports.funnel.vaccinatedShare'),
                cell: (a) => (
                  <CoverageBar value={share(a.vaccinated, a.registered)} r={r} colour={COLOURS.vaccinated} />
                ),
              },
              {
                key: 'completeShare',
                header: t('reports.funnel.completeShare'),
                cell: (a) => (
                  <CoverageBar value={share(a.complete, a.vaccinated)} r={r} colour={COLOURS.complete} />
                ),
              },
            ]}
            rows={areaRows(data.byArea).sort((a, b) => b.registered - a.registered)}
          />
        </div>
      )}
    </>
  );
}
