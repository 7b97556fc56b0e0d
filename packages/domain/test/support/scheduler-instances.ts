import { addDays, type IsoDate } from '../../src/dates.ts';
import type { GeoPoint, OpenSlot, SchedulerInput, WaitingPerson } from '../../src/scheduler.ts';

/**
 * Synthetic scheduling instances shaped like a campaign district: facilities scattered over a
 * region, people living in small places (unions) around them, most of them choosing a nearby
 * centre, a share of second doses anchored at the facility of their first, priority groups skewed
 * towards the general public, and fewer seats than people. Deterministic for a seed.
 */
export interface InstanceShape {
  seed: number;
  people: number;
  facilities: number;
  days: number;
  /** Seats in the window per waiting person. */
  seatsPerPerson: number;
  /** Facilities per 1,000 km² (Bangladesh's 400-centre campaign: about 3). */
  facilityDensity?: number;
  fallbackKm?: number;
  /** Share of waiting entries that are second doses. */
  secondDoseShare?: number;
  /** Sessions a facility holds per day and slots per session. */
  sessionsPerDay?: number;
  slotsPerSession?: number;
  fromDate?: IsoDate;
}

export type Rng = () => number;

/** mulberry32: small, fast, and the same sequence on every platform. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
function weighted<T>(r: Rng, options: readonly (readonly [T, number])[]): T {
  const total = options.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of options) {
    x -= w;
    if (x < 0) return v;
  }
  return options[options.length - 1]![0];
}

/** Product ids of the instances: three vaccines, the first also for children of 12 and more. */
export const PRODUCTS = [1, 2, 3] as const;
/** Priority ranks and how common each is among waiting people. */
export const RANK_MIX = [
  [1, 4],
  [2, 6],
  [3, 10],
  [4, 10],
  [5, 15],
  [6, 15],
  [7, 40],
] as const;

