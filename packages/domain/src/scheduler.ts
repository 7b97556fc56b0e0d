/**
 * The auto-scheduler: assigns people waiting for a dose to open slots of the coming days.
 *
 * A pure function: the same input gives the same output, whatever the order of its arrays.
 *
 * Hard constraints, never broken:
 * - a slot takes at most `remaining` more people;
 * - the session admits the dose number;
 * - the person is inside the session's age band on the session's date;
 * - the product is one the dose may be given with (the series product for a later dose of a
 *   primary series; any product allowed for a first dose or a booster);
 * - the date is inside the window, on or after the dose's earliest date and, for a later dose, on or
 *   after its due date: later doses are scheduled at the recommended interval, not the minimum one;
 * - the facility is within `fallbackKm` of the person's anchor: the facility of the previous dose
 *   for a later dose, else the preferred facility, else the person's own location (their area);
 * - one placement per person and run.
 *
 * Objective (what the exact optimum in the tests maximises too): the sum over placed people of
 *
 *     value(p, s) = priorityWeight(rank) - distancePenaltyPerKm x km(anchor, facility)
 *                   - productSwitchPenalty x [a product preference is set, allowed, and not met]
 *
 *     priorityWeight(rank) = 1 + min(10, max(0, 10 - rank)) / 10     (rank 1: 1.9, rank 7: 1.3, 10+: 1.0)
 *
 * By default the distance penalty is 0.15 at the edge of the reach (0.15 / fallbackKm per km) and
 * a product switch costs 0.25. So a placement is always worth more than leaving the person waiting;
 * within the reach the preferred product wins over a nearer session of another product
 * (0.25 > 0.15); and among sessions of one product the nearest facility wins, the previous dose's
 * facility (0 km) first. Settings may change both penalties as long as together they stay under
 * half the smallest weight.
 *
 * Product policy: a preference is a preference. For a first dose or a booster, where the programme
 * lets the person choose, the preferred product is offered first everywhere within reach; when no
 * session of it has room, another allowed product is given (the SMS says the appointment can be
 * changed or cancelled online, so nobody is bound to a product they did not choose). Later doses of
 * a series never switch: the series product is a hard constraint.
 *
 * Algorithm, in three steps:
 * 1. Greedy in queue order: priority rank first, then registration order (then person id and dose
 *    number, for a total order). Each person takes the best slot with room: the highest value, then
 *    the earliest date; on one date the product fewer people asked for (per seat), so that someone
 *    with no preference leaves the sought-after product to those who want it; then the earliest
 *    start and the lowest slot id. Candidates come from per-anchor
 *    lists of facilities within reach, nearest first (a grid index finds them), and inside a
 *    facility from slot lists grouped by (product, doses, age band) with a union-find "next slot
 *    with room" pointer, so full slots and facilities cost nothing to skip.
 * 2. When every slot a person could have is full, a chain of moves makes room (an augmenting path):
 *    someone sitting in one of those slots moves to another slot they are eligible for, whose
 *    occupant moves on, until a slot with room. Everyone moved keeps an eligible slot; only their
 *    penalty changes. See `placeByChain`. The searches have a work budget (generous for a
 *    district's queue, tighter for a national one), so a very long chain may go unfound.
 * 3. Exchanges: two placed people swap slots when that lowers their penalties together (someone
 *    with no product preference gives a seat of the product another person asked for).
 *
 * What the queue order costs: the exact optimum of the objective may leave a person waiting for a
 * later one of the same rank whose placement needs no penalty; the scheduler does not (registration
 * order is a rule, not a weight). On the test instances the gap to the optimum stays under 2%.
 *
 * Priority order, the invariant the property tests check: when a person is left waiting, nobody
 * behind them in the queue holds a slot they were eligible for. Step 1 alone gives it (a slot a
 * later person took had room when the earlier person looked). Steps 2 and 3 keep it: the slots of a
 * person left waiting are frozen, and only people ahead of them may enter those slots afterwards.
 *
 * Every person left waiting gets a reason: the first of UNPLACED_REASONS that applies.
 */
import { distanceKm } from './doses.ts';
import type { IsoDate } from './dates.ts';

export const UNPLACED_REASONS = [
  /** The person holds another entry of the queue that goes first (an earlier dose). */
  'earlier_dose_pending',
  /** No facility to start from: no previous or preferred facility and no location. */
  'no_location',
  /** The dose is not due before the window ends (or no session within reach from its due date). */
  'not_due_in_window',
  /** No session at all within `fallbackKm` in the window. */
  'no_session_nearby',
  /** Sessions within reach, none with a product this dose may be given with. */
  'no_session_for_product',
  /** Sessions with the product within reach, none admitting this dose number. */
  'no_session_for_dose',
  /** Sessions for the dose within reach, all for older people on their dates. */
  'too_young_for_sessions',
  /** Sessions for the dose within reach, all for younger people on their dates. */
  'too_old_for_sessions',
  /** Eligible sessions within reach, all full. */
  'no_capacity_nearby',
] as const;
export type UnplacedReason = (typeof UNPLACED_REASONS)[number];

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface WaitingPerson {
  personId: number;
  doseNumber: number;
  /** Priority group rank: 1 is served first. */
  priorityRank: number;
  /** Orders people of one rank: smaller registered earlier (a queue position or a timestamp). */
  registrationOrder: number;
  earliestDate: IsoDate;
  /** The recommended date of a later dose; null for a first dose. */
  dueDate: IsoDate | null;
  /** Products the dose may be given with; null: any. A later dose of a series: its product only. */
  productIds: readonly number[] | null;
  preferredProductId: number | null;
  preferredFacilityId: number | null;
  /** Where the previous dose was given (later doses). */
  previousFacilityId: number | null;
  /** Where the person lives (their area's coordinates), when known. */
  location: GeoPoint | null;
  dateOfBirth: IsoDate;
}

