import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
import { Pager } from '../ui/Pager.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { COLOURS, CoverageBar } from './charts.tsx';
import { CsvButton, DateRangeFields, ReportBreadcrumb, useAreaTrail, useDateRange } from './common.tsx';
import { countColumn, DataTable, type Column } from './DataTable.tsx';
import { useReportFormat } from './format.ts';
import { useFacilityReport } from './queries.ts';
import type { FacilityReport, FacilitySort } from './types.ts';

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

  type Row = FacilityReport['items'][number];
  /** A column the table can be sorted on: its head is a button. */
  const sortColumn = (key: FacilitySort, label: string, cell: (row: Row) => ReactNode): Column<Row> => {
    const active = sort === key;
    return {
      key,
      numeric: true,
      sort: active ? (order === 'asc' ? 'ascending' : 'descending') : undefined,
      header: (
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
      ),
      cell,
    };
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
          <DataTable
            label={title}
            caption={t('reports.facilities.caption', { from: r.date(data.from), to: r.date(data.to) })}
            className="facility-report"
            testId="facility-report"
            columns={[
              {
                key: 'facility',
                header: t('reports.facilities.facility'),
                rowHeader: true,
                cell: (row) => (
                  <>
                    {r.name(row.facility)}
                    <span className="row-sub">
                      {r.name({ nameEn: row.facility.areaNameEn, nameBn: row.facility.areaNameBn })}
                    </span>
                  </>
                ),
              },
              countColumn<Row>(r, 'sessions', t('reports.facilities.sessions')),
              sortColumn('capacityUsed', t('reports.facilities.capacityUsed'), (row) => (
                <CoverageBar value={row.capacityUsed} r={r} colour={COLOURS.doses} />
              )),
              countColumn<Row>(r, 'booked', t('reports.facilities.booked')),
              countColumn<Row>(r, 'attended', t('reports.facilities.attended')),
              sortColumn('noShowRate', t('reports.facilities.noShowRate'), (row) => (
                <span
                  className={row.noShowRate !== null && row.noShowRate >= 0.25 ? 'figure-warn' : undefined}
                >
                  {r.percent(row.noShowRate)}
                </span>
              )),
              sortColumn('doses', t('reports.doses'), (row) => r.number(row.doses)),
              countColumn<Row>(r, 'vaccinators', t('reports.facilities.vaccinators')),
              sortColumn('dosesPerVaccinatorHour', t('reports.facilities.perVaccinatorHour'), (row) =>
                r.decimal(row.dosesPerVaccinatorHour),
              ),
            ]}
            rows={data.items}
            rowKey={(row) => row.facility.id}
          />
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
