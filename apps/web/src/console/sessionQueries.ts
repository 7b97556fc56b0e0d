import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.ts';

export const sessionKeys = {
  all: ['sessions'] as const,
  list: (facilityId: number, from: string, to: string) => ['sessions', 'list', facilityId, from, to] as const,
  one: (id: number) => ['sessions', 'one', id] as const,
  appointments: (id: number) => ['sessions', 'appointments', id] as const,
  attendance: (facilityId: number, from: string, to: string) =>
    ['sessions', 'attendance', facilityId, from, to] as const,
  queue: (filter: QueueFilter) => ['waiting-queue', filter] as const,
  products: ['products', 'active'] as const,
};

export interface QueueFilter {
  areaId?: number;
  doseNumber?: number;
  limit: number;
  offset: number;
}

/** A facility's sessions over a date range, with how full each is. */
export function useSessions(facilityId: number | null, from: string, to: string) {
  return useQuery({
    queryKey: sessionKeys.list(facilityId ?? 0, from, to),
    queryFn: () =>
      unwrap(api.GET('/api/sessions', { params: { query: { facilityId: facilityId ?? 0, from, to } } })),
    enabled: facilityId !== null,
    placeholderData: keepPreviousData,
  });
}

export function useSessionAppointments(id: number) {
  return useQuery({
    queryKey: sessionKeys.appointments(id),
    queryFn: () => unwrap(api.GET('/api/sessions/{id}/appointments', { params: { path: { id } } })),
  });
}

export function useAttendance(facilityId: number | null, from: string, to: string) {
  return useQuery({
    queryKey: sessionKeys.attendance(facilityId ?? 0, from, to),
    queryFn: () =>
      unwrap(
        api.GET('/api/facilities/{id}/attendance', {
          params: { path: { id: facilityId ?? 0 }, query: { from, to } },
        }),
      ),
    enabled: facilityId !== null,
    staleTime: 60_000,
  });
}

/** Every vaccine product (the session forms offer the active ones). */
export function useProducts() {
  return useQuery({
    queryKey: sessionKeys.products,
    queryFn: () => unwrap(api.GET('/api/products', { params: { query: { includeInactive: false } } })),
    staleTime: 5 * 60_000,
  });
}

export function useWaitingQueue(filter: QueueFilter, enabled = true) {
  return useQuery({
    enabled,
    queryKey: sessionKeys.queue(filter),
    queryFn: () =>
      unwrap(
        api.GET('/api/waiting-queue', {
          params: {
            query: {
              limit: filter.limit,
              offset: filter.offset,
              ...(filter.areaId ? { areaId: filter.areaId } : {}),
              ...(filter.doseNumber ? { doseNumber: filter.doseNumber } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    // Each read names people and is audited: do not ask again on every visit.
    staleTime: 60_000,
  });
}
