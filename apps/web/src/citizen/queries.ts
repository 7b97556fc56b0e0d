import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/client.ts';
import { citizenApi } from '../api/citizenClient.ts';
import type { AvailabilityQuery } from '../api/scheduling.ts';

/** Everything a citizen's sign-in loaded sits under `citizen`, so signing out drops it in one go. */
export const citizenKeys = {
  all: ['citizen'] as const,
  family: ['citizen', 'family'] as const,
  appointments: ['citizen', 'appointments'] as const,
  appointment: (personId: number, id: number) => ['citizen', 'appointment', personId, id] as const,
};

export const publicKeys = {
  products: ['public', 'products'] as const,
  availability: (q: AvailabilityQuery) => ['public', 'availability', q] as const,
  centres: (areaId: number) => ['public', 'centres', areaId] as const,
};

export function useFamily() {
  return useQuery({
    queryKey: citizenKeys.family,
    queryFn: () => unwrap(citizenApi.GET('/api/citizen/people')),
  });
}

/** The family's appointments, and what each person can book next. */
export function useCitizenAppointments() {
  return useQuery({
    queryKey: citizenKeys.appointments,
    queryFn: () => unwrap(citizenApi.GET('/api/citizen/appointments')),
  });
}

export function useCitizenAppointment(personId: number, id: number) {
  return useQuery({
    queryKey: citizenKeys.appointment(personId, id),
    queryFn: () =>
      unwrap(
        citizenApi.GET('/api/citizen/people/{id}/appointments/{appointmentId}', {
          params: { path: { id: personId, appointmentId: id } },
        }),
      ),
  });
}

export function usePublicProducts() {
  return useQuery({
    queryKey: publicKeys.products,
    queryFn: () => unwrap(citizenApi.GET('/api/public/products')),
    staleTime: 5 * 60_000,
  });
}

/** Open sessions with seats left. Seats change by the second: the answer is kept only briefly. */
export function useAvailability(query: AvailabilityQuery | null) {
  return useQuery({
    queryKey: publicKeys.availability(query ?? {}),
    queryFn: () => unwrap(citizenApi.GET('/api/public/availability', { params: { query: query ?? {} } })),
    enabled: query !== null,
    staleTime: 5_000,
    placeholderData: keepPreviousData,
  });
}
