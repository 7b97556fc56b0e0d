import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import { facilityOfUser } from '../support/citizen.ts';
import { book, booked, createSession, inDays, productId, seatsTaken } from '../support/sessions-api.ts';
import type { SessionT } from '../../src/scheduling/schemas.ts';
import { expectError } from './helpers.ts';

/**
 * The 409 of a full session or time slot says what is still free (other times of the session, and
 * sessions nearby); the response schema that documents it lets all of it through, and the OpenAPI
 * document describes it on every route that can answer it.
 */

interface OtherSlot {
  slotId: number;
  startsAt: string;
  available: number;
}
interface FullDetails {
  otherSlots: OtherSlot[];
  alternatives: Record<string, unknown>[];
}

/** Every field an offered session has. */
const ALTERNATIVE_KEYS = [
  'available',
  'availableByDose',
  'capacity',
  'date',
  'doseNumbers',
  'endsAt',
  'facility',
  'maxAgeYears',
  'minAgeYears',
  'product',
  'sessionId',
  'slots',
  'startsAt',
];
/** ...and its facility (besides `distanceKm`, there when the facility has coordinates). */
const FACILITY_KEYS = [
  'address',
  'areaId',
  'areaNameBn',
  'areaNameEn',
  'code',
  'id',
  'latitude',
  'longitude',
  'nameBn',
  'nameEn',
  'postcode',
  'type',
];