export interface OpenSlot {
  slotId: number;
  sessionId: number;
  facilityId: number;
  facilityLocation: GeoPoint | null;
  date: IsoDate;
  /** 'HH:MM' or 'HH:MM:SS': orders the slots of one day. */
  startsAt: string;
  productId: number;
  doseNumbers: readonly number[];
  minAgeYears: number;
  maxAgeYears: number | null;
  /** Seats left; 0 for a full slot (kept: it tells "full" from "no session"). */
  remaining: number;
}

export interface FacilityPoint {
  id: number;
  location: GeoPoint | null;
}

export interface SchedulerSettings {
  /** First and last date of the window, inclusive. */
  fromDate: IsoDate;
  toDate: IsoDate;
  /** How far from the anchor a person may be placed, in km. */
  fallbackKm: number;
  /** Default: 0.15 / max(fallbackKm, 1). */
  distancePenaltyPerKm?: number;
  /** Default: 0.25. */
  productSwitchPenalty?: number;
}

export interface SchedulerInput {
  people: readonly WaitingPerson[];
  slots: readonly OpenSlot[];
  /** Locations of facilities people may be anchored at that hold no slot in the window. */
  facilities?: readonly FacilityPoint[];
  settings: SchedulerSettings;
}

export interface Assignment {
  personId: number;
  doseNumber: number;
  slotId: number;
  sessionId: number;
  facilityId: number;
  date: IsoDate;
  productId: number;
  distanceKm: number;
  value: number;
}

export interface Unplaced {
  personId: number;
  doseNumber: number;
  reason: UnplacedReason;
}

export interface ScheduleResult {
  /** In queue order. */
  assignments: Assignment[];
  /** In queue order. */
  unplaced: Unplaced[];
  /** Sum of the assignments' values. */
  objective: number;
}

export const DEFAULT_DISTANCE_PENALTY_AT_REACH = 0.15;
export const DEFAULT_PRODUCT_SWITCH_PENALTY = 0.25;

export function priorityWeight(rank: number): number {
  return 1 + Math.min(10, Math.max(0, 10 - rank)) / 10;
}

/** The penalties in force for these settings. */
export function schedulerPenalties(settings: SchedulerSettings): { perKm: number; productSwitch: number } {
  return {
    perKm:
      settings.distancePenaltyPerKm ?? DEFAULT_DISTANCE_PENALTY_AT_REACH / Math.max(settings.fallbackKm, 1),
    productSwitch: settings.productSwitchPenalty ?? DEFAULT_PRODUCT_SWITCH_PENALTY,
  };
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic on day numbers (the same rules as dates.ts, without strings in the hot loop).

function civilDay(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** The parts of a 'YYYY-MM-DD' date, or null. Hand-parsed: it runs for every person. */
function dateParts(date: string): [number, number, number] | null {
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) return null;
  let y = 0;
  let m = 0;
  let d = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const c = date.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    if (i < 4) y = y * 10 + c;
    else if (i < 7) m = m * 10 + c;
    else d = d * 10 + c;
  }
  return m >= 1 && m <= 12 && d >= 1 && d <= 31 ? [y, m, d] : null;
}

