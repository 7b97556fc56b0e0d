import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type IdType } from '../api/client.ts';

/** One search of the people register: by exactly one key. Every search is recorded in the audit trail. */
export type PeopleSearch =
  | { by: 'id'; idType: IdType; idNumber: string }
  | { by: 'registrationNumber'; registrationNumber: string }
  | { by: 'phone'; phone: string }
  | { by: 'name'; name: string };

export const peopleKeys = {
  all: ['people'] as const,
  search: (s: PeopleSearch) => ['people', 'search', s] as const,
  one: (id: number) => ['people', 'one', id] as const,
  corrections: (id: number) => ['people', 'corrections', id] as const,
};

function queryOf(s: PeopleSearch) {
  switch (s.by) {
    case 'id':
      return { idType: s.idType, idNumber: s.idNumber };
    case 'registrationNumber':
      return { registrationNumber: s.registrationNumber };
    case 'phone':
      return { phone: s.phone };
    case 'name':
      return { name: s.name };
  }
}

export function usePeopleSearch(search: PeopleSearch | null) {
  return useQuery({
    queryKey: peopleKeys.search(search ?? { by: 'name', name: '' }),
    queryFn: () => unwrap(api.GET('/api/people', { params: { query: queryOf(search!) } })),
    enabled: search !== null,
    // Each search is audited: coming back to the results should not search again at once.
    staleTime: 5 * 60_000,
  });
}

export function usePerson(id: number) {
  return useQuery({
    queryKey: peopleKeys.one(id),
    queryFn: () => unwrap(api.GET('/api/people/{id}', { params: { path: { id } } })),
    // Each view is audited too.
    staleTime: 5 * 60_000,
  });
}

export function useCorrections(id: number) {
  return useQuery({
    queryKey: peopleKeys.corrections(id),
    queryFn: () => unwrap(api.GET('/api/people/{id}/corrections', { params: { path: { id } } })),
    staleTime: 5 * 60_000,
  });
}
