import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { addDays } from '@dosewise/domain';
import { api, unwrap } from '../api/client.ts';
import type { StoreDetail } from '../api/stock.ts';
import { programmeToday } from '../scheduling/format.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';

/** Doses given and doses wasted (open vials closed with doses left) per facility and vaccine. */
export function WastageSection({ store }: { store: StoreDetail }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [to, setTo] = useState(programmeToday);
  const [from, setFrom] = useState(() => addDays(programmeToday(), -30));
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to) && from <= to;
  const wastage = useQuery({
    queryKey: ['stock', 'wastage', store.facilityId, from, to],
    queryFn: () =>
      unwrap(api.GET('/api/stock/wastage', { params: { query: { storeId: store.facilityId, from, to } } })),
    enabled: valid,
  });
  return (
    <section aria-labelledby="wastage-heading" className="stack">
      <h2 id="wastage-heading">{t('stock.wastage.title')}</h2>
      <p className="muted">{t('stock.wastage.intro')}</p>
      <FieldRow>
        <TextField
          className="field-narrow-date"
          label={t('stock.wastage.from')}
          type="date"
          value={from}
          onChange={setFrom}
        />
        <TextField
          className="field-narrow-date"
          label={t('stock.wastage.to')}
          type="date"
          value={to}
          onChange={setTo}
        />
      </FieldRow>
      {!valid && <p className="alert">{t('stock.wastage.badRange')}</p>}
      <ErrorAlert error={wastage.error} />
      {valid && wastage.isPending && <Loading />}
      {wastage.data?.items.length === 0 && <p className="empty">{t('stock.wastage.none')}</p>}
      {wastage.data && wastage.data.items.length > 0 && (
        <TableWrap label={t('stock.wastage.title')}>
          <table data-testid="wastage">
            <thead>
              <tr>
                <th scope="col">{t('stock.store')}</th>
                <th scope="col">{t('stock.product')}</th>
                <th scope="col" className="num">
                  {t('stock.wastage.administered')}
                </th>
                <th scope="col" className="num">
                  {t('stock.wastage.wasted')}
                </th>
                <th scope="col" className="num">
                  {t('stock.wastage.rate')}
                </th>
              </tr>
            </thead>
            <tbody>
              {wastage.data.items.map((w) => (
                <tr key={`${w.facilityId}-${w.productId}`}>
                  <th scope="row">{w.facilityName}</th>
                  <td>{w.productCode}</td>
                  <td className="num">{f.number(w.administered)}</td>
                  <td className="num">{f.number(w.wasted)}</td>
                  <td className="num">
                    {w.wastageRate === null
                      ? '—'
                      : new Intl.NumberFormat(f.locale, {
                          style: 'percent',
                          maximumFractionDigits: 1,
                        }).format(w.wastageRate)}
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