function dayOf(date: IsoDate, what: string): number {
  const parts = dateParts(date);
  if (!parts) throw new RangeError(`${what} is not a date 'YYYY-MM-DD': ${JSON.stringify(date)}`);
  return civilDay(parts[0], parts[1], parts[2]);
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** The first day someone born on (y, m, d) is `years` old (29 February: 1 March in a common year). */
function turningDay(y: number, m: number, d: number, years: number): number {
  const year = y + years;
  if (m === 2 && d === 29 && !isLeap(year)) return civilDay(year, 3, 1);
  return civilDay(year, m, d);
}

// ---------------------------------------------------------------------------------------------

interface Kind {
  facility: number;
  productId: number;
  doseMask: number;
  minAge: number;
  maxAge: number | null;
  /** Slots of this kind in (date, start, id) order: their day numbers and indexes into `slots`. */
  days: Int32Array;
  slots: Int32Array;
  remaining: Int32Array;
  /** Union-find: next[i] leads to the first slot at or after i with room (length = slot count + 1). */
  next: Int32Array;
  open: number;
  /**
   * The kind's slots of one day form a group: they admit the same people at the same value, so the
   * chain search works on groups. groupDays[k] is the day of local group k, its slots are positions
   * groupStart[k] .. groupStart[k + 1] - 1, and its global number is firstGroup + k.
   */
  groupDays: Int32Array;
  groupStart: Int32Array;
  firstGroup: number;
}

interface Facility {
  id: number;
  location: GeoPoint | null;
  kinds: Kind[];
  open: number;
}

interface Neighbour {
  facility: number;
  km: number;
}

/** What the search needs to know of a waiting person. */
interface Seeker {
  near: Neighbour[];
  /** First day the dose may be scheduled: window start, earliest date, due date. */
  firstDay: number;
  /** Date of birth. */
  by: number;
  bm: number;
  bd: number;
  bit: number;
  allowed: readonly number[] | null;
  /** The preferred product when the dose allows it. */
  preferred: number | null;
}

interface Choice {
  kind: Kind;
  pos: number;
  cost: number;
  tie: number;
  km: number;
}

const doseBit = (n: number) => (n >= 0 && n < 31 ? 1 << n : 0);

function findOpen(kind: Kind, i: number): number {
  let root = i;
  while (kind.next[root] !== root) root = kind.next[root]!;
  while (kind.next[i] !== root) {
    const up = kind.next[i]!;
    kind.next[i] = root;
    i = up;
  }
  return root;
}

/** First index whose value is >= day (values sorted ascending). */
function lowerBound(days: Int32Array, day: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (days[mid]! < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The exchange step looks at 64 partners per person in a district's queue, down to 16 in a national
 * one; it makes two passes up to 250,000 people, one above.
 */
const swapPartners = (people: number) => Math.max(16, Math.min(64, Math.floor(1.6e7 / Math.max(people, 1))));
/**
 * Work (occupants and groups looked at) allowed to the chain searches: per search, from 20,000 for
 * a district's queue down to 1,000 for a national one; and in all, 2,000,000 plus 20 per person.
 * Short chains are found within a few hundred; the long ones cost a national run minutes.
 */
const chainSearchBudget = (people: number) =>
  Math.max(1_000, Math.min(20_000, Math.floor(4e7 / Math.max(people, 1))));
const chainWorkTotal = (people: number) => 2_000_000 + 20 * people;

export function autoSchedule(input: SchedulerInput): ScheduleResult {
  const { settings } = input;
  const fromDay = dayOf(settings.fromDate, 'fromDate');
  const toDay = dayOf(settings.toDate, 'toDate');
  const reach = settings.fallbackKm;
  if (!(reach >= 0) || !Number.isFinite(reach)) throw new RangeError('fallbackKm must be a distance >= 0');
  const { perKm, productSwitch } = schedulerPenalties(settings);
  if (!(perKm >= 0) || !(productSwitch >= 0) || perKm * reach + productSwitch >= priorityWeight(Infinity) / 2)
    throw new RangeError('the penalties together must stay under half the smallest priority weight');

  // ---- Slots, kinds and facilities -------------------------------------------------------------

  // Slots inside the window, in a canonical order: by facility and kind, then date, start, id.
  const slots = input.slots
    .map((s) => ({
      s,
      day: dayOf(s.date, 'slot date'),
      mask: s.doseNumbers.reduce((m, n) => m | doseBit(n), 0),
    }))
    .filter((x) => x.day >= fromDay && x.day <= toDay)
    .sort(
      (a, b) =>
        a.s.facilityId - b.s.facilityId ||
        a.s.productId - b.s.productId ||
        a.mask - b.mask ||
        a.s.minAgeYears - b.s.minAgeYears ||
        (a.s.maxAgeYears ?? 1000) - (b.s.maxAgeYears ?? 1000) ||
        a.day - b.day ||
        compareStrings(a.s.startsAt, b.s.startsAt) ||
        a.s.slotId - b.s.slotId,
    );
  // How sought after each product is: people who prefer it per seat of it in the window.
  const seatsOf = new Map<number, number>();
  for (const x of slots)
    seatsOf.set(x.s.productId, (seatsOf.get(x.s.productId) ?? 0) + Math.max(0, x.s.remaining));
  const askedFor = new Map<number, number>();
  for (const p of input.people)
    if (p.preferredProductId !== null)
      askedFor.set(p.preferredProductId, (askedFor.get(p.preferredProductId) ?? 0) + 1);
  const pressure = (product: number) => (askedFor.get(product) ?? 0) / Math.max(1, seatsOf.get(product) ?? 0);
  // Between slots of equal value: the earlier date; on one day, the product fewer people asked for
  // (someone to whom products are alike leaves the sought-after one to those who asked for it);
  // then the earlier start, then the lower id.
  const tieRank = new Int32Array(slots.length);
  slots
    .map((_x, i) => i)
    .sort((i, j) => {
      const a = slots[i]!;
      const b = slots[j]!;
      return (
        a.day - b.day ||
        pressure(a.s.productId) - pressure(b.s.productId) ||
        compareStrings(a.s.startsAt, b.s.startsAt) ||
        a.s.slotId - b.s.slotId
      );
    })
    .forEach((slotIndex, rank) => (tieRank[slotIndex] = rank));

  const facilities: Facility[] = [];
  const facilityIndex = new Map<number, number>();
  const knownLocation = new Map<number, GeoPoint | null>();
  for (const f of input.facilities ?? []) knownLocation.set(f.id, f.location);
  // A facility's place is known from any of its slots, also those outside the window.
  for (const x of input.slots) if (x.facilityLocation) knownLocation.set(x.facilityId, x.facilityLocation);
  const slotKind = new Array<Kind>(slots.length);
  const slotPos = new Int32Array(slots.length);
  const slotGroup = new Int32Array(slots.length);
  const groupKind: Kind[] = [];
  const groupLocal: number[] = [];
  const groupOpen: number[] = [];
  for (let i = 0; i < slots.length;) {
    const first = slots[i]!;
    const facility: Facility = {
      id: first.s.facilityId,
      location: first.s.facilityLocation ?? knownLocation.get(first.s.facilityId) ?? null,
      kinds: [],
      open: 0,
    };
    let j = i;
    while (j < slots.length && slots[j]!.s.facilityId === facility.id) {
      const head = slots[j]!;
      let k = j;
      while (
        k < slots.length &&
        slots[k]!.s.facilityId === facility.id &&
        slots[k]!.s.productId === head.s.productId &&
        slots[k]!.mask === head.mask &&
        slots[k]!.s.minAgeYears === head.s.minAgeYears &&
        slots[k]!.s.maxAgeYears === head.s.maxAgeYears
      )
        k++;
      const n = k - j;
      const days = new Int32Array(n);
      for (let x = 0; x < n; x++) days[x] = slots[j + x]!.day;
      const starts: number[] = [];
      for (let x = 0; x < n; x++) if (x === 0 || days[x] !== days[x - 1]) starts.push(x);
      const kind: Kind = {
        facility: facilities.length,
        productId: head.s.productId,
        doseMask: head.mask,
        minAge: head.s.minAgeYears,
        maxAge: head.s.maxAgeYears,
        days,
        slots: new Int32Array(n),
        remaining: new Int32Array(n),
        next: new Int32Array(n + 1),
        open: 0,
        groupDays: Int32Array.from(starts, (x) => days[x]!),
        groupStart: Int32Array.from([...starts, n]),
        firstGroup: groupKind.length,
      };
      for (let local = 0; local < starts.length; local++) {
        groupKind.push(kind);
        groupLocal.push(local);
        groupOpen.push(0);
      }
      let local = -1;
      for (let x = 0; x < n; x++) {
        const g = j + x;
        if (x === starts[local + 1]) local++;
        const room = Math.max(0, Math.floor(slots[g]!.s.remaining));
        kind.slots[x] = g;
        kind.remaining[x] = room;
        kind.next[x] = room > 0 ? x : x + 1;
        kind.open += room;
        slotKind[g] = kind;
        slotPos[g] = x;
        slotGroup[g] = kind.firstGroup + local;
        groupOpen[kind.firstGroup + local]! += room;
      }
      kind.next[n] = n;
      facility.kinds.push(kind);
      facility.open += kind.open;
      j = k;
    }
    facilityIndex.set(facility.id, facilities.length);
    facilities.push(facility);
    i = j;
  }
  const groups = groupKind.length;
  const locationOf = (facilityId: number): GeoPoint | null => {
    const idx = facilityIndex.get(facilityId);
    if (idx !== undefined && facilities[idx]!.location) return facilities[idx]!.location;
    return knownLocation.get(facilityId) ?? null;
  };

  // ---- Who may go where ----------------------------------------------------------------------

  const neighbours = neighbourFinder(facilities, reach);
  const facilityNeighbours = new Map<number, Neighbour[]>();
  const pointNeighbours = new Map<number, Neighbour[]>();

  /** The facilities within reach of a person, nearest first; null when there is no anchor at all. */
  const reachable = (p: WaitingPerson): Neighbour[] | null => {
    const anchors =
      p.doseNumber > 1 && p.previousFacilityId !== null
        ? [p.previousFacilityId, p.preferredFacilityId]
        : [p.preferredFacilityId];
    for (const id of anchors) {
      if (id === null) continue;
      const at = locationOf(id);
      if (!at) continue;
      let list = facilityNeighbours.get(id);
      if (!list) facilityNeighbours.set(id, (list = neighbours(at, id)));
      return list;
    }
    if (p.location) {
      // Coordinates to 1e-6 degree (about 10 cm), packed into one number.
      const key = (Math.round(p.location.lat * 1e6) + 9e7) * 4e8 + (Math.round(p.location.lon * 1e6) + 1.8e8);
      let list = pointNeighbours.get(key);
      if (!list) pointNeighbours.set(key, (list = neighbours(p.location, null)));
      return list;
    }
    // A facility with no known location: only itself is within reach.
    const only = anchors.find((id) => id !== null);
    if (only === undefined || only === null) return null;
    const idx = facilityIndex.get(only);
    return idx === undefined ? [] : [{ facility: idx, km: 0 }];
  };

  const seekers = new Array<Seeker | UnplacedReason | undefined>(input.people.length);
  const seekerOf = (person: number): Seeker | UnplacedReason =>
    (seekers[person] ??= makeSeeker(input.people[person]!));
  const placedSeeker = (person: number) => seekerOf(person) as Seeker;
  const makeSeeker = (p: WaitingPerson): Seeker | UnplacedReason => {
    const near = reachable(p);
    if (!near) return 'no_location';
    const firstDay = Math.max(
      fromDay,
      dayOf(p.earliestDate, 'earliest date'),
      p.dueDate === null ? fromDay : dayOf(p.dueDate, 'due date'),
    );
    if (firstDay > toDay) return 'not_due_in_window';
    const born = dateParts(p.dateOfBirth);
    if (!born) throw new RangeError(`dateOfBirth is not a date: ${JSON.stringify(p.dateOfBirth)}`);
    const allowed = p.productIds;
    return {
      near,
      firstDay,
      by: born[0],
      bm: born[1],
      bd: born[2],
      bit: doseBit(p.doseNumber),
      allowed,
      preferred:
        p.preferredProductId !== null && (allowed === null || allowed.includes(p.preferredProductId))
          ? p.preferredProductId
          : null,
    };
  };

  /** The days the person may come in an age band: the dose is due and they are inside the band. */
  const bandDays = (s: Seeker, minAge: number, maxAge: number | null): [number, number] => [
    Math.max(s.firstDay, turningDay(s.by, s.bm, s.bd, minAge)),
    maxAge === null ? toDay : Math.min(toDay, turningDay(s.by, s.bm, s.bd, maxAge + 1) - 1),
  ];
  const admits = (s: Seeker, kind: Kind) =>
    (kind.doseMask & s.bit) !== 0 && (s.allowed === null || s.allowed.includes(kind.productId));
  const costAt = (s: Seeker, kind: Kind, km: number) =>
    perKm * km + (s.preferred !== null && kind.productId !== s.preferred ? productSwitch : 0);

  /** The best slot with room for the person: least cost, then date, start and id. */
  const bestOpen = (s: Seeker): Choice | null => {
    let best: Choice | null = null;
    for (const { facility: fi, km } of s.near) {
      if (best && perKm * km > best.cost) break;
      const facility = facilities[fi]!;
      if (facility.open === 0) continue;
      for (const kind of facility.kinds) {
        if (kind.open === 0 || !admits(s, kind)) continue;
        const cost = costAt(s, kind, km);
        if (best && cost > best.cost) continue;
        const [lo, hi] = bandDays(s, kind.minAge, kind.maxAge);
        if (lo > hi) continue;
        const pos = findOpen(kind, lowerBound(kind.days, lo));
        if (pos >= kind.days.length || kind.days[pos]! > hi) continue;
        const tie = tieRank[kind.slots[pos]!]!;
        if (!best || cost < best.cost || tie < best.tie) best = { kind, pos, cost, tie, km };
      }
    }
    return best;
  };

  /** Calls `visit` with each slot group the person is eligible for, capacity aside, until it returns true. */
  const eachEligibleGroup = (
    s: Seeker,
    visit: (group: number, cost: number, km: number) => boolean,
  ): void => {
    for (const { facility: fi, km } of s.near) {
      for (const kind of facilities[fi]!.kinds) {
        if (!admits(s, kind)) continue;
        const [lo, hi] = bandDays(s, kind.minAge, kind.maxAge);
        const cost = costAt(s, kind, km);
        for (
          let k = lowerBound(kind.groupDays, lo);
          k < kind.groupDays.length && kind.groupDays[k]! <= hi;
          k++
        )
          if (visit(kind.firstGroup + k, cost, km)) return;
      }
    }
  };

  // ---- Where everyone sits -------------------------------------------------------------------

  const occupants: number[][] = slots.map(() => []);
  const placedAt = new Array<Choice | null>(input.people.length).fill(null);
  const slotOf = (c: Choice) => c.kind.slots[c.pos]!;
  const choiceAt = (g: number, cost: number, km: number): Choice => ({
    kind: slotKind[g]!,
    pos: slotPos[g]!,
    cost,
    tie: tieRank[g]!,
    km,
  });
  const take = (person: number, c: Choice) => {
    const { kind, pos } = c;
    const g = slotOf(c);
    kind.remaining[pos]!--;
    kind.open--;
    facilities[kind.facility]!.open--;
    groupOpen[slotGroup[g]!]!--;
    if (kind.remaining[pos] === 0) kind.next[pos] = pos + 1;
    occupants[g]!.push(person);
    placedAt[person] = c;
  };
  /** Takes a placed person off their slot's list (their seat is taken again at once by someone else). */
  const leave = (person: number) => {
    const list = occupants[slotOf(placedAt[person]!)]!;
    list[list.indexOf(person)] = list[list.length - 1]!;
    list.pop();
  };
  /** Seats a person in slot `g`, in the seat someone else just left there. */
  const seat = (person: number, g: number, cost: number, km: number) => {
    occupants[g]!.push(person);
    placedAt[person] = choiceAt(g, cost, km);
  };

  // ---- Step 2: chains of moves -----------------------------------------------------------------

  /**
   * People of one signature are eligible for the same slot groups (same reach, dose, products,
   * and days inside each age band from their first day): a search that followed one of them need
   * not follow another, and when one is left waiting so is the next. A signature keeps its groups
   * and a cursor to the first that may still have room: groups only ever fill up, so the cursor
   * only moves forward.
   */
  interface Signature {
    parts: number[];
    groups: Int32Array;
    km: Float64Array;
    cursor: number;
  }
  const bands = [
    ...new Set(facilities.flatMap((f) => f.kinds.map((k) => `${k.minAge}:${k.maxAge ?? ''}`))),
  ].map((b) => b.split(':').map((x) => (x === '' ? null : Number(x))) as [number, number | null]);
  const nearIds = new Map<Neighbour[], number>();
  const productSetIds = new Map<string, number>();
  const signatureByHash = new Map<number, number[]>();
  const signatures: Signature[] = [];
  const signature = new Int32Array(input.people.length).fill(-1);
  const signatureOf = (person: number, s: Seeker): number => {
    if (signature[person]! >= 0) return signature[person]!;
    let near = nearIds.get(s.near);
    if (near === undefined) nearIds.set(s.near, (near = nearIds.size));
    let products = 0;
    if (s.allowed !== null) {
      const key = s.allowed.join(',');
      products = productSetIds.get(key) ?? 0;
      if (products === 0) productSetIds.set(key, (products = productSetIds.size + 1));
    }
    const parts = [near, s.bit, products];
    for (const [min, max] of bands) {
      const [lo, hi] = bandDays(s, min, max);
      parts.push(lo > hi ? -1 : lo - fromDay, lo > hi ? -1 : hi - fromDay);
    }
    let hash = 0;
    for (const x of parts) hash = (Math.imul(hash, 31) + x) | 0;
    const candidates = signatureByHash.get(hash) ?? [];
    let id = candidates.find((c) => signatures[c]!.parts.every((x, i) => x === parts[i]));
    if (id === undefined) {
      id = signatures.length;
      const groups: number[] = [];
      const km: number[] = [];
      eachEligibleGroup(s, (group, _cost, distance) => {
        groups.push(group);
        km.push(distance);
        return false;
      });
      signatures.push({ parts, groups: Int32Array.from(groups), km: Float64Array.from(km), cursor: 0 });
      candidates.push(id);
      signatureByHash.set(hash, candidates);
    }
    signature[person] = id;
    return id;
  };
  /** The position in the signature's list of a group that has room, or -1 (then for good). */
  const openFor = (sig: Signature): number => {
    while (sig.cursor < sig.groups.length && groupOpen[sig.groups[sig.cursor]!]! === 0) sig.cursor++;
    return sig.cursor < sig.groups.length ? sig.cursor : -1;
  };
  const choiceIn = (group: number, s: Seeker, km: number): Choice => {
    const kind = groupKind[group]!;
    const pos = findOpen(kind, kind.groupStart[groupLocal[group]!]!);
    return { kind, pos, cost: costAt(s, kind, km), tie: tieRank[kind.slots[pos]!]!, km };
  };

  /** Groups no chain may enter or leave any more. */
  const frozen = new Uint8Array(groups);
  /** Per group: the queue position of the first person left waiting who was eligible for it. */
  const blockedBy = new Int32Array(groups).fill(0x7fffffff);
  const queuePosition = new Int32Array(input.people.length);

  let chainWork = 0;
  const chainWorkLeft = () => chainWorkTotal(input.people.length) - chainWork;
  const searchBudget = chainSearchBudget(input.people.length);

  // Search state; a new stamp starts a new search.
  let stamp = 0;
  const seenGroup = new Int32Array(groups);
  let seenSignature = new Int32Array(1024);
  const viaPerson = new Int32Array(groups);
  const viaGroup = new Int32Array(groups);
  const viaCost = new Float64Array(groups);
  const viaKm = new Float64Array(groups);

  /**
   * Makes room for a person all of whose eligible slots are full, by a chain of moves: someone in
   * one of those slots moves to another slot they are eligible for, whose occupant moves on, and so
   * on to a slot with room. Breadth first over slot groups, so the shortest chain. A chain whose
   * moves cost the people moved more than the person gains is taken only when the search finds no
   * other: placing people in queue order comes first. The search looks at CHAIN_SEARCH_BUDGET group
   * candidates at most.
   *
   * When it fails, the person's eligible groups are frozen: no later chain moves anyone into or out
   * of them, and the exchange step lets only people ahead of this person into them. That keeps the
   * priority order. A search that failed within its budget also freezes every group it reached: they
   * are full and their occupants can only move among them, so no chain can pass there again.
   */
  const placeByChain = (person: number, s: Seeker): boolean => {
    stamp++;
    const weight = priorityWeight(input.people[person]!.priorityRank);
    const queue: number[] = [];
    const reached = (group: number, mover: number, from: number, cost: number, km: number) => {
      seenGroup[group] = stamp;
      viaPerson[group] = mover;
      viaGroup[group] = from;
      viaCost[group] = cost;
      viaKm[group] = km;
      queue.push(group);
    };
    const own = signatures[signatureOf(person, s)]!;
    own.groups.forEach((group, i) => {
      if (!frozen[group] && seenGroup[group] !== stamp)
        reached(group, person, -1, costAt(s, groupKind[group]!, own.km[i]!), own.km[i]!);
    });

    /** Moves everyone along the chain that ends with `q` (sitting in `group`) moving to `end`. */
    const apply = (q: number, group: number, end: Choice) => {
      let vacated = slotOf(placedAt[q]!);
      leave(q);
      take(q, end);
      for (let at = group; at >= 0; at = viaGroup[at]!) {
        const mover = viaPerson[at]!;
        const next = mover === person ? -1 : slotOf(placedAt[mover]!);
        if (mover !== person) leave(mover);
        seat(mover, vacated, viaCost[at]!, viaKm[at]!);
        vacated = next;
      }
    };

    let work = 0;
    const budget = Math.min(searchBudget, chainWorkLeft());
    let fallback: { q: number; group: number; end: Choice; gain: number } | null = null;
    search: for (let head = 0; head < queue.length; head++) {
      const group = queue[head]!;
      const kind = groupKind[group]!;
      const local = groupLocal[group]!;
      for (let pos = kind.groupStart[local]!; pos < kind.groupStart[local + 1]!; pos++) {
        for (const q of occupants[kind.slots[pos]!]!) {
          work++;
          const qs = placedSeeker(q);
          const id = signatureOf(q, qs);
          if (id >= seenSignature.length) {
            const grown = new Int32Array(Math.max(id + 1, seenSignature.length * 2));
            grown.set(seenSignature);
            seenSignature = grown;
          }
          if (seenSignature[id] === stamp) continue;
          seenSignature[id] = stamp;
          const sig = signatures[id]!;
          const open = openFor(sig);
          if (open >= 0) {
            const end = choiceIn(sig.groups[open]!, qs, sig.km[open]!);
            let gain = placedAt[q]!.cost - end.cost;
            for (let at = group; at >= 0; at = viaGroup[at]!) {
              const mover = viaPerson[at]!;
              gain += mover === person ? weight - viaCost[at]! : placedAt[mover]!.cost - viaCost[at]!;
            }
            if (gain > 1e-9) {
              chainWork += work;
              apply(q, group, end);
              return true;
            }
            if (!fallback || gain > fallback.gain) fallback = { q, group, end, gain };
            continue;
          }
          work += sig.groups.length;
          sig.groups.forEach((g2, i) => {
            if (!frozen[g2] && seenGroup[g2] !== stamp)
              reached(g2, q, group, costAt(qs, groupKind[g2]!, sig.km[i]!), sig.km[i]!);
          });
          if (work > budget) break search;
        }
      }
    }
    chainWork += work;
    if (fallback) {
      apply(fallback.q, fallback.group, fallback.end);
      return true;
    }
    for (const group of own.groups) {
      frozen[group] = 1;
      blockedBy[group] = Math.min(blockedBy[group]!, queuePosition[person]!);
    }
    if (work <= budget) for (const group of queue) frozen[group] = 1;
    return false;
  };

  // ---- Step 1 (with step 2 when it fails) --------------------------------------------------------

  const order = input.people
    .map((_p, i) => i)
    .sort((i, j) => {
      const a = input.people[i]!;
      const b = input.people[j]!;
      return (
        a.priorityRank - b.priorityRank ||
        a.registrationOrder - b.registrationOrder ||
        a.personId - b.personId ||
        a.doseNumber - b.doseNumber
      );
    });
  order.forEach((person, position) => (queuePosition[person] = position));

  const unplaced: Unplaced[] = [];
  /** Signatures of people left waiting, with the reason. */
  const waiting = new Map<number, UnplacedReason>();
  // People with several entries (rare): found by sorting the ids, then followed by name below.
  const ids = Float64Array.from(input.people, (p) => p.personId).sort();
  const several = new Set<number>();
  for (let i = 1; i < ids.length; i++) if (ids[i] === ids[i - 1]) several.add(ids[i]!);
  /** Person id -> the dose of their first entry; and the later entries of people with several. */
  const seen = new Map<number, number>();
  const repeated = new Set<string>();
  for (const index of order) {
    const p = input.people[index]!;
    const first = several.has(p.personId) ? seen.get(p.personId) : undefined;
    if (first !== undefined) {
      const key = `${p.personId}/${p.doseNumber}`;
      if (first === p.doseNumber || repeated.has(key))
        throw new RangeError(`person ${p.personId} waits twice for dose ${p.doseNumber}`);
      repeated.add(key);
      unplaced.push({ personId: p.personId, doseNumber: p.doseNumber, reason: 'earlier_dose_pending' });
      continue;
    }
    if (several.has(p.personId)) seen.set(p.personId, p.doseNumber);
    const s = seekerOf(index);
    if (typeof s === 'string') {
      unplaced.push({ personId: p.personId, doseNumber: p.doseNumber, reason: s });
      continue;
    }
    const choice = bestOpen(s);
    if (choice) {
      take(index, choice);
      continue;
    }
    const sig = signatureOf(index, s);
    let reason = waiting.get(sig);
    if (reason === undefined) {
      if (placeByChain(index, s)) continue;
      reason = reasonFor(s, facilities, fromDay);
      waiting.set(sig, reason);
    }
    unplaced.push({ personId: p.personId, doseNumber: p.doseNumber, reason });
  }

  // ---- Step 3: exchanges -------------------------------------------------------------------------

  const partners = swapPartners(input.people.length);
  const rounds = input.people.length <= 250_000 ? 2 : 1;
  for (let round = 0; round < rounds; round++) {
    let swaps = 0;
    for (const person of order) {
      const mine = placedAt[person];
      if (!mine || mine.cost <= 0) continue;
      const ps = placedSeeker(person);
      const myslot = slotOf(mine);
      const myday = mine.kind.days[mine.pos]!;
      let budget = partners;
      let looked = partners * 8;
      search: for (const { facility: fi, km } of ps.near) {
        if (perKm * km >= mine.cost) break;
        for (const kind of facilities[fi]!.kinds) {
          if (!admits(ps, kind)) continue;
          const cost = costAt(ps, kind, km);
          if (cost >= mine.cost) continue;
          const [lo, hi] = bandDays(ps, kind.minAge, kind.maxAge);
          for (let pos = lowerBound(kind.days, lo); pos < kind.days.length && kind.days[pos]! <= hi; pos++) {
            const g = kind.slots[pos]!;
            if (queuePosition[person]! >= blockedBy[slotGroup[g]!]!) continue;
            const list = occupants[g]!;
            for (let j = 0; j < list.length; j++) {
              if (--looked < 0) break search;
              const q = list[j]!;
              const qs = placedSeeker(q);
              // Someone who asked for this seat's product would not give it up for another: next.
              if (qs.preferred === kind.productId && mine.kind.productId !== kind.productId) continue;
              if (--budget < 0) break search;
              const theirs = placedAt[q]!;
              const gain = mine.cost - cost;
              let qkm: number | undefined;
              if (queuePosition[q]! < blockedBy[slotGroup[myslot]!]! && admits(qs, mine.kind)) {
                const [qlo, qhi] = bandDays(qs, mine.kind.minAge, mine.kind.maxAge);
                if (myday >= qlo && myday <= qhi)
                  qkm = qs.near.find((n) => n.facility === mine.kind.facility)?.km;
              }
              const qcost = qkm === undefined ? Infinity : costAt(qs, mine.kind, qkm);
              if (gain - (qcost - theirs.cost) <= 1e-9) continue;
              list[j] = person;
              const back = occupants[myslot]!;
              back[back.indexOf(person)] = q;
              placedAt[q] = { ...mine, cost: qcost, km: qkm! };
              placedAt[person] = { kind, pos, cost, tie: tieRank[g]!, km };
              swaps++;
              break search;
            }
          }
        }
      }
    }
    if (swaps === 0) break;
  }

  // ---- The result --------------------------------------------------------------------------------

  const assignments: Assignment[] = [];
  let objective = 0;
  for (const index of order) {
    const c = placedAt[index];
    if (!c) continue;
    const p = input.people[index]!;
    const slot = slots[slotOf(c)]!.s;
    const value = priorityWeight(p.priorityRank) - c.cost;
    objective += value;
    assignments.push({
      personId: p.personId,
      doseNumber: p.doseNumber,
      slotId: slot.slotId,
      sessionId: slot.sessionId,
      facilityId: slot.facilityId,
      date: slot.date,
      productId: slot.productId,
      distanceKm: c.km,
      value,
    });
  }
  return { assignments, unplaced, objective };
}

/** Why nobody of these facilities could take the person: the first check that rules every slot out. */
function reasonFor(p: Seeker, facilities: readonly Facility[], fromDay: number): UnplacedReason {
  let anySession = false;
  let anyProduct = false;
  let anyDose = false;
  let tooYoung = false;
  let anyAge = false;
  let anyDate = false;
  for (const { facility } of p.near) {
    for (const kind of facilities[facility]!.kinds) {
      anySession = true;
      if (p.allowed !== null && !p.allowed.includes(kind.productId)) continue;
      anyProduct = true;
      if ((kind.doseMask & p.bit) === 0) continue;
      anyDose = true;
      const lo = turningDay(p.by, p.bm, p.bd, kind.minAge);
      const hi = kind.maxAge === null ? Infinity : turningDay(p.by, p.bm, p.bd, kind.maxAge + 1) - 1;
      // Some slot of the kind on a day the person is in the band?
      const first = lowerBound(kind.days, Math.max(lo, fromDay));
      if (first >= kind.days.length || kind.days[first]! > hi) {
        if (kind.days.length && kind.days[0]! < lo) tooYoung = true;
        continue;
      }
      anyAge = true;
      const fromDue = lowerBound(kind.days, Math.max(lo, p.firstDay));
      if (fromDue >= kind.days.length || kind.days[fromDue]! > hi) continue;
      anyDate = true;
    }
  }
  if (!anySession) return 'no_session_nearby';
  if (!anyProduct) return 'no_session_for_product';
  if (!anyDose) return 'no_session_for_dose';
  if (!anyAge) return tooYoung ? 'too_young_for_sessions' : 'too_old_for_sessions';
  if (!anyDate) return 'not_due_in_window';
  return 'no_capacity_nearby';
}

/**
 * Facilities within `reach` km of a point, nearest first (ties by facility id). A grid of cells a
 * little larger than the reach: a point's neighbours are in its cell and the eight around it.
 */
function neighbourFinder(
  facilities: readonly Facility[],
  reach: number,
): (point: GeoPoint, self: number | null) => Neighbour[] {
  const located = facilities.map((f, i) => ({ f, i })).filter((x) => x.f.location !== null);
  const maxLat = Math.min(
    80,
    located.reduce((m, x) => Math.max(m, Math.abs(x.f.location!.lat)), 0),
  );
  const cellKm = Math.max(reach, 0.5) * 1.25;
  const cellLat = cellKm / 110;
  const cellLon = cellKm / (110 * Math.cos((maxLat * Math.PI) / 180));
  const grid = new Map<string, number[]>();
  const cellOf = (p: GeoPoint) => [Math.floor(p.lat / cellLat), Math.floor(p.lon / cellLon)] as const;
  for (const { f, i } of located) {
    const [cy, cx] = cellOf(f.location!);
    const key = `${cy}:${cx}`;
    const list = grid.get(key);
    if (list) list.push(i);
    else grid.set(key, [i]);
  }
  return (point, self) => {
    const found: Neighbour[] = [];
    const consider = (i: number) => {
      const f = facilities[i]!;
      const km = f.id === self ? 0 : distanceKm(point, f.location!);
      if (km <= reach) found.push({ facility: i, km });
    };
    if (Math.abs(point.lat) > maxLat) {
      // Further from the equator than every facility: the grid's cells are too narrow here.
      for (const { i } of located) consider(i);
    } else {
      const [cy, cx] = cellOf(point);
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) for (const i of grid.get(`${cy + dy}:${cx + dx}`) ?? []) consider(i);
    }
    if (self !== null) {
      // The anchor facility itself, even without a location of its own.
      const own = facilities.findIndex((f) => f.id === self);
      if (own >= 0 && !found.some((n) => n.facility === own)) found.push({ facility: own, km: 0 });
    }
    return found.sort((a, b) => a.km - b.km || facilities[a.facility]!.id - facilities[b.facility]!.id);
  };
}
