import highsModule, { type Highs } from 'highs';
import { distanceKm, inAgeBand } from '../../src/doses.ts';
import {
  priorityWeight,
  schedulerPenalties,
  type GeoPoint,
  type OpenSlot,
  type SchedulerInput,
  type WaitingPerson,
} from '../../src/scheduler.ts';

/**
 * The scheduler's rules written out plainly, slot by slot, without any of its indexes: the oracle
 * the property tests check assignments against, and the model the exact optimum is built from.
 */
export interface Anchor {
  point: GeoPoint | null;
  facilityId: number | null;
}

export function facilityLocations(input: SchedulerInput): Map<number, GeoPoint | null> {
  const out = new Map<number, GeoPoint | null>();
  for (const f of input.facilities ?? []) out.set(f.id, f.location);
  for (const s of input.slots) if (s.facilityLocation) out.set(s.facilityId, s.facilityLocation);
  return out;
}

/** Previous dose's facility (later doses), else the preferred facility, else where the person lives. */
export function anchorOf(p: WaitingPerson, locations: Map<number, GeoPoint | null>): Anchor | null {
  const ids = (
    p.doseNumber > 1 && p.previousFacilityId !== null
      ? [p.previousFacilityId, p.preferredFacilityId]
      : [p.preferredFacilityId]
  ).filter((id): id is number => id !== null);
  for (const id of ids) {
    const point = locations.get(id);
    if (point) return { point, facilityId: id };
  }
  if (p.location) return { point: p.location, facilityId: null };
  return ids.length ? { point: null, facilityId: ids[0]! } : null;
}

export type Eligibility =
  | { ok: true; km: number; value: number }
  | {
      ok: false;
      why: 'window' | 'date' | 'product' | 'dose' | 'age' | 'distance' | 'anchor';
    };

/** Whether `slot` may take `p` (capacity aside), and what the placement is worth. */
export function eligibility(
  p: WaitingPerson,
  slot: OpenSlot,
  input: SchedulerInput,
  locations: Map<number, GeoPoint | null> = facilityLocations(input),
): Eligibility {
  const { settings } = input;
  if (slot.date < settings.fromDate || slot.date > settings.toDate) return { ok: false, why: 'window' };
  if (slot.date < p.earliestDate || (p.dueDate !== null && slot.date < p.dueDate))
    return { ok: false, why: 'date' };
  if (p.productIds !== null && !p.productIds.includes(slot.productId)) return { ok: false, why: 'product' };
  if (!slot.doseNumbers.includes(p.doseNumber)) return { ok: false, why: 'dose' };
  if (p.dateOfBirth > slot.date || !inAgeBand(p.dateOfBirth, slot.date, slot.minAgeYears, slot.maxAgeYears))
    return { ok: false, why: 'age' };
  const anchor = anchorOf(p, locations);
  if (!anchor) return { ok: false, why: 'anchor' };
  let km: number;
  if (anchor.facilityId === slot.facilityId) km = 0;
  else if (anchor.point && locations.get(slot.facilityId))
    km = distanceKm(anchor.point, locations.get(slot.facilityId)!);
  else return { ok: false, why: 'distance' };
  if (km > settings.fallbackKm) return { ok: false, why: 'distance' };
  const penalties = schedulerPenalties(settings);
  const preferenceAllowed =
    p.preferredProductId !== null && (p.productIds === null || p.productIds.includes(p.preferredProductId));
  const switched = preferenceAllowed && slot.productId !== p.preferredProductId;
  return {
    ok: true,
    km,
    value: priorityWeight(p.priorityRank) - penalties.perKm * km - (switched ? penalties.productSwitch : 0),
  };
}

// The package's types describe its CommonJS build; imported as ESM, the loader is the default export.
const highsLoader = highsModule as unknown as () => Promise<Highs>;
let loaded: Promise<Highs> | undefined;
const highs = () => (loaded ??= highsLoader());

export interface ExactOptimum {
  objective: number;
  placed: number;
  /** Sum of the placed people's priority weights (the objective before penalties). */
  weights: number;
  /** Sum of the distances of the placements. */
  km: number;
  columns: number;
  rows: number;
  seconds: number;
}

/**
 * The best schedule there is for the same objective and the same hard constraints, solved as a MIP
 * by HiGHS: one binary x[p, g] per person and eligible slot group, maximise
 * sum value(p, g) x[p, g] subject to sum_g x[p, g] <= 1 for each person and
 * sum_p x[p, g] <= seats(g) for each group. A group is the slots of one session kind at one
 * facility on one day: they admit the same people at the same value, so merging them (seats
 * summed) changes nothing but the model's size.
 */
export async function exactOptimum(input: SchedulerInput, timeLimitS = 120): Promise<ExactOptimum> {
  const started = performance.now();
  const locations = facilityLocations(input);
  const groups = new Map<string, { slot: OpenSlot; seats: number }>();
  for (const s of input.slots) {
    if (s.remaining <= 0) continue;
    const key = [
      s.facilityId,
      s.date,
      s.productId,
      [...s.doseNumbers].sort().join('.'),
      s.minAgeYears,
      s.maxAgeYears,
    ].join('|');
    const g = groups.get(key);
    if (g) g.seats += s.remaining;
    else groups.set(key, { slot: s, seats: s.remaining });
  }
  const groupList = [...groups.values()];
  // One row per person (people holding several entries still get one placement), then one per group.
  const personRow = new Map<number, number>();
  for (const p of input.people) if (!personRow.has(p.personId)) personRow.set(p.personId, personRow.size);
  const people = personRow.size;
  const colCost: number[] = [];
  const colWeight: number[] = [];
  const colKm: number[] = [];
  const starts: number[] = [0];
  const indices: number[] = [];
  for (const p of input.people) {
    for (let g = 0; g < groupList.length; g++) {
      const e = eligibility(p, groupList[g]!.slot, input, locations);
      if (!e.ok) continue;
      colCost.push(e.value);
      colWeight.push(priorityWeight(p.priorityRank));
      colKm.push(e.km);
      indices.push(personRow.get(p.personId)!, people + g);
      starts.push(indices.length);
    }
  }
  const numCols = colCost.length;
  const numRows = people + groupList.length;
  const h = await highs();
  const model = h.createModel({
    numCols,
    numRows,
    sense: h.constants.objectiveSense.maximize,
    colCost,
    colLower: new Float64Array(numCols),
    colUpper: new Float64Array(numCols).fill(1),
    rowLower: new Float64Array(numRows).fill(-h.infinity),
    rowUpper: Float64Array.from({ length: numRows }, (_, i) =>
      i < people ? 1 : groupList[i - people]!.seats,
    ),
    matrix: {
      format: 'csc',
      numRows,
      numCols,
      starts,
      indices,
      values: new Float64Array(indices.length).fill(1),
    },
    integrality: new Int32Array(numCols).fill(h.constants.variableType.integer),
  });
  try {
    model.options.set({ output_flag: false, mip_rel_gap: 0, time_limit: timeLimitS });
    model.run();
    const status = model.getModelStatus();
    if (status !== h.constants.modelStatus.optimal)
      throw new Error(`HiGHS did not prove an optimum (model status ${status})`);
    const x = model.getSolution().colValue;
    let placed = 0;
    let weights = 0;
    let km = 0;
    x.forEach((v, j) => {
      if (v <= 0.5) return;
      placed++;
      weights += colWeight[j]!;
      km += colKm[j]!;
    });
    return {
      objective: model.getObjectiveValue(),
      placed,
      weights,
      km,
      columns: numCols,
      rows: numRows,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    model.dispose();
  }
}
