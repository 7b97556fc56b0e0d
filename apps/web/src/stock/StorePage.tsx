import { Link, useParams, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import type { StoreDetail } from '../api/stock.ts';
import { useSessionState } from '../auth/session.ts';
import { mayDo } from '../console/permissions.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { AdjustmentsSection } from './AdjustmentsSection.tsx';
import { AllocationSection } from './AllocationSection.tsx';
import { DispatchSection } from './DispatchSection.tsx';
import { stockKeys, useStore, useStoreStock } from './queries.ts';
import { ReceiptsSection } from './ReceiptsSection.tsx';
import { VialsSection } from './VialsSection.tsx';
import { WastageSection } from './WastageSection.tsx';
import '../vaccinator/vaccinator.css';

type View =
  'stock' | 'transfers' | 'dispatch' | 'receipts' | 'allocation' | 'adjustments' | 'vials' | 'wastage';

/** One store: its stock per lot, its transfers in and out, and what its staff do with the stock. */
export function StorePage() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = Number(useParams().id);
  const [params, setParams] = useSearchParams();
  const store = useStore(id);
  const user = useSessionState().session?.user;
  const s = store.data;
  usePageTitle(s ? f.name(s) : t('console.sections.stock'));
  if (store.error) return <ErrorAlert error={store.error} />;
  if (!s) return <Loading />;
  const write = mayDo(user, 'stock.write');
  const views: View[] = [
    'stock',
    'transfers',
    ...(write ? (['dispatch'] as const) : []),
    ...(s.level === 'national' ? (['receipts'] as const) : []),
    ...(s.childCount > 0 && write ? (['allocation'] as const) : []),
    'adjustments',
    ...(s.level === 'facility' ? (['vials'] as const) : []),
    'wastage',
  ];
  const asked = params.get('view') as View | null;
  const view: View = asked && views.includes(asked) ? asked : 'stock';
  return (
    <>
      <p className="back-link">
        <Link to="/console/stock">{t('stock.allStores')}</Link>
      </p>
      <h1 data-testid="store-name">{f.name(s)}</h1>
      <p className="lead">
        {t(`stock.levels.${s.level}`, { defaultValue: s.level })} · <code>{s.code}</code>
        {s.parent && (
          <>
            {' · '}
            {t('stock.suppliedBy')}{' '}
            <Link to={`/console/stock/${s.parent.facilityId}`}>{f.name(s.parent)}</Link>
          </>
        )}
      </p>
      <nav className="tabs" aria-label={t('stock.sections')}>
        {views.map((v) => (
          <button
            key={v}
            type="button"
            className={`tab ${v === view ? 'tab-current' : ''}`}
            aria-pressed={v === view}
            data-testid={`store-view-${v}`}
            onClick={() => setParams({ view: v })}
          >
            {t(`stock.views.${v}`)}
          </button>
        ))}
      </nav>
      {view === 'stock' && <StockSection store={s} />}
      {view === 'transfers' && <TransfersSection store={s} />}
      {view === 'dispatch' && <DispatchSection store={s} />}
      {view === 'receipts' && <ReceiptsSection store={s} />}
      {view === 'allocation' && <AllocationSection store={s} />}
      {view === 'adjustments' && <AdjustmentsSection store={s} />}
      {view === 'vials' && <VialsSection store={s} />}
      {view === 'wastage' && <WastageSection store={s} />}
    </>
  );
}