export function syntheticInstance(shape: InstanceShape): SchedulerInput {
  const r = rng(shape.seed);
  const fromDate = shape.fromDate ?? '2026-06-01';
  const toDate = addDays(fromDate, shape.days - 1);
  const density = shape.facilityDensity ?? 3;
  const fallbackKm = shape.fallbackKm ?? 15;
  const secondDoseShare = shape.secondDoseShare ?? 0.15;
  const sessionsPerDay = shape.sessionsPerDay ?? 2;
  const slotsPerSession = shape.slotsPerSession ?? 2;
  // A square region around 23.7 N 90.4 E with the requested facility density.
  const sideKm = Math.sqrt((shape.facilities / density) * 1000);
  const origin = { lat: 23.7, lon: 90.4 };
  const point = (xKm: number, yKm: number): GeoPoint => ({
    lat: round(origin.lat + yKm / 111.2),
    lon: round(origin.lon + xKm / (111.2 * Math.cos((origin.lat * Math.PI) / 180))),
  });

  const facilities = Array.from({ length: shape.facilities }, (_, i) => ({
    id: 100 + i,
    location: point(r() * sideKm, r() * sideKm),
    // Centres differ in size: some take three times the seats of others.
    size: 1 + r() * 2,
  }));
  // Places people live in: about ten per facility, each near a facility or scattered.
  const places = Array.from({ length: Math.max(4, shape.facilities * 10) }, () => {
    const f = pick(r, facilities);
    const spread = r() < 0.8 ? 8 : sideKm / 2;
    const lat = f.location.lat + ((r() - 0.5) * 2 * spread) / 111.2;
    const lon = f.location.lon + ((r() - 0.5) * 2 * spread) / 102;
    const location = { lat: round(lat), lon: round(lon) };
    const nearest = [...facilities]
      .sort((a, b) => flatKm(location, a.location) - flatKm(location, b.location) || a.id - b.id)
      .slice(0, 4);
    return { location, nearest };
  });

  // Sessions: each facility holds `sessionsPerDay` sessions a day, each of one product, most for
  // first and second doses of adults, some for children of 12 to 17, some for second doses only.
  const totalWeight =
    facilities.reduce((s, f) => s + f.size, 0) * shape.days * sessionsPerDay * slotsPerSession;
  const seatsPerWeight = (shape.seatsPerPerson * shape.people) / totalWeight;
  const slots: OpenSlot[] = [];
  let sessionId = 1;
  let slotId = 1;
  for (const f of facilities) {
    const products = [pick(r, PRODUCTS), pick(r, PRODUCTS)];
    for (let d = 0; d < shape.days; d++) {
      const date = addDays(fromDate, d);
      for (let s = 0; s < sessionsPerDay; s++) {
        const productId = products[s % products.length]!;
        const kind = weighted(r, [
          ['adult', 80],
          ['children', productId === 1 ? 8 : 0],
          ['second', 12],
        ] as const);
        const doseNumbers = kind === 'second' ? [2] : [1, 2];
        const minAgeYears = kind === 'children' ? 12 : 18;
        const maxAgeYears = kind === 'children' ? 17 : null;
        for (let k = 0; k < slotsPerSession; k++) {
          const hour = 9 + s * 4 + k;
          slots.push({
            slotId: slotId++,
            sessionId,
            facilityId: f.id,
            facilityLocation: f.location,
            date,
            startsAt: `${String(hour).padStart(2, '0')}:00`,
            productId,
            doseNumbers,
            minAgeYears,
            maxAgeYears,
            remaining: Math.max(0, Math.round(f.size * seatsPerWeight * (0.7 + r() * 0.6))),
          });
        }
        sessionId++;
      }
    }
  }

  const people: WaitingPerson[] = [];
  for (let i = 0; i < shape.people; i++) {
    const place = pick(r, places);
    const rank = weighted(r, RANK_MIX);
    const age = weighted(r, [
      [int(r, 12, 17), 8],
      [int(r, 18, 59), 70],
      [int(r, 60, 95), 22],
    ] as const);
    const dateOfBirth = addDays(fromDate, -Math.round(age * 365.25 + r() * 365));
    const second = r() < secondDoseShare;
    const nearest = place.nearest;
    if (second) {
      const productId = pick(r, PRODUCTS);
      const due = addDays(fromDate, int(r, -10, shape.days + 3));
      people.push({
        personId: 1_000_000 + i,
        doseNumber: 2,
        priorityRank: rank,
        registrationOrder: i,
        earliestDate: addDays(due, -7),
        dueDate: due,
        productIds: [productId],
        preferredProductId: r() < 0.5 ? productId : null,
        preferredFacilityId: r() < 0.7 ? nearest[0]!.id : null,
        previousFacilityId:
          r() < 0.9 ? (r() < 0.8 ? nearest[0]!.id : (nearest[int(r, 0, 2)]?.id ?? null)) : null,
        location: place.location,
        dateOfBirth,
      });
    } else {
      const choice = r();
      people.push({
        personId: 1_000_000 + i,
        doseNumber: 1,
        priorityRank: rank,
        registrationOrder: i,
        earliestDate: addDays(fromDate, r() < 0.9 ? -int(r, 0, 60) : int(r, 0, shape.days + 2)),
        dueDate: null,
        productIds: null,
        preferredProductId: r() < 0.5 ? pick(r, PRODUCTS) : null,
        // Most choose the centre nearest to them; some one further away; some none.
        preferredFacilityId:
          choice < 0.6 ? nearest[0]!.id : choice < 0.75 ? (nearest[int(r, 1, 3)]?.id ?? null) : null,
        previousFacilityId: null,
        location: r() < 0.97 ? place.location : null,
        dateOfBirth,
      });
    }
  }
  return { people, slots, settings: { fromDate, toDate, fallbackKm } };
}

function round(n: number) {
  return Math.round(n * 1e5) / 1e5;
}

/** A flat-earth distance, only to rank facilities by nearness when drawing preferences. */
function flatKm(a: GeoPoint, b: GeoPoint) {
  const dy = (a.lat - b.lat) * 111.2;
  const dx = (a.lon - b.lon) * 102;
  return Math.sqrt(dx * dx + dy * dy);
}
