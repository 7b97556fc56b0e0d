import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { distanceKm } from '@dosewise/domain';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AvailabilityResult } from '../../src/availability/schemas.ts';
import { testApp, type TestContext } from '../support/app.ts';
import {
  addSession,
  cancelAllSessions,
  dayFromToday,
  districtWithFacilities,
  productId,
  takeSeat,
  type MadeSession,
} from '../support/sessions.ts';
import { expectError } from './helpers.ts';

/** The public availability search: filters, seats per dose, distance order, freshness, ETags, bad input. */

interface Out {
  from: string;
  to: string;
  truncated: boolean;
  sessions: {
    sessionId: number;
    date: string;
    startsAt: string;
    minAgeYears: number;
    doseNumbers: number[];
    product: { code: string };
    facility: {
      id: number;
      nameEn: string;
      distanceKm?: number;
      latitude: number | null;
      longitude: number | null;
    };
    capacity: number;
    available: number;
    availableByDose: { doseNumber: number; available: number }[];
    slots: { slotId: number; capacity: number; available: number }[];
  }[];
}

let t: TestContext;
let dhaka: Awaited<ReturnType<typeof districtWithFacilities>>;
let gazipur: Awaited<ReturnType<typeof districtWithFacilities>>;
const s: Record<string, MadeSession> = {};
const validResult = addFormats.default(new Ajv({ strict: false })).compile(AvailabilityResult);

async function search(query: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/public/availability?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<Out>();
  expect(validResult(body), JSON.stringify(validResult.errors)).toBe(true);
  return body;
}
const ids = (out: Out) => out.sessions.map((x) => x.sessionId);
const byId = (out: Out, id: number) => out.sessions.find((x) => x.sessionId === id)!;

beforeAll(async () => {
  t = await testApp();
  const db = t.database.db;
  await cancelAllSessions(db);
  dhaka = await districtWithFacilities(db, 'Dhaka');
  gazipur = await districtWithFacilities(db, 'Gazipur');
  const [f0, f1, f2] = dhaka.facilities;
  expect(f2, 'Dhaka district has at least three vaccination facilities').toBeDefined();
  s.a = await addSession(db, {
    facilityId: f0!.id,
    date: dayFromToday(1),
    doseNumbers: [1, 2],
    slots: [
      { startsAt: '09:00', endsAt: '11:00', capacity: 20, booked: 5 },
      { startsAt: '11:00', endsAt: '13:00', capacity: 20 },
    ],
  });
  s.b = await addSession(db, {
    facilityId: f1!.id,
    date: dayFromToday(2),
    productCode: 'COVISHIELD',
    doseNumbers: [2],
    minAge: 40,
    slots: [{ startsAt: '10:00', endsAt: '14:00', capacity: 40 }],
  });
  s.c = await addSession(db, { facilityId: f1!.id, date: dayFromToday(3), doseNumbers: [3] });
  s.full = await addSession(db, {
    facilityId: f2!.id,
    date: dayFromToday(1),
    slots: [{ startsAt: '09:00', endsAt: '12:00', capacity: 10, booked: 10 }],
  });
  s.today = await addSession(db, { facilityId: f2!.id, date: dayFromToday(0) });
  s.closed = await addSession(db, { facilityId: f0!.id, date: dayFromToday(1), status: 'closed' });
  s.cancelled = await addSession(db, { facilityId: f2!.id, date: dayFromToday(2), status: 'cancelled' });
  s.past = await addSession(db, { facilityId: f0!.id, date: dayFromToday(-1) });
  s.later = await addSession(db, { facilityId: f0!.id, date: dayFromToday(10) });
  s.elsewhere = await addSession(db, { facilityId: gazipur.facilities[0]!.id, date: dayFromToday(1) });
});
afterAll(async () => {
  await t?.close();
});

