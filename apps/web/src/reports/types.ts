/** The report answers, as the generated API schema describes them. */
import type { paths } from '../api/schema';
import type { Gender } from '../api/client.ts';

export type { Gender };

type Json200<P extends keyof paths> = paths[P]['get'] extends {
  responses: { 200: { content: { 'application/json': infer R } } };
}
  ? R
  : never;
type Query<P extends keyof paths> = paths[P]['get'] extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never;

export type VaccinationReport = Json200<'/api/reports/vaccination'>;
export type VaccinationTrend = Json200<'/api/reports/vaccination/trend'>;
export type CoverageReport = Json200<'/api/reports/coverage'>;
export type FunnelReport = Json200<'/api/reports/funnel'>;
export type FacilityReport = Json200<'/api/reports/facilities'>;
export type StockReport = Json200<'/api/reports/stock'>;
export type AefiReport = Json200<'/api/reports/aefi'>;
export type RegistrationReport = Json200<'/api/reports/registrations'>;
export type ReportStatus = Json200<'/api/reports/status'>;
/** Public figures: a count of 1 to 9 is null (suppressed), and so is any rate made from one. */
export type PublicDashboard = Json200<'/api/public/dashboard'>;

export type FacilitySort = NonNullable<Query<'/api/reports/facilities'>['sort']>;
export type VaccinationTable = NonNullable<Query<'/api/reports/vaccination'>['table']>;

/** An area in a report; null in an answer stands for the whole country. */
export type ReportArea = NonNullable<VaccinationReport['area']>;
/** An age band: its lower bound in years (0, 12, 18, 30, ... 80). */
export type AgeBand = number;
export type CoverageRow = Omit<CoverageReport['byAgeBand'][number], 'ageBand'>;
export type FunnelCounts = FunnelReport['totals'];

/** Rows of the areas below the one shown: each names its area. */
export function areaRows<T extends { area: ReportArea | null }>(
  rows: readonly T[],
): (T & { area: ReportArea })[] {
  return rows.filter((r): r is T & { area: ReportArea } => r.area !== null);
}
