import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../ui/format.ts';
import type { AgeBand, Gender } from './types.ts';

export const AGE_BANDS = [0, 12, 18, 30, 40, 50, 60, 70, 80] as const;
export const GENDERS = ['female', 'male', 'third_gender'] as const satisfies readonly Gender[];

/** The lower bound of an age band, whether the answer gives it as a number or as "18-29" / "80+". */
export function bandStart(band: AgeBand): number {
  return typeof band === 'number' ? band : Number.parseInt(band, 10);
}

/** Figures for reports: counts, percentages, rates, dates and age bands in the reader's language. */
export function useReportFormat() {
  const f = useFormat();
  const { t } = useTranslation();
  return useMemo(() => {
    const percent = new Intl.NumberFormat(f.locale, { style: 'percent', maximumFractionDigits: 1 });
    // Below 1 %, two significant digits: 0.034 % rather than a misleading 0 %.
    const smallPercent = new Intl.NumberFormat(f.locale, { style: 'percent', maximumSignificantDigits: 2 });
    const decimal = new Intl.NumberFormat(f.locale, { maximumFractionDigits: 1 });
    const compact = new Intl.NumberFormat(f.locale, { notation: 'compact', maximumFractionDigits: 1 });
    const dayMonth = new Intl.DateTimeFormat(f.locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
    const band = (b: AgeBand) => {
      const start = bandStart(b);
      const i = AGE_BANDS.indexOf(start as (typeof AGE_BANDS)[number]);
      const next = AGE_BANDS[i + 1];
      return next === undefined ? `${f.number(start)}+` : `${f.number(start)}–${f.number(next - 1)}`;
    };
    return {
      ...f,
      /** A fraction 0..1 as a percentage; a dash when there is none. */
      percent: (x: number | null | undefined) =>
        x === null || x === undefined ? '—' : x > 0 && x < 0.01 ? smallPercent.format(x) : percent.format(x),
      decimal: (x: number | null | undefined) => (x === null || x === undefined ? '—' : decimal.format(x)),
      /** Short numbers for chart axes: 12K, 1.2M (in Bengali digits in Bengali). */
      compact: (x: number) => compact.format(x),
      /** A calendar day as "5 Nov" for chart axes. */
      dayMonth: (isoDate: string) => dayMonth.format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`)),
      band,
      /** An age band with its unit, for tables: "18–29 years". */
      bandYears: (b: AgeBand) => t('reports.ageBandYears', { band: band(b) }),
      gender: (g: Gender) => t(`registration.genders.${g}`),
    };
  }, [f, t]);
}

export type ReportFormat = ReturnType<typeof useReportFormat>;

/** YYYY-MM-DD of a Date, read in UTC. */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The default range of the dated reports: the 30 days ending today. */
export function lastDays(days: number, today = new Date()): { from: string; to: string } {
  const to = isoDay(today);
  const start = new Date(`${to}T00:00:00Z`);
  start.setUTCDate(start.getUTCDate() - (days - 1));
  return { from: isoDay(start), to };
}
