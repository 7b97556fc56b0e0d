import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import type { StoreDetail } from '../api/stock.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, NumberField, SelectField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { dosesOf, useStoreStock } from './queries.ts';

/** Starts an allocation plan: the doses of one product to share among the stores below. */
export function AllocationSection({ store }: { store: StoreDetail }) {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const stock = useStoreStock(store.facilityId);
  const [productId, setProductId] = useState('');
  const [total, setTotal] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/stores/{id}/allocation-plans', {
          params: { path: { id: store.facilityId } },
          body: { productId: Number(productId), totalDoses: dosesOf(total) ?? 0 },
        }),
      ),
    onSuccess: (plan) => void navigate(`/console/stock/plans/${plan.id}`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (!productId) return setProblem(t('stock.dispatch.chooseProduct'));
    if (dosesOf(total) === null) return setProblem(t('stock.wholeDoses'));
    create.mutate();
  };
  return (
    <section className="panel" aria-labelledby="allocation-heading">
      <h2 id="allocation-heading">{t('stock.plan.new')}</h2>
      <p className="panel-intro">
        {t('stock.plan.intro', { count: store.childCount, n: f.number(store.childCount) })}
      </p>
      <form className="stack" onSubmit={submit} noValidate>
        <FieldRow>
          <SelectField
            label={t('stock.product')}
            value={productId}
            onChange={setProductId}
            options={[
              { value: '', label: t('stock.choose') },
              ...(stock.data?.products ?? []).map((p) => ({
                value: String(p.productId),
                label: `${p.productCode} (${f.number(p.quantity)})`,
              })),
            ]}
          />
          <NumberField label={t('stock.plan.total')} value={total} onChange={setTotal} min={1} step={1} />
        </FieldRow>
        {problem && (
          <p className="alert" role="alert">
            {problem}
          </p>
        )}
        <ErrorAlert error={create.error} />
        <div className="actions">
          <button type="submit" className="button" disabled={create.isPending}>
            {t('stock.plan.create')}
          </button>
        </div>
      </form>
    </section>
  );
}
