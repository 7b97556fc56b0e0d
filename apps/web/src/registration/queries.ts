import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.ts';

// Public reference data for the registration screens: the same for everyone, and slow to change.
export const registrationKeys = {
  settings: ['registration', 'settings'] as const,
  groups: ['priority-groups'] as const,
  areas: (parentId: number | null) => ['public', 'areas', parentId] as const,
  centres: (areaId: number) => ['public', 'centres', areaId] as const,
};

export function useRegistrationSettings() {
  return useQuery({
    queryKey: registrationKeys.settings,
    queryFn: () => unwrap(api.GET('/api/registration/settings')),
    staleTime: 5 * 60_000,
  });
}

export function usePriorityGroups() {
  return useQuery({
    queryKey: registrationKeys.groups,
    queryFn: () => unwrap(api.GET('/api/priority-groups')),
    staleTime: 60_000,
  });
}

export function usePublicAreas(parentId: number | null, enabled = true) {
  return useQuery({
    queryKey: registrationKeys.areas(parentId),
    queryFn: () =>
      unwrap(api.GET('/api/public/areas', { params: { query: parentId === null ? {} : { parentId } } })),
    enabled,
    staleTime: Infinity,
  });
}

/** Vaccination centres in an area and everything below it. */
export function usePublicCentres(areaId: number | null) {
  return useQuery({
    queryKey: registrationKeys.centres(areaId ?? 0),
    queryFn: () => unwrap(api.GET('/api/public/facilities', { params: { query: { areaId: areaId ?? 0 } } })),
    enabled: areaId !== null,
    staleTime: 5 * 60_000,
  });
}
