import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
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
import { countColumn, DataTable, ReportSection } from './DataTable.tsx';
import { useReportFormat } from './format.ts';
import { useAefiReport } from './queries.ts';
import type { AefiReport } from './types.ts';

const STATUSES = ['open', 'investigating', 'closed', 'not_required'] as const;

type Product = AefiReport['byProduct'][number];
type Lot = AefiReport['byLot'][number];

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
              <DataTable
                label={productTitle}
                columns={[
                  {
                    key: 'vaccine',
                    header: t('reports.vaccine'),
                    rowHeader: true,
                    cell: (p) => <code>{p.code}</code>,
                  },
                  countColumn<Product>(r, 'reports', t('reports.aefi.reports')),
                  countColumn<Product>(r, 'serious', t('reports.aefi.serious')),
                  countColumn<Product>(r, 'doses', t('reports.dosesGiven')),
                  {
                    key: 'per100k',
                    header: t('reports.aefi.per100k'),
                    numeric: true,
                    cell: (p) => r.decimal(p.per100k),
                  },
                  {
                    key: 'seriousPer100k',
                    header: t('reports.aefi.seriousPer100k'),
                    numeric: true,
                    cell: (p) => r.decimal(p.seriousPer100k),
                  },
                ]}
                rows={data.byProduct}
                rowKey={(p) => p.productId}
              />
            }
          />
          <ReportSection titleId="aefi-lot-title" title={lotTitle} intro={t('reports.aefi.byLotIntro')}>
            <DataTable
              label={lotTitle}
              captionHidden
              testId="aefi-lots"
              empty={t('reports.noData')}
              columns={[
                {
                  key: 'lot',
                  header: t('reports.stock.lot'),
                  rowHeader: true,
                  cell: (l) => <code>{l.lot.lotNumber}</code>,
                },
                {
                  key: 'vaccine',
                  header: t('reports.vaccine'),
                  cell: (l) => <code>{l.lot.productCode}</code>,
                },
                countColumn<Lot>(r, 'reports', t('reports.aefi.reports')),
                {
                  key: 'serious',
                  header: t('reports.aefi.serious'),
                  numeric: true,
                  cell: (l) => (
                    <span className={l.serious > 0 ? 'figure-bad' : undefined}>{r.number(l.serious)}</span>
                  ),
                },
                countColumn<Lot>(r, 'doses', t('reports.dosesGiven')),
                {
                  key: 'per100k',
                  header: t('reports.aefi.per100k'),
                  numeric: true,
                  cell: (l) => r.decimal(l.per100k),
                },
              ]}
              rows={[...data.byLot].sort((a, b) => (b.per100k ?? -1) - (a.per100k ?? -1))}
              rowKey={(l) => l.lot.id}
            />
          </ReportSection>
        </div>
      )}
    </>
  );
}