describe('GET /api/public/availability', () => {
  it('lists the open sessions of an area from today for a week, soonest first', async () => {
    const out = await search(`areaId=${dhaka.district.id}`);
    expect(out.from).toBe(dayFromToday(0));
    expect(out.to).toBe(dayFromToday(6));
    // Closed, cancelled and past sessions, sessions of other districts and after the week are not there.
    expect(ids(out)).toEqual([s.today!.id, s.a!.id, s.full!.id, s.b!.id, s.c!.id]);
    expect(out.sessions.map((x) => x.date)).toEqual([0, 1, 1, 2, 3].map(dayFromToday));
    expect(out.truncated).toBe(false);
  });

  it('shows the seats left per slot and per dose, 0 for a dose the session does not give', async () => {
    const out = await search(`areaId=${dhaka.district.id}`);
    const a = byId(out, s.a!.id);
    expect(a.capacity).toBe(40);
    expect(a.available).toBe(35);
    expect(a.slots.map((x) => [x.capacity, x.available])).toEqual([
      [20, 15],
      [20, 20],
    ]);
    // Comirnaty: two primary doses and a booster.
    expect(a.availableByDose).toEqual([
      { doseNumber: 1, available: 35 },
      { doseNumber: 2, available: 35 },
      { doseNumber: 3, available: 0 },
    ]);
    const b = byId(out, s.b!.id);
    expect(b.availableByDose.find((d) => d.doseNumber === 1)?.available).toBe(0);
    expect(b.availableByDose.find((d) => d.doseNumber === 2)?.available).toBe(40);
    expect(byId(out, s.c!.id).availableByDose.map((d) => d.available)).toEqual([0, 0, 40]);
    expect(byId(out, s.full!.id).available).toBe(0);
  });

  it('filters by facility, vaccine, dose, age, room left and dates', async () => {
    const area = `areaId=${dhaka.district.id}`;
    const [, f1] = dhaka.facilities;
    expect(ids(await search(`facilityId=${f1!.id}`))).toEqual([s.b!.id, s.c!.id]);
    expect(ids(await search(`${area}&product=COVISHIELD`))).toEqual([s.b!.id]);
    const covishield = await productId(t.database.db, 'COVISHIELD');
    expect(ids(await search(`${area}&productId=${covishield}`))).toEqual([s.b!.id]);
    expect(ids(await search(`${area}&dose=2`))).toEqual([s.today!.id, s.a!.id, s.full!.id, s.b!.id]);
    expect(ids(await search(`${area}&dose=3`))).toEqual([s.c!.id]);
    expect(ids(await search(`${area}&age=30`))).not.toContain(s.b!.id);
    expect(ids(await search(`${area}&age=45`))).toContain(s.b!.id);
    expect(ids(await search(`${area}&withRoom=true`))).not.toContain(s.full!.id);
    expect(ids(await search(`${area}&from=${dayFromToday(2)}&to=${dayFromToday(3)}`))).toEqual([
      s.b!.id,
      s.c!.id,
    ]);
    expect(ids(await search(`${area}&to=${dayFromToday(12)}`))).toContain(s.later!.id);
    // A start in the past counts from today: yesterday's session stays hidden.
    const fromPast = await search(`${area}&from=${dayFromToday(-5)}&to=${dayFromToday(1)}`);
    expect(fromPast.from).toBe(dayFromToday(0));
    expect(ids(fromPast)).toEqual([s.today!.id, s.a!.id, s.full!.id]);
    // A whole division covers its districts.
    const division = await search(`areaId=${dhaka.district.parent_id}`);
    expect(ids(division)).toEqual(expect.arrayContaining([s.a!.id, s.elsewhere!.id]));
    const limited = await search(`${area}&limit=2`);
    expect(limited.sessions).toHaveLength(2);
    expect(limited.truncated).toBe(true);
  });

  it('around a point: only facilities within the radius, nearest first, with their distance', async () => {
    const [, f1] = dhaka.facilities;
    const point = { lat: f1!.latitude!, lon: f1!.longitude! };
    const km = 30;
    const out = await search(`lat=${point.lat}&lon=${point.lon}&km=${km}`);
    const distances = out.sessions.map((x) => x.facility.distanceKm!);
    expect(distances.length).toBeGreaterThan(2);
    expect(distances).toEqual([...distances].sort((x, y) => x - y));
    expect(out.sessions.slice(0, 2).map((x) => x.sessionId)).toEqual([s.b!.id, s.c!.id]);
    expect(distances[0]).toBe(0);
    // Every open session within the radius, and none beyond it.
    const all = await search(`areaId=${dhaka.district.parent_id}`);
    const within = all.sessions.filter(
      (x) =>
        x.facility.latitude !== null &&
        distanceKm(point, { lat: x.facility.latitude, lon: x.facility.longitude! }) <= km,
    );
    expect(ids(out).sort()).toEqual(ids({ ...all, sessions: within }).sort());
    for (const x of out.sessions) {
      const d = distanceKm(point, { lat: x.facility.latitude!, lon: x.facility.longitude! });
      expect(x.facility.distanceKm).toBeCloseTo(d, 1);
    }
  });

  it('shows a booking within about a second', async () => {
    const url = `/api/public/availability?facilityId=${dhaka.facilities[0]!.id}`;
    const read = async () =>
      byId((await t.app.inject({ method: 'GET', url })).json<Out>(), s.a!.id).slots[1]!.available;
    const before = await read();
    expect(await takeSeat(t.database.db, s.a!.slotIds[1]!)).toBe(true);
    const booked = performance.now();
    let seen = before;
    while (seen === before && performance.now() - booked < 3000) {
      await new Promise((r) => setTimeout(r, 25));
      seen = await read();
    }
    expect(seen).toBe(before - 1);
    expect(performance.now() - booked).toBeLessThan(1300);
  });

  it('answers with an ETag and Cache-Control, and 304 when the client has the same answer', async () => {
    const url = `/api/public/availability?areaId=${dhaka.district.id}&dose=1`;
    const first = await t.app.inject({ method: 'GET', url });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('public, max-age=1');
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    // Another question, another answer: its ETag differs and the old one does not match it.
    const other = await t.app.inject({
      method: 'GET',
      url: `${url}&withRoom=true`,
      headers: { 'if-none-match': etag },
    });
    expect(other.statusCode).toBe(200);
    // After a booking the answer changes and so does its ETag.
    await takeSeat(t.database.db, s.a!.slotIds[0]!);
    await new Promise((r) => setTimeout(r, 1100));
    const changed = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('carries the same security headers as the rest of the API, on every request', async () => {
    const SECURITY = [
      'content-security-policy',
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
      'referrer-policy',
      'x-content-type-options',
      'x-frame-options',
    ];
    const reference = await t.app.inject({ method: 'GET', url: '/api/public/products' });
    const expected = Object.fromEntries(SECURITY.map((h) => [h, reference.headers[h]]));
    expect(expected['x-content-type-options']).toBe('nosniff');
    expect(expected['content-security-policy']).toBeTruthy();
    for (const url of [
      `/api/public/availability?areaId=${dhaka.district.id}`,
      `/api/public/availability?areaId=${dhaka.district.id}`,
      '/api/v2/admin/location/states',
      '/api/public/availability?areaId=99999999',
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(Object.fromEntries(SECURITY.map((h) => [h, res.headers[h]])), url).toEqual(expected);
    }
  });

  it('sends gzip to clients that accept it, with an ETag of its own', async () => {
    const url = `/api/public/availability?areaId=${dhaka.district.parent_id}`;
    const plain = await t.app.inject({ method: 'GET', url });
    const zipped = await t.app.inject({
      method: 'GET',
      url,
      headers: { 'accept-encoding': 'gzip, deflate' },
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(String(zipped.headers.vary)).toMatch(/Accept-Encoding/i);
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    const again = await t.app.inject({
      method: 'GET',
      url,
      headers: { 'accept-encoding': 'gzip', 'if-none-match': String(zipped.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    const refused = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it.each([
    ['a date that does not exist', 'from=2026-02-30', 'validation_failed'],
    ['a date in another form', 'from=01-03-2026', 'validation_failed'],
    ['a range longer than 31 days', `from=${dayFromToday(1)}&to=${dayFromToday(32)}`, 'range_too_long'],
    ['an end before the start', `from=${dayFromToday(3)}&to=${dayFromToday(2)}`, 'invalid_range'],
    ['a start years ahead', `from=${dayFromToday(800)}`, 'too_far_ahead'],
    ['a latitude out of range', 'lat=91&lon=90', 'validation_failed'],
    ['a longitude out of range', 'lat=23&lon=-181', 'validation_failed'],
    ['a latitude without longitude', 'lat=23.7', 'invalid_point'],
    ['a radius without a point', 'km=5', 'invalid_point'],
    ['a radius too large', 'lat=23&lon=90&km=5000', 'validation_failed'],
    ['an unknown area', 'areaId=99999999', 'unknown_area'],
    ['an area id that is not a number', 'areaId=dhaka', 'validation_failed'],
    ['an unknown facility', 'facilityId=99999999', 'unknown_facility'],
    ['an unknown vaccine code', 'product=NOPE', 'unknown_product'],
    ['an unknown vaccine id', 'productId=99999', 'unknown_product'],
    ['a dose number of 0', 'dose=0', 'validation_failed'],
    ['a limit too large', 'limit=100000', 'validation_failed'],
    ['an unknown parameter', 'district=1', 'validation_failed'],
  ])('refuses %s with 400', async (_what, query, code) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/public/availability?${query}` });
    expectError(res, 400, code);
  });
});

describe('answers are at most about a second old', () => {
  /** Asks again until `seen` holds; the time it took after the change, in ms. */
  async function within(url: string, seen: (out: Out) => boolean): Promise<number> {
    const changed = performance.now();
    while (performance.now() - changed < 3000) {
      const res = await t.app.inject({ method: 'GET', url });
      if (seen(res.json<Out>())) return performance.now() - changed;
      await new Promise((r) => setTimeout(r, 25));
    }
    return Number.POSITIVE_INFINITY;
  }
  const url = () => `/api/public/availability?areaId=${dhaka.district.id}&to=${dayFromToday(9)}`;

  it('a new session shows, and a cancelled one goes', async () => {
    expect(
      (await search(`areaId=${dhaka.district.id}&to=${dayFromToday(9)}`)).sessions.length,
    ).toBeGreaterThan(0);
    const made = await addSession(t.database.db, {
      facilityId: dhaka.facilities[1]!.id,
      date: dayFromToday(8),
    });
    expect(await within(url(), (out) => ids(out).includes(made.id))).toBeLessThan(1300);
    await t.database.db
      .updateTable('vaccination_session')
      .set({ status: 'cancelled' })
      .where('id', '=', made.id)
      .execute();
    expect(await within(url(), (out) => !ids(out).includes(made.id))).toBeLessThan(1300);
  });

  it("a facility's new name shows", async () => {
    const facility = dhaka.facilities[0]!;
    await search(`facilityId=${facility.id}`);
    await t.database.db
      .updateTable('facility')
      .set({ name_en: 'Renamed District Hospital' })
      .where('id', '=', facility.id)
      .execute();
    const took = await within(
      `/api/public/availability?facilityId=${facility.id}`,
      (out) =>
        out.sessions.length > 0 &&
        out.sessions.every((x) => x.facility.nameEn === 'Renamed District Hospital'),
    );
    expect(took).toBeLessThan(1300);
  });

  it.skipIf(inject('dbKind') !== 'postgres')(
    'a booking whose transaction stayed open across several polls shows soon after it commits',
    async () => {
      const slot = s.b!.slotIds[0]!;
      const read = async () =>
        byId((await t.app.inject({ method: 'GET', url: url() })).json<Out>(), s.b!.id).slots[0]!.available;
      const before = await read();
      const client = await t.database.pool.connect();
      try {
        await client.query('begin');
        await client.query('update session_slot set booked = booked + 1 where id = $1', [slot]);
        // Polls run meanwhile (reads keep the feed going) and must not skip this transaction.
        for (let i = 0; i < 12; i++) {
          expect(await read()).toBe(before);
          await new Promise((r) => setTimeout(r, 100));
        }
        await client.query('commit');
      } finally {
        client.release();
      }
      expect(
        await within(url(), (out) => byId(out, s.b!.id).slots[0]!.available === before - 1),
      ).toBeLessThan(1300);
    },
  );
});

describe('nearestAlternatives', () => {
  it('offers sessions with room for the dose and vaccine near a facility, nearest first', async () => {
    const [f0, f1, f2] = dhaka.facilities;
    const comirnaty = await productId(t.database.db, 'COMIRNATY');
    const found = await t.services.availability.nearestAlternatives({
      productId: comirnaty,
      doseNumber: 1,
      facilityId: f2!.id,
      fromDate: dayFromToday(1),
      excludeSessionId: s.full!.id,
      limit: 5,
    });
    const foundIds = found.map((x) => x.sessionId);
    // Not the full session, not today's (before fromDate), not the booster session, not Covishield.
    expect(foundIds).toContain(s.a!.id);
    expect(foundIds).not.toContain(s.full!.id);
    expect(foundIds).not.toContain(s.today!.id);
    expect(foundIds).not.toContain(s.c!.id);
    expect(foundIds).not.toContain(s.b!.id);
    expect(found.every((x) => x.available > 0 && x.product.code === 'COMIRNATY')).toBe(true);
    const distances = found.map((x) => x.facility.distanceKm!);
    expect(distances).toEqual([...distances].sort((x, y) => x - y));
    expect([f0!.id, f1!.id, f2!.id, ...gazipur.facilities.map((f) => f.id)]).toEqual(
      expect.arrayContaining(found.map((x) => x.facility.id)),
    );
  });
});
