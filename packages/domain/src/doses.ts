/**
 * Dose schedules: which dose a person needs next, with which products, and from which date.
 *
 * Policy: a primary series (one to five doses) is completed with the product it started with;
 * each later dose of the series is due `recommendedIntervalDays` after the one before and may be
 * given from `minIntervalDays`. After the series one booster is offered, with any product that
 * allows boosters, from its `boosterMinIntervalDays` after the last dose.
 */
import { addDays, ageInYears, type IsoDate } from './dates.ts';

export interface DoseProduct {
  id: number;
  code: string;
  primaryDoses: number;
  minIntervalDays: number;
  recommendedIntervalDays: number;
  boosterAllowed: boolean;
  boosterMinIntervalDays: number | null;
  minAgeYears: number;
  active: boolean;
}

export interface DoseReceived {
  doseNumber: number;
  productId: number;
  date: IsoDate;
}

export type NextDose =
  | {
      kind: 'due';
      doseNumber: number;
      /** The products that may be given; for a later dose of a series, the series' product only. */
      productIds: number[];
      /** The first day the dose may be given. */
      earliestDate: IsoDate;
      /** The recommended day; for a first dose, the earliest date. */
      dueDate: IsoDate;
      /** Primary series or booster. */
      booster: boolean;
      /** The series' product, when the dose must use it. */
      seriesProductId: number | null;
    }
  | { kind: 'complete'; doses: number };

/** How many boosters follow a primary series. */
export const BOOSTERS_OFFERED = 1;

/**
 * The next dose for someone with `received` doses, from `today` on. `products` is the programme's
 * list; a product missing from it (withdrawn since) still fixes its series.
 */
export function nextDose(
  received: readonly DoseReceived[],
  products: readonly DoseProduct[],
  today: IsoDate,
): NextDose {
  const byId = new Map(products.map((p) => [p.id, p]));
  const sorted = [...received].sort((a, b) => a.doseNumber - b.doseNumber || a.date.localeCompare(b.date));
  const last = sorted[sorted.length - 1];
  const active = products.filter((p) => p.active);
  if (!last) {
    return {
      kind: 'due',
      doseNumber: 1,
      productIds: active.map((p) => p.id),
      earliestDate: today,
      dueDate: today,
      booster: false,
      seriesProductId: null,
    };
  }
  const first = sorted[0]!;
  const series = byId.get(first.productId);
  const primaryDoses = series?.primaryDoses ?? 1;
  const doseNumber = last.doseNumber + 1;
  if (doseNumber <= primaryDoses && series) {
    const earliest = addDays(last.date, series.minIntervalDays);
    const due = addDays(last.date, series.recommendedIntervalDays);
    return {
      kind: 'due',
      doseNumber,
      productIds: [series.id],
      earliestDate: maxDate(earliest, today),
      dueDate: maxDate(due, today),
      booster: false,
      seriesProductId: series.id,
    };
  }
  if (doseNumber > primaryDoses + BOOSTERS_OFFERED) return { kind: 'complete', doses: last.doseNumber };
  const boosters = active.filter((p) => p.boosterAllowed);
  if (!boosters.length) return { kind: 'complete', doses: last.doseNumber };
  const wait = Math.min(...boosters.map((p) => boosterWait(p)));
  const earliest = addDays(last.date, wait);
  return {
    kind: 'due',
    doseNumber,
    productIds: boosters.map((p) => p.id),
    earliestDate: maxDate(earliest, today),
    dueDate: maxDate(earliest, today),
    booster: true,
    seriesProductId: null,
  };
}

function boosterWait(p: DoseProduct): number {
  return p.boosterMinIntervalDays ?? p.minIntervalDays;
}

export type DoseCheck =
  | { ok: true }
  | { ok: false; code: 'already_complete' }
  | { ok: false; code: 'dose_not_due'; doseNumber: number }
  | { ok: false; code: 'too_early'; earliestDate: IsoDate }
  | { ok: false; code: 'product_not_allowed'; allowedProductIds: number[] }
  | { ok: false; code: 'too_young_for_product'; minAgeYears: number };

/**
 * Whether dose `doseNumber` of product `productId` may be given on `date` to a person born on
 * `dateOfBirth` who has received `received`.
 */
export function checkDose(
  input: {
    received: readonly DoseReceived[];
    products: readonly DoseProduct[];
    doseNumber: number;
    productId: number;
    date: IsoDate;
    dateOfBirth: IsoDate;
  },
  today: IsoDate,
): DoseCheck {
  const next = nextDose(input.received, input.products, today);
  if (next.kind === 'complete') return { ok: false, code: 'already_complete' };
  if (input.doseNumber !== next.doseNumber)
    return { ok: false, code: 'dose_not_due', doseNumber: next.doseNumber };
  if (!next.productIds.includes(input.productId))
    return { ok: false, code: 'product_not_allowed', allowedProductIds: next.productIds };
  const product = input.products.find((p) => p.id === input.productId)!;
  const earliest = next.booster
    ? maxDate(addDays(lastDate(input.received), boosterWait(product)), today)
    : next.earliestDate;
  if (input.date < earliest) return { ok: false, code: 'too_early', earliestDate: earliest };
  if (ageInYears(input.dateOfBirth, input.date) < product.minAgeYears)
    return { ok: false, code: 'too_young_for_product', minAgeYears: product.minAgeYears };
  return { ok: true };
}

function lastDate(received: readonly DoseReceived[]): IsoDate {
  return received.reduce((d, r) => (r.date > d ? r.date : d), '0000-01-01');
}

function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a > b ? a : b;
}

/** Whether a session's age band admits a person on the session's date. */
export function inAgeBand(
  dateOfBirth: IsoDate,
  onDate: IsoDate,
  minAge: number,
  maxAge: number | null,
): boolean {
  const age = ageInYears(dateOfBirth, onDate);
  return age >= minAge && (maxAge === null || age <= maxAge);
}

/** Great-circle distance in kilometres. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}