function StockSection({ store }: { store: StoreDetail }) {
  const { t } = useTranslation();
  const f = useFormat();
  const stock = useStoreStock(store.facilityId);
  if (stock.error) return <ErrorAlert error={stock.error} />;
  if (!stock.data) return <Loading />;
  const { items, products } = stock.data;
  return (
    <>
      <section aria-labelledby="products-heading">
        <h2 id="products-heading">{t('stock.byProduct')}</h2>
        {products.length === 0 ? (
          <p className="empty">{t('stock.empty')}</p>
        ) : (
          <TableWrap label={t('stock.byProduct')}>
            <table data-testid="product-stock">
              <thead>
                <tr>
                  <th scope="col">{t('stock.product')}</th>
                  <th scope="col" className="num">
                    {t('stock.doses')}
                  </th>
                  <th scope="col" className="num">
                    {t('stock.dailyUse')}
                  </th>
                  <th scope="col" className="num">
                    {t('stock.daysOfSupply')}
                  </th>
                  <th scope="col">{t('stock.marks')}</th>
                </tr>
              </thead>
              <tbody>
                {products.map((p) => (
                  <tr key={p.productId}>
                    <th scope="row">{p.productCode}</th>
                    <td className="num">{f.number(p.quantity)}</td>
                    <td className="num">{f.number(Math.round(p.dailyUse * 10) / 10)}</td>
                    <td className="num">
                      {p.daysOfSupply === null ? '—' : f.number(Math.floor(p.daysOfSupply))}
                    </td>
                    <td>{p.low && <span className="badge badge-bad">{t('stock.low')}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section aria-labelledby="lots-heading">
        <h2 id="lots-heading">{t('stock.byLot')}</h2>
        {items.length > 0 && (
          <TableWrap label={t('stock.byLot')}>
            <table data-testid="lot-stock">
              <thead>
                <tr>
                  <th scope="col">{t('stock.product')}</th>
                  <th scope="col">{t('stock.lot')}</th>
                  <th scope="col">{t('stock.expires')}</th>
                  <th scope="col" className="num">
                    {t('stock.dosesPerVial')}
                  </th>
                  <th scope="col" className="num">
                    {t('stock.doses')}
                  </th>
                  <th scope="col">{t('stock.marks')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((l) => (
                  <tr key={l.lotId} data-testid={`lot-${l.lotNumber}`}>
                    <td>{l.productCode}</td>
                    <th scope="row">
                      <code>{l.lotNumber}</code>
                    </th>
                    <td className="nowrap">{f.date(l.expiresOn)}</td>
                    <td className="num">{f.number(l.dosesPerVial)}</td>
                    <td className="num">{f.number(l.quantity)}</td>
                    <td className="stock-marks">
                      {l.expired && <span className="badge badge-bad">{t('stock.expired')}</span>}
                      {!l.expired && l.expiringSoon && (
                        <span className="badge badge-warn">{t('stock.expiringSoon')}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}

function TransfersSection({ store }: { store: StoreDetail }) {
  const { t } = useTranslation();
  return (
    <>
      <TransferList storeId={store.facilityId} direction="in" title={t('stock.transfersIn')} />
      <TransferList storeId={store.facilityId} direction="out" title={t('stock.transfersOut')} />
    </>
  );
}

function TransferList({
  storeId,
  direction,
  title,
}: {
  storeId: number;
  direction: 'in' | 'out';
  title: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useQuery({
    queryKey: stockKeys.transfers(storeId, direction),
    queryFn: () => unwrap(api.GET('/api/transfers', { params: { query: { storeId, direction } } })),
  });
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      <ErrorAlert error={list.error} />
      {list.data && list.data.items.length === 0 && <p className="empty">{t('stock.noTransfers')}</p>}
      {list.data && list.data.items.length > 0 && (
        <TableWrap label={title}>
          <table data-testid={`transfers-${direction}`}>
            <thead>
              <tr>
                <th scope="col">{t('stock.transfer')}</th>
                <th scope="col">{direction === 'in' ? t('stock.from') : t('stock.to')}</th>
                <th scope="col">{t('stock.dispatchedAt')}</th>
                <th scope="col" className="num">
                  {t('stock.doses')}
                </th>
                <th scope="col">{t('stock.status')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((tr) => (
                <tr key={tr.id}>
                  <th scope="row">
                    <Link to={`/console/stock/transfers/${tr.id}`}>
                      {t('stock.transferN', { id: tr.id })}
                    </Link>
                  </th>
                  <td>{direction === 'in' ? tr.fromStore.nameEn : tr.toStore.nameEn}</td>
                  <td className="nowrap">{f.dateTime(tr.dispatchedAt)}</td>
                  <td className="num">{f.number(tr.lines.reduce((n, l) => n + l.dispatchedDoses, 0))}</td>
                  <td>
                    <span className={`badge ${tr.status === 'received' ? 'badge-ok' : 'badge-warn'}`}>
                      {t(`stock.transferStatus.${tr.status}`, { defaultValue: tr.status })}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
