import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, ApiError, refreshSession, unwrap } from '../api/client.ts';
import { getSession, setSession } from '../auth/session.ts';
import type { FacilitySort } from './types.ts';

export type ReportQuery = Record<string, string | number | undefined>;

function urlOf(path: string, query: ReportQuery = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function send(url: string, accept: string): Promise<Response> {
  const go = () => {
    const token = getSession()?.accessToken;
    return fetch(url, {
      credentials: 'same-origin',
      headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  };
  let res: Response;
  try {
    res = await go();
    if (res.status === 401 && getSession()) {
      if (await refreshSession()) res = await go();
      else setSession(null);
    }
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : '');
  }
  if (!res.ok) {
    const body: unknown = await res.json().catch(() => null);
    const error =
      body && typeof body === 'object' && 'error' in body && body.error && typeof body.error === 'object'
        ? (body.error as { code?: unknown; message?: unknown; requestId?: unknown })
        : {};
    throw new ApiError(
      res.status,
      typeof error.code === 'string' ? error.code : 'http_error',
      typeof error.message === 'string' ? error.message : '',
      typeof error.requestId === 'string' ? error.requestId : undefined,
    );
  }
  return res;
}

function fileNameOf(res: Response, fallback: string): string {
  const header = res.headers.get('content-disposition') ?? '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header);
  return m?.[1] ? decodeURIComponent(m[1]) : fallback;
}

/** Fetches a report as CSV and hands it to the browser as a file to save. */
export async function downloadCsv(path: string, query: ReportQuery, fallbackName: string): Promise<void> {
  const res = await send(urlOf(path, { ...query, format: 'csv' }), 'text/csv');
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = fileNameOf(res, fallbackName);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export const reportKeys = {
  all: ['reports'] as const,
  one: (name: string, query: ReportQuery) => ['reports', name, query] as const,
};

/** Report answers: a new area or date range keeps the last figures on screen until the new ones arrive. */
function useReport<T>(name: string, query: ReportQuery, fetcher: () => Promise<T>) {
  return useQuery({
    queryKey: reportKeys.one(name, query),
    queryFn: fetcher,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

type Range = { areaId?: number; from: string; to: string };

export const useVaccinationReport = (areaId?: number) =>
  useReport('vaccination', { areaId }, () =>
    unwrap(api.GET('/api/reports/vaccination', { params: { query: { areaId } } })),
  );

export const useVaccinationTrend = (query: Range & { productId?: number }) =>
  useReport('vaccination-trend', query, () =>
    unwrap(api.GET('/api/reports/vaccination/trend', { params: { query } })),
  );

export const useCoverageReport = (areaId?: number) =>
  useReport('coverage', { areaId }, () =>
    unwrap(api.GET('/api/reports/coverage', { params: { query: { areaId } } })),
  );

export const useFunnelReport = (areaId?: number) =>
  useReport('funnel', { areaId }, () =>
    unwrap(api.GET('/api/reports/funnel', { params: { query: { areaId } } })),
  );

export const useFacilityReport = (
  query: Range & { sort: FacilitySort; order: 'asc' | 'desc'; limit: number; offset: number },
) => useReport('facilities', query, () => unwrap(api.GET('/api/reports/facilities', { params: { query } })));

export const useStockReport = (areaId?: number) =>
  useReport('stock', { areaId }, () =>
    unwrap(api.GET('/api/reports/stock', { params: { query: { areaId } } })),
  );

export const useAefiReport = (query: Range) =>
  useReport('aefi', query, () => unwrap(api.GET('/api/reports/aefi', { params: { query } })));

export const useRegistrationReport = (query: Range) =>
  useReport('registrations', query, () =>
    unwrap(api.GET('/api/reports/registrations', { params: { query } })),
  );

export function useReportStatus() {
  return useQuery({
    queryKey: ['reports', 'status'],
    queryFn: () => unwrap(api.GET('/api/reports/status')),
    refetchInterval: 15_000,
  });
}

/** The public dashboard; it asks again as often as the answer says its figures change. */
export function usePublicDashboard(areaId?: number) {
  return useQuery({
    queryKey: ['public', 'dashboard', areaId ?? null],
    queryFn: () => unwrap(api.GET('/api/public/dashboard', { params: { query: { areaId } } })),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.refreshSeconds ?? 60) * 1000,
  });
}
