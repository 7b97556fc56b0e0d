import { useState } from 'react';
import { Link, Navigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useSessionState } from '../auth/session.ts';
import { facilitiesFor, hasWideGrant } from '../console/permissions.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { SelectField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { useDebounced } from '../ui/useDebounced.ts';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { useStores } from './queries.ts';

export const STORE_LEVELS = ['national', 'division', 'district', 'upazila', 'facility'] as const;

/** The stores in the user's scope; staff of one store go straight to it. */
export function StockHomePage() {
  const { t } = useTranslation();
  const f = useFormat();
  usePageTitle(t('console.sections.stock'));
  const user = useSessionState().session?.user;
  const own = facilitiesFor(user, 'stock.read');
  const wide = hasWideGrant(user, 'stock.read');
  const [q, setQ] = useState('');
  const [level, setLevel] = useState('');
  const query = useDebounced(q.trim(), 300);
  const stores = useStores({ q: query || undefined, level: level || undefined });
  if (!wide && own.length === 1) return <Navigate to={`/console/stock/${own[0]}`} replace />;
  return (
    <>
      <h1>{t('console.sections.stock')}</h1>
      <p className="lead">{t('stock.intro')}</p>
      <div className="toolbar">
        <div className="toolbar-filters">
          <TextField label={t('stock.findStore')} type="search" value={q} onChange={setQ} />
          <SelectField
            className="field-narrow"
            label={t('stock.level')}
            value={level}
            onChange={setLevel}
            options={[
              { value: '', label: t('stock.allLevels') },
              ...STORE_LEVELS.map((l) => ({ value: l, label: t(`stock.levels.${l}`) })),
            ]}
          />
        </div>
      </div>
      <ErrorAlert error={stores.error} />
      {stores.isPending && <Loading />}
      {stores.data && (
        <TableWrap label={t('stock.stores')}>
          <table data-testid="stores-table">
            <thead>
              <tr>
                <th scope="col">{t('stock.store')}</th>
                <th scope="col">{t('stock.code')}</th>
                <th scope="col">{t('stock.level')}</th>
                <th scope="col" className="num">
                  {t('stock.childStores')}
                </th>
              </tr>
            </thead>
            <tbody>
              {[...stores.data.items]
                .sort(
                  (a, b) =>
                    STORE_LEVELS.indexOf(a.level as (typeof STORE_LEVELS)[number]) -
                    STORE_LEVELS.indexOf(b.level as (typeof STORE_LEVELS)[number]),
                )
                .map((s) => (
                  <tr key={s.facilityId}>
                    <th scope="row">
                      <Link to={`/console/stock/${s.facilityId}`}>{f.name(s)}</Link>
                    </th>
                    <td>
                      <code>{s.code}</code>
                    </td>
                    <td>{t(`stock.levels.${s.level}`, { defaultValue: s.level })}</td>
                    <td className="num">{f.number(s.childCount)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {stores.data?.items.length === 0 && <p className="empty">{t('stock.noStores')}</p>}
    </>
  );
}
