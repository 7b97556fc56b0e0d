import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
import { Pager } from '../ui/Pager.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { COLOURS, CoverageBar } from './charts.tsx';
import { CsvButton, DateRangeFields, ReportBreadcrumb, useAreaTrail, useDateRange } from './common.tsx';
import { useReportFormat } from './format.ts';
import { useFacilityReport } from './queries.ts';
import type { FacilitySort } from './types.ts';

const PAGE = 50;

/** How the vaccination sites did: sessions held, capacity used, people who did not come, doses. */
export function FacilitiesPage() {
  const { t } = useTranslation();
  const r = useReportFormat();
  usePageTitle(t('reports.tabs.facilities'));
  const { trail, areaId } = useAreaTrail();
  const range = useDateRange(30);
  const [sort, setSort] = useState<FacilitySort>('doses');
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const [offset, setOffset] = useState(0);
  const report = useFacilityReport({
    areaId,
    from: range.from,
    to: range.to,
    sort,
    order,
    limit: PAGE,
    offset,
  });
  const data = report.data;
  const title = t('reports.facilities.title');

  const sortHeader = (key: FacilitySort, label: string) => {
    const active = sort === key;
    return (
      <th
        scope="col"
        className="num"
        aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}
      >
        <button
          type="button"
          className="sort-button"
          data-testid={`sort-${key}`}
          onClick={() => {
            setOffset(0);
            if (active) setOrder(order === 'asc' ? 'desc' : 'asc');
            else {
              setSort(key);
              // Best first: most doses, but the lowest no-show rate.
              setOrder(key === 'noShowRate' ? 'asc' : 'desc');
            }
          }}
        >
          {label}
          <span className="sort-mark" aria-hidden="true">
            {active ? (order === 'asc' ? '▲' : '▼') : '↕'}
          </span>
        </button>
      </th>
    );
  };

  return (
    <>
      <ReportBreadcrumb trail={trail} />
      <p className="lead">{t('reports.facilities.intro')}</p>
      <div className="toolbar">
        <div className="toolbar-filters">
          <DateRangeFields
            from={range.from}
            to={range.to}
            onChange={(next) => {
              setOffset(0);
              range.set(next);
            }}
          />
        </div>
        <div className="toolbar-actions">
          <CsvButton
            path="/api/reports/facilities"
            query={{ areaId, from: range.from, to: range.to, sort, order }}
            name="facilities"
          />
        </div>
      </div>
      <ErrorAlert error={report.error} />
      {report.isPending && <Loading />}
      {data && (
        <div className={report.isPlaceholderData ? 'report-body is-updating' : 'report-body'}>
          <TableWrap label={title}>
            <table className="facility-report" data-testid="facility-report">
              <caption>
                {t('reports.facilities.caption', { from: r.date(data.from), to: r.date(data.to) })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('reports.facilities.facility')}</th>
                  <th scope="col" className="num">
                    {t('reports.facilities.sessions')}
                  </th>
                  {sortHeader('capacityUsed', t('reports.facilities.capacityUsed'))}
                  <th scope="col" className="num">
                    {t('reports.facilities.booked')}
                  </th>
                  <th scope="col" className="num">
                    {t('reports.facilities.attended')}
                  </th>
                  {sortHeader('noShowRate', t('reports.facilities.noShowRate'))}
                  {sortHeader('doses', t('reports.doses'))}
                  <th scope="col" className="num">
                    {t('reports.facilities.vaccinators')}
                  </th>
                  {sortHeader('dosesPerVaccinatorHour', t('reports.facilities.perVaccinatorHour'))}
                </tr>
              </thead>
              <tbody>
                {data.items.map((row) => (
                  <tr key={row.facility.id}>
                    <th scope="row">
                      {r.name(row.facility)}
                      <span className="row-sub">
                        {r.name({ nameEn: row.facility.areaNameEn, nameBn: row.facility.areaNameBn })}
                      </span>
                    </th>
                    <td className="num">{r.number(row.sessions)}</td>
                    <td className="num">
                      <CoverageBar value={row.capacityUsed} r={r} colour={COLOURS.doses} />
                    </td>
                    <td className="num">{r.number(row.booked)}</td>
                    <td className="num">{r.number(row.attended)}</td>
                    <td className="num">
                      <span
                        className={
                          row.noShowRate !== null && row.noShowRate >= 0.25 ? 'figure-warn' : undefined
                        }
                      >
                        {r.percent(row.noShowRate)}
                      </span>
                    </td>
                    <td className="num">{r.number(row.doses)}</td>
                    <td className="num">{r.number(row.vaccinators)}</td>
                    <td className="num">{r.decimal(row.dosesPerVaccinatorHour)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {data.items.length === 0 && <p className="empty">{t('reports.facilities.none')}</p>}
          {data.total > PAGE && (
            <Pager
              summary={t('common.rowsShown', {
                from: r.number(offset + 1),
                to: r.number(Math.min(offset + PAGE, data.total)),
              })}
              hasPrevious={offset > 0}
              hasNext={offset + PAGE < data.total}
              onPrevious={() => setOffset(Math.max(0, offset - PAGE))}
              onNext={() => setOffset(offset + PAGE)}
            />
          )}
        </div>
      )}
    </>
  );
}
