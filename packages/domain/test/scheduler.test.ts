import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  autoSchedule,
  priorityWeight,
  UNPLACED_REASONS,
  type OpenSlot,
  type ScheduleResult,
  type SchedulerInput,
  type WaitingPerson,
} from '../src/index.ts';
import { eligibility, facilityLocations } from './support/exact-optimum.ts';
import { syntheticInstance } from './support/scheduler-instances.ts';

const FROM = '2026-06-01';
const TO = '2026-06-07';

/** Queue order: rank, then registration order, then person id and dose number. */
const queueOrder = (a: WaitingPerson, b: WaitingPerson) =>
  a.priorityRank - b.priorityRank ||
  a.registrationOrder - b.registrationOrder ||
  a.personId - b.personId ||
  a.doseNumber - b.doseNumber;

// ---- Arbitrary instances: a handful of facilities in a 30 km square, with a 12 km reach, so
// that some people reach several facilities and some none; few seats, so that slots fill up.

const day = (min: number, max: number) => fc.integer({ min, max }).map((n) => addDays(FROM, n));
const point = fc.record({
  lat: fc.integer({ min: 0, max: 270 }).map((n) => 23.7 + n / 1000),
  lon: fc.integer({ min: 0, max: 290 }).map((n) => 90.4 + n / 1000),
});
const FACILITY_IDS = [11, 12, 13, 14, 15];

const arbitraryInstance: fc.Arbitrary<SchedulerInput> = fc
  .record({
    places: fc.tuple(...FACILITY_IDS.map(() => fc.option(point, { freq: 8 }))),
    slots: fc.array(
      fc.record({
        facility: fc.constantFrom(...FACILITY_IDS),
        date: day(-2, 8),
        startsAt: fc.constantFrom('09:00', '11:00', '14:00'),
        productId: fc.constantFrom(1, 2, 3),
        doseNumbers: fc.subarray([1, 2, 3], { minLength: 1 }),
        band: fc.constantFrom<[number, number | null]>([18, null], [12, 17], [60, null], [0, null]),
        remaining: fc.integer({ min: 0, max: 3 }),
      }),
      { maxLength: 24 },
    ),
    people: fc.uniqueArray(
      fc.record({
        personId: fc.integer({ min: 1, max: 40 }),
        doseNumber: fc.constantFrom(1, 1, 1, 2, 3),
        priorityRank: fc.integer({ min: 1, max: 4 }),
        registrationOrder: fc.integer({ min: 0, max: 20 }),
        earliest: fc.integer({ min: -20, max: 9 }),
        dueAfter: fc.option(fc.integer({ min: 0, max: 6 })),
        products: fc.option(fc.subarray([1, 2, 3], { minLength: 1 })),
        preferredProductId: fc.option(fc.constantFrom(1, 2, 3)),
        preferredFacilityId: fc.option(fc.constantFrom(...FACILITY_IDS, 99)),
        previousFacilityId: fc.option(fc.constantFrom(...FACILITY_IDS)),
        location: fc.option(point, { freq: 5 }),
        age: fc.integer({ min: 5 * 365, max: 80 * 365 }),
      }),
      // One entry per person and dose, as in the waiting queue.
      { maxLength: 30, selector: (p) => `${p.personId}/${p.doseNumber}` },
    ),
    fallbackKm: fc.constantFrom(0, 5, 12),
  })
  .map(({ places, slots, people, fallbackKm }) => {
    const where = new Map(FACILITY_IDS.map((id, i) => [id, places[i] ?? null]));
    return {
      settings: { fromDate: FROM, toDate: TO, fallbackKm },
      slots: slots.map((s, i): OpenSlot => ({
        slotId: 500 + i,
        sessionId: 100 + Math.floor(i / 2),
        facilityId: s.facility,
        facilityLocation: where.get(s.facility) ?? null,
        date: s.date,
        startsAt: s.startsAt,
        productId: s.productId,
        doseNumbers: s.doseNumbers,
        minAgeYears: s.band[0],
        maxAgeYears: s.band[1],
        remaining: s.remaining,
      })),
      people: people.map((p): WaitingPerson => ({
        personId: p.personId,
        doseNumber: p.doseNumber,
        priorityRank: p.priorityRank,
        registrationOrder: p.registrationOrder,
        earliestDate: addDays(FROM, p.earliest),
        dueDate: p.dueAfter === null ? null : addDays(FROM, p.earliest + p.dueAfter),
        productIds: p.doseNumber === 2 ? (p.products?.slice(0, 1) ?? [1]) : p.products,
        preferredProductId: p.preferredProductId,
        preferredFacilityId: p.preferredFacilityId,
        previousFacilityId: p.doseNumber > 1 ? p.previousFacilityId : null,
        location: p.location,
        dateOfBirth: addDays(FROM, -p.age),
      })),
      // The place of a preferred facility that holds no session in the window.
      facilities: [{ id: 99, location: { lat: 23.8, lon: 90.5 } }],
    };
  });

