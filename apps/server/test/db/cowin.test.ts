import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { distanceKm } from '@dosewise/domain';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestContext } from '../support/app.ts';
import {
  addSession,
  cancelAllSessions,
  dayFromToday,
  districtWithFacilities,
  dmy,
  type MadeSession,
} from '../support/sessions.ts';

/**
 * The CoWIN-compatible public API: every answer is checked against the schemas of CoWIN's own
 * description (the YAML the issue names), so a slot finder written for CoWIN reads it unchanged.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SPEC_FILE = path.resolve(ROOT, '../shared/reference/cowin-public-api-v2.yaml');

interface Spec {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, Record<string, unknown>> };
}
const spec = parse(readFileSync(SPEC_FILE, 'utf8')) as Spec;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('partial-time', /^\d{2}:\d{2}:\d{2}$/);
ajv.addFormat('float', true);
ajv.addSchema({ $id: 'cowin.json', components: spec.components });
const schema = (name: string): ValidateFunction =>
  ajv.compile({ $ref: `cowin.json#/components/schemas/${name}` });
const V = {
  states: schema('inline_response_200_2'),
  districts: schema('inline_response_200_3'),
  sessions: schema('inline_response_200_4'),
  calendar: schema('inline_response_200_5'),
  centre: schema('SessionCalendarEntrySchema'),
  // calendarByCenter is not in the description: CoWIN answers it with one calendar entry.
  centreCalendar: ajv.compile({
    type: 'object',
    required: ['centers'],
    properties: { centers: { $ref: 'cowin.json#/components/schemas/SessionCalendarEntrySchema' } },
  }),
  error: schema('inline_response_400'),
  centres: ajv.compile({
    type: 'object',
    required: ['centers', 'ttl'],
    properties: { centers: { type: 'array' }, ttl: { type: 'number' } },
  }),
  // findByLatLong lists centres without sessions: the centre fields, without the hours and fee.
  location: ajv.compile({
    ...spec.components.schemas.CenterResponseSchema,
    required: ['center_id', 'name', 'state_name', 'district_name', 'block_name', 'pincode'],
  }),
};

function valid(check: ValidateFunction, body: unknown) {
  expect(check(body), `${JSON.stringify(check.errors)}\n${JSON.stringify(body).slice(0, 600)}`).toBe(true);
}

interface CowinSession {
  center_id: number;
  name: string;
  name_l?: string;
  address: string;
  state_name: string;
  district_name: string;
  block_name: string;
  pincode: string;
  lat?: number;
  long?: number;
  session_id: string;
  date: string;
  available_capacity: number;
  available_capacity_dose1: number;
  available_capacity_dose2: number;
  min_age_limit: number;
  max_age_limit?: number;
  vaccine: string;
  slots: string[];
  from: string;
  to: string;
  fee_type: string;
}
interface CowinCentre {
  center_id: number;
  name: string;
  block_name: string;
  pincode: string;
  from: string;
  to: string;
  sessions: Omit<CowinSession, 'center_id' | 'name' | 'block_name' | 'pincode'>[];
}

let t: TestContext;
let dhaka: Awaited<ReturnType<typeof districtWithFacilities>>;
let gazipur: Awaited<ReturnType<typeof districtWithFacilities>>;
/** The district hospital (placed on the district itself) and an upazila health complex. */
let hospital: (typeof dhaka.facilities)[number];
let complex: (typeof dhaka.facilities)[number];
let divisionId: number;
const POSTCODE = '1340';
const s: Record<string, MadeSession> = {};

async function get(url: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url, headers });
}
async function ok<T>(url: string, check: ValidateFunction, headers: Record<string, string> = {}): Promise<T> {
  const res = await get(url, headers);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<T>();
  valid(check, body);
  return body;
}
async function refused(url: string, errorCode?: string) {
  const res = await get(url);
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json<{ errorCode: string; error: string }>();
  valid(V.error, body);
  expect(Object.keys(body).sort()).toEqual(['error', 'errorCode']);
  expect(body.error.length).toBeGreaterThan(0);
  if (errorCode) expect(body.errorCode).toBe(errorCode);
  return body;
}

const sessionsPath = '/api/v2/appointment/sessions/public';