describe('the answer to a full session or time slot', () => {
  let t: TestContext;
  let people: BulkPerson[];
  let next = 0;
  const person = () => people[next++]!;
  let facilityId: number;
  let comirnaty: number;
  let admin: string;
  /** One seat, taken. */
  let full: SessionT;
  /** Two time slots of one seat each (09:00 and 13:00); the first is taken. */
  let halfFull: SessionT;
  /** Room for everyone: what the nearest sessions offer. */
  let roomy: SessionT;

  beforeAll(async () => {
    t = await testApp();
    people = await bulkPeople(t.database.db, { count: 12, secrets: TEST_SECRETS, batch: 84 });
    facilityId = await facilityOfUser(t.database.db, 'manager');
    comirnaty = await productId(t, 'COMIRNATY');
    admin = await t.auth('admin');
    full = await createSession(t, { facilityId, productId: comirnaty, capacity: 1, date: inDays(3) });
    halfFull = await createSession(t, {
      facilityId,
      productId: comirnaty,
      capacity: 2,
      slotMinutes: 240,
      date: inDays(4),
    });
    roomy = await createSession(t, { facilityId, productId: comirnaty, capacity: 40, date: inDays(5) });
    expect(halfFull.slots.map((s) => [s.startsAt, s.capacity])).toEqual([
      ['09:00', 1],
      ['13:00', 1],
    ]);
    const first = person();
    await booked(t, first.token, { personId: first.personId, sessionId: full.id });
    const second = person();
    await booked(t, second.token, {
      personId: second.personId,
      sessionId: halfFull.id,
      slotId: halfFull.slots[0]!.id,
    });
  });
  afterAll(() => t.close());

  /** What the alternatives finder itself says for a full session: the answer must carry all of it. */
  const expectedAlternatives = async (s: SessionT) =>
    JSON.parse(
      JSON.stringify(
        await t.services.availability.nearestAlternatives({
          productId: comirnaty,
          doseNumber: 1,
          facilityId,
          fromDate: s.date,
          excludeSessionId: s.id,
          limit: 5,
        }),
      ),
    ) as Record<string, unknown>[];

  function expectAlternatives(details: FullDetails, s: SessionT) {
    expect(details.alternatives.length).toBeGreaterThan(0);
    const offered = details.alternatives.find((a) => a.sessionId === roomy.id);
    expect(offered, 'the roomy session is offered').toBeDefined();
    expect(details.alternatives.map((a) => a.sessionId)).not.toContain(s.id);
    expect(Object.keys(offered!).sort()).toEqual(ALTERNATIVE_KEYS);
    const facility = offered!.facility as Record<string, unknown>;
    expect(
      Object.keys(facility)
        .filter((k) => k !== 'distanceKm')
        .sort(),
    ).toEqual(FACILITY_KEYS);
    expect(offered).toMatchObject({
      date: roomy.date,
      startsAt: '09:00',
      endsAt: '17:00',
      doseNumbers: [1],
      capacity: 40,
      available: 40,
      product: { id: comirnaty, code: 'COMIRNATY' },
      facility: { id: facilityId },
      slots: [
        { slotId: roomy.slots[0]!.id, startsAt: '09:00', endsAt: '17:00', capacity: 40, available: 40 },
      ],
    });
    expect(offered!.availableByDose).toContainEqual({ doseNumber: 1, available: 40 });
  }

  it('a citizen booking a full session gets session_full with the nearest sessions, every field kept', async () => {
    const p = person();
    const err = expectError(
      await book(t, p.token, { personId: p.personId, sessionId: full.id }),
      409,
      'session_full',
    );
    const details = err.details as FullDetails;
    expect(details.otherSlots).toEqual([]);
    expectAlternatives(details, full);
    // Nothing the finder returns is lost on the way out.
    expect(details.alternatives).toEqual(await expectedAlternatives(full));
    expect(await seatsTaken(t, full.id)).toBe(1);
  });

  it('a citizen choosing a full time slot gets slot_full with the other times of the session', async () => {
    const p = person();
    const err = expectError(
      await book(t, p.token, { personId: p.personId, sessionId: halfFull.id, slotId: halfFull.slots[0]!.id }),
      409,
      'slot_full',
    );
    const details = err.details as FullDetails;
    expect(details.otherSlots).toEqual([{ slotId: halfFull.slots[1]!.id, startsAt: '13:00', available: 1 }]);
    expectAlternatives(details, halfFull);
    expect(await seatsTaken(t, halfFull.id)).toBe(1);
  });

  it('staff booking at a help desk get the same answer', async () => {
    const p = person();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/people/${p.personId}/appointments`,
      headers: { authorization: admin },
      payload: { sessionId: halfFull.id, slotId: halfFull.slots[0]!.id },
    });
    const details = expectError(res, 409, 'slot_full').details as FullDetails;
    expect(details.otherSlots).toEqual([{ slotId: halfFull.slots[1]!.id, startsAt: '13:00', available: 1 }]);
    expectAlternatives(details, halfFull);
    const whole = await t.app.inject({
      method: 'POST',
      url: `/api/people/${p.personId}/appointments`,
      headers: { authorization: admin },
      payload: { sessionId: full.id },
    });
    expectAlternatives(expectError(whole, 409, 'session_full').details as FullDetails, full);
  });

  it('a reschedule into a full session or time slot gets the same answer, and the appointment stays', async () => {
    const p = person();
    const a = await booked(t, p.token, { personId: p.personId, sessionId: roomy.id });
    const move = (body: { sessionId: number; slotId?: number }) =>
      t.app.inject({
        method: 'POST',
        url: `/api/citizen/people/${p.personId}/appointments/${a.id}/reschedule`,
        headers: { authorization: `Bearer ${p.token}` },
        payload: body,
      });
    const toSlot = expectError(
      await move({ sessionId: halfFull.id, slotId: halfFull.slots[0]!.id }),
      409,
      'slot_full',
    ).details as FullDetails;
    expect(toSlot.otherSlots).toEqual([{ slotId: halfFull.slots[1]!.id, startsAt: '13:00', available: 1 }]);
    expect(toSlot.alternatives.map((x) => x.sessionId)).not.toContain(halfFull.id);
    expect(Object.keys(toSlot.alternatives[0]!).sort()).toEqual(ALTERNATIVE_KEYS);
    const toFull = expectError(await move({ sessionId: full.id }), 409, 'session_full')
      .details as FullDetails;
    expect(toFull.otherSlots).toEqual([]);
    expect(toFull.alternatives).toEqual(await expectedAlternatives(full));
    expect(await seatsTaken(t, full.id)).toBe(1);
    expect(await seatsTaken(t, halfFull.id)).toBe(1);
  });

  it('other refusals keep their own details', async () => {
    const p = person();
    const a = await booked(t, p.token, { personId: p.personId, sessionId: roomy.id });
    const err = expectError(
      await book(t, p.token, { personId: p.personId, sessionId: halfFull.id, slotId: halfFull.slots[1]!.id }),
      409,
      'appointment_exists',
    );
    expect(err.details).toEqual({ appointmentId: a.id });
  });

  it('the OpenAPI document describes the 409 with the other slots and the nearest sessions', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    type Schema = {
      type?: string;
      properties?: Record<string, Schema>;
      items?: Schema;
      required?: string[];
      description?: string;
    };
    const doc = res.json<{
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
      >;
    }>();
    for (const path of [
      '/api/citizen/appointments',
      '/api/people/{id}/appointments',
      '/api/citizen/people/{id}/appointments/{appointmentId}/reschedule',
    ]) {
      const schema = doc.paths[path]!.post!.responses['409']!.content!['application/json']!.schema;
      const error = schema.properties!.error!;
      expect(error.required, path).toEqual(expect.arrayContaining(['code', 'message', 'requestId']));
      const details = error.properties!.details!;
      const otherSlots = details.properties!.otherSlots!;
      expect(otherSlots.type, path).toBe('array');
      expect(Object.keys(otherSlots.items!.properties!).sort(), path).toEqual([
        'available',
        'slotId',
        'startsAt',
      ]);
      expect(otherSlots.items!.required!.sort(), path).toEqual(['available', 'slotId', 'startsAt']);
      const alternatives = details.properties!.alternatives!;
      expect(alternatives.type, path).toBe('array');
      expect(Object.keys(alternatives.items!.properties!).sort(), path).toEqual(ALTERNATIVE_KEYS);
      expect(alternatives.items!.required!.sort(), path).toEqual(ALTERNATIVE_KEYS);
      expect(Object.keys(alternatives.items!.properties!.facility!.properties!).sort(), path).toEqual(
        [...FACILITY_KEYS, 'distanceKm'].sort(),
      );
      expect(Object.keys(alternatives.items!.properties!.slots!.items!.properties!).sort(), path).toEqual([
        'available',
        'capacity',
        'endsAt',
        'slotId',
        'startsAt',
      ]);
      expect(alternatives.description, path).toMatch(/session_full/);
      // The other error answers of the route keep the one shared error body.
      expect(JSON.stringify(doc.paths[path]!.post!.responses['400']), path).toMatch(/ErrorBody/);
    }
  });
});
