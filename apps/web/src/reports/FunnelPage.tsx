import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { ChartPanel, COLOURS, CoverageBar, FunnelBars } from './charts.tsx';
import { CsvButton, ReportBreadcrumb, useAreaTrail } from './common.tsx';
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
              <TableWrap label={title}>
                <table>
                  <caption>{title}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('reports.funnel.stage')}</th>
                      <th scope="col" className="num">
                        {t('reports.peopleCol')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.funnel.ofRegistered')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {STAGES.map((s) => (
                      <tr key={s}>
                        <th scope="row">{t(`reports.funnel.stages.${s}`)}</th>
                        <td className="num">{r.number(data.totals[s])}</td>
                        <td className="num">{r.percent(share(data.totals[s], data.totals.registered))}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            }
          />
          <section className="panel" aria-labelledby="funnel-area-title">
            <div className="panel-head">
              <h2 id="funnel-area-title">{areaTitle}</h2>
              <div className="chart-tools">
                <CsvButton
                  path="/api/reports/funnel"
                  query={{ areaId }}
                  name={`funnel-${data.area?.code ?? 'national'}`}
                />
              </div>
            </div>
            {areaRows(data.byArea).length === 0 ? (
              <p className="empty">{t('reports.lowestLevel')}</p>
            ) : (
              <TableWrap label={areaTitle}>
                <table className="league" data-testid="funnel-areas">
                  <caption className="visually-hidden">{areaTitle}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('reports.area')}</th>
                      {STAGES.map((s) => (
                        <th key={s} scope="col" className="num">
                          {t(`reports.funnel.stages.${s}`)}
                        </th>
                      ))}
                      <th scope="col">{t('reports.funnel.vaccinatedShare')}</th>
                      <th scope="col">{t('reports.funnel.completeShare')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {areaRows(data.byArea)
                      .sort((a, b) => b.registered - a.registered)
                      .map((a) => (
                        <tr key={a.area.id}>
                          <th scope="row">
                            <Link to={drillTo(a.area)}>{r.name(a.area)}</Link>
                          </th>
                          {STAGES.map((s) => (
                            <td key={s} className="num">
                              {r.number(a[s])}
                            </td>
                          ))}
                          <td>
                            <CoverageBar
                              value={share(a.vaccinated, a.registered)}
                              r={r}
                              colour={COLOURS.vaccinated}
                            />
                          </td>
                          <td>
                            <CoverageBar
                              value={share(a.complete, a.vaccinated)}
                              r={r}
                              colour={COLOURS.complete}
                            />
                          </td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>
        </div>
      )}
    </>
  );
}