beforeAll(async () => {
  t = await testApp();
  const db = t.database.db;
  await cancelAllSessions(db);
  dhaka = await districtWithFacilities(db, 'Dhaka');
  gazipur = await districtWithFacilities(db, 'Gazipur');
  divisionId = dhaka.district.parent_id!;
  hospital = dhaka.facilities.find((f) => f.area_depth === 1)!;
  complex = dhaka.facilities.find((f) => f.area_depth === 2)!;
  await sql`update area set postcode = ${POSTCODE} where id = ${complex.area_id}`.execute(db);
  s.x = await addSession(db, {
    facilityId: complex.id,
    date: dayFromToday(1),
    productCode: 'COVISHIELD',
    doseNumbers: [1],
    slots: [
      { startsAt: '09:00', endsAt: '11:00', capacity: 10, booked: 3 },
      { startsAt: '11:00', endsAt: '13:00', capacity: 10 },
    ],
  });
  s.y = await addSession(db, {
    facilityId: complex.id,
    date: dayFromToday(2),
    doseNumbers: [2],
    minAge: 45,
    maxAge: 60,
    slots: [{ startsAt: '14:00', endsAt: '16:30', capacity: 30 }],
  });
  s.z = await addSession(db, {
    facilityId: hospital.id,
    date: dayFromToday(1),
    doseNumbers: [1, 2],
    slots: [{ startsAt: '08:30', endsAt: '12:00', capacity: 5, booked: 1 }],
  });
  s.cancelled = await addSession(db, { facilityId: complex.id, date: dayFromToday(1), status: 'cancelled' });
  s.past = await addSession(db, { facilityId: complex.id, date: dayFromToday(-1) });
  s.elsewhere = await addSession(db, { facilityId: gazipur.facilities[0]!.id, date: dayFromToday(1) });
});
afterAll(async () => {
  await t?.close();
});

const uuidOf = (id: number) => `00000000-0000-4000-8000-${id.toString(16).padStart(12, '0')}`;

describe('metadata', () => {
  it('states are the top-level areas, with Bengali names in state_name_l', async () => {
    const body = await ok<{
      states: { state_id: number; state_name: string; state_name_l?: string }[];
      ttl: number;
    }>('/api/v2/admin/location/states', V.states);
    const roots = await t.database.db
      .selectFrom('area')
      .select(['id', 'name_en', 'name_bn'])
      .where('depth', '=', 0)
      .execute();
    expect(body.states.map((x) => x.state_id).sort((a, b) => a - b)).toEqual(
      roots.map((r) => r.id).sort((a, b) => a - b),
    );
    const dhakaDivision = body.states.find((x) => x.state_id === divisionId)!;
    expect(dhakaDivision.state_name).toBe('Dhaka');
    expect(dhakaDivision.state_name_l).toBe(roots.find((r) => r.id === divisionId)!.name_bn);
    expect(body.ttl).toBeGreaterThan(0);
    const english = await ok<{ states: { state_id: number; state_name_l?: string }[] }>(
      '/api/v2/admin/location/states',
      V.states,
      { 'accept-language': 'en_US' },
    );
    expect(english.states.find((x) => x.state_id === divisionId)!.state_name_l).toBe('Dhaka');
  });

  it('districts of a state are its second-level areas', async () => {
    const body = await ok<{ districts: { district_id: number; state_id: number; district_name: string }[] }>(
      `/api/v2/admin/location/districts/${divisionId}`,
      V.districts,
    );
    const children = await t.database.db
      .selectFrom('area')
      .select('id')
      .where('parent_id', '=', divisionId)
      .execute();
    expect(body.districts.map((d) => d.district_id).sort((a, b) => a - b)).toEqual(
      children.map((c) => c.id).sort((a, b) => a - b),
    );
    expect(body.districts.every((d) => d.state_id === divisionId)).toBe(true);
    expect(body.districts.find((d) => d.district_id === dhaka.district.id)?.district_name).toBe('Dhaka');
    await refused('/api/v2/admin/location/districts/99999999', 'INVALID_STATE_ID');
    // A district is not a state.
    await refused(`/api/v2/admin/location/districts/${dhaka.district.id}`, 'INVALID_STATE_ID');
    await refused('/api/v2/admin/location/districts/dhaka');
  });
});

