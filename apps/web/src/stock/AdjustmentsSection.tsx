import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import { ADJUSTMENT_KINDS, type AdjustmentKind, type StoreDetail } from '../api/stock.ts';
import { useSessionState } from '../auth/session.ts';
import { mayDo } from '../console/permissions.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, NumberField, SelectField, TextAreaField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { dosesOf, stockKeys, useStoreStock } from './queries.ts';

/** Losses (breakage, cold chain, expiry), finds and physical counts, each with a reason and who did it. */
export function AdjustmentsSection({ store }: { store: StoreDetail }) {
  const { t } = useTranslation();
  const f = useFormat();
  const user = useSessionState().session?.user;
  const list = useQuery({
    queryKey: stockKeys.adjustments(store.facilityId),
    queryFn: () =>
      unwrap(api.GET('/api/stores/{id}/adjustments', { params: { path: { id: store.facilityId } } })),
  });
  return (
    <>
      {mayDo(user, 'stock.write') && <AdjustmentForm storeId={store.facilityId} />}
      <section aria-labelledby="adjustments-heading">
        <h2 id="adjustments-heading">{t('stock.adjust.list')}</h2>
        <ErrorAlert error={list.error} />
        {list.data?.items.length === 0 && <p className="empty">{t('stock.adjust.none')}</p>}
        {list.data && list.data.items.length > 0 && (
          <TableWrap label={t('stock.adjust.list')}>
            <table data-testid="adjustments">
              <thead>
                <tr>
                  <th scope="col">{t('stock.when')}</th>
                  <th scope="col">{t('stock.adjust.kind')}</th>
                  <th scope="col">{t('stock.lot')}</th>
                  <th scope="col" className="num">
                    {t('stock.adjust.change')}
                  </th>
                  <th scope="col">{t('stock.adjust.reason')}</th>
                  <th scope="col">{t('stock.adjust.by')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((a) => (
                  <tr key={a.id}>
                    <td className="nowrap">{f.dateTime(a.createdAt)}</td>
                    <td>{t(`stock.adjust.kinds.${a.kind}`, { defaultValue: a.kind })}</td>
                    <td>
                      {a.productCode} <code>{a.lotNumber}</code>
                    </td>
                    <td className="num">
                      {a.quantityChange > 0 ? '+' : ''}
                      {f.number(a.quantityChange)}
                      {a.countedDoses !== null && (
                        <div className="muted small">
                          {t('stock.adjust.countedOf', {
                            counted: f.number(a.countedDoses),
                            book: f.number(a.bookDoses),
                          })}
                        </div>
                      )}
                    </td>
                    <td>{a.reason}</td>
                    <td>{a.recordedByName ?? '—'}</td>
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

function AdjustmentForm({ storeId }: { storeId: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const stock = useStoreStock(storeId);
  const [lotId, setLotId] = useState('');
  const [kind, setKind] = useState<AdjustmentKind>('breakage');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const gain = kind === 'found';
  const count = kind === 'count';
  const create = useMutation({
    mutationFn: () => {
      const n = Number(amount);
      return unwrap(
        api.POST('/api/stores/{id}/adjustments', {
          params: { path: { id: storeId } },
          body: {
            lotId: Number(lotId),
            kind,
            ...(count ? { countedDoses: n } : { quantityChange: gain ? n : -n }),
            reason: reason.trim(),
          },
        }),
      );
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: stockKeys.all });
      setAmount('');
      setReason('');
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (!lotId) return setProblem(t('stock.adjust.chooseLot'));
    if (count ? !/^\d+$/.test(amount.trim()) : dosesOf(amount) === null)
      return setProblem(count ? t('stock.adjust.wholeCount') : t('stock.wholeDoses'));
    if (reason.trim().length < 3) return setProblem(t('stock.adjust.reasonNeeded'));
    create.mutate();
  };
  return (
    <section className="panel" aria-labelledby="adjust-heading">
      <h2 id="adjust-heading">{t('stock.adjust.title')}</h2>
      <form className="stack" onSubmit={submit} noValidate>
        <FieldRow>
          <SelectField
            label={t('stock.lot')}
            value={lotId}
            onChange={setLotId}
            options={[
              { value: '', label: t('stock.choose') },
              ...(stock.data?.items ?? []).map((l) => ({
                value: String(l.lotId),
                label: `${l.productCode} · ${l.lotNumber} (${f.number(l.quantity)})`,
              })),
            ]}
          />
          <SelectField
            label={t('stock.adjust.kind')}
            value={kind}
            onChange={(v) => setKind(v as AdjustmentKind)}
            options={ADJUSTMENT_KINDS.map((k) => ({ value: k, label: t(`stock.adjust.kinds.${k}`) }))}
          />
          <NumberField
            label={
              count ? t('stock.adjust.counted') : gain ? t('stock.adjust.found') : t('stock.adjust.lost')
            }
            value={amount}
            onChange={setAmount}
            min={count ? 0 : 1}
            step={1}
          />
        </FieldRow>
        <TextAreaField
          label={t('stock.adjust.reason')}
          value={reason}
          onChange={setReason}
          rows={2}
          maxLength={500}
          prose
        />
        {problem && (
          <p className="alert" role="alert">
            {problem}
          </p>
        )}
        <ErrorAlert error={create.error} />
        {create.isSuccess && <Notice>{t('stock.adjust.saved')}</Notice>}
        <div className="actions">
          <button type="submit" className="button" disabled={create.isPending}>
            {t('stock.adjust.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
