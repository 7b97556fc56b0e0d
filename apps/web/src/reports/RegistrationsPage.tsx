import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { CategoryBars, ChartPanel, COLOURS, CoverageBar, DailyCumulativeChart } from './charts.tsx';
import {
  CsvButton,
  DateRangeFields,
  ReportBreadcrumb,
  StatCards,
  useAreaTrail,
  useDateRange,
} from './common.tsx';
import { GENDERS, useReportFormat } from './format.ts';
import { useRegistrationReport } from './queries.ts';
import { areaRows } from './types.ts';
import { AgeGenderPanel, ageGenderRows } from './VaccinationPage.tsx';

const GENDER_KEYS = { female: 'female', male: 'male', third_gender: 'thirdGender' } as const;

/** Who has registered: women's share first, then priority groups, ages and the daily count. */
export function RegistrationsPage() {
  const { t } = useTranslation();
  const r = useReportFormat();
  usePageTitle(t('reports.tabs.registrations'));
  const { trail, areaId, drillTo } = useAreaTrail();
  const range = useDateRange(30);
  const report = useRegistrationReport({ areaId, from: range.from, to: range.to });
  const data = report.data;
  const trendTitle = t('reports.registrations.trend');
  const groupTitle = t('reports.registrations.byGroup');
  const areaTitle = t('reports.registrations.byArea');
  const series = GENDERS.map((g) => ({ key: g, label: r.gender(g), colour: COLOURS[g] }));
  return (
    <>
      <ReportBreadcrumb trail={trail} current={data?.area ?? null} />
      <ErrorAlert error={report.error} />
      {report.isPending && <Loading />}
      {data && (
        <div className={report.isPlaceholderData ? 'report-body is-updating' : 'report-body'}>
          <StatCards
            items={[
              {
                label: t('reports.registrations.femaleShare'),
                value: r.percent(data.totals.femaleShare),
                tone: 'headline',
                testId: 'female-share',
                note: t('reports.registrations.femaleShareNote'),
              },
              {
                label: t('reports.registrations.people'),
                value: r.number(data.totals.people),
                testId: 'registered-total',
              },
              { label: r.gender('female'), value: r.number(data.totals.female) },
              { label: r.gender('male'), value: r.number(data.totals.male) },
              { label: r.gender('third_gender'), value: r.number(data.totals.thirdGender) },
            ]}
          />
          <ChartPanel
            title={trendTitle}
            intro={
              <span className="chart-controls">
                <DateRangeFields from={range.from} to={range.to} onChange={range.set} />
              </span>
            }
            summary={t('reports.summaries.registrationTrend', {
              from: r.date(range.from),
              to: r.date(range.to),
              people: r.number(data.trend.reduce((s, d) => s + d.people, 0)),
            })}
            chart={(label) => (
              <DailyCumulativeChart
                data={data.trend.map((d) => ({ day: d.day, daily: d.people, cumulative: d.cumulative }))}
                ariaLabel={label}
                r={r}
                dailyLabel={t('reports.registrations.perDay')}
                cumulativeLabel={t('reports.cumulative')}
              />
            )}
            table={
              <TableWrap label={trendTitle}>
                <table>
                  <caption>{trendTitle}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('reports.day')}</th>
                      <th scope="col" className="num">
                        {t('reports.registrations.perDay')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.cumulative')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.trend.map((d) => (
                      <tr key={d.day}>
                        <th scope="row">{r.date(d.day)}</th>
                        <td className="num">{r.number(d.people)}</td>
                        <td className="num">{r.number(d.cumulative)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            }
          />
          <ChartPanel
            title={groupTitle}
            summary={t('reports.summaries.byGroup', { count: data.byGroup.length })}
            chart={(label) => (
              <CategoryBars
                data={[...data.byGroup]
                  .sort((a, b) => b.people - a.people)
                  .map((g) => ({
                    group: r.name(g),
                    female: g.female,
                    male: g.male,
                    third_gender: g.thirdGender,
                  }))}
                category="group"
                series={series}
                stacked
                horizontal
                ariaLabel={label}
                r={r}
              />
            )}
            table={
              <TableWrap label={groupTitle}>
                <table>
                  <caption>{groupTitle}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('reports.group')}</th>
                      {GENDERS.map((g) => (
                        <th key={g} scope="col" className="num">
                          {r.gender(g)}
                        </th>
                      ))}
                      <th scope="col" className="num">
                        {t('reports.total')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.byGroup.map((g) => (
                      <tr key={g.groupCode}>
                        <th scope="row">{r.name(g)}</th>
                        {GENDERS.map((x) => (
                          <td key={x} className="num">
                            {r.number(g[GENDER_KEYS[x]])}
                          </td>
                        ))}
                        <td className="num">{r.number(g.people)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            }
          />
          <AgeGenderPanel
            title={t('reports.registrations.byAgeGender')}
            rows={ageGenderRows(data.byAgeGender, (x) => x.people, r)}
            r={r}
          />
          <section className="panel" aria-labelledby="registrations-area-title">
            <div className="panel-head">
              <h2 id="registrations-area-title">{areaTitle}</h2>
              <div className="chart-tools">
                <CsvButton
                  path="/api/reports/registrations"
                  query={{ areaId, from: range.from, to: range.to }}
                  name={`registrations-${data.area?.code ?? 'national'}`}
                />
              </div>
            </div>
            {areaRows(data.byArea).length === 0 ? (
              <p className="empty">{t('reports.lowestLevel')}</p>
            ) : (
              <TableWrap label={areaTitle}>
                <table className="league">
                  <caption className="visually-hidden">{areaTitle}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('reports.area')}</th>
                      <th scope="col" className="num">
                        {t('reports.registrations.people')}
                      </th>
                      {GENDERS.map((g) => (
                        <th key={g} scope="col" className="num">
                          {r.gender(g)}
                        </th>
                      ))}
                      <th scope="col">{t('reports.registrations.femaleShare')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {areaRows(data.byArea)
                      .sort((a, b) => b.people - a.people)
                      .map((a) => (
                        <tr key={a.area.id}>
                          <th scope="row">
                            <Link to={drillTo(a.area)}>{r.name(a.area)}</Link>
                          </th>
                          <td className="num">{r.number(a.people)}</td>
                          {GENDERS.map((g) => (
                            <td key={g} className="num">
                              {r.number(a[GENDER_KEYS[g]])}
                            </td>
                          ))}
                          <td>
                            <CoverageBar value={a.femaleShare} r={r} colour={COLOURS.female} />
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
