import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import type { StoreDetail } from '../api/stock.ts';
import { useSessionState } from '../auth/session.ts';
import { mayDo } from '../console/permissions.ts';
import { programmeToday } from '../scheduling/format.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, SelectField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { TableWrap } from '../ui/TableWrap.tsx';
import { stockKeys, useStoreStock } from './queries.ts';

/** The vials opened at a facility on a day: doses used, until when usable, what was wasted. */
export function VialsSection({ store }: { store: StoreDetail }) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const user = useSessionState().session?.user;
  const [date, setDate] = useState(programmeToday);
  const [lotId, setLotId] = useState('');
  const stock = useStoreStock(store.facilityId);
  const id = store.facilityId;
  const vials = useQuery({
    queryKey: stockKeys.vials(id, date),
    queryFn: () =>
      unwrap(api.GET('/api/facilities/{id}/vials', { params: { path: { id }, query: { date } } })),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: stockKeys.all });
  const open = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/facilities/{id}/vials', { params: { path: { id } }, body: { lotId: Number(lotId) } }),
      ),
    onSuccess: refresh,
  });
  const close = useMutation({
    mutationFn: (vialId: number) =>
      unwrap(
        api.POST('/api/facilities/{id}/vials/{vialId}/close', {
          params: { path: { id, vialId } },
          body: { reason: 'session_end' },
        }),
      ),
    onSuccess: refresh,
  });
  const canWrite = mayDo(user, 'stock.write') || mayDo(user, 'dose.record');
  return (
    <section aria-labelledby="vials-heading" className="stack">
      <h2 id="vials-heading">{t('stock.vials.title')}</h2>
      <FieldRow>
        <TextField
          className="field-narrow-date"
          label={t('stock.vials.date')}
          type="date"
          value={date}
          onChange={setDate}
        />
      </FieldRow>
      {canWrite && date === programmeToday() && (
        <FieldRow>
          <SelectField
            label={t('stock.vials.lot')}
            value={lotId}
            onChange={setLotId}
            options={[
              { value: '', label: t('stock.choose') },
              ...(stock.data?.items ?? [])
                .filter((l) => !l.expired && l.quantity > 0)
                .map((l) => ({ value: String(l.lotId), label: `${l.productCode} · ${l.lotNumber}` })),
            ]}
          />
          <div className="field">
            <button
              type="button"
              className="button secondary"
              disabled={!lotId || open.isPending}
              onClick={() => open.mutate()}
            >
              {t('stock.vials.open')}
            </button>
          </div>
        </FieldRow>
      )}
      <ErrorAlert error={vials.error ?? open.error ?? close.error} />
      {vials.data?.items.length === 0 && <p className="empty">{t('stock.vials.none')}</p>}
      {vials.data && vials.data.items.length > 0 && (
        <TableWrap label={t('stock.vials.title')}>
          <table data-testid="vial-log">
            <thead>
              <tr>
                <th scope="col">{t('stock.lot')}</th>
                <th scope="col">{t('stock.vials.opened')}</th>
                <th scope="col">{t('stock.vials.usableUntil')}</th>
                <th scope="col" className="num">
                  {t('stock.vials.used')}
                </th>
                <th scope="col" className="num">
                  {t('stock.vials.wasted')}
                </th>
                <th scope="col">{t('stock.vials.closed')}</th>
              </tr>
            </thead>
            <tbody>
              {vials.data.items.map((v) => (
                <tr key={v.id}>
                  <th scope="row">
                    {v.productCode} <code>{v.lotNumber}</code>
                  </th>
                  <td className="nowrap">{f.dateTime(v.openedAt)}</td>
                  <td className="nowrap">{f.dateTime(v.usableUntil)}</td>
                  <td className="num">
                    {f.number(v.dosesUsed)} / {f.number(v.dosesPerVial)}
                  </td>
                  <td className="num">{v.dosesWasted === null ? '—' : f.number(v.dosesWasted)}</td>
                  <td>
                    {v.closedAt ? (
                      <>
                        {f.dateTime(v.closedAt)}{' '}
                        {v.closeReason && (
                          <span className="muted">
                            ({t(`stock.vials.reasons.${v.closeReason}`, { defaultValue: v.closeReason })})
                          </span>
                        )}
                      </>
                    ) : canWrite ? (
                      <button
                        type="button"
                        className="button secondary small"
                        disabled={close.isPending}
                        onClick={() => close.mutate(v.id)}
                      >
                        {t('stock.vials.close')}
                      </button>
                    ) : (
                      <span className="badge badge-info">{t('stock.vials.inUse')}</span>
                    )}
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
