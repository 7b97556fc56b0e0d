import { distanceKm } from '@dosewise/domain';
import type { Db } from '../db/database.ts';
import { badRequest } from '../http/errors.ts';
import {
  allFresh,
  ChangeFeed,
  DEFAULT_TIMING,
  Loaded,
  type CacheTiming,
  type Dependency,
  type Source,
} from './cache.ts';
import { dayOf, isoOf, todayClock } from './dates.ts';
import { jsonArray, remembered } from './fragments.ts';
import {
  availabilityRepository,
  type AreaTuple,
  type ChangeTuple,
  type FacilityTuple,
  type ProductTuple,
  type SessionTuple,
} from './repository.ts';

/** Longest date range one search may ask for, in days (both ends included). */
export const MAX_RANGE_DAYS = 31;
/** How far ahead a search may start, in days. */
export const MAX_DAYS_AHEAD = 366;
/** Radius of a search around a point when none is given, in km. */
export const DEFAULT_KM = 25;
/** Days of one district's sessions loaded by one query. */
const WEEK = 7;
/** Change rows are kept this long (s), and deleted this often (ms). */
const KEEP_CHANGES_S = 600;
const PRUNE_EVERY_MS = 60_000;

export interface AreaInfo {
  id: number;
  code: string;
  depth: number;
  path: string;
  parentId: number | null;
  nameEn: string;
  nameBn: string;
  postcode: string | null;
}

export interface FacilityInfo {
  id: number;
  code: string;
  nameEn: string;
  nameBn: string;
  type: string;
  address: string;
  latitude: number | null;
  longitude: number | null;
  area: AreaInfo;
  /** Ancestors at depth 0, 1 and 2 (the area itself when it is at that depth). */
  level0: AreaInfo | undefined;
  level1: AreaInfo | undefined;
  level2: AreaInfo | undefined;
  /** The area whose sessions are loaded together with this facility's: its district (depth 1). */
  bucket: AreaInfo;
  /** The area's postcode, or its code when it has none. */
  pincode: string;
}

export interface ProductInfo {
  id: number;
  code: string;
  name: string;
  /** Highest dose number the product is given as (primary series, then one booster when allowed). */
  maxDose: number;
}

/** Reference data as public reads see it: areas, vaccination facilities, products. */
export interface Reference {
  areas: Map<number, AreaInfo>;
  /** Areas by postcode and by code. */
  areasByPin: Map<string, AreaInfo[]>;
  /** Top-level areas, by name. */
  roots: AreaInfo[];
  childrenOf: Map<number, AreaInfo[]>;
  facilities: Map<number, FacilityInfo>;
  facilityList: FacilityInfo[];
  /** Facility ids by the area their sessions are loaded with. */
  facilitiesByBucket: Map<number, number[]>;
  products: Map<number, ProductInfo>;
  productsByCode: Map<string, ProductInfo>;
}

export interface SlotRecord {
  id: number;
  startsAt: string;
  endsAt: string;
  capacity: number;
  available: number;
}

/** An open session with the remaining capacity of its slots. */
export interface SessionRecord {
  id: number;
  facilityId: number;
  date: string;
  day: number;
  productId: number;
  doseNumbers: number[];
  minAge: number;
  maxAge: number | null;
  startsAt: string;
  endsAt: string;
  slots: SlotRecord[];
  capacity: number;
  available: number;
}

export interface SearchFilters {
  /** Sessions at facilities in this area's subtree. */
  areaId?: number | undefined;
  facilityId?: number | undefined;
  /** ISO dates; from defaults to today, to to six days after from. */
  from?: string | undefined;
  to?: string | undefined;
  productId?: number | undefined;
  productCode?: string | undefined;
  doseNumber?: number | undefined;
  near?: { lat: number; lon: number; km?: number | undefined } | undefined;
  /** Sessions whose age band admits this age in years. */
  age?: number | undefined;
  /** Only sessions with at least one seat left. */
  withRoom?: boolean | undefined;
  limit?: number | undefined;
}

/** Filters with defaults applied and dates resolved: equal filters give equal answers. */
export interface NormalisedFilters {
  areaId: number | null;
  facilityId: number | null;
  from: string;
  to: string;
  productId: number | null;
  productCode: string | null;
  doseNumber: number | null;
  lat: number | null;
  lon: number | null;
  km: number | null;
  age: number | null;
  withRoom: boolean;
  limit: number;
}

