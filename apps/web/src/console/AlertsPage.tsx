import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import { useSessionState } from '../auth/session.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { mayDo } from './permissions.ts';

/** Rows of each stock alert list shown at first: the soonest and lowest come first. */
const SHOWN = 25;

/** What an officer should look at: serious side effects, lot signals, low stock and expiring lots. */
export function AlertsPage() {
  const { t } = useTranslation();
  usePageTitle(t('console.sections.alerts'));
  const user = useSessionState().session?.user;
  return (
    <>
      <h1>{t('console.sections.alerts')}</h1>
      <p className="lead">{t('alerts.intro')}</p>
      {mayDo(user, 'alert.read') && <OfficerAlerts mayAcknowledge={mayDo(user, 'alert.acknowledge')} />}
      {mayDo(user, 'stock.read') && <StockAlerts />}
    </>
  );
}

function OfficerAlerts({ mayAcknowledge }: { mayAcknowledge: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const alerts = useQuery({
    queryKey: ['alerts', 'officer'],
    queryFn: () => unwrap(api.GET('/api/alerts', { params: { query: { limit: 200 } } })),
  });
  const ack = useMutation({
    mutationFn: (id: number) =>
      unwrap(api.POST('/api/alerts/{id}/acknowledge', { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['alerts'] }),
  });
  const link = (detail: Record<string, unknown>) =>
    typeof detail.personId === 'number' && typeof detail.reportId === 'number'
      ? `/console/aefi/${detail.personId}/${detail.reportId}`
      : null;
  return (
    <section aria-labelledby="officer-alerts-heading">
      <h2 id="officer-alerts-heading">{t('alerts.officer')}</h2>
      <ErrorAlert error={alerts.error ?? ack.error} />
      {alerts.isPending && <Loading />}
      {alerts.data?.items.length === 0 && <p className="empty">{t('alerts.none')}</p>}
      {alerts.data && alerts.data.items.length > 0 && (
        <TableWrap label={t('alerts.officer')}>
          <table data-testid="officer-alerts">
            <thead>
              <tr>
                <th scope="col">{t('alerts.when')}</th>
                <th scope="col">{t('alerts.kind')}</th>
                <th scope="col">{t('alerts.what')}</th>
                <th scope="col">{t('alerts.area')}</th>
                <th scope="col">{t('alerts.seen')}</th>
              </tr>
            </thead>
            <tbody>
              {alerts.data.items.map((a) => {
                const to = link(a.detail);
                return (
                  <tr key={a.id}>
                    <td className="nowrap">{f.dateTime(a.createdAt)}</td>
                    <td>
                      <span className={`badge ${a.kind === 'aefi_serious' ? 'badge-bad' : 'badge-warn'}`}>
                        {t(`alerts.kinds.${a.kind}`, { defaultValue: a.kind })}
                      </span>
                    </td>
                    <td>{to ? <Link to={to}>{a.title}</Link> : a.title}</td>
                    <td>{a.areaName ?? t('alerts.national')}</td>
                    <td>
                      {a.acknowledgedAt ? (
                        <span className="muted">
                          {a.acknowledgedBy} · {f.dateTime(a.acknowledgedAt)}
                        </span>
                      ) : mayAcknowledge ? (
                        <button
                          type="button"
                          className="button secondary small"
                          disabled={ack.isPending}
                          onClick={() => ack.mutate(a.id)}
                        >
                          {t('alerts.acknowledge')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

function StockAlerts() {
  const { t } = useTranslation();
  const f = useFormat();
  const [all, setAll] = useState(false);
  const alerts = useQuery({
    queryKey: ['stock', 'alerts', null],
    queryFn: () => unwrap(api.GET('/api/stock/alerts', { params: { query: {} } })),
  });
  const d = alerts.data;
  return (
    <>
      <section aria-labelledby="low-stock-heading">
        <h2 id="low-stock-heading">{t('alerts.lowStock')}</h2>
        <ErrorAlert error={alerts.error} />
        {d?.lowStock.length === 0 && <p className="empty">{t('alerts.none')}</p>}
        {d && d.lowStock.length > 0 && (
          <TableWrap label={t('alerts.lowStock')}>
            <table data-testid="low-stock">
              <thead>
                <tr>
                  <th scope="col">{t('stock.store')}</th>
                  <th scope="col">{t('stock.product')}</th>
                  <th scope="col" className="num">
                    {t('stock.doses')}
                  </th>
                  <th scope="col" className="num">
                    {t('stock.daysOfSupply')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {(all ? d.lowStock : d.lowStock.slice(0, SHOWN)).map((l) => (
                  <tr key={`${l.storeId}-${l.productId}`}>
                    <th scope="row">
                      <Link to={`/console/stock/${l.storeId}`}>{l.storeName}</Link>
                    </th>
                    <td>{l.productCode}</td>
                    <td className="num">{f.number(l.quantity)}</td>
                    <td className="num">
                      {l.daysOfSupply === null ? '—' : f.number(Math.floor(l.daysOfSupply))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section aria-labelledby="expiring-heading">
        <h2 id="expiring-heading">{t('alerts.expiring')}</h2>
        {d?.expiringLots.length === 0 && <p className="empty">{t('alerts.none')}</p>}
        {d && d.expiringLots.length > 0 && (
          <TableWrap label={t('alerts.expiring')}>
            <table data-testid="expiring-lots">
              <thead>
                <tr>
                  <th scope="col">{t('stock.store')}</th>
                  <th scope="col">{t('stock.lot')}</th>
                  <th scope="col">{t('stock.expires')}</th>
                  <th scope="col" className="num">
                    {t('stock.doses')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {(all ? d.expiringLots : d.expiringLots.slice(0, SHOWN)).map((l) => (
                  <tr key={`${l.storeId}-${l.lotId}`}>
                    <th scope="row">
                      <Link to={`/console/stock/${l.storeId}`}>{l.storeName}</Link>
                    </th>
                    <td>
                      {l.productCode} <code>{l.lotNumber}</code>
                    </td>
                    <td className="nowrap">
                      {f.date(l.expiresOn)}{' '}
                      <span className={`badge ${l.expired ? 'badge-bad' : 'badge-warn'}`}>
                        {l.expired
                          ? t('stock.expired')
                          : t('alerts.daysLeft', { count: l.daysLeft, n: f.number(l.daysLeft) })}
                      </span>
                    </td>
                    <td className="num">{f.number(l.quantity)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      {!all && d && (d.lowStock.length > SHOWN || d.expiringLots.length > SHOWN) && (
        <div className="actions">
          <button type="button" className="button secondary" onClick={() => setAll(true)}>
            {t('alerts.showAll', {
              count: d.lowStock.length + d.expiringLots.length,
              n: f.number(d.lowStock.length + d.expiringLots.length),
            })}
          </button>
        </div>
      )}
    </>
  );
}