describe('sessions', () => {
  const tomorrow = () => dmy(dayFromToday(1));

  it('findByDistrict: the sessions of a date in a district, with seats per dose', async () => {
    const body = await ok<{ sessions: CowinSession[] }>(
      `${sessionsPath}/findByDistrict?district_id=${dhaka.district.id}&date=${tomorrow()}`,
      V.sessions,
    );
    expect(body.sessions.map((x) => x.session_id).sort()).toEqual([uuidOf(s.z!.id), uuidOf(s.x!.id)].sort());
    const x = body.sessions.find((v) => v.session_id === uuidOf(s.x!.id))!;
    expect(x).toMatchObject({
      center_id: complex.id,
      state_name: 'Dhaka',
      district_name: 'Dhaka',
      pincode: POSTCODE,
      date: tomorrow(),
      available_capacity: 17,
      available_capacity_dose1: 17,
      available_capacity_dose2: 0,
      min_age_limit: 18,
      vaccine: 'COVISHIELD',
      slots: ['09:00AM-11:00AM', '11:00AM-01:00PM'],
      from: '09:00:00',
      to: '13:00:00',
      fee_type: 'Free',
    });
    expect(x.block_name).not.toBe('Not Applicable');
    const z = body.sessions.find((v) => v.session_id === uuidOf(s.z!.id))!;
    // The hospital sits on the district itself: no block; its pincode is its area's code.
    expect(z).toMatchObject({
      center_id: hospital.id,
      block_name: 'Not Applicable',
      pincode: hospital.area_code,
      available_capacity: 4,
      available_capacity_dose1: 4,
      available_capacity_dose2: 4,
      vaccine: 'COMIRNATY',
      slots: ['08:30AM-12:00PM'],
    });
  });

  it('findByDistrict: only open sessions from today, and only of the vaccine asked for', async () => {
    const yesterday = await ok<{ sessions: CowinSession[] }>(
      `${sessionsPath}/findByDistrict?district_id=${dhaka.district.id}&date=${dmy(dayFromToday(-1))}`,
      V.sessions,
    );
    expect(yesterday.sessions).toEqual([]);
    const covishield = await ok<{ sessions: CowinSession[] }>(
      `${sessionsPath}/findByDistrict?district_id=${dhaka.district.id}&date=${tomorrow()}&vaccine=COVISHIELD`,
      V.sessions,
    );
    expect(covishield.sessions.map((x) => x.session_id)).toEqual([uuidOf(s.x!.id)]);
  });

  it('findByPin: by postcode, or by the code of the area a facility is in', async () => {
    const byPostcode = await ok<{ sessions: CowinSession[] }>(
      `${sessionsPath}/findByPin?pincode=${POSTCODE}&date=${tomorrow()}`,
      V.sessions,
    );
    expect(byPostcode.sessions.map((x) => x.session_id)).toEqual([uuidOf(s.x!.id)]);
    const byCode = await ok<{ sessions: CowinSession[] }>(
      `${sessionsPath}/findByPin?pincode=${hospital.area_code}&date=${tomorrow()}`,
      V.sessions,
    );
    // The district's code covers the district: the hospital and the health complexes below it.
    expect(byCode.sessions.map((x) => x.session_id).sort()).toEqual(
      [uuidOf(s.x!.id), uuidOf(s.z!.id)].sort(),
    );
    await refused(`${sessionsPath}/findByPin?pincode=000000&date=${tomorrow()}`, 'APPOIN0018');
  });

  it('calendarByDistrict and calendarByPin: seven days of sessions, grouped by centre', async () => {
    const body = await ok<{ centers: CowinCentre[] }>(
      `${sessionsPath}/calendarByDistrict?district_id=${dhaka.district.id}&date=${dmy(dayFromToday(0))}`,
      V.calendar,
    );
    expect(body.centers.map((c) => c.center_id).sort((a, b) => a - b)).toEqual(
      [hospital.id, complex.id].sort((a, b) => a - b),
    );
    const c = body.centers.find((x) => x.center_id === complex.id)!;
    expect(c.sessions.map((x) => [x.session_id, x.date])).toEqual([
      [uuidOf(s.x!.id), dmy(dayFromToday(1))],
      [uuidOf(s.y!.id), dmy(dayFromToday(2))],
    ]);
    expect([c.from, c.to]).toEqual(['09:00:00', '16:30:00']);
    expect(c.sessions[1]).toMatchObject({
      available_capacity: 30,
      available_capacity_dose1: 0,
      available_capacity_dose2: 30,
      min_age_limit: 45,
      max_age_limit: 60,
    });
    // A calendar from two days on no longer holds tomorrow's sessions.
    const later = await ok<{ centers: CowinCentre[] }>(
      `${sessionsPath}/calendarByDistrict?district_id=${dhaka.district.id}&date=${dmy(dayFromToday(2))}`,
      V.calendar,
    );
    expect(later.centers.flatMap((x) => x.sessions.map((v) => v.session_id))).toEqual([uuidOf(s.y!.id)]);
    const byPin = await ok<{ centers: CowinCentre[] }>(
      `${sessionsPath}/calendarByPin?pincode=${POSTCODE}&date=${dmy(dayFromToday(0))}`,
      V.calendar,
    );
    expect(byPin.centers.map((x) => x.center_id)).toEqual([complex.id]);
  });

  it('calendarByCenter: one centre, or {} when it has no sessions', async () => {
    const body = await ok<{ centers: CowinCentre }>(
      `${sessionsPath}/calendarByCenter?center_id=${complex.id}&date=${dmy(dayFromToday(0))}`,
      V.centreCalendar,
    );
    expect(body.centers.center_id).toBe(complex.id);
    expect(body.centers.sessions).toHaveLength(2);
    const idle = dhaka.facilities.find((f) => f.id !== complex.id && f.id !== hospital.id)!;
    const none = await get(
      `${sessionsPath}/calendarByCenter?center_id=${idle.id}&date=${dmy(dayFromToday(0))}`,
    );
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({});
    await refused(
      `${sessionsPath}/calendarByCenter?center_id=99999999&date=${dmy(dayFromToday(0))}`,
      'INVALID_CENTER_ID',
    );
  });

  it('findByLatLong: vaccination centres near a point, nearest first', async () => {
    const body = await ok<{ centers: (CowinSession & { lat: number; long: number })[]; ttl: number }>(
      `/api/v2/appointment/centers/public/findByLatLong?lat=${complex.latitude}&long=${complex.longitude}`,
      V.centres,
    );
    expect(body.centers[0]!.center_id).toBe(complex.id);
    for (const c of body.centers) valid(V.location, c);
    const from = { lat: complex.latitude!, lon: complex.longitude! };
    const d = body.centers.map((c) => distanceKm(from, { lat: c.lat, lon: c.long }));
    expect(d.every((v) => v <= 50)).toBe(true);
    expect(d.slice(1).every((v, i) => v >= d[i]! - 1e-3)).toBe(true);
    await refused('/api/v2/appointment/centers/public/findByLatLong?lat=123&long=90');
    await refused('/api/v2/appointment/centers/public/findByLatLong?lat=23.7', 'USRRES0001');
  });

  it('answers with an ETag, 304 for the same answer, and varies by Accept-Language', async () => {
    const url = `${sessionsPath}/findByDistrict?district_id=${dhaka.district.id}&date=${tomorrow()}`;
    const first = await get(url);
    expect(first.headers['cache-control']).toBe('public, max-age=1');
    expect(String(first.headers.vary)).toMatch(/Accept-Language/i);
    const etag = String(first.headers.etag);
    const again = await get(url, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    const english = await get(url, { 'accept-language': 'en', 'if-none-match': etag });
    expect(english.statusCode).toBe(200);
    expect(english.json<{ sessions: CowinSession[] }>().sessions[0]!.name_l).toBe(
      english.json<{ sessions: CowinSession[] }>().sessions[0]!.name,
    );
  });

  it.each([
    ['no date', `findByDistrict?district_id=1`, 'USRRES0001'],
    ['no district', `findByDistrict?date=SOON`, 'USRRES0001'],
    ['an ISO date', `findByDistrict?district_id=1&date=${dayFromToday(5)}`, undefined],
    ['a date that does not exist', `calendarByDistrict?district_id=1&date=31-02-2030`, 'INVALID_DATE'],
    ['a date years ahead', `calendarByDistrict?district_id=1&date=01-01-2999`, 'INVALID_DATE'],
    ['an unknown district', `findByDistrict?district_id=99999999&date=SOON`, 'INVALID_DISTRICT_ID'],
    ['a state as district', `calendarByDistrict?district_id=DIVISION&date=SOON`, undefined],
    ['a short pincode', `findByPin?pincode=12&date=SOON`, undefined],
    [
      'an unknown vaccine',
      `calendarByPin?pincode=${POSTCODE}&date=${dmy(dayFromToday(0))}&vaccine=NOPE`,
      'INVALID_VACCINE',
    ],
  ])('refuses %s with a 400 in the CoWIN error body', async (_what, query, code) => {
    const url = query.replace('DIVISION', String(divisionId)).replace('SOON', dmy(dayFromToday(5)));
    await refused(`${sessionsPath}/${url}`, code);
  });

  it('a state id given as a district is refused', async () => {
    await refused(
      `${sessionsPath}/calendarByDistrict?district_id=${divisionId}&date=${tomorrow()}`,
      'INVALID_DISTRICT_ID',
    );
  });
});

describe('documentation', () => {
  it('every session path of the CoWIN description is served, and the OpenAPI document lists them', async () => {
    const ours = (await get('/api/openapi.json')).json<{ paths: Record<string, unknown> }>().paths;
    const theirs = Object.keys(spec.paths).filter((p) => /location|sessions\/public/.test(p));
    expect(theirs.length).toBeGreaterThanOrEqual(6);
    for (const p of theirs) expect(Object.keys(ours), p).toContain(`/api${p}`);
    expect(Object.keys(ours)).toEqual(
      expect.arrayContaining([
        '/api/v2/appointment/sessions/public/calendarByCenter',
        '/api/v2/appointment/centers/public/findByLatLong',
        '/api/public/availability',
      ]),
    );
  });
});
