/**
 * Vaccine stock rules that need no database: which lots leave a store first, how an allocation is
 * shared between the stores below, what a transfer's receipt posts, days of supply and wastage.
 *
 * Quantities are whole doses. A lot is usable on its expiry date and expired from the day after.
 */
import type { IsoDate } from './dates.ts';
import { daysBetween } from './dates.ts';

/** A lot's stock in one store, as dispatch and alerts see it. */
export interface LotStock {
  lotId: number;
  expiresOn: IsoDate;
  quantity: number;
}

export interface PickedLot {
  lotId: number;
  doses: number;
}

/** True when the lot may no longer be given or sent on `today`. */
export const isLotExpired = (expiresOn: IsoDate, today: IsoDate): boolean => expiresOn < today;

/** True when an unexpired lot expires within `days` days of `today` (today counts). */
export const isLotExpiringSoon = (expiresOn: IsoDate, today: IsoDate, days: number): boolean =>
  !isLotExpired(expiresOn, today) && daysBetween(today, expiresOn) <= days;

/** A quantity of doses: a whole number above zero. */
export const isDoseQuantity = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

/**
 * First expiry, first out: the doses to send, taken from the lots that expire first (ties by lot
 * id), never from an expired lot. `short` is what the store cannot cover (0 when it can).
 */
export function pickFirstExpiryFirstOut(
  lots: readonly LotStock[],
  doses: number,
  today: IsoDate,
): { lines: PickedLot[]; short: number } {
  const usable = lots
    .filter((l) => l.quantity > 0 && !isLotExpired(l.expiresOn, today))
    .sort((a, b) => (a.expiresOn === b.expiresOn ? a.lotId - b.lotId : a.expiresOn < b.expiresOn ? -1 : 1));
  const lines: PickedLot[] = [];
  let left = doses;
  for (const l of usable) {
    if (left <= 0) break;
    const take = Math.min(left, l.quantity);
    lines.push({ lotId: l.lotId, doses: take });
    left -= take;
  }
  return { lines, short: Math.max(0, left) };
}

/**
 * Splits `total` whole doses in proportion to `weights` (largest remainder; ties go to the earlier
 * entry). With no positive weight the doses are shared equally. The parts always add up to `total`.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const w = weights.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  const sum = w.reduce((s, x) => s + x, 0);
  const shares = sum > 0 ? w.map((x) => (total * x) / sum) : w.map(() => total / w.length);
  const parts = shares.map((s) => Math.floor(s));
  let left = total - parts.reduce((s, x) => s + x, 0);
  const order = shares
    .map((s, i) => ({ i, r: s - Math.floor(s) }))
    .sort((a, b) => (b.r === a.r ? a.i - b.i : b.r - a.r));
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) parts[order[k]!.i]! += 1;
  return parts;
}

/** What a store below may still need: the people of its catchment not yet vaccinated. */
export interface AllocationNeed {
  population: number;
  vaccinated: number;
}

/**
 * The suggested share of each store below: in proportion to the people of its catchment not yet
 * vaccinated; when everyone is vaccinated everywhere, in proportion to population.
 */
export function suggestAllocation(totalDoses: number, needs: readonly AllocationNeed[]): number[] {
  const unvaccinated = needs.map((n) => Math.max(0, n.population - n.vaccinated));
  if (unvaccinated.some((u) => u > 0)) return apportion(totalDoses, unvaccinated);
  return apportion(
    totalDoses,
    needs.map((n) => n.population),
  );
}

/**
 * What the receipt of one transfer line posts: `arrived` goes from in transit into the receiving
 * store, `lost` (a shortfall) from in transit to lost, `surplus` (more than was sent) from
 * adjustment into the store. A difference needs a stated reason.
 */
export function transferLineOutcome(
  dispatched: number,
  received: number,
): { arrived: number; lost: number; surplus: number; differs: boolean } {
  const arrived = Math.min(dispatched, received);
  return {
    arrived,
    lost: dispatched - arrived,
    surplus: Math.max(0, received - dispatched),
    differs: received !== dispatched,
  };
}

/**
 * How long a store's stock lasts at the recent rate of use. `used` doses were given over the last
 * `days` days; with no use the stock does not run out (null).
 */
export function daysOfSupply(
  quantity: number,
  used: number,
  days = 14,
): { dailyUse: number; daysOfSupply: number | null } {
  const dailyUse = used > 0 ? used / days : 0;
  return {
    dailyUse: Math.round(dailyUse * 100) / 100,
    daysOfSupply: dailyUse > 0 ? Math.floor((quantity / dailyUse) * 10) / 10 : null,
  };
}

/** Low when the stock would last fewer than `lowDays` days at the recent rate of use. */
export const isLowStock = (days: number | null, lowDays: number): boolean => days !== null && days < lowDays;

/** Wasted doses as a share of the doses that left the vials (given or wasted); null when none did. */
export function wastageRate(administered: number, wasted: number): number | null {
  const total = administered + wasted;
  return total > 0 ? Math.round((wasted / total) * 10_000) / 10_000 : null;
}

/** Adjustment kinds that only remove doses, and the ledger party they go to. */
export const ADJUSTMENT_SINK = {
  breakage: 'damaged',
  cold_chain_failure: 'damaged',
  expiry: 'expired',
} as const;

export type AdjustmentKind = 'breakage' | 'cold_chain_failure' | 'expiry' | 'count' | 'found' | 'other';

/**
 * The signed change an adjustment makes, or why it cannot be made. A count states what was
 * counted and the difference from the books is posted; `found` only adds, breakage, cold-chain
 * failure and expiry only remove.
 */
export function adjustmentChange(
  kind: AdjustmentKind,
  input: { quantityChange?: number | undefined; countedDoses?: number | undefined },
  bookDoses: number,
):
  | { ok: true; change: number }
  | {
      ok: false;
      code: 'count_needs_counted_doses' | 'quantity_change_required' | 'wrong_sign' | 'no_difference';
    } {
  if (kind === 'count') {
    if (input.countedDoses === undefined || input.quantityChange !== undefined)
      return { ok: false, code: 'count_needs_counted_doses' };
    const change = input.countedDoses - bookDoses;
    return change === 0 ? { ok: false, code: 'no_difference' } : { ok: true, change };
  }
  if (input.quantityChange === undefined || input.countedDoses !== undefined)
    return { ok: false, code: 'quantity_change_required' };
  const change = input.quantityChange;
  if (change === 0) return { ok: false, code: 'no_difference' };
  if (kind === 'found' && change < 0) return { ok: false, code: 'wrong_sign' };
  if (kind in ADJUSTMENT_SINK && change > 0) return { ok: false, code: 'wrong_sign' };
  return { ok: true, change };
}
