import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap, type FacilityType } from '../api/client.ts';

export interface FacilityFilter {
  type?: FacilityType;
  q?: string;
  limit: number;
  offset: number;
}

export const facilityKeys = {
  all: ['facilities'] as const,
  list: (filter: FacilityFilter) => ['facilities', 'list', filter] as const,
  one: (id: number) => ['facilities', 'one', id] as const,
};

export function useFacilities(filter: FacilityFilter) {
  return useQuery({
    queryKey: facilityKeys.list(filter),
    queryFn: () =>
      unwrap(
        api.GET('/api/facilities', {
          params: {
            query: {
              limit: filter.limit,
              offset: filter.offset,
              ...(filter.type ? { type: filter.type } : {}),
              ...(filter.q ? { q: filter.q } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useFacility(id: number | null) {
  return useQuery({
    queryKey: facilityKeys.one(id ?? 0),
    queryFn: () => unwrap(api.GET('/api/facilities/{id}', { params: { path: { id: id ?? 0 } } })),
    enabled: id !== null,
    staleTime: 60_000,
  });
}
