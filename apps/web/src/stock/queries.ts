import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.ts';

export const stockKeys = {
  all: ['stock'] as const,
  stores: (filter: { q?: string; level?: string; parentId?: number }) => ['stock', 'stores', filter] as const,
  store: (id: number) => ['stock', 'store', id] as const,
  stock: (id: number) => ['stock', 'levels', id] as const,
  transfers: (storeId: number, direction: 'in' | 'out') =>
    ['stock', 'transfers', storeId, direction] as const,
  transfer: (id: number) => ['stock', 'transfer', id] as const,
  receipts: (storeId: number) => ['stock', 'receipts', storeId] as const,
  adjustments: (storeId: number) => ['stock', 'adjustments', storeId] as const,
  vials: (facilityId: number, date: string) => ['stock', 'vials', facilityId, date] as const,
  plan: (id: number) => ['stock', 'plan', id] as const,
  lots: (productId: number | null) => ['stock', 'lots', productId] as const,
  alerts: (storeId: number | null) => ['stock', 'alerts', storeId] as const,
};

const cancelPlanCall = (id: number, reason: string) =>
  api.POST('/api/allocation-plans/{id}/cancel', { params: { path: { id } }, body: { reason } });

/** Withdraws a draft or approved plan not yet dispatched; the plan shown becomes the cancelled one. */
export function useCancelPlan(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (reason: string) => unwrap(cancelPlanCall(id, reason)),
    onSuccess: (plan) => {
      queryClient.setQueryData(stockKeys.plan(id), plan);
      void queryClient.invalidateQueries({ queryKey: stockKeys.all });
    },
    // Refused because the plan moved on meanwhile (cancelled or dispatched elsewhere): show it as it is.
    onError: () => void queryClient.invalidateQueries({ queryKey: stockKeys.plan(id) }),
  });
}

export function useStores(filter: { q?: string; level?: string; parentId?: number }) {
  return useQuery({
    queryKey: stockKeys.stores(filter),
    queryFn: () =>
      unwrap(
        api.GET('/api/stores', {
          params: {
            query: {
              // The levels above facilities come first on the screen: ask for enough to include them.
              limit: 1000,
              ...(filter.q ? { q: filter.q } : {}),
              ...(filter.level ? { level: filter.level as 'national' } : {}),
              ...(filter.parentId ? { parentId: filter.parentId } : {}),
            },
          },
        }),
      ),
  });
}

export function useStore(id: number) {
  return useQuery({
    queryKey: stockKeys.store(id),
    queryFn: () => unwrap(api.GET('/api/stores/{id}', { params: { path: { id } } })),
  });
}

export function useStoreStock(id: number) {
  return useQuery({
    queryKey: stockKeys.stock(id),
    queryFn: () => unwrap(api.GET('/api/stores/{id}/stock', { params: { path: { id } } })),
  });
}

export function useLots(productId: number | null) {
  return useQuery({
    queryKey: stockKeys.lots(productId),
    queryFn: () => unwrap(api.GET('/api/lots', { params: { query: productId ? { productId } : {} } })),
  });
}

export function useProducts() {
  return useQuery({
    queryKey: ['products', 'list', 'active'],
    queryFn: () => unwrap(api.GET('/api/products', { params: { query: { includeInactive: false } } })),
    staleTime: 5 * 60_000,
  });
}

/** A number of doses typed in a field: a whole number above zero, else null. */
export function dosesOf(value: string): number | null {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n > 0 && Number.isSafeInteger(n) ? n : null;
}
