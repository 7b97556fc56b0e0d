import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { CategoryBars, ChartPanel, COLOURS } from './charts.tsx';
import {
  CsvButton,
  DateRangeFields,
  ReportBreadcrumb,
  StatCards,
  useAreaTrail,
  useDateRange,
} from './common.tsx';
import { useReportFormat } from './format.ts';
import { useAefiReport } from './queries.ts';

const STATUSES = ['open', 'investigating', 'closed', 'not_required'] as const;

/** Side effects reported after vaccination, per 100,000 doses of each vaccine and lot. */
export function AefiReportPage() {
  const { t } = useTranslation();
  const r = useReportFormat();
  usePageTitle(t('reports.tabs.aefi'));
  const { trail, areaId } = useAreaTrail();
  const range = useDateRange(90);
  const report = useAefiReport({ areaId, from: range.from, to: range.to });
  const data = report.data;
  const productTitle = t('reports.aefi.byProduct');
  const lotTitle = t('reports.aefi.byLot');
  const counts = new Map((data?.investigations ?? []).map((i) => [i.status, i.count]));
  const statuses = [...new Set([...STATUSES, ...(data?.investigations ?? []).map((i) => i.status)])];
  return (
    <>
      <ReportBreadcrumb trail={trail} />
      <p className="lead">{t('reports.aefi.intro')}</p>
      <div className="toolbar">
        <div className="toolbar-filters">
          <DateRangeFields from={range.from} to={range.to} onChange={range.set} />
        </div>
        <div className="toolbar-actions">
          <CsvButton
            path="/api/reports/aefi"
            query={{ areaId, from: range.from, to: range.to }}
            name="aefi"
          />
        </div>
      </div>
      <ErrorAlert error={report.error} />
      {report.isPending && <Loading />}
      {data && (
        <div className={report.isPlaceholderData ? 'report-body is-updating' : 'report-body'}>
          <StatCards
            items={[
              {
                label: t('reports.aefi.reports'),
                value: r.number(data.byProduct.reduce((s, p) => s + p.reports, 0)),
              },
              {
                label: t('reports.aefi.serious'),
                value: r.number(data.byProduct.reduce((s, p) => s + p.serious, 0)),
                tone: data.byProduct.some((p) => p.serious > 0) ? 'bad' : undefined,
              },
              ...statuses.map((s) => ({
                label: t('reports.aefi.investigationsIn', {
                  status: t(`aefi.status.${s}` as 'aefi.status.open', { defaultValue: s }),
                }),
                value: r.number(counts.get(s) ?? 0),
              })),
            ]}
          />
          <ChartPanel
            title={productTitle}
            testId="aefi-product-panel"
            summary={t('reports.summaries.aefi')}
            chart={(label) =>
              data.byProduct.length === 0 ? (
                <p className="empty">{t('reports.noData')}</p>
              ) : (
                <CategoryBars
                  data={data.byProduct.map((p) => ({
                    product: p.code,
                    per100k: p.per100k,
                    seriousPer100k: p.seriousPer100k,
                  }))}
                  category="product"
                  series={[
                    { key: 'per100k', label: t('reports.aefi.per100k'), colour: COLOURS.doses },
                    {
                      key: 'seriousPer100k',
                      label: t('reports.aefi.seriousPer100k'),
                      colour: COLOURS.serious,
                    },
                  ]}
                  horizontal
                  ariaLabel={label}
                  r={r}
                />
              )
            }
            table={
              <TableWrap label={productTitle}>
                <table>
                  <caption>{productTitle}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('reports.vaccine')}</th>
                      <th scope="col" className="num">
                        {t('reports.aefi.reports')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.aefi.serious')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.dosesGiven')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.aefi.per100k')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.aefi.seriousPer100k')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.byProduct.map((p) => (
                      <tr key={p.productId}>
                        <th scope="row">
                          <code>{p.code}</code>
                        </th>
                        <td className="num">{r.number(p.reports)}</td>
                        <td className="num">{r.number(p.serious)}</td>
                        <td className="num">{r.number(p.doses)}</td>
                        <td className="num">{r.decimal(p.per100k)}</td>
                        <td className="num">{r.decimal(p.seriousPer100k)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            }
          />
          <section className="panel" aria-labelledby="aefi-lot-title">
            <h2 id="aefi-lot-title">{lotTitle}</h2>
            <p className="panel-intro">{t('reports.aefi.byLotIntro')}</p>
            {data.byLot.length === 0 ? (
              <p className="empty">{t('reports.noData')}</p>
            ) : (
              <TableWrap label={lotTitle}>
                <table data-testid="aefi-lots">
                  <caption className="visually-hidden">{lotTitle}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('reports.stock.lot')}</th>
                      <th scope="col">{t('reports.vaccine')}</th>
                      <th scope="col" className="num">
                        {t('reports.aefi.reports')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.aefi.serious')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.dosesGiven')}
                      </th>
                      <th scope="col" className="num">
                        {t('reports.aefi.per100k')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...data.byLot]
                      .sort((a, b) => (b.per100k ?? -1) - (a.per100k ?? -1))
                      .map((l) => (
                        <tr key={l.lot.id}>
                          <th scope="row">
                            <code>{l.lot.lotNumber}</code>
                          </th>
                          <td>
                            <code>{l.lot.productCode}</code>
                          </td>
                          <td className="num">{r.number(l.reports)}</td>
                          <td className="num">
                            <span className={l.serious > 0 ? 'figure-bad' : undefined}>
                              {r.number(l.serious)}
                            </span>
                          </td>
                          <td className="num">{r.number(l.doses)}</td>
                          <td className="num">{r.decimal(l.per100k)}</td>
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
