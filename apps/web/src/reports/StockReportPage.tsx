import { useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { STORE_LEVELS } from '../stock/StockHomePage.tsx';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { CheckboxField, SelectField, TextField } from '../ui/fields.tsx';
import { Loading } from '../ui/Notice.tsx';
import { Pager } from '../ui/Pager.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { CategoryBars, ChartPanel } from './charts.tsx';
import { CsvButton, ReportBreadcrumb, StatCards, useAreaTrail } from './common.tsx';
import { DataTable, ReportSection } from './DataTable.tsx';
import { useReportFormat } from './format.ts';
import { useStockReport } from './queries.ts';

const WINDOWS = [30, 60, 90] as const;
const WINDOW_COLOURS = { 30: '#a4262c', 60: '#c25400', 90: '#b07800' } as const;
/** Fewer days of supply than this is a warning on the screen. */
const LOW_SUPPLY_DAYS = 14;
/** Rows per page: a national answer holds every store of the country. */
const PAGE = 50;

/** Stock on hand, how long it lasts, what is wasted, and the lots about to expire. */
export function StockReportPage() {
  const { t } = useTranslation();
  const r = useReportFormat();
  usePageTitle(t('reports.tabs.stock'));
  const { trail, areaId } = useAreaTrail();
  const report = useStockReport(areaId);
  const data = report.data;
  const [within, setWithin] = useState<(typeof WINDOWS)[number]>(90);
  const [level, setLevel] = useState('');
  const [q, setQ] = useState('');
  const [lowOnly, setLowOnly] = useState(false);
  const [storePage, setStorePage] = useState(0);
  const [lotPage, setLotPage] = useState(0);
  const storeTitle = t('reports.stock.byStore');
  const expiringTitle = t('reports.stock.expiring');
  const expiring = (data?.expiring ?? [])
    .filter((e) => e.withinDays <= within)
    .sort((a, b) => a.lot.expiresOn.localeCompare(b.lot.expiresOn));
  const products = [...new Set((data?.expiring ?? []).map((e) => e.lot.productCode))].sort();
  const chartData = products.map((code) => {
    const row: Record<string, string | number> = { product: code };
    for (const w of WINDOWS)
      row[`d${w}`] = (data?.expiring ?? [])
        .filter((e) => e.lot.productCode === code && e.withinDays === w)
        .reduce((s, e) => s + e.doses, 0);
    return row;
  });
  const rows = (data?.stores ?? []).flatMap((s) => s.products.map((p) => ({ store: s.store, ...p })));
  const isLow = (x: { daysOfSupply: number | null }) =>
    x.daysOfSupply !== null && x.daysOfSupply < LOW_SUPPLY_DAYS;
  const low = rows.filter(isLow).length;
  const needle = q.trim().toLowerCase();
  const shown = rows
    .filter((x) => !level || x.store.level === level)
    .filter((x) => !lowOnly || isLow(x))
    .filter(
      (x) =>
        !needle ||
        x.store.nameEn.toLowerCase().includes(needle) ||
        x.store.nameBn.includes(needle) ||
        x.store.code.toLowerCase().includes(needle),
    )
    .sort(
      (a, b) =>
        STORE_LEVELS.indexOf(a.store.level as (typeof STORE_LEVELS)[number]) -
          STORE_LEVELS.indexOf(b.store.level as (typeof STORE_LEVELS)[number]) ||
        (lowOnly ? (a.daysOfSupply ?? 0) - (b.daysOfSupply ?? 0) : 0),
    );
  const storeRows = shown.slice(storePage * PAGE, (storePage + 1) * PAGE);
  const lotRows = expiring.slice(lotPage * PAGE, (lotPage + 1) * PAGE);
  const pageSummary = (page: number, total: number) =>
    t('common.rowsShown', {
      from: r.number(page * PAGE + 1),
      to: r.number(Math.min((page + 1) * PAGE, total)),
    });
  return (
    <>
      <ReportBreadcrumb trail={trail} />
      <p className="lead">{t('reports.stock.intro')}</p>
      <ErrorAlert error={report.error} />
      {report.isPending && <Loading />}
      {data && (
        <div className={report.isPlaceholderData ? 'report-body is-updating' : 'report-body'}>
          <StatCards
            items={[
              { label: t('reports.stock.stores'), value: r.number(data.stores.length) },
              { label: t('reports.stock.onHand'), value: r.number(rows.reduce((s, x) => s + x.onHand, 0)) },
              {
                label: t('reports.stock.lowSupply', { days: r.number(LOW_SUPPLY_DAYS) }),
                value: r.number(low),
                tone: low > 0 ? 'warn' : undefined,
              },
              {
                label: t('reports.stock.expiringIn', { days: r.number(30) }),
                value: r.number(
                  data.expiring.filter((e) => e.withinDays === 30).reduce((s, e) => s + e.doses, 0),
                ),
                tone: data.expiring.some((e) => e.withinDays === 30) ? 'warn' : undefined,
              },
            ]}
          />
          <ReportSection
            titleId="stock-store-title"
            title={storeTitle}
            tools={<CsvButton path="/api/reports/stock" query={{ areaId }} name="stock" />}
            intro={t('reports.stock.byStoreIntro')}
          >
            <div className="toolbar">
              <div className="toolbar-filters">
                <TextField
                  label={t('stock.findStore')}
                  type="search"
                  value={q}
                  onChange={(v) => {
                    setQ(v);
                    setStorePage(0);
                  }}
                />
                <SelectField
                  className="field-narrow"
                  label={t('stock.level')}
                  value={level}
                  onChange={(v) => {
                    setLevel(v);
                    setStorePage(0);
                  }}
                  options={[
                    { value: '', label: t('stock.allLevels') },
                    ...STORE_LEVELS.map((l) => ({ value: l, label: t(`stock.levels.${l}`) })),
                  ]}
                />
                <CheckboxField
                  label={t('reports.stock.lowOnly', { days: r.number(LOW_SUPPLY_DAYS) })}
                  checked={lowOnly}
                  onChange={(v) => {
                    setLowOnly(v);
                    setStorePage(0);
                  }}
                />
              </div>
            </div>
            {shown.length === 0 ? (
              <p className="empty">{t('reports.stock.none')}</p>
            ) : (
              <TableWrap label={storeTitle}>
                <table data-testid="stock-report">
                  <caption className="visually-hidden">{storeTitle}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('reports.stock.store')}</th>
                      <th scope="col">{t('reports.vaccine')}</th>
                      <th scope="col" className="num">
                        {t('reports.stock.onHand')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.stock.dailyUse')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.stock.daysOfSupply')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.stock.administered')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.stock.wasted')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.stock.wastageRate')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {storeRows.map((x, i) => (
                      <tr
                        key={`${x.store.id}-${x.productId}`}
                        className={
                          i > 0 && storeRows[i - 1]!.store.id === x.store.id ? 'same-store' : undefined
                        }
                      >
                        {(i === 0 || storeRows[i - 1]!.store.id !== x.store.id) && (
                          <th
                            scope="rowgroup"
                            className="store-cell"
                            rowSpan={storeRows.filter((y) => y.store.id === x.store.id).length}
                          >
                            <Link to={`/console/stock/${x.store.id}`}>{r.name(x.store)}</Link>
                            <span className="row-sub">
                              {t(`stock.levels.${x.store.level}`, { defaultValue: x.store.level })}
                            </span>
                          </th>
                        )}
                        <td>
                          <code>{x.code}</code>
                        </td>
                        <td className="num">{r.number(x.onHand)}</td>
                        <td className="num">{r.decimal(x.dailyUse)}</td>
                        <td className="num">
                          {x.daysOfSupply === null ? (
                            '—'
                          ) : (
                            <span className={x.daysOfSupply < LOW_SUPPLY_DAYS ? 'figure-warn' : undefined}>
                              {r.number(Math.floor(x.daysOfSupply))}
                            </span>
                          )}
                        </td>
                        <td className="num">{r.number(x.administered)}</td>
                        <td className="num">{r.number(x.wasted)}</td>
                        <td className="num">{r.percent(x.wastageRate)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
            {shown.length > PAGE && (
              <Pager
                summary={pageSummary(storePage, shown.length)}
                hasPrevious={storePage > 0}
                hasNext={(storePage + 1) * PAGE < shown.length}
                onPrevious={() => setStorePage(storePage - 1)}
                onNext={() => setStorePage(storePage + 1)}
              />
            )}
          </ReportSection>
          <ChartPanel
            title={expiringTitle}
            testId="expiring-panel"
            tableOpen
            intro={
              <span className="segmented" role="group" aria-label={t('reports.stock.window')}>
                {WINDOWS.map((w) => (
                  <button
                    key={w}
                    type="button"
                    className="button secondary small"
                    aria-pressed={within === w}
                    onClick={() => {
                      setWithin(w);
                      setLotPage(0);
                    }}
                  >
                    {t('reports.stock.withinDays', { days: r.number(w) })}
                  </button>
                ))}
              </span>
            }
            summary={t('reports.summaries.expiring', {
              doses: r.number(expiring.reduce((s, e) => s + e.doses, 0)),
              days: r.number(within),
            })}
            chart={(label) =>
              chartData.length === 0 ? (
                <p className="empty">{t('reports.stock.noneExpiring')}</p>
              ) : (
                <CategoryBars
                  data={chartData}
                  category="product"
                  stacked
                  series={WINDOWS.filter((w) => w <= within).map((w) => ({
                    key: `d${w}`,
                    label: t('reports.stock.withinDays', { days: r.number(w) }),
                    colour: WINDOW_COLOURS[w],
                  }))}
                  horizontal
                  ariaLabel={label}
                  r={r}
                />
              )
            }
            table={
              <>
                <DataTable
                  label={expiringTitle}
                  caption={t('reports.stock.expiringCaption', { days: r.number(within) })}
                  columns={[
                    {
                      key: 'lot',
                      header: t('reports.stock.lot'),
                      rowHeader: true,
                      cell: (e) => <code>{e.lot.lotNumber}</code>,
                    },
                    {
                      key: 'vaccine',
                      header: t('reports.vaccine'),
                      cell: (e) => <code>{e.lot.productCode}</code>,
                    },
                    { key: 'store', header: t('reports.stock.store'), cell: (e) => r.name(e.store) },
                    {
                      key: 'expiresOn',
                      header: t('reports.stock.expiresOn'),
                      cell: (e) => (
                        <>
                          {r.date(e.lot.expiresOn)}{' '}
                          <span className={e.withinDays === 30 ? 'badge badge-bad' : 'badge badge-warn'}>
                            {t('reports.stock.withinDays', { days: r.number(e.withinDays) })}
                          </span>
                        </>
                      ),
                    },
                    {
                      key: 'doses',
                      header: t('reports.doses'),
                      numeric: true,
                      cell: (e) => r.number(e.doses),
                    },
                  ]}
                  rows={lotRows}
                  rowKey={(e) => `${e.lot.id}-${e.store.id}`}
                />
                {expiring.length > PAGE && (
                  <Pager
                    summary={pageSummary(lotPage, expiring.length)}
                    hasPrevious={lotPage > 0}
                    hasNext={(lotPage + 1) * PAGE < expiring.length}
                    onPrevious={() => setLotPage(lotPage - 1)}
                    onNext={() => setLotPage(lotPage + 1)}
                  />
                )}
              </>
            }
          />
        </div>
      )}
    </>
  );
}
