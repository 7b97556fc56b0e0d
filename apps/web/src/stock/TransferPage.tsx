import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import type { Transfer } from '../api/stock.ts';
import { useSessionState } from '../auth/session.ts';
import { facilitiesFor, hasWideGrant } from '../console/permissions.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading, Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { stockKeys } from './queries.ts';
import { Fact } from '../ui/Fact.tsx';

/** A transfer between two stores; the receiving store counts what arrived and says why it differs. */
export function TransferPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = Number(useParams().id);
  usePageTitle(t('stock.transferN', { id }));
  const user = useSessionState().session?.user;
  const transfer = useQuery({
    queryKey: stockKeys.transfer(id),
    queryFn: () => unwrap(api.GET('/api/transfers/{id}', { params: { path: { id } } })),
  });
  const tr = transfer.data;
  if (transfer.error) return <ErrorAlert error={transfer.error} />;
  if (!tr) return <Loading />;
  return (
    <>
      <p className="back-link">
        <Link to={`/console/stock/${tr.toStoreId}?view=transfers`}>{tr.toStore.nameEn}</Link>
        {' · '}
        <Link to={`/console/stock/${tr.fromStoreId}?view=transfers`}>{tr.fromStore.nameEn}</Link>
      </p>
      <h1>{t('stock.transferN', { id: tr.id })}</h1>
      <dl className="facts">
        <Fact label={t('stock.from')}>{tr.fromStore.nameEn}</Fact>
        <Fact label={t('stock.to')}>{tr.toStore.nameEn}</Fact>
        <Fact label={t('stock.dispatchedAt')}>{f.dateTime(tr.dispatchedAt)}</Fact>
        <Fact label={t('stock.status')} testId="transfer-status">
          {t(`stock.transferStatus.${tr.status}`, { defaultValue: tr.status })}
        </Fact>
        {tr.receivedAt && (
          <>
            <Fact label={t('stock.receivedAt')}>{f.dateTime(tr.receivedAt)}</Fact>
          </>
        )}
        {tr.note && (
          <>
            <Fact label={t('stock.note')}>{tr.note}</Fact>
          </>
        )}
      </dl>
      {tr.status === 'dispatched' &&
      (facilitiesFor(user, 'stock.write').includes(tr.toStoreId) || hasWideGrant(user, 'stock.write')) ? (
        <ReceiveForm transfer={tr} />
      ) : (
        <TransferLines transfer={tr} />
      )}
    </>
  );
}

function TransferLines({ transfer }: { transfer: Transfer }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <TableWrap label={t('stock.lines')}>
      <table data-testid="transfer-lines">
        <thead>
          <tr>
            <th scope="col">{t('stock.product')}</th>
            <th scope="col">{t('stock.lot')}</th>
            <th scope="col">{t('stock.expires')}</th>
            <th scope="col" className="num">
              {t('stock.dispatched')}
            </th>
            <th scope="col" className="num">
              {t('stock.received')}
            </th>
            <th scope="col">{t('stock.discrepancy')}</th>
          </tr>
        </thead>
        <tbody>
          {transfer.lines.map((l) => (
            <tr key={l.lotId}>
              <td>{l.productCode}</td>
              <th scope="row">
                <code>{l.lotNumber}</code>
              </th>
              <td className="nowrap">{f.date(l.expiresOn)}</td>
              <td className="num">{f.number(l.dispatchedDoses)}</td>
              <td className="num">{l.receivedDoses === null ? '—' : f.number(l.receivedDoses)}</td>
              <td>{l.discrepancyReason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function ReceiveForm({ transfer }: { transfer: Transfer }) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const [counts, setCounts] = useState(() => transfer.lines.map((l) => String(l.dispatchedDoses)));
  const [reasons, setReasons] = useState(() => transfer.lines.map(() => ''));
  const [problem, setProblem] = useState<string | null>(null);
  const receive = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/transfers/{id}/receive', {
          params: { path: { id: transfer.id } },
          body: {
            lines: transfer.lines.map((l, i) => ({
              lotId: l.lotId,
              receivedDoses: Number(counts[i]),
              ...(reasons[i]?.trim() ? { discrepancyReason: reasons[i]?.trim() } : {}),
            })),
          },
        }),
      ),
    onSuccess: (tr) => {
      queryClient.setQueryData(stockKeys.transfer(transfer.id), tr);
      void queryClient.invalidateQueries({ queryKey: stockKeys.all });
    },
  });
  const submit = () => {
    setProblem(null);
    for (const [i, l] of transfer.lines.entries()) {
      const count = counts[i]?.trim() ?? '';
      if (!/^\d+$/.test(count)) return setProblem(t('stock.receive.wholeCount', { lot: l.lotNumber }));
      if (Number(count) !== l.dispatchedDoses && (reasons[i]?.trim().length ?? 0) < 3)
        return setProblem(t('stock.receive.reasonNeeded', { lot: l.lotNumber }));
    }
    receive.mutate();
  };
  return (
    <section className="panel stack" aria-labelledby="receive-heading">
      <h2 id="receive-heading">{t('stock.receive.title')}</h2>
      <p className="panel-intro">{t('stock.receive.intro')}</p>
      <TableWrap label={t('stock.lines')}>
        <table data-testid="receive-lines">
          <thead>
            <tr>
              <th scope="col">{t('stock.lot')}</th>
              <th scope="col" className="num">
                {t('stock.dispatched')}
              </th>
              <th scope="col">{t('stock.received')}</th>
              <th scope="col">{t('stock.discrepancy')}</th>
            </tr>
          </thead>
          <tbody>
            {transfer.lines.map((l, i) => (
              <tr key={l.lotId}>
                <th scope="row">
                  <code>{l.lotNumber}</code> <span className="muted">{l.productCode}</span>
                </th>
                <td className="num">{f.number(l.dispatchedDoses)}</td>
                <td>
                  <input
                    type="number"
                    min={0}
                    step={1}
                    className="input-doses"
                    aria-label={t('stock.receive.countOf', { lot: l.lotNumber })}
                    value={counts[i]}
                    onChange={(e) => setCounts(counts.map((c, j) => (j === i ? e.target.value : c)))}
                  />
                </td>
                <td>
                  <input
                    type="text"
                    maxLength={500}
                    aria-label={t('stock.receive.reasonOf', { lot: l.lotNumber })}
                    value={reasons[i]}
                    onChange={(e) => setReasons(reasons.map((r, j) => (j === i ? e.target.value : r)))}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {problem && (
        <p className="alert" role="alert">
          {problem}
        </p>
      )}
      <ErrorAlert error={receive.error} />
      {receive.isSuccess && <Notice>{t('stock.receive.done')}</Notice>}
      <div className="actions">
        <button
          type="button"
          className="button"
          onClick={submit}
          disabled={receive.isPending}
          data-testid="receive-submit"
        >
          {t('stock.receive.submit')}
        </button>
      </div>
    </section>
  );
}