// ---- The checks, each against the plain rules of ./support/exact-optimum.ts ----------------------

function seatsUsed(result: ScheduleResult): Map<number, number> {
  const used = new Map<number, number>();
  for (const a of result.assignments) used.set(a.slotId, (used.get(a.slotId) ?? 0) + 1);
  return used;
}

function expectCapacityKept(input: SchedulerInput, result: ScheduleResult) {
  const remaining = new Map(input.slots.map((s) => [s.slotId, s.remaining]));
  for (const [slotId, n] of seatsUsed(result))
    expect(n, `slot ${slotId}`).toBeLessThanOrEqual(remaining.get(slotId)!);
}

function expectEveryAssignmentEligible(input: SchedulerInput, result: ScheduleResult) {
  const locations = facilityLocations(input);
  const slots = new Map(input.slots.map((s) => [s.slotId, s]));
  const entries = new Map(input.people.map((p) => [`${p.personId}/${p.doseNumber}`, p]));
  let objective = 0;
  for (const a of result.assignments) {
    const slot = slots.get(a.slotId)!;
    const person = entries.get(`${a.personId}/${a.doseNumber}`)!;
    const e = eligibility(person, slot, input, locations);
    expect(e, `person ${a.personId} dose ${a.doseNumber} in slot ${a.slotId}`).toMatchObject({ ok: true });
    if (!e.ok) continue;
    expect([a.facilityId, a.sessionId, a.date, a.productId]).toEqual([
      slot.facilityId,
      slot.sessionId,
      slot.date,
      slot.productId,
    ]);
    expect(a.value).toBeCloseTo(e.value, 9);
    objective += e.value;
  }
  expect(result.objective).toBeCloseTo(objective, 6);
}

function expectEachEntryAnsweredOnce(input: SchedulerInput, result: ScheduleResult) {
  const answered = [...result.assignments, ...result.unplaced].map((x) => `${x.personId}/${x.doseNumber}`);
  expect(answered.sort()).toEqual(input.people.map((p) => `${p.personId}/${p.doseNumber}`).sort());
  const placedPeople = result.assignments.map((a) => a.personId);
  expect(new Set(placedPeople).size).toBe(placedPeople.length);
}

/**
 * The priority invariant: for every person left waiting (other than for an earlier dose of theirs),
 * no person behind them in the queue holds a slot that the waiting person was eligible for.
 */
function expectPriorityOrder(input: SchedulerInput, result: ScheduleResult) {
  const locations = facilityLocations(input);
  const slots = new Map(input.slots.map((s) => [s.slotId, s]));
  const entries = new Map(input.people.map((p) => [`${p.personId}/${p.doseNumber}`, p]));
  for (const u of result.unplaced) {
    if (u.reason === 'earlier_dose_pending') continue;
    const waiting = entries.get(`${u.personId}/${u.doseNumber}`)!;
    for (const a of result.assignments) {
      const placed = entries.get(`${a.personId}/${a.doseNumber}`)!;
      if (queueOrder(placed, waiting) <= 0) continue;
      const e = eligibility(waiting, slots.get(a.slotId)!, input, locations);
      expect(
        e.ok,
        `person ${placed.personId} (behind ${waiting.personId} in the queue) holds slot ${a.slotId}, which ${waiting.personId} could have had`,
      ).toBe(false);
    }
  }
}

