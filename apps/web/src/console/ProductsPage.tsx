import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Product } from '../api/client.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading, Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { ProductForm, productKeys } from './ProductForm.tsx';

type PanelState = { kind: 'none' } | { kind: 'add' } | { kind: 'edit'; product: Product };

export function ProductsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  usePageTitle(t('console.sections.products'));
  const [panel, setPanel] = useState<PanelState>({ kind: 'none' });
  const [notice, setNotice] = useState<string | null>(null);
  const products = useQuery({
    queryKey: productKeys.all,
    queryFn: () => unwrap(api.GET('/api/products', { params: { query: { includeInactive: true } } })),
  });
  const rows = products.data ?? [];

  const openPanel = (next: PanelState) => {
    setNotice(null);
    setPanel(next);
  };
  const closeWith = (message: string) => {
    setPanel({ kind: 'none' });
    setNotice(message);
  };
  const heading = t('products.listTitle');

  return (
    <>
      <h1>{t('console.sections.products')}</h1>
      <p className="lead">{t('products.intro')}</p>
      <div className="toolbar">
        <div className="toolbar-actions">
          <button
            type="button"
            className="button"
            aria-expanded={panel.kind === 'add'}
            onClick={() => openPanel(panel.kind === 'add' ? { kind: 'none' } : { kind: 'add' })}
          >
            {t('products.addTitle')}
          </button>
        </div>
      </div>
      {notice && <Notice>{notice}</Notice>}
      {panel.kind === 'add' && (
        <ProductForm
          product={null}
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={(saved) => closeWith(t('products.added', { name: saved?.name ?? '' }))}
        />
      )}
      {panel.kind === 'edit' && (
        <ProductForm
          key={panel.product.id}
          product={panel.product}
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={(saved) =>
            closeWith(saved ? t('products.saved', { name: saved.name }) : t('common.nothingChanged'))
          }
        />
      )}
      <section aria-labelledby="product-list-heading">
        <h2 id="product-list-heading" className="visually-hidden">
          {heading}
        </h2>
        <ErrorAlert error={products.error} />
        {products.isPending && <Loading />}
        {products.data && rows.length === 0 && <p className="empty">{t('products.empty')}</p>}
        {rows.length > 0 && (
          <TableWrap label={heading}>
            <table data-testid="products-table">
              <thead>
                <tr>
                  <th scope="col">{t('products.fields.name')}</th>
                  <th scope="col">{t('products.fields.code')}</th>
                  <th scope="col">{t('products.fields.manufacturer')}</th>
                  <th scope="col" className="num">
                    {t('products.columns.doses')}
                  </th>
                  <th scope="col" className="num">
                    {t('products.columns.interval')}
                  </th>
                  <th scope="col" className="num">
                    {t('products.columns.minAge')}
                  </th>
                  <th scope="col">{t('products.columns.storage')}</th>
                  <th scope="col">{t('products.columns.status')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((p) => (
                  <tr key={p.id} className={p.active ? undefined : 'inactive'}>
                    <th scope="row">{p.name}</th>
                    <td>
                      <code>{p.code}</code>
                    </td>
                    <td>{p.manufacturer}</td>
                    <td className="num">{f.number(p.primaryDoses)}</td>
                    <td className="num">
                      {t('products.days', {
                        min: f.number(p.minIntervalDays),
                        recommended: f.number(p.recommendedIntervalDays),
                      })}
                    </td>
                    <td className="num">{f.number(p.minAgeYears)}</td>
                    <td className="nowrap">
                      {t('products.storageRange', {
                        min: f.number(p.storageMinC),
                        max: f.number(p.storageMaxC),
                      })}
                    </td>
                    <td>
                      <span className={`badge ${p.active ? 'badge-ok' : 'badge-muted'}`}>
                        {p.active ? t('common.active') : t('common.inactive')}
                      </span>
                    </td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="button secondary small"
                        aria-label={t('products.editNamed', { name: p.name })}
                        onClick={() => openPanel({ kind: 'edit', product: p })}
                      >
                        {t('common.edit')}
                      </button>
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
