import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
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
import { AreaPanel, areaColumn, countColumn, DataTable, genderColumns } from './DataTable.tsx';
import { GENDERS, useReportFormat } from './format.ts';
import { useRegistrationReport } from './queries.ts';
import { areaRows, type RegistrationReport, type ReportArea } from './types.ts';
import { AgeGenderPanel, ageGenderRows } from './VaccinationPage.tsx';

const GENDER_KEYS = { female: 'female', male: 'male', third_gender: 'thirdGender' } as const;

type Day = RegistrationReport['trend'][number];
type Group = RegistrationReport['byGroup'][number];
type AreaRow = RegistrationReport['byArea'][number] & { area: ReportArea };

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
              <DataTable
                label={trendTitle}
                columns={[
                  { key: 'day', header: t('reports.day'), rowHeader: true, cell: (d) => r.date(d.day) },
                  countColumn<Day>(r, 'people', t('reports.registrations.perDay')),
                  countColumn<Day>(r, 'cumulative', t('reports.cumulative')),
                ]}
                rows={data.trend}
                rowKey={(d) => d.day}
              />
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
              <DataTable
                label={groupTitle}
                columns={[
                  { key: 'group', header: t('reports.group'), rowHeader: true, cell: (g) => r.name(g) },
                  ...genderColumns<Group>(r, (g, x) => g[GENDER_KEYS[x]]),
                  countColumn<Group>(r, 'people', t('reports.total')),
                ]}
                rows={data.byGroup}
                rowKey={(g) => g.groupCode}
              />
            }
          />
          <AgeGenderPanel
            title={t('reports.registrations.byAgeGender')}
            rows={ageGenderRows(data.byAgeGender, (x) => x.people, r)}
            r={r}
          />
          <AreaPanel
            titleId="registrations-area-title"
            title={areaTitle}
            tools={
              <CsvButton
                path="/api/reports/registrations"
                query={{ areaId, from: range.from, to: range.to }}
                name={`registrations-${data.area?.code ?? 'national'}`}
              />
            }
            columns={[
              areaColumn<AreaRow>(t('reports.area'), r, drillTo),
              countColumn<AreaRow>(r, 'people', t('reports.registrations.people')),
              ...genderColumns<AreaRow>(r, (a, g) => a[GENDER_KEYS[g]]),
              {
                key: 'femaleShare',
                header: t('reports.registrations.femaleShare'),
                cell: (a) => <CoverageBar value={a.femaleShare} r={r} colour={COLOURS.female} />,
              },
            ]}
            rows={areaRows(data.byArea).sort((a, b) => b.people - a.people)}
          />
        </div>
      )}
    </>
  );
}
