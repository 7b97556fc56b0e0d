import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import type { StoreDetail, Suggestion } from '../api/stock.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, NumberField, SelectField, TextAreaField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { TableWrap } from '../ui/TableWrap.tsx';
import { dosesOf, stockKeys, useStoreStock } from './queries.ts';

interface Line {
  lotId: number;
  lotNumber: string;
  expiresOn: string;
  available: number;
  doses: string;
}

/**
 * A transfer to a store below (or back to the store above): the lots are suggested first expiry,
 * first out, and can be changed before dispatch.
 */
export function DispatchSection({ store }: { store: StoreDetail }) {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const stock = useStoreStock(store.facilityId);
  const destinations = [...store.children, ...(store.parent ? [store.parent] : [])];
  const [toStoreId, setTo] = useState('');
  const [productId, setProduct] = useState('');
  const [doses, setDoses] = useState('');
  const [lines, setLines] = useState<Line[] | null>(null);
  const [short, setShort] = useState(0);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const products = stock.data?.products.filter((p) => p.quantity > 0) ?? [];
  const available = (lotId: number) => stock.data?.items.find((i) => i.lotId === lotId)?.quantity ?? 0;

  const suggest = useMutation({
    mutationFn: () =>
      unwrap(
        api.GET('/api/stores/{id}/dispatch-suggestion', {
          params: {
            path: { id: store.facilityId },
            query: { productId: Number(productId), doses: dosesOf(doses) ?? 0 },
          },
        }),
      ),
    onSuccess: (s: Suggestion) => {
      setShort(s.short);
      setLines(
        s.lines.map((l) => ({
          lotId: l.lotId,
          lotNumber: l.lotNumber,
          expiresOn: l.expiresOn,
          available: available(l.lotId),
          doses: String(l.doses),
        })),
      );
    },
  });

  const dispatch = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/transfers', {
          body: {
            fromStoreId: store.facilityId,
            toStoreId: Number(toStoreId),
            lines: (lines ?? []).map((l) => ({ lotId: l.lotId, doses: dosesOf(l.doses) ?? 0 })),
            ...(note.trim() ? { note: note.trim() } : {}),
          },
        }),
      ),
    onSuccess: (transfer) => {
      void queryClient.invalidateQueries({ queryKey: stockKeys.all });
      void navigate(`/console/stock/transfers/${transfer.id}`);
    },
  });

  const askSuggestion = (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (!toStoreId) return setProblem(t('stock.dispatch.chooseDestination'));
    if (!productId) return setProblem(t('stock.dispatch.chooseProduct'));
    if (dosesOf(doses) === null) return setProblem(t('stock.wholeDoses'));
    suggest.mutate();
  };

  const send = () => {
    setProblem(null);
    if (!lines?.length) return;
    if (lines.some((l) => dosesOf(l.doses) === null)) return setProblem(t('stock.wholeDoses'));
    dispatch.mutate();
  };

  return (
    <section className="panel stack" aria-labelledby="dispatch-heading">
      <h2 id="dispatch-heading">{t('stock.dispatch.title')}</h2>
      <p className="panel-intro">{t('stock.dispatch.intro')}</p>
      <form className="stack" onSubmit={askSuggestion} noValidate>
        <FieldRow>
          <SelectField
            label={t('stock.to')}
            value={toStoreId}
            onChange={setTo}
            options={[
              { value: '', label: t('stock.choose') },
              ...destinations.map((d) => ({ value: String(d.facilityId), label: f.name(d) })),
            ]}
          />
          <SelectField
            label={t('stock.product')}
            value={productId}
            onChange={(v) => {
              setProduct(v);
              setLines(null);
            }}
            options={[
              { value: '', label: t('stock.choose') },
              ...products.map((p) => ({
                value: String(p.productId),
                label: `${p.productCode} (${f.number(p.quantity)})`,
              })),
            ]}
          />
          <NumberField label={t('stock.doses')} value={doses} onChange={setDoses} min={1} step={1} />
        </FieldRow>
        <div className="actions">
          <button
            type="submit"
            className="button secondary"
            disabled={suggest.isPending}
            data-testid="suggest-lots"
          >
            {t('stock.dispatch.suggest')}
          </button>
        </div>
      </form>
      <ErrorAlert error={suggest.error} />
      {lines && (
        <>
          {short > 0 && (
            <p className="alert" role="alert">
              {t('stock.dispatch.short', { count: short, n: f.number(short) })}
            </p>
          )}
          <TableWrap label={t('stock.dispatch.lines')}>
            <table data-testid="dispatch-lines">
              <caption>{t('stock.dispatch.lines')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('stock.lot')}</th>
                  <th scope="col">{t('stock.expires')}</th>
                  <th scope="col" className="num">
                    {t('stock.available')}
                  </th>
                  <th scope="col">{t('stock.doses')}</th>
                </tr>
              </thead>
              <tbody>
                {lines.map((l, i) => (
                  <tr key={l.lotId}>
                    <th scope="row">
                      <code>{l.lotNumber}</code>
                    </th>
                    <td className="nowrap">{f.date(l.expiresOn)}</td>
                    <td className="num">{f.number(l.available)}</td>
                    <td>
                      <input
                        type="number"
                        min={1}
                        step={1}
                        className="input-doses"
                        aria-label={t('stock.dosesOfLot', { lot: l.lotNumber })}
                        value={l.doses}
                        onChange={(e) =>
                          setLines(lines.map((x, j) => (j === i ? { ...x, doses: e.target.value } : x)))
                        }
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <TextAreaField
            label={t('stock.note')}
            value={note}
            onChange={setNote}
            rows={2}
            maxLength={1000}
            prose
          />
          <div className="actions">
            <button
              type="button"
              className="button"
              onClick={send}
              disabled={dispatch.isPending || lines.length === 0}
              data-testid="dispatch-submit"
            >
              {t('stock.dispatch.submit')}
            </button>
          </div>
        </>
      )}
      {problem && (
        <p className="alert" role="alert">
          {problem}
        </p>
      )}
      <ErrorAlert error={dispatch.error} />
    </section>
  );
}