export interface AvailableSession {
  sessionId: number;
  date: string;
  startsAt: string;
  endsAt: string;
  minAgeYears: number;
  maxAgeYears: number | null;
  doseNumbers: number[];
  product: { id: number; code: string; name: string };
  facility: {
    id: number;
    code: string;
    nameEn: string;
    nameBn: string;
    type: string;
    address: string;
    areaId: number;
    areaNameEn: string;
    areaNameBn: string;
    postcode: string | null;
    latitude: number | null;
    longitude: number | null;
    distanceKm?: number;
  };
  capacity: number;
  available: number;
  /** Seats left for each dose number of the product; 0 for a dose this session does not give. */
  availableByDose: { doseNumber: number; available: number }[];
  slots: { slotId: number; startsAt: string; endsAt: string; capacity: number; available: number }[];
}

export interface SearchResult {
  from: string;
  to: string;
  sessions: AvailableSession[];
  /** More sessions matched than `limit`. */
  truncated: boolean;
}

/** What a search found, before it is shaped into an answer. */
export interface Found {
  ref: Reference;
  from: string;
  to: string;
  sessions: SessionRecord[];
  distances: Map<number, number> | undefined;
  truncated: boolean;
  deps: Dependency[];
}

export interface AlternativesQuery {
  productId: number;
  doseNumber: number;
  /** Near this facility (its coordinates, or its district when it has none)... */
  facilityId?: number;
  /** ...or near this point. */
  near?: { lat: number; lon: number };
  /** First date to look at (ISO); today when earlier or not given. */
  fromDate?: string;
  /** Days looked at from fromDate; 14 by default. */
  days?: number;
  /** Radius around the point, in km; DEFAULT_KM by default. */
  km?: number;
  /** Age of the person, in years: sessions whose age band leaves them out are skipped. */
  age?: number;
  /** The full session the alternatives are for. */
  excludeSessionId?: number;
  /** 5 by default. */
  limit?: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const hhmm = (t: string) => t.slice(0, 5);

function buildReference(areaRows: AreaTuple[], facilityRows: FacilityTuple[], productRows: ProductTuple[]) {
  const areas = new Map<number, AreaInfo>();
  const areasByPin = new Map<string, AreaInfo[]>();
  const childrenOf = new Map<number, AreaInfo[]>();
  const addPin = (pin: string, a: AreaInfo) => {
    const list = areasByPin.get(pin);
    if (list) list.push(a);
    else areasByPin.set(pin, [a]);
  };
  for (const [id, code, parentId, depth, path, nameEn, nameBn, postcode] of areaRows) {
    const a: AreaInfo = { id, code, depth, path, parentId, nameEn, nameBn, postcode };
    areas.set(a.id, a);
    addPin(a.code, a);
    if (a.postcode && a.postcode !== a.code) addPin(a.postcode, a);
  }
  const byName = (x: AreaInfo, y: AreaInfo) => x.nameEn.localeCompare(y.nameEn) || x.id - y.id;
  for (const a of areas.values()) {
    if (a.parentId === null) continue;
    const list = childrenOf.get(a.parentId);
    if (list) list.push(a);
    else childrenOf.set(a.parentId, [a]);
  }
  for (const list of childrenOf.values()) list.sort(byName);
  const roots = [...areas.values()].filter((a) => a.parentId === null).sort(byName);

  const facilities = new Map<number, FacilityInfo>();
  const byBucket = new Map<number, number[]>();
  for (const [id, code, nameEn, nameBn, type, areaId, address, latitude, longitude] of facilityRows) {
    const area = areas.get(areaId);
    if (!area) continue;
    const chain = area.path
      .split('/')
      .filter(Boolean)
      .map((id) => areas.get(Number(id)));
    const level0 = chain[0];
    const level1 = chain[1];
    const bucket = level1 ?? level0 ?? area;
    facilities.set(id, {
      id,
      code,
      nameEn,
      nameBn,
      type,
      address,
      latitude,
      longitude,
      area,
      level0,
      level1,
      level2: chain[2],
      bucket,
      pincode: area.postcode ?? area.code,
    });
    const list = byBucket.get(bucket.id);
    if (list) list.push(id);
    else byBucket.set(bucket.id, [id]);
  }
  const products = new Map<number, ProductInfo>();
  const productsByCode = new Map<string, ProductInfo>();
  for (const [id, code, name, primaryDoses, boosterAllowed] of productRows) {
    const p = { id, code, name, maxDose: primaryDoses + (boosterAllowed ? 1 : 0) };
    products.set(p.id, p);
    productsByCode.set(p.code, p);
  }
  return {
    areas,
    areasByPin,
    roots,
    childrenOf,
    facilities,
    facilityList: [...facilities.values()],
    facilitiesByBucket: byBucket,
    products,
    productsByCode,
  } satisfies Reference;
}

const sameNumbers = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function sameSession(r: SessionRecord, t: SessionTuple): boolean {
  const [, facilityId, date, productId, doseNumbers, minAge, maxAge, startsAt, endsAt, slots] = t;
  return (
    r.facilityId === facilityId &&
    r.date === date &&
    r.productId === productId &&
    r.minAge === minAge &&
    r.maxAge === maxAge &&
    r.startsAt === startsAt &&
    r.endsAt === endsAt &&
    sameNumbers(r.doseNumbers, doseNumbers) &&
    r.slots.length === slots.length &&
    r.slots.every((sl, i) => {
      const [id, from, to, capacity, booked] = slots[i]!;
      return (
        sl.id === id &&
        sl.startsAt === from &&
        sl.endsAt === to &&
        sl.capacity === capacity &&
        sl.available === Math.max(0, capacity - booked)
      );
    })
  );
}

/** Sessions from their tuples; a session equal to one of `previous` keeps that object (see fragments.ts). */
function sessionsOf(tuples: SessionTuple[], previous: SessionRecord[] | undefined): SessionRecord[] {
  const before = new Map(previous?.map((r) => [r.id, r]));
  return tuples.map((t) => {
    const old = before.get(t[0]);
    if (old && sameSession(old, t)) return old;
    const [id, facilityId, date, productId, doseNumbers, minAge, maxAge, startsAt, endsAt, slotTuples] = t;
    let capacity = 0;
    let available = 0;
    const slots = slotTuples.map(([slotId, from, to, cap, booked]) => {
      const left = Math.max(0, cap - booked);
      capacity += cap;
      available += left;
      return { id: slotId, startsAt: from, endsAt: to, capacity: cap, available: left };
    });
    return {
      id,
      facilityId,
      date,
      day: dayOf(date),
      productId,
      doseNumbers,
      minAge,
      maxAge,
      startsAt,
      endsAt,
      slots,
      capacity,
      available,
    };
  });
}

/** One district's open sessions for one week, and the same by day. */
interface WeekData {
  sessions: SessionRecord[];
  byDay: Map<number, SessionRecord[]>;
}

function weekData(sessions: SessionRecord[]): WeekData {
  const byDay = new Map<number, SessionRecord[]>();
  for (const r of sessions) {
    const list = byDay.get(r.day);
    if (list) list.push(r);
    else byDay.set(r.day, [r]);
  }
  return { sessions, byDay };
}

const NONE: SessionRecord[] = [];

/**
 * One day of a district-week, as the source of the answers that show that day: its version changes
 * only when that day's sessions do, so a booking rebuilds the answers about its day alone.
 */
class DayView implements Source {
  private seenWeekVersion = -1;
  private list: SessionRecord[] = NONE;
  private own = 0;