/** Every person left waiting has a reason, and the reason is true. */
function expectReasons(input: SchedulerInput, result: ScheduleResult) {
  const locations = facilityLocations(input);
  const used = seatsUsed(result);
  const entries = new Map(input.people.map((p) => [`${p.personId}/${p.doseNumber}`, p]));
  const placedPeople = new Set(result.assignments.map((a) => a.personId));
  for (const u of result.unplaced) {
    expect(UNPLACED_REASONS).toContain(u.reason);
    const p = entries.get(`${u.personId}/${u.doseNumber}`)!;
    const eligible = input.slots.filter((s) => eligibility(p, s, input, locations).ok);
    if (u.reason === 'earlier_dose_pending') {
      const others = input.people.filter((o) => o.personId === p.personId && o !== p);
      expect(others.some((o) => queueOrder(o, p) < 0) || placedPeople.has(p.personId)).toBe(true);
    } else if (u.reason === 'no_capacity_nearby') {
      expect(eligible.length, `person ${p.personId}: "${u.reason}" but no eligible slot`).toBeGreaterThan(0);
      for (const s of eligible)
        expect(used.get(s.slotId) ?? 0, `slot ${s.slotId} has room`).toBe(s.remaining);
    } else {
      expect(
        eligible.map((s) => s.slotId),
        `person ${p.personId}: "${u.reason}" but eligible slots`,
      ).toEqual([]);
    }
  }
}

