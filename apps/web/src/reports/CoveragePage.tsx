import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { CategoryBars, ChartPanel, COLOURS, CoverageBar } from './charts.tsx';
import { CsvButton, ReportBreadcrumb, StatCards, useAreaTrail } from './common.tsx';
import { bandStart, GENDERS, useReportFormat, type ReportFormat } from './format.ts';
import { useCoverageReport } from './queries.ts';
import { areaRows, type CoverageRow } from './types.ts';

/** Columns shared by every coverage table. */
function CoverageCells({ row, r }: { row: CoverageRow; r: ReportFormat }) {
  return (
    <>
      <td className="num">{row.population ? r.number(row.population) : '—'}</td>
      <td className="num">{r.number(row.firstDose)}</td>
      <td className="num">{r.number(row.complete)}</td>
      <td className="num">{r.number(row.booster)}</td>
      <td>
        <CoverageBar value={row.coverageFirst} r={r} colour={COLOURS.firstDose} />
      </td>
      <td>
        <CoverageBar value={row.coverageComplete} r={r} colour={COLOURS.complete} />
      </td>
    </>
  );
}

function CoverageHead({ first }: { first: string }) {
  const { t } = useTranslation();
  return (
    <thead>
      <tr>
        <th scope="col">{first}</th>
        <th scope="col" className="num">
          {t('reports.population')}
        </th>
        <th scope="col" className="num">
          {t('reports.firstDose')}
        </th>
        <th scope="col" className="num">
          {t('reports.complete')}
        </th>
        <th scope="col" className="num">
          {t('reports.booster')}
        </th>
        <th scope="col">{t('reports.coverageFirst')}</th>
        <th scope="col">{t('reports.coverageComplete')}</th>
      </tr>
    </thead>
  );
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
              <TableWrap label={bandTitle}>
                <table>
                  <caption>{bandTitle}</caption>
                  <CoverageHead first={t('reports.ageBand')} />
                  <tbody>
                    {byBand.map((b) => (
                      <tr key={String(b.ageBand)}>
                        <th scope="row">{r.bandYears(b.ageBand)}</th>
                        <CoverageCells row={b} r={r} />
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
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
              <TableWrap label={genderTitle}>
                <table>
                  <caption>{genderTitle}</caption>
                  <CoverageHead first={t('reports.gender')} />
                  <tbody>
                    {byGender.map((g) => (
                      <tr key={g.gender}>
                        <th scope="row">{r.gender(g.gender)}</th>
                        <CoverageCells row={g} r={r} />
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            }
          />
          <section className="panel" aria-labelledby="coverage-area-title">
            <div className="panel-head">
              <h2 id="coverage-area-title">{areaTitle}</h2>
              <div className="chart-tools">
                <CsvButton
                  path="/api/reports/coverage"
                  query={{ areaId }}
                  name={`coverage-${data.area?.code ?? 'national'}`}
                />
              </div>
            </div>
            {areaRows(data.byArea).length === 0 ? (
              <p className="empty">{t('reports.lowestLevel')}</p>
            ) : (
              <TableWrap label={areaTitle}>
                <table className="league" data-testid="coverage-areas">
                  <caption className="visually-hidden">{areaTitle}</caption>
                  <CoverageHead first={t('reports.area')} />
                  <tbody>
                    {areaRows(data.byArea)
                      .sort((a, b) => (b.coverageFirst ?? -1) - (a.coverageFirst ?? -1))
                      .map((a) => (
                        <tr key={a.area.id}>
                          <th scope="row">
                            <Link to={drillTo(a.area)}>{r.name(a.area)}</Link>
                          </th>
                          <CoverageCells row={a} r={r} />
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
