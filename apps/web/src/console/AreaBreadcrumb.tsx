import { Link } from 'react-router';
import { useQueries } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import { useFormat } from '../ui/format.ts';
import { areaKeys } from './areaQueries.ts';

export const trailParam = (ids: readonly number[]) => (ids.length ? `?trail=${ids.join('.')}` : '?');

/** The path clicked through the hierarchy; each step links back to that level. */
export function AreaBreadcrumb({ trail }: { trail: readonly number[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const areas = useQueries({
    queries: trail.map((id) => ({
      queryKey: areaKeys.one(id),
      queryFn: () => unwrap(api.GET('/api/areas/{id}', { params: { path: { id } } })),
      staleTime: 60_000,
    })),
  });
  return (
    <nav className="breadcrumb" aria-label={t('areas.breadcrumb')}>
      <ol>
        <li>
          {trail.length === 0 ? (
            <span aria-current="page">{t('areas.allAreas')}</span>
          ) : (
            <Link to={trailParam([])}>{t('areas.allAreas')}</Link>
          )}
        </li>
        {trail.map((id, i) => {
          const area = areas[i]?.data;
          const label = area ? f.name(area) : `#${id}`;
          return (
            <li key={id}>
              {i === trail.length - 1 ? (
                <span aria-current="page">{label}</span>
              ) : (
                <Link to={trailParam(trail.slice(0, i + 1))}>{label}</Link>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
