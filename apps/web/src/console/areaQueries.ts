import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api, unwrap, type Area } from '../api/client.ts';
import { useFormat } from '../ui/format.ts';

/** The most children one list shows; a search narrows it when a level has more. */
export const AREA_LIST_LIMIT = 500;

export const areaKeys = {
  all: ['areas'] as const,
  levels: ['areas', 'levels'] as const,
  one: (id: number) => ['areas', 'one', id] as const,
  children: (parentId: number | null, q: string) => ['areas', 'children', parentId, q] as const,
};

export function useAreaLevels() {
  return useQuery({
    queryKey: areaKeys.levels,
    queryFn: () => unwrap(api.GET('/api/area-levels')),
    staleTime: Infinity,
  });
}

/** The localized name of a level of the hierarchy (Division, District, ...), by depth. */
export function useLevelName() {
  const levels = useAreaLevels().data;
  const f = useFormat();
  return useCallback(
    (depth: number) => {
      const level = levels?.find((l) => l.depth === depth);
      return level ? f.name(level) : '';
    },
    [levels, f],
  );
}

export function useArea(id: number | null) {
  return useQuery({
    queryKey: areaKeys.one(id ?? 0),
    queryFn: () => unwrap(api.GET('/api/areas/{id}', { params: { path: { id: id ?? 0 } } })),
    enabled: id !== null,
    staleTime: 60_000,
  });
}

export function useAreaChildren(parentId: number | null, q = '', enabled = true) {
  return useQuery({
    queryKey: areaKeys.children(parentId, q),
    queryFn: () =>
      unwrap(
        api.GET('/api/areas', {
          params: {
            query: {
              ...(parentId !== null ? { parentId } : {}),
              ...(q ? { q } : {}),
              limit: AREA_LIST_LIMIT,
            },
          },
        }),
      ),
    enabled,
    // While a search is typed, keep showing the rows of the same level instead of a blank table.
    placeholderData: (previous: Area[] | undefined, previousQuery) =>
      previousQuery?.queryKey[2] === parentId ? previous : undefined,
  });
}