const shuffled = <T>(xs: readonly T[], seed: number): T[] => {
  const out = [...xs];
  let a = seed;
  for (let i = out.length - 1; i > 0; i--) {
    a = (a * 1103515245 + 12345) % 2147483648;
    const j = a % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

describe('auto-scheduler invariants (random instances)', () => {
  it('never gives a slot more people than its remaining seats', () => {
    fc.assert(fc.property(arbitraryInstance, (input) => expectCapacityKept(input, autoSchedule(input))));
  });

  it('places people only where dose, age band, product, interval, window and distance allow', () => {
    fc.assert(
      fc.property(arbitraryInstance, (input) => expectEveryAssignmentEligible(input, autoSchedule(input))),
    );
  });

  it('answers every waiting entry exactly once, with at most one placement per person', () => {
    fc.assert(
      fc.property(arbitraryInstance, (input) => expectEachEntryAnsweredOnce(input, autoSchedule(input))),
    );
  });

  it('keeps the priority order: nobody behind a waiting person holds a slot that person could have had', () => {
    fc.assert(
      fc.property(arbitraryInstance, (input) => expectPriorityOrder(input, autoSchedule(input))),
      {
        numRuns: 300,
      },
    );
  });

  it('gives every person left waiting a true reason', () => {
    fc.assert(
      fc.property(arbitraryInstance, (input) => expectReasons(input, autoSchedule(input))),
      {
        numRuns: 300,
      },
    );
  });

  it('gives the same schedule for the same input, whatever the order of its lists', () => {
    fc.assert(
      fc.property(arbitraryInstance, fc.integer({ min: 1, max: 1000 }), (input, seed) => {
        const again = autoSchedule({
          ...input,
          people: shuffled(input.people, seed),
          slots: shuffled(input.slots, seed + 1),
        });
        expect(again).toEqual(autoSchedule(input));
      }),
    );
  });
});

describe('auto-scheduler invariants (a district of 2,000 people)', () => {
  const input = syntheticInstance({ seed: 11, people: 2000, facilities: 12, days: 7, seatsPerPerson: 0.8 });
  const result = autoSchedule(input);

  it('fills most seats and leaves people waiting for capacity, so the checks below bite', () => {
    expect(result.assignments.length).toBeGreaterThan(1000);
    expect(result.unplaced.filter((u) => u.reason === 'no_capacity_nearby').length).toBeGreaterThan(50);
  });

  it('keeps capacity, eligibility, the priority order and true reasons', () => {
    expectCapacityKept(input, result);
    expectEveryAssignmentEligible(input, result);
    expectEachEntryAnsweredOnce(input, result);
    expectPriorityOrder(input, result);
    expectReasons(input, result);
  }, 60_000);
});

// ---- Behaviour, on small hand-made cases ----------------------------------------------------------

const CENTRE = { lat: 23.75, lon: 90.4 };
/** About 4.4 km north of CENTRE. */
const NEAR = { lat: 23.79, lon: 90.4 };
/** About 11 km north of CENTRE. */
const FARTHER = { lat: 23.85, lon: 90.4 };
/** About 33 km north: out of reach. */
const FAR = { lat: 24.05, lon: 90.4 };

let nextSlot = 1;
function slot(over: Partial<OpenSlot> & Pick<OpenSlot, 'facilityId' | 'facilityLocation'>): OpenSlot {
  const id = nextSlot++;
  return {
    slotId: id,
    sessionId: id,
    date: FROM,
    startsAt: '09:00',
    productId: 1,
    doseNumbers: [1, 2],
    minAgeYears: 18,
    maxAgeYears: null,
    remaining: 1,
    ...over,
  };
}
function person(personId: number, over: Partial<WaitingPerson> = {}): WaitingPerson {
  return {
    personId,
    doseNumber: 1,
    priorityRank: 5,
    registrationOrder: personId,
    earliestDate: '2026-05-01',
    dueDate: null,
    productIds: null,
    preferredProductId: null,
    preferredFacilityId: null,
    previousFacilityId: null,
    location: CENTRE,
    dateOfBirth: '1980-03-03',
    ...over,
  };
}
const run = (people: WaitingPerson[], slots: OpenSlot[], fallbackKm = 15) =>
  autoSchedule({ people, slots, settings: { fromDate: FROM, toDate: TO, fallbackKm } });
const placement = (r: ScheduleResult, personId: number) => r.assignments.find((a) => a.personId === personId);
const reason = (r: ScheduleResult, personId: number) =>
  r.unplaced.find((u) => u.personId === personId)?.reason;

describe('auto-scheduler behaviour', () => {
  it('gives the last seat to the higher priority group, then to the earlier registration', () => {
    const seat = slot({ facilityId: 1, facilityLocation: CENTRE });
    const r = run(
      [
        person(1, { priorityRank: 6 }),
        person(2, { priorityRank: 2, registrationOrder: 9 }),
        person(3, { priorityRank: 2 }),
      ],
      [seat],
    );
    expect(placement(r, 3)?.slotId).toBe(seat.slotId);
    expect(reason(r, 1)).toBe('no_capacity_nearby');
    expect(reason(r, 2)).toBe('no_capacity_nearby');
  });

  it('takes the nearest facility and the earliest date there', () => {
    const far = slot({ facilityId: 2, facilityLocation: FARTHER });
    const later = slot({ facilityId: 1, facilityLocation: NEAR, date: '2026-06-03' });
    const earlier = slot({ facilityId: 1, facilityLocation: NEAR, date: '2026-06-02' });
    const r = run([person(1)], [far, later, earlier]);
    expect(placement(r, 1)).toMatchObject({ slotId: earlier.slotId, facilityId: 1 });
    expect(placement(r, 1)?.distanceKm).toBeCloseTo(4.45, 1);
  });

  it('places a second dose at the facility of the first on its due date, else at the nearest other', () => {
    const due = '2026-06-04';
    const previous = { lat: 23.9, lon: 90.4 };
    const before = slot({ facilityId: 7, facilityLocation: previous, date: '2026-06-02', remaining: 5 });
    const onDue = slot({ facilityId: 7, facilityLocation: previous, date: due });
    const nearest = slot({
      facilityId: 8,
      facilityLocation: { lat: 23.92, lon: 90.4 },
      date: due,
      remaining: 5,
    });
    const farther = slot({
      facilityId: 9,
      facilityLocation: { lat: 23.96, lon: 90.4 },
      date: due,
      remaining: 5,
    });
    const second = (id: number) =>
      person(id, {
        doseNumber: 2,
        earliestDate: '2026-05-29',
        dueDate: due,
        productIds: [1],
        previousFacilityId: 7,
        preferredFacilityId: 3,
      });
    const r = run([second(1), second(2)], [before, onDue, nearest, farther]);
    // Not before the due date, though the minimum interval would allow it.
    expect(placement(r, 1)).toMatchObject({ slotId: onDue.slotId, date: due, facilityId: 7 });
    expect(placement(r, 2)).toMatchObject({ slotId: nearest.slotId, facilityId: 8 });
  });

  it('keeps a later dose to its series product, and says so when none is offered', () => {
    const other = slot({ facilityId: 1, facilityLocation: CENTRE, productId: 2 });
    const r = run([person(1, { doseNumber: 2, productIds: [1], previousFacilityId: 1 })], [other]);
    expect(reason(r, 1)).toBe('no_session_for_product');
  });

  it('offers the preferred product first, farther within reach, and another when it is full', () => {
    const nearOther = slot({ facilityId: 1, facilityLocation: NEAR, productId: 2, remaining: 3 });
    const fartherPreferred = slot({ facilityId: 2, facilityLocation: FARTHER, productId: 1 });
    const r = run(
      [person(1, { preferredProductId: 1 }), person(2, { preferredProductId: 1 })],
      [nearOther, fartherPreferred],
    );
    expect(placement(r, 1)).toMatchObject({ slotId: fartherPreferred.slotId, productId: 1 });
    expect(placement(r, 2)).toMatchObject({ slotId: nearOther.slotId, productId: 2 });
    expect(placement(r, 2)!.value).toBeCloseTo(
      priorityWeight(5) - (0.15 / 15) * placement(r, 2)!.distanceKm - 0.25,
      9,
    );
  });

  it('moves someone who has another choice to make room for someone who has none', () => {
    // Person 1 (first in the queue) reaches both centres and takes the nearer; person 2 reaches
    // only that one. Person 1 moves to the other centre and both are placed.
    const a = slot({ facilityId: 1, facilityLocation: CENTRE });
    const b = slot({ facilityId: 2, facilityLocation: FARTHER });
    const r = run(
      [person(1, { priorityRank: 1, location: NEAR }), person(2, { location: { lat: 23.7, lon: 90.4 } })],
      [a, b],
    );
    expect(placement(r, 2)?.slotId).toBe(a.slotId);
    expect(placement(r, 1)?.slotId).toBe(b.slotId);
  });

  it('lets a person with no product preference give their seat to one who asked for that product', () => {
    const p1 = slot({ facilityId: 1, facilityLocation: CENTRE, productId: 1 });
    const p2 = slot({ facilityId: 1, facilityLocation: CENTRE, productId: 2 });
    const r = run([person(1, { priorityRank: 1 }), person(2, { preferredProductId: 1 })], [p1, p2]);
    expect(placement(r, 2)?.productId).toBe(1);
    expect(placement(r, 1)?.productId).toBe(2);
  });

  it('explains why people are left waiting', () => {
    const adults = slot({ facilityId: 1, facilityLocation: CENTRE, doseNumbers: [1], remaining: 0 });
    const r = run(
      [
        person(1),
        person(2, { location: FAR }),
        person(3, { location: null }),
        person(4, { dateOfBirth: '2012-01-01' }),
        person(5, { earliestDate: '2026-07-01' }),
        person(6, { doseNumber: 3, productIds: [1] }),
        person(7, { productIds: [3] }),
        person(8, { dateOfBirth: '1930-01-01' }),
      ],
      [
        adults,
        slot({ facilityId: 2, facilityLocation: CENTRE, minAgeYears: 12, maxAgeYears: 17, remaining: 0 }),
      ],
    );
    expect(Object.fromEntries(r.unplaced.map((u) => [u.personId, u.reason]))).toEqual({
      1: 'no_capacity_nearby',
      2: 'no_session_nearby',
      3: 'no_location',
      4: 'no_capacity_nearby',
      5: 'not_due_in_window',
      6: 'no_session_for_dose',
      7: 'no_session_for_product',
      8: 'no_capacity_nearby',
    });
    const children = run([person(9, { dateOfBirth: '2018-01-01' })], [adults]);
    expect(reason(children, 9)).toBe('too_young_for_sessions');
    const elders = run(
      [person(10, { dateOfBirth: '1950-01-01' })],
      [slot({ facilityId: 2, facilityLocation: CENTRE, minAgeYears: 12, maxAgeYears: 17 })],
    );
    expect(reason(elders, 10)).toBe('too_old_for_sessions');
  });

  it('counts a person once: a second entry of theirs waits for the first', () => {
    const r = run(
      [person(1), person(1, { doseNumber: 2, productIds: [1] })],
      [slot({ facilityId: 1, facilityLocation: CENTRE, remaining: 5 })],
    );
    expect(r.assignments.map((a) => [a.personId, a.doseNumber])).toEqual([[1, 1]]);
    expect(r.unplaced).toEqual([{ personId: 1, doseNumber: 2, reason: 'earlier_dose_pending' }]);
  });

  it('refuses a queue with the same person twice for the same dose', () => {
    expect(() => run([person(1), person(1, { priorityRank: 1 })], [])).toThrow(/waits twice/);
  });

  it('refuses penalties that would let a placement be worth less than leaving the person waiting', () => {
    expect(() =>
      autoSchedule({
        people: [],
        slots: [],
        settings: { fromDate: FROM, toDate: TO, fallbackKm: 15, distancePenaltyPerKm: 0.1 },
      }),
    ).toThrow(RangeError);
  });
});