  constructor(
    readonly week: Loaded<WeekData>,
    private readonly day: number,
  ) {}

  get version(): number {
    this.sync();
    return this.own;
  }

  get loadedAt(): number {
    return this.week.loadedAt;
  }

  fresh(): Promise<void> | undefined {
    return this.week.fresh();
  }

  sessions(): SessionRecord[] {
    this.sync();
    return this.list;
  }

  private sync() {
    const v = this.week.version;
    if (v === this.seenWeekVersion) return;
    this.seenWeekVersion = v;
    // Unchanged sessions keep their objects across reloads (sessionsOf): compare by identity.
    const list = this.week.current?.byDay.get(this.day) ?? NONE;
    if (list.length !== this.list.length || list.some((r, i) => r !== this.list[i])) {
      this.list = list;
      this.own++;
    }
  }
}

/** Where a selection of sessions comes from and which of them are wanted. */
export interface Selection {
  facilities: FacilityInfo[];
  fromDay: number;
  toDay: number;
  productId?: number | undefined;
  doseNumber?: number | undefined;
  age?: number | undefined;
  withRoom?: boolean | undefined;
}

/**
 * Availability: open sessions from today on, with the seats their slots have left, found by area,
 * facility, dates, product, dose, age and distance. Reads go through one-second caches (see
 * cache.ts), so a booking shows in the counts within a second.
 */
export function availabilityService(deps: {
  read: Db;
  /** The primary, where old change rows are deleted; without it they are left to others. */
  db?: Db;
  timeZone: string;
  timing?: CacheTiming;
  /** Most district-weeks of sessions kept in memory. */
  maxWeeks?: number;
  /** Time between polls of the change feed while reads come in (ms). */
  pollMs?: number;
}) {
  const timing = deps.timing ?? DEFAULT_TIMING;
  const repo = availabilityRepository(deps.read);
  const today = todayClock(deps.timeZone);
  const maxWeeks = deps.maxWeeks ?? 20_000;

  // What changed since the previous poll: sources nothing changed in stay fresh without a reload.
  let xmin: string | null = null;
  let polledAt = Number.NEGATIVE_INFINITY;
  let prunedAt = timing.now();
  const feed = new ChangeFeed<ChangeTuple[]>(
    async () => {
      const started = timing.now();
      // After a long pause the rows of the gap may have been deleted: then everything is suspect.
      const gap = xmin !== null && started - polledAt > (KEEP_CHANGES_S * 1000) / 2;
      const r = await repo.changesSince(xmin);
      xmin = r.xmin;
      polledAt = started;
      if (deps.db && started - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = started;
        await availabilityRepository(deps.db).pruneChanges(KEEP_CHANGES_S);
      }
      const changes = JSON.parse(r.changes) as ChangeTuple[];
      if (gap) changes.push(['all', null, null]);
      return changes;
    },
    (seq, startedAt, changes) => applyChanges(seq, startedAt, changes),
    timing,
    deps.pollMs,
  );

  const reference = new Loaded<Reference>(
    async () => {
      const t = await repo.reference();
      return {
        fingerprint: `${t.areas}\n${t.facilities}\n${t.products}`,
        data: () =>
          buildReference(
            JSON.parse(t.areas) as AreaTuple[],
            JSON.parse(t.facilities) as FacilityTuple[],
            JSON.parse(t.products) as ProductTuple[],
          ),
      };
    },
    timing,
    feed,
  );

  const weeks = new Map<string, { source: Loaded<WeekData>; days: Map<number, DayView> }>();
  function weekOf(bucket: AreaInfo, week: number) {
    const key = `${bucket.id}:${week}`;
    let held = weeks.get(key);
    if (!held) {
      if (weeks.size >= maxWeeks) {
        // The oldest-made go first; a week in use is made again on its next request.
        for (const k of weeks.keys()) {
          weeks.delete(k);
          if (weeks.size < maxWeeks * 0.9) break;
        }
      }
      const from = isoOf(week * WEEK);
      const to = isoOf(week * WEEK + WEEK - 1);
      const source: Loaded<WeekData> = new Loaded(
        async () => {
          // The facilities as the reference data has them now; a change to them dirties every week.
          const ids = reference.data.facilitiesByBucket.get(bucket.id) ?? [];
          const json = await repo.openSessions(ids, from, to);
          return {
            fingerprint: json,
            data: () => weekData(sessionsOf(JSON.parse(json) as SessionTuple[], source.current?.sessions)),
          };
        },
        timing,
        feed,
      );
      held = { source, days: new Map() };
      weeks.set(key, held);
    }
    return held;
  }

  function dayOfBucket(bucket: AreaInfo, day: number): DayView {
    const held = weekOf(bucket, Math.floor(day / WEEK));
    let view = held.days.get(day);
    if (!view) {
      view = new DayView(held.source, day);
      held.days.set(day, view);
    }
    return view;
  }

  /** Tells every source what a poll found: the weeks of the facilities and dates that changed. */
  function applyChanges(seq: number, startedAt: number, changes: ChangeTuple[]) {
    const everything = changes.some(([kind]) => kind !== 'session');
    const touched = new Set<string>();
    const ref = reference.current;
    if (!everything && ref) {
      for (const [, facilityId, date] of changes) {
        const f = facilityId === null ? undefined : ref.facilities.get(facilityId);
        if (f && date) touched.add(`${f.bucket.id}:${Math.floor(dayOf(date) / WEEK)}`);
      }
    }
    reference.polled(seq, startedAt, everything);
    for (const [key, week] of weeks) week.source.polled(seq, startedAt, everything || touched.has(key));
  }

  /** The reference data, fresh. */
  async function currentReference(): Promise<{ ref: Reference; dep: Dependency }> {
    await allFresh([reference]);
    return { ref: reference.data, dep: reference.dependency() };
  }

  /** Open sessions matching a selection, by date, time and facility, with the sources read. */
  async function select(sel: Selection): Promise<{ sessions: SessionRecord[]; deps: Dependency[] }> {
    const from = Math.max(sel.fromDay, today());
    const buckets = new Map<number, AreaInfo>();
    const wanted = new Set<number>();
    for (const f of sel.facilities) {
      buckets.set(f.bucket.id, f.bucket);
      wanted.add(f.id);
    }
    const views: DayView[] = [];
    for (const bucket of buckets.values())
      for (let day = from; day <= sel.toDay; day++) views.push(dayOfBucket(bucket, day));
    await allFresh(new Set(views.map((v) => v.week)));
    const sessions: SessionRecord[] = [];
    const deps: Dependency[] = [];
    for (const view of views) {
      for (const s of view.sessions()) {
        if (!wanted.has(s.facilityId)) continue;
        if (sel.productId !== undefined && s.productId !== sel.productId) continue;
        if (sel.doseNumber !== undefined && !s.doseNumbers.includes(sel.doseNumber)) continue;
        if (sel.age !== undefined && (sel.age < s.minAge || (s.maxAge !== null && sel.age > s.maxAge)))
          continue;
        if (sel.withRoom && s.available <= 0) continue;
        sessions.push(s);
      }
      deps.push({ source: view, version: view.version });
    }
    sessions.sort((a, b) => a.day - b.day || cmp(a.startsAt, b.startsAt) || a.id - b.id);
    return { sessions, deps };
  }

  function toAvailable(ref: Reference, s: SessionRecord, distance?: number): AvailableSession {
    const f = ref.facilities.get(s.facilityId)!;
    const p = ref.products.get(s.productId);
    const maxDose = Math.max(p?.maxDose ?? 0, ...s.doseNumbers);
    const availableByDose = [];
    for (let d = 1; d <= maxDose; d++)
      availableByDose.push({ doseNumber: d, available: s.doseNumbers.includes(d) ? s.available : 0 });
    return {
      sessionId: s.id,
      date: s.date,
      startsAt: hhmm(s.startsAt),
      endsAt: hhmm(s.endsAt),
      minAgeYears: s.minAge,
      maxAgeYears: s.maxAge,
      doseNumbers: s.doseNumbers,
      product: { id: s.productId, code: p?.code ?? '', name: p?.name ?? '' },
      facility: {
        id: f.id,
        code: f.code,
        nameEn: f.nameEn,
        nameBn: f.nameBn,
        type: f.type,
        address: f.address,
        areaId: f.area.id,
        areaNameEn: f.area.nameEn,
        areaNameBn: f.area.nameBn,
        postcode: f.area.postcode,
        latitude: f.latitude,
        longitude: f.longitude,
        ...(distance === undefined ? {} : { distanceKm: round2(distance) }),
      },
      capacity: s.capacity,
      available: s.available,
      availableByDose,
      slots: s.slots.map((sl) => ({
        slotId: sl.id,
        startsAt: hhmm(sl.startsAt),
        endsAt: hhmm(sl.endsAt),
        capacity: sl.capacity,
        available: sl.available,
      })),
    };
  }

  /** Facilities within `km` of a point, with their distances. */
  function facilitiesNear(ref: Reference, lat: number, lon: number, km: number) {
    const distances = new Map<number, number>();
    // One degree of latitude is 111 km everywhere; a box check first spares most distance sums.
    const dLat = km / 111;
    const dLon = km / (111 * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
    const out: FacilityInfo[] = [];
    for (const f of ref.facilityList) {
      if (f.latitude === null || f.longitude === null) continue;
      if (Math.abs(f.latitude - lat) > dLat || Math.abs(f.longitude - lon) > dLon) continue;
      const d = distanceKm({ lat, lon }, { lat: f.latitude, lon: f.longitude });
      if (d <= km) {
        distances.set(f.id, d);
        out.push(f);
      }
    }
    return { facilities: out, distances };
  }

  /** Checks and completes search filters; throws a 400 for filters that cannot be answered. */
  function normalise(f: SearchFilters): NormalisedFilters {
    const todayDay = today();
    const givenFrom = f.from === undefined ? todayDay : dayOf(f.from);
    const from = Math.max(givenFrom, todayDay);
    const to = f.to === undefined ? from + 6 : dayOf(f.to);
    if (f.to !== undefined && to < givenFrom)
      throw badRequest('invalid_range', 'The end date of the search is before its start date.', [
        { field: 'to' },
      ]);
    if (to - from + 1 > MAX_RANGE_DAYS)
      throw badRequest('range_too_long', `A search covers at most ${MAX_RANGE_DAYS} days.`, [
        { field: 'to' },
      ]);
    if (from - todayDay > MAX_DAYS_AHEAD)
      throw badRequest(
        'too_far_ahead',
        `Sessions are planned at most ${MAX_DAYS_AHEAD} days ahead; start the search earlier.`,
        [{ field: 'from' }],
      );
    if (f.near && (!Number.isFinite(f.near.lat) || !Number.isFinite(f.near.lon)))
      throw badRequest('invalid_point', 'A point needs both a latitude and a longitude.', [{ field: 'lat' }]);
    return {
      areaId: f.areaId ?? null,
      facilityId: f.facilityId ?? null,
      from: isoOf(from),
      to: isoOf(Math.max(to, from - 1)),
      productId: f.productId ?? null,
      productCode: f.productCode ?? null,
      doseNumber: f.doseNumber ?? null,
      lat: f.near?.lat ?? null,
      lon: f.near?.lon ?? null,
      km: f.near ? (f.near.km ?? DEFAULT_KM) : null,
      age: f.age ?? null,
      withRoom: f.withRoom ?? false,
      limit: f.limit ?? 100,
    };
  }

  /** Runs normalised filters: the sessions found, and the sources read (for the response cache). */
  async function run(n: NormalisedFilters): Promise<Found> {
    const { ref, dep } = await currentReference();
    let facilities = ref.facilityList;
    let distances: Map<number, number> | undefined;
    if (n.areaId !== null) {
      const area = ref.areas.get(n.areaId);
      if (!area) throw badRequest('unknown_area', 'There is no area with this id.', [{ field: 'areaId' }]);
      facilities = facilities.filter((f) => f.area.path.startsWith(area.path));
    }
    if (n.facilityId !== null) {
      const facility = ref.facilities.get(n.facilityId);
      if (!facility)
        throw badRequest('unknown_facility', 'There is no vaccination facility with this id.', [
          { field: 'facilityId' },
        ]);
      facilities = facilities.filter((f) => f.id === facility.id);
    }
    let product: ProductInfo | undefined;
    if (n.productId !== null) {
      product = ref.products.get(n.productId);
      if (!product)
        throw badRequest('unknown_product', 'There is no vaccine with this id.', [{ field: 'productId' }]);
    }
    if (n.productCode !== null) {
      const byCode = ref.productsByCode.get(n.productCode);
      if (!byCode || (product && product.id !== byCode.id))
        throw badRequest(
          'unknown_product',
          product
            ? 'The vaccine id and code name different vaccines.'
            : 'There is no vaccine with this code.',
          [{ field: 'product' }],
        );
      product = byCode;
    }
    if (n.lat !== null && n.lon !== null && n.km !== null) {
      const near = facilitiesNear(ref, n.lat, n.lon, n.km);
      const inScope = new Set(facilities.map((f) => f.id));
      facilities = near.facilities.filter((f) => inScope.has(f.id));
      distances = near.distances;
    }
    const { sessions, deps } = await select({
      facilities,
      fromDay: dayOf(n.from),
      toDay: dayOf(n.to),
      productId: product?.id,
      doseNumber: n.doseNumber ?? undefined,
      age: n.age ?? undefined,
      withRoom: n.withRoom,
    });
    let ordered = sessions;
    if (distances) {
      const d = distances;
      ordered = [...sessions].sort(
        (a, b) => d.get(a.facilityId)! - d.get(b.facilityId)! || a.day - b.day || cmp(a.startsAt, b.startsAt),
      );
    }
    // The reference snapshot is read after the sessions: a facility they name is in it.
    const latest = reference.data;
    const known = ordered.filter((s) => latest.facilities.has(s.facilityId));
    return {
      ref: latest,
      from: n.from,
      to: n.to,
      sessions: known.slice(0, n.limit),
      distances,
      truncated: known.length > n.limit,
      deps: [dep, reference.dependency(), ...deps],
    };
  }

  function resultOf(found: Found): SearchResult {
    return {
      from: found.from,
      to: found.to,
      sessions: found.sessions.map((s) => toAvailable(found.ref, s, found.distances?.get(s.facilityId))),
      truncated: found.truncated,
    };
  }

  /** The search result as JSON; each session's part is serialised once while it is unchanged. */
  function jsonOf(found: Found): string {
    const items = found.sessions.map((s) => {
      const d = found.distances?.get(s.facilityId);
      return d === undefined
        ? remembered(s, found.ref, 'available', () => JSON.stringify(toAvailable(found.ref, s)))
        : JSON.stringify(toAvailable(found.ref, s, d));
    });
    return `{"from":${JSON.stringify(found.from)},"to":${JSON.stringify(found.to)},"sessions":${jsonArray(items)},"truncated":${found.truncated}}`;
  }

  return {
    /** Today in the programme's time zone, as a day number (see dates.ts). */
    today,
    currentReference,
    select,
    normalise,
    run,
    jsonOf,
    toAvailable,
    facilitiesNear,

    /** Open sessions from today on matching the filters; nearest first when a point is given, else soonest. */
    async search(filters: SearchFilters): Promise<SearchResult> {
      return resultOf(await run(normalise(filters)));
    },

    /**
     * Sessions with a seat left for this dose of this product, near a facility or a point, for
     * `days` days from `fromDate`: nearest first, then soonest. Offered when a chosen session is
     * full. Counts are at most a second old; the booking itself takes the seat atomically.
     */
    async nearestAlternatives(q: AlternativesQuery): Promise<AvailableSession[]> {
      const { ref } = await currentReference();
      const fromDay = Math.max(q.fromDate ? dayOf(q.fromDate) : today(), today());
      const toDay = fromDay + (q.days ?? 14) - 1;
      const km = q.km ?? DEFAULT_KM;
      let point = q.near;
      let facilities: FacilityInfo[] = [];
      let distances: Map<number, number> | undefined;
      const origin = q.facilityId === undefined ? undefined : ref.facilities.get(q.facilityId);
      if (!point && origin?.latitude != null && origin.longitude != null)
        point = { lat: origin.latitude, lon: origin.longitude };
      if (point) {
        const near = facilitiesNear(ref, point.lat, point.lon, km);
        facilities = near.facilities;
        distances = near.distances;
      } else if (origin) {
        facilities = ref.facilityList.filter((f) => f.bucket.id === origin.bucket.id);
      }
      const { sessions } = await select({
        facilities,
        fromDay,
        toDay,
        productId: q.productId,
        doseNumber: q.doseNumber,
        age: q.age,
        withRoom: true,
      });
      const latest = reference.data;
      const d = distances;
      return sessions
        .filter((s) => s.id !== q.excludeSessionId && latest.facilities.has(s.facilityId))
        .sort((a, b) => (d ? d.get(a.facilityId)! - d.get(b.facilityId)! : 0) || a.day - b.day)
        .slice(0, q.limit ?? 5)
        .map((s) => toAvailable(latest, s, d?.get(s.facilityId)));
    },
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export type AvailabilityService = ReturnType<typeof availabilityService>;
