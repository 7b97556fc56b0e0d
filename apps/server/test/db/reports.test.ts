import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, daysOfSupply } from '@dosewise/domain';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import { addSession, productId } from '../support/sessions.ts';
import { lotAt, priorDose, today } from '../support/vaccination.ts';
import type { Db } from '../../src/db/database.ts';
import { bearer, expectError, facilityId as facilityByCode } from './helpers.ts';

/**
 * Reports over a world of their own: a new division (X) with two districts, made through the API
 * so that no other data reaches its figures. Facts are recorded through the API (doses, side-effect
 * reports) or as the vaccination tests do (earlier doses, appointments), the rollup worker drains,
 * and each report must show exactly these facts, to exactly the staff allowed to see them.
 *
 * District X: union X1 has 10 people (6 women, 4 men, aged 36): 3 women had dose 1 thirty days
 * ago and get dose 2 today, the 7 others get dose 1 today; union X2 has 2 people (a woman with a
 * first-dose appointment tomorrow, a third-gender person). District Y: union Y1 has 3 men who
 * get dose 1 today. Every dose is given at centre FX in district X.
 */

interface World {
  division: number;
  districtX: number;
  upazilaX: number;
  unionX1: number;
  unionX2: number;
  districtY: number;
  unionY1: number;
  fx: number;
  fy: number;
  lot: number;
  expiringLot: number;
  comirnaty: number;
  session: number;
  aefiDose: number;
}

const PASSWORD = 'reports-test-password-1';
const stamp = `${process.pid % 10000}${Date.now() % 10000}`;
const code = (s: string) => `R${stamp}${s}`;

describe('reports', () => {
  let t: TestContext;
  let db: Db;
  const w = {} as World;
  const tokens: Record<string, string> = {};

  const get = async (url: string, as: string) => {
    const res = await t.app.inject({ url, headers: { authorization: tokens[as] ?? (await t.auth(as)) } });
    return res;
  };
  const json = async <T = Record<string, unknown>>(url: string, as = 'admin'): Promise<T> => {
    const res = await get(url, as);
    expect(res.statusCode, `${url}: ${res.body.slice(0, 400)}`).toBe(200);
    return res.json<T>();
  };
  const post = (url: string, payload: unknown, as = 'admin') =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: tokens[as]! },
      payload: payload as object,
    });
  const postCsv = async (csv: string, as = 'admin') =>
    t.app.inject({
      method: 'POST',
      url: '/api/populations',
      headers: { authorization: tokens[as] ?? (await t.auth(as)), 'content-type': 'text/csv' },
      payload: csv,
    });

  async function area(name: string, parentId: number | null) {
    const res = await post('/api/areas', {
      code: code(name),
      ...(parentId ? { parentId } : {}),
      nameEn: `Report ${name}`,
      nameBn: `প্রতিবেদন ${name}`,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: number }>().id;
  }
  async function facility(name: string, areaId: number) {
    const res = await post('/api/facilities', {
      code: code(name),
      nameEn: `Report centre ${name}`,
      nameBn: `প্রতিবেদন কেন্দ্র ${name}`,
      type: 'vaccination_centre',
      areaId,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: number }>().id;
  }
  async function user(name: string, grant: { role: string; areaId?: number; facilityId?: number }) {
    const username = `${name}.${stamp}`;
    const res = await post('/api/users', { username, displayName: name, password: PASSWORD, ...grant });
    expect(res.statusCode, res.body).toBe(201);
    tokens[name] = await bearer(t.app, username, PASSWORD);
  }
  async function people(n: number, batch: number, areaId: number, gender: (i: number) => string) {
    const made: BulkPerson[] = await bulkPeople(db, {
      count: n,
      secrets: TEST_SECRETS,
      batch,
      dateOfBirth: '1990-01-01',
    });
    for (const [i, p] of made.entries())
      await sql`update person set area_id = ${areaId}, gender = ${gender(i)} where id = ${p.personId}`.execute(
        db,
      );
    return made.map((p) => p.personId);
  }
  const dose = async (personId: number, lotId = w.lot) => {
    const res = await post(`/api/people/${personId}/doses`, {
      facilityId: w.fx,
      productId: w.comirnaty,
      lotId,
      bodySite: 'left_deltoid',
      identityCheck: 'registration_number',
      consent: true,
      walkIn: true,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: number }>().id;
  };

  /** A first-dose appointment in the session's first slot, as booking writes it. */
  async function appointment(personId: number, sessionId: number) {
    const slot = await db
      .selectFrom('session_slot')
      .select('id')
      .where('session_id', '=', sessionId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const s = await db
      .selectFrom('vaccination_session')
      .select(['session_date', 'product_id'])
      .where('id', '=', sessionId)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('appointment')
      .values({
        person_id: personId,
        dose_number: 1,
        session_id: sessionId,
        slot_id: slot.id,
        facility_id: w.fx,
        product_id: s.product_id,
        session_date: s.session_date,
        code: '4321',
        booked_via: 'staff',
        booked_by_account: null,
        booked_by_staff: null,
        idempotency_key: null,
        cancelled_at: null,
        cancel_reason: null,
        attended_at: null,
        missed_at: null,
        reminded_at: null,
      })
      .execute();
    await sql`update session_slot set booked = booked + 1 where id = ${slot.id}`.execute(db);
  }

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    for (const u of ['admin', 'auditor', 'vaccinator', 'manager']) tokens[u] = await t.auth(u);
    w.comirnaty = await productId(db, 'COMIRNATY');
    w.division = await area('DIV', null);
    w.districtX = await area('DISX', w.division);
    w.upazilaX = await area('UPAX', w.districtX);
    w.unionX1 = await area('UNIX1', w.upazilaX);
    w.unionX2 = await area('UNIX2', w.upazilaX);
    w.districtY = await area('DISY', w.division);
    const upazilaY = await area('UPAY', w.districtY);
    w.unionY1 = await area('UNIY1', upazilaY);
    w.fx = await facility('FX', w.upazilaX);
    w.fy = await facility('FY', upazilaY);
    await user('xadmin', { role: 'area_admin', areaId: w.districtX });
    await user('yadmin', { role: 'area_admin', areaId: w.districtY });
    await user('fxmanager', { role: 'facility_manager', facilityId: w.fx });

    w.lot = await lotAt(db, { facilityId: w.fx, productCode: 'COMIRNATY', doses: 60 });
    w.expiringLot = await lotAt(db, {
      facilityId: w.fx,
      productCode: 'COMIRNATY',
      doses: 10,
      expiresOn: addDays(today(), 20),
    });

    const x1 = await people(10, 61, w.unionX1, (i) => (i < 6 ? 'female' : 'male'));
    const x2 = await people(2, 62, w.unionX2, (i) => (i === 0 ? 'female' : 'third_gender'));
    const y1 = await people(3, 63, w.unionY1, () => 'male');
    for (const p of x1.slice(0, 3)) await priorDose(db, p, 'COMIRNATY', 30, w.fx);
    for (const p of x1) await dose(p);
    for (const p of y1) await dose(p);
    // Today's session at FX (4 hours, 40 seats), and tomorrow's with one appointment.
    await addSession(db, { facilityId: w.fx, date: today(), doseNumbers: [1, 2] });
    w.session = (await addSession(db, { facilityId: w.fx, date: addDays(today(), 1), doseNumbers: [1] })).id;
    await appointment(x2[0]!, w.session);
    w.aefiDose = (
      await db.selectFrom('dose').select('id').where('person_id', '=', x1[5]!).executeTakeFirstOrThrow()
    ).id;
    const aefi = await post(`/api/people/${x1[5]!}/aefi`, {
      doseId: w.aefiDose,
      symptoms: ['injection_site_pain'],
      onsetAt: new Date().toISOString(),
      severity: 'serious',
      seriousCriteria: ['hospitalisation'],
      outcome: 'recovering',
    });
    expect(aefi.statusCode, aefi.body).toBe(201);
    const population = await postCsv(
      [
        'area_code,age_band,gender,population',
        `${code('UNIX1')},30-39,female,100`,
        `${code('UNIX1')},30-39,male,100`,
        `${code('UNIX1')},18-29,female,50`,
        `${code('UNIY1')},30-39,male,30`,
      ].join('\n'),
    );
    expect(population.statusCode, population.body).toBe(200);
    expect(population.json()).toEqual({ imported: 4, areas: 2 });
    await t.drain();
  });
  afterAll(() => t.close());

  describe('figures', () => {
    it('vaccination: doses by where people live, first, complete and booster', async () => {
      type V = {
        area: { id: number; code: string; depth: number } | null;
        totals: Record<string, number>;
        byAgeGender: { ageBand: number; gender: string; doses: number }[];
        byProduct: { code: string; doses: number }[];
        byDoseNumber: { doseNumber: number; doses: number }[];
        byGroup: { groupCode: string; doses: number }[];
        byArea: {
          area: { id: number };
          doses: number;
          firstDose: number;
          complete: number;
          population: number | null;
          coverageFirst: number | null;
        }[];
      };
      const div = await json<V>(`/api/reports/vaccination?areaId=${w.division}`);
      expect(div.area).toMatchObject({ id: w.division, code: code('DIV'), depth: 0 });
      expect(div.totals).toEqual({ doses: 16, firstDose: 13, complete: 3, booster: 0 });
      expect(div.byArea.map((a) => [a.area.id, a.doses, a.firstDose, a.complete, a.population])).toEqual([
        [w.districtX, 13, 10, 3, 250],
        [w.districtY, 3, 3, 0, 30],
      ]);
      expect(div.byArea[1]!.coverageFirst).toBe(0.1);
      const union = await json<V>(`/api/reports/vaccination?areaId=${w.unionX1}`);
      expect(union.totals).toEqual({ doses: 13, firstDose: 10, complete: 3, booster: 0 });
      expect(union.byAgeGender).toEqual([
        { ageBand: 30, gender: 'female', doses: 9 },
        { ageBand: 30, gender: 'male', doses: 4 },
      ]);
      expect(union.byProduct).toMatchObject([{ code: 'COMIRNATY', doses: 13 }]);
      expect(union.byDoseNumber).toEqual([
        { doseNumber: 1, doses: 10 },
        { doseNumber: 2, doses: 3 },
      ]);
      expect(union.byGroup).toMatchObject([{ groupCode: 'general_18_plus', doses: 13 }]);
      expect(union.byArea).toEqual([]);
    });

    it('vaccination trend: every day of the period, with the running total from the beginning', async () => {
      const from = addDays(today(), -30);
      const r = await json<{
        days: { day: string; doses: number; firstDose: number; complete: number; cumulative: number }[];
      }>(`/api/reports/vaccination/trend?areaId=${w.division}&from=${from}&to=${today()}`);
      expect(r.days).toHaveLength(31);
      expect(r.days[0]).toEqual({
        day: from,
        doses: 3,
        firstDose: 3,
        complete: 0,
        booster: 0,
        cumulative: 3,
      });
      expect(r.days[30]).toEqual({
        day: today(),
        doses: 13,
        firstDose: 10,
        complete: 3,
        booster: 0,
        cumulative: 16,
      });
      expect(r.days.slice(1, 30).every((d) => d.doses === 0 && d.cumulative === 3)).toBe(true);
      // A period after the first doses starts from what came before it.
      const later = await json<{ days: { cumulative: number }[] }>(
        `/api/reports/vaccination/trend?areaId=${w.division}&from=${addDays(today(), -5)}&to=${today()}&productId=${w.comirnaty}`,
      );
      expect(later.days.map((d) => d.cumulative)).toEqual([3, 3, 3, 3, 3, 16]);
    });

    it('coverage: over the imported population, by age band, gender and area', async () => {
      type C = {
        totals: Record<string, number | null>;
        byAgeBand: {
          ageBand: number;
          population: number | null;
          firstDose: number;
          coverageFirst: number | null;
          coverageComplete: number | null;
        }[];
        byGender: {
          gender: string;
          population: number | null;
          firstDose: number;
          coverageFirst: number | null;
        }[];
        byArea: {
          area: { id: number };
          population: number | null;
          firstDose: number;
          coverageFirst: number | null;
        }[];
      };
      const r = await json<C>(`/api/reports/coverage?areaId=${w.districtX}`);
      expect(r.totals).toEqual({
        population: 250,
        firstDose: 10,
        complete: 3,
        booster: 0,
        coverageFirst: 0.04,
        coverageComplete: 0.012,
        coverageBooster: 0,
      });
      expect(r.byAgeBand.find((b) => b.ageBand === 30)).toEqual({
        ageBand: 30,
        population: 200,
        firstDose: 10,
        complete: 3,
        booster: 0,
        coverageFirst: 0.05,
        coverageComplete: 0.015,
      });
      expect(r.byAgeBand.find((b) => b.ageBand === 18)).toMatchObject({
        population: 50,
        firstDose: 0,
        coverageFirst: 0,
      });
      expect(r.byAgeBand.find((b) => b.ageBand === 60)).toMatchObject({ population: 0, coverageFirst: null });
      expect(r.byGender.find((g) => g.gender === 'female')).toMatchObject({
        population: 150,
        firstDose: 6,
        coverageFirst: 0.04,
      });
      expect(r.byArea).toMatchObject([{ area: { id: w.upazilaX }, population: 250, firstDose: 10 }]);
      // No denominators at all: coverage unknown, not zero.
      const none = await json<C>(`/api/reports/coverage?areaId=${w.unionX2}`);
      expect(none.totals).toMatchObject({ population: null, coverageFirst: null });
    });

    it('funnel: registered, booked, vaccinated, complete', async () => {
      const r = await json<{ totals: unknown; byArea: { area: { id: number } }[] }>(
        `/api/reports/funnel?areaId=${w.division}`,
      );
      expect(r.totals).toEqual({ registered: 15, booked: 14, vaccinated: 13, complete: 3 });
      expect(r.byArea).toEqual([
        expect.objectContaining({
          area: expect.objectContaining({ id: w.districtX }) as unknown,
          registered: 12,
          booked: 11,
          vaccinated: 10,
          complete: 3,
        }),
        expect.objectContaining({
          area: expect.objectContaining({ id: w.districtY }) as unknown,
          registered: 3,
          booked: 3,
          vaccinated: 3,
          complete: 0,
        }),
      ]);
    });

    it('facilities: sessions, appointments, doses and doses per vaccinator hour', async () => {
      const from = addDays(today(), -30);
      const to = addDays(today(), 1);
      const r = await json<{ total: number; items: Record<string, unknown>[] }>(
        `/api/reports/facilities?areaId=${w.division}&from=${from}&to=${to}`,
      );
      expect(r.total).toBe(2);
      expect(r.items[0]).toEqual({
        facility: {
          id: w.fx,
          code: code('FX'),
          nameEn: 'Report centre FX',
          nameBn: 'প্রতিবেদন কেন্দ্র FX',
          areaNameEn: 'Report UPAX',
          areaNameBn: 'প্রতিবেদন UPAX',
        },
        sessions: 2,
        capacity: 80,
        booked: 1,
        attended: 0,
        missed: 0,
        noShowRate: null,
        capacityUsed: 0.0125,
        doses: 16,
        vaccinators: 1,
        // One vaccinator today, in a session of 4 hours.
        dosesPerVaccinatorHour: 4,
      });
      expect(r.items[1]).toMatchObject({ facility: { id: w.fy }, doses: 0, dosesPerVaccinatorHour: null });
      const asc = await json<{ items: { facility: { id: number } }[] }>(
        `/api/reports/facilities?areaId=${w.division}&from=${from}&to=${today()}&sort=doses&order=asc&limit=1`,
      );
      expect(asc.items.map((i) => i.facility.id)).toEqual([w.fy]);
      const page2 = await json<{ total: number; items: unknown[] }>(
        `/api/reports/facilities?areaId=${w.division}&offset=5`,
      );
      expect(page2).toMatchObject({ total: 2, items: [] });
    });

    it('stock: on hand, use and days of supply of the last 30 days, lots expiring soon', async () => {
      const r = await json<{
        stores: { store: { id: number }; products: Record<string, unknown>[] }[];
        expiring: { lot: { id: number }; store: { id: number }; doses: number; withinDays: number }[];
      }>(`/api/reports/stock?areaId=${w.districtX}`);
      expect(r.stores.map((s) => s.store.id)).toEqual([w.fx]);
      const supply = daysOfSupply(57, 13, 30);
      expect(r.stores[0]!.products).toEqual([
        {
          productId: w.comirnaty,
          code: 'COMIRNATY',
          onHand: 57,
          dailyUse: supply.dailyUse,
          daysOfSupply: supply.daysOfSupply,
          administered: 13,
          wasted: 0,
          wastageRate: 0,
        },
      ]);
      expect(r.expiring).toEqual([
        expect.objectContaining({
          lot: expect.objectContaining({ id: w.expiringLot }) as unknown,
          store: expect.objectContaining({ id: w.fx }) as unknown,
          doses: 10,
          withinDays: 30,
        }),
      ]);
      const one = await json<{ stores: { store: { id: number } }[] }>(`/api/reports/stock?storeId=${w.fx}`);
      expect(one.stores.map((s) => s.store.id)).toEqual([w.fx]);
    });

    it('side effects: per 100,000 doses by product and lot, by the area where the dose was given', async () => {
      const r = await json<{
        byProduct: Record<string, unknown>[];
        byLot: Record<string, unknown>[];
        investigations: unknown[];
      }>(`/api/reports/aefi?areaId=${w.districtX}`);
      expect(r.byProduct).toEqual([
        {
          productId: w.comirnaty,
          code: 'COMIRNATY',
          reports: 1,
          serious: 1,
          // The period's doses of the people of district X (its 3 doses to people of Y are Y's).
          doses: 10,
          per100k: 10000,
          seriousPer100k: 10000,
        },
      ]);
      expect(r.byLot).toEqual([
        expect.objectContaining({
          lot: expect.objectContaining({ id: w.lot }) as unknown,
          reports: 1,
          serious: 1,
          doses: 13,
          per100k: 7692.31,
        }),
      ]);
      expect(r.investigations).toEqual([{ status: 'open', count: 1 }]);
      // District Y's people were vaccinated in district X: the report is X's; Y has their doses only.
      const y = await json<{ byProduct: unknown[]; byLot: unknown[]; investigations: unknown[] }>(
        `/api/reports/aefi?areaId=${w.districtY}`,
      );
      expect(y).toMatchObject({
        byProduct: [{ code: 'COMIRNATY', reports: 0, serious: 0, doses: 3, per100k: 0 }],
        byLot: [],
        investigations: [],
      });
    });

    it('registrations: by gender, group, age band and area, with the trend', async () => {
      const r = await json<{
        totals: unknown;
        byGroup: unknown[];
        byAgeGender: unknown[];
        byArea: { area: { id: number }; people: number }[];
        trend: { day: string; people: number; cumulative: number }[];
      }>(`/api/reports/registrations?areaId=${w.division}&from=${addDays(today(), -2)}&to=${today()}`);
      expect(r.totals).toEqual({ people: 15, female: 7, male: 7, thirdGender: 1, femaleShare: 0.4667 });
      expect(r.byGroup).toEqual([
        expect.objectContaining({
          groupCode: 'general_18_plus',
          people: 15,
          female: 7,
          male: 7,
          thirdGender: 1,
        }),
      ]);
      expect(r.byAgeGender).toEqual([
        { ageBand: 30, gender: 'female', people: 7 },
        { ageBand: 30, gender: 'male', people: 7 },
        { ageBand: 30, gender: 'third_gender', people: 1 },
      ]);
      expect(r.byArea.map((a) => [a.area.id, a.people])).toEqual([
        [w.districtX, 12],
        [w.districtY, 3],
      ]);
      expect(r.trend.map((d) => [d.people, d.cumulative])).toEqual([
        [0, 0],
        [0, 0],
        [15, 15],
      ]);
    });

    it('population: what was imported, summed up the hierarchy', async () => {
      const r = await json<{
        total: number;
        byAgeBand: { ageBand: number; label: string; people: number }[];
        byGender: unknown[];
      }>(`/api/populations?areaId=${w.division}`);
      expect(r.total).toBe(280);
      expect(r.byAgeBand.find((b) => b.ageBand === 30)).toEqual({ ageBand: 30, label: '30-39', people: 230 });
      expect(r.byGender).toEqual([
        { gender: 'female', people: 150 },
        { gender: 'male', people: 130 },
        { gender: 'third_gender', people: 0 },
      ]);
    });

    it('status: how far behind the facts the reports are', async () => {
      const r = await json<{ lagSeconds: number; appliedAt: string | null }>('/api/reports/status');
      expect(r.lagSeconds).toBe(0);
      expect(r.appliedAt).not.toBeNull();
    });

    it('the demo population is seeded for every union from its population, by age band and gender', async () => {
      const [union] = await db
        .selectFrom('area')
        .select(['id', 'population'])
        .where('code', 'like', 'UNI%')
        .where('population', 'is not', null)
        .orderBy('code')
        .limit(1)
        .execute();
      const r = await json<{
        total: number;
        byAgeBand: { people: number }[];
        byGender: { gender: string; people: number }[];
      }>(`/api/populations?areaId=${union!.id}`);
      // Rounded per age band and gender: within a few people of the union's population.
      expect(Math.abs(r.total - union!.population!)).toBeLessThanOrEqual(27);
      expect(r.byAgeBand.every((b) => b.people > 0)).toBe(true);
      const third = r.byGender.find((g) => g.gender === 'third_gender')!.people;
      expect(third).toBeGreaterThan(0);
      expect(third / r.total).toBeLessThan(0.01);
    });
  });

  describe('CSV', () => {
    const csv = async (url: string, as = 'admin') => {
      const res = await get(url, as);
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      return {
        res,
        lines: res.body
          .replace(/^\uFEFF/, '')
          .trimEnd()
          .split('\r\n'),
      };
    };

    it('the vaccination table by area, UTF-8 with a byte-order mark, named after the area', async () => {
      const { res, lines } = await csv(`/api/reports/vaccination?areaId=${w.division}&format=csv`);
      expect(res.body.startsWith('\uFEFF')).toBe(true);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="vaccination-${code('DIV')}.csv"`,
      );
      expect(lines).toEqual([
        'area_code,area_name_en,area_name_bn,doses,first_dose,complete,booster,population,coverage_first,coverage_complete',
        `${code('DISX')},Report DISX,প্রতিবেদন DISX,13,10,3,0,250,0.04,0.012`,
        `${code('DISY')},Report DISY,প্রতিবেদন DISY,3,3,0,0,30,0.1,0`,
      ]);
    });

    it('every lowest-level area under an area, by age band and gender (streamed)', async () => {
      const { lines } = await csv(`/api/reports/vaccination?areaId=${w.division}&format=csv&table=lowest`);
      expect(lines[0]).toBe(
        'area_code,area_name_en,area_name_bn,age_band,gender,doses,first_dose,complete,booster',
      );
      // 3 unions x 9 age bands x 3 genders.
      expect(lines).toHaveLength(1 + 3 * 27);
      expect(lines).toContain(`${code('UNIX1')},Report UNIX1,প্রতিবেদন UNIX1,30-39,female,9,6,3,0`);
      expect(lines).toContain(`${code('UNIY1')},Report UNIY1,প্রতিবেদন UNIY1,30-39,male,3,3,0,0`);
    });

    it('the whole country by lowest-level area, page after page', async () => {
      const unions = await db
        .selectFrom('area')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('depth', '=', 3)
        .executeTakeFirstOrThrow();
      expect(Number(unions.n)).toBeGreaterThan(1000);
      const { res, lines } = await csv('/api/reports/vaccination?format=csv&table=lowest');
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename="vaccination-lowest-national.csv"',
      );
      expect(lines).toHaveLength(1 + Number(unions.n) * 27);
      expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(Number(unions.n));
      expect(lines).toContain(`${code('UNIX1')},Report UNIX1,প্রতিবেদন UNIX1,30-39,male,4,4,0,0`);
    });

    it('the other tables and reports', async () => {
      expect((await csv(`/api/reports/vaccination?areaId=${w.unionX1}&format=csv&table=dose`)).lines).toEqual(
        ['dose_number,doses', '1,10', '2,3'],
      );
      expect(
        (await csv(`/api/reports/vaccination?areaId=${w.unionX1}&format=csv&table=age_gender`)).lines[1],
      ).toBe('30-39,female,9');
      const trend = await csv(`/api/reports/vaccination/trend?areaId=${w.division}&format=csv`);
      expect(trend.lines).toHaveLength(31);
      expect(trend.lines.at(-1)).toBe(`${today()},13,10,3,0,16`);
      expect((await csv(`/api/reports/funnel?areaId=${w.division}&format=csv`)).lines[1]).toBe(
        `${code('DISX')},Report DISX,প্রতিবেদন DISX,12,11,10,3`,
      );
      expect((await csv(`/api/reports/coverage?areaId=${w.division}&format=csv`)).lines[2]).toBe(
        `${code('DISY')},Report DISY,প্রতিবেদন DISY,30,3,0,0,0.1,0`,
      );
      expect((await csv(`/api/reports/registrations?areaId=${w.division}&format=csv`)).lines[1]).toBe(
        `${code('DISX')},Report DISX,প্রতিবেদন DISX,12,7,4,1,0.5833`,
      );
      const facilities = await csv(
        `/api/reports/facilities?areaId=${w.division}&format=csv&from=${addDays(today(), -30)}&to=${addDays(today(), 1)}`,
      );
      expect(facilities.res.headers['content-disposition']).toBe(
        `attachment; filename="facilities-${code('DIV')}.csv"`,
      );
      expect(facilities.lines).toHaveLength(3);
      expect(facilities.lines[1]).toBe(
        `${code('FX')},Report centre FX,প্রতিবেদন কেন্দ্র FX,Report UPAX,প্রতিবেদন UPAX,2,80,1,0,0,,0.0125,16,1,4`,
      );
      expect((await csv(`/api/reports/stock?areaId=${w.districtX}&format=csv`)).lines[1]).toMatch(
        new RegExp(`^${code('FX')},Report centre FX,.*,facility,COMIRNATY,57,`),
      );
      expect((await csv(`/api/reports/aefi?areaId=${w.districtX}&format=csv`)).lines[1]).toBe(
        'COMIRNATY,1,1,10,10000,10000',
      );
    });

    it('quotes fields with commas and quotes, and keeps formulas from running', async () => {
      const named = await post('/api/areas', {
        code: code('Q'),
        parentId: w.division,
        nameEn: 'Ward "North", =1+1',
        nameBn: 'উত্তর, ওয়ার্ড',
      });
      expect(named.statusCode, named.body).toBe(201);
      const { lines } = await csv(`/api/reports/vaccination?areaId=${w.division}&format=csv`);
      expect(lines).toContain(`${code('Q')},"Ward ""North"", =1+1","উত্তর, ওয়ার্ড",0,0,0,0,,,`);
    });
  });

  describe('who sees what', () => {
    const areaReports = (areaId?: number) => {
      const q = areaId ? `areaId=${areaId}` : '';
      return [
        `/api/reports/vaccination?${q}`,
        `/api/reports/vaccination/trend?${q}`,
        `/api/reports/coverage?${q}`,
        `/api/reports/funnel?${q}`,
        `/api/reports/registrations?${q}`,
        `/api/populations?${q}`,
      ];
    };
    const facilityReports = (areaId?: number) => {
      const q = areaId ? `areaId=${areaId}` : '';
      return [`/api/reports/facilities?${q}`, `/api/reports/aefi?${q}`, `/api/reports/stock?${q}`];
    };

    it('a national admin and an auditor see the country and any area', async () => {
      for (const as of ['admin', 'auditor']) {
        for (const url of [...areaReports(), ...facilityReports(), '/api/reports/status'])
          expect((await get(url, as)).statusCode, `${as} ${url}`).toBe(200);
        for (const url of [...areaReports(w.districtY), ...facilityReports(w.districtY)])
          expect((await get(url, as)).statusCode, `${as} ${url}`).toBe(200);
        expect((await json<{ area: null }>('/api/reports/vaccination', as)).area).toBeNull();
      }
    });

    it('an area admin of a district sees that district (by default) and what lies below, and nothing outside', async () => {
      for (const url of areaReports()) {
        const r = await json<{ area: { id: number } }>(url, 'xadmin');
        expect(r.area.id, url).toBe(w.districtX);
      }
      for (const url of [...areaReports(w.unionX1), ...facilityReports(w.districtX), ...facilityReports()])
        expect((await get(url, 'xadmin')).statusCode, url).toBe(200);
      expect((await json<{ total: number }>('/api/reports/facilities', 'xadmin')).total).toBe(1);
      for (const url of [
        ...areaReports(w.districtY),
        ...areaReports(w.division),
        ...facilityReports(w.districtY),
      ])
        expectError(await get(url, 'xadmin'), 403, 'forbidden');
      expectError(
        await get(`/api/reports/stock?storeId=${await facilityByCode(db, 'UHC-UPA365')}`, 'xadmin'),
        403,
        'forbidden',
      );
      // Its figures are its district's alone.
      expect((await json<{ totals: unknown }>('/api/reports/funnel', 'xadmin')).totals).toEqual({
        registered: 12,
        booked: 11,
        vaccinated: 10,
        complete: 3,
      });
    });

    it("a facility's manager gets the reports of that facility only, not the reports by where people live", async () => {
      for (const url of [...areaReports(), ...areaReports(w.districtX)])
        expectError(await get(url, 'fxmanager'), 403, 'area_report_needs_area_grant');
      const facilities = await json<{ total: number; items: { facility: { id: number } }[] }>(
        `/api/reports/facilities?from=${addDays(today(), -30)}`,
        'fxmanager',
      );
      expect(facilities.items.map((i) => i.facility.id)).toEqual([w.fx]);
      const inDistrict = await json<{ items: { facility: { id: number } }[] }>(
        `/api/reports/facilities?areaId=${w.districtX}`,
        'fxmanager',
      );
      expect(inDistrict.items.map((i) => i.facility.id)).toEqual([w.fx]);
      expect(
        (await json<{ byProduct: { reports: number }[] }>('/api/reports/aefi', 'fxmanager')).byProduct,
      ).toMatchObject([{ reports: 1 }]);
      expect(
        (await json<{ stores: { store: { id: number } }[] }>('/api/reports/stock', 'fxmanager')).stores.map(
          (s) => s.store.id,
        ),
      ).toEqual([w.fx]);
      for (const url of facilityReports(w.districtY))
        expectError(await get(url, 'fxmanager'), 403, 'forbidden');
      // The demo manager of another centre sees none of FX's figures.
      const other = await json<{ items: { facility: { id: number } }[] }>(
        '/api/reports/facilities',
        'manager',
      );
      expect(other.items.map((i) => i.facility.id)).not.toContain(w.fx);
    });

    it('a vaccinator reads no reports (but the stock of its own facility)', async () => {
      for (const url of [...areaReports(), ...facilityReports().slice(0, 2), '/api/reports/status'])
        expectError(await get(url, 'vaccinator'), 403, 'forbidden');
      expect((await get('/api/reports/stock', 'vaccinator')).statusCode).toBe(200);
    });

    it('an auditor may read populations but not import them; an area admin imports only its own areas', async () => {
      const before = await populationRows();
      expectError(
        await postCsv(`area_code,age_band,gender,population\n${code('UNIX1')},0-11,male,5\n`, 'auditor'),
        403,
        'forbidden',
      );
      const outside = expectError(
        await postCsv(
          `area_code,age_band,gender,population\n${code('UNIX1')},0-11,male,5\n${code('UNIY1')},0-11,male,5\n`,
          'xadmin',
        ),
        403,
        'forbidden',
      );
      expect(outside.details).toEqual([expect.objectContaining({ line: 3, code: 'forbidden' })]);
      expect(await populationRows()).toEqual(before);
      const own = await postCsv(
        `area_code,age_band,gender,population\n${code('UNIX2')},0-11,male,5\n`,
        'xadmin',
      );
      expect(own.statusCode, own.body).toBe(200);
      expect(
        await db
          .selectFrom('audit_event')
          .select(['action', 'details'])
          .where('action', '=', 'population.imported')
          .orderBy('id', 'desc')
          .executeTakeFirst(),
      ).toEqual({ action: 'population.imported', details: { lines: 1, areas: 1 } });
      expect((await json<{ total: number }>(`/api/populations?areaId=${w.unionX2}`, 'xadmin')).total).toBe(5);
    });

    it('staff with roles in several areas choose one', async () => {
      await post(`/api/users`, {
        username: `two.${stamp}`,
        displayName: 'two',
        password: PASSWORD,
        role: 'area_admin',
        areaId: w.districtX,
      });
      const id = (
        await db
          .selectFrom('staff_user')
          .select('id')
          .where('username', '=', `two.${stamp}`)
          .executeTakeFirstOrThrow()
      ).id;
      const grant = await post(`/api/users/${id}/grants`, { role: 'auditor', areaId: w.districtY });
      expect(grant.statusCode, grant.body).toBe(201);
      tokens.two = await bearer(t.app, `two.${stamp}`, PASSWORD);
      expectError(await get('/api/reports/vaccination', 'two'), 400, 'area_required');
      expect((await get(`/api/reports/vaccination?areaId=${w.districtY}`, 'two')).statusCode).toBe(200);
    });
  });

  async function populationRows() {
    const { rows } = await sql<{ n: number; h: string }>`
      select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h
      from population t`.execute(db);
    return rows[0];
  }

  describe('bad input', () => {
    it.each([
      ['from=2026-02-30', 'invalid_date'],
      ['to=yesterday', 'invalid_date'],
      [`from=${today()}&to=${addDays(today(), -1)}`, 'invalid_range'],
      [`from=${addDays(today(), -400)}&to=${today()}`, 'range_too_long'],
    ])('%s → 400 %s', async (q, errorCode) => {
      for (const path of ['vaccination/trend', 'facilities', 'aefi', 'registrations'])
        expectError(await get(`/api/reports/${path}?${q}`, 'admin'), 400, errorCode);
    });

    it('an area that does not exist → 404; a malformed one → 400', async () => {
      for (const path of ['reports/vaccination', 'reports/coverage', 'reports/facilities', 'populations'])
        expectError(await get(`/api/${path}?areaId=2000000000`, 'admin'), 404, 'not_found');
      expectError(await get('/api/reports/vaccination?areaId=abc', 'admin'), 400, 'validation_failed');
      expectError(await get('/api/reports/facilities?sort=name', 'admin'), 400, 'validation_failed');
      expectError(await get('/api/reports/facilities?limit=501', 'admin'), 400, 'validation_failed');
      expectError(await get('/api/reports/stock?storeId=2000000000', 'admin'), 404, 'not_found');
    });

    it('a population file with wrong lines stores nothing and names every wrong line', async () => {
      const before = await populationRows();
      const res = await postCsv(
        [
          'area_code,age_band,gender,population',
          `${code('UNIX1')},30-39,female,120`,
          'NO-SUCH-AREA,30-39,female,1',
          `${code('UNIX1')},31-39,female,1`,
          `${code('DISX')},30-39,female,1`,
          `${code('UNIX1')},40-49,woman,1`,
          `${code('UNIX1')},50-59,male,-4`,
          `${code('UNIX1')},30-39,female,7`,
        ].join('\n'),
      );
      const e = expectError(res, 400, 'invalid_lines');
      expect((e.details as { line: number; code: string }[]).map((d) => [d.line, d.code])).toEqual([
        [3, 'unknown_area'],
        [4, 'invalid_age_band'],
        [5, 'not_lowest_level'],
        [6, 'invalid_gender'],
        [7, 'invalid_population'],
        [8, 'duplicate_line'],
      ]);
      expect(e.message).toMatch(/line 3/);
      expect(await populationRows()).toEqual(before);
      expectError(await postCsv('area,band\nx,y\n'), 400, 'invalid_header');
      expectError(await postCsv('area_code,age_band,gender,population\n'), 400, 'empty_file');
      expect(await populationRows()).toEqual(before);
    });
  });

  describe('public dashboard', () => {
    it('needs no sign-in, suppresses small counts and the rates made from them, and may be cached', async () => {
      const res = await t.app.inject({ url: `/api/public/dashboard?areaId=${w.division}` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=5');
      const d = res.json<{
        refreshSeconds: number;
        suppressedBelow: number;
        area: { id: number };
        totals: Record<string, number | null>;
        trend: { day: string; doses: number | null }[];
        coverageByAgeBand: {
          ageBand: number;
          population: number | null;
          firstDose: number | null;
          complete: number | null;
          coverageFirst: number | null;
          coverageComplete: number | null;
        }[];
        divisions: {
          area: { id: number };
          firstDose: number | null;
          complete: number | null;
          population: number | null;
          coverageFirst: number | null;
          coverageComplete: number | null;
        }[];
      }>();
      expect(d).toMatchObject({ refreshSeconds: 5, suppressedBelow: 10, area: { id: w.division } });
      // complete is 3: suppressed; booster 0 is shown as it is.
      expect(d.totals).toEqual({
        registered: 15,
        doses: 16,
        firstDose: 13,
        complete: null,
        booster: 0,
        dosesToday: 13,
      });
      expect(d.trend).toHaveLength(90);
      expect(d.trend.at(-1)).toEqual({ day: today(), doses: 13 });
      expect(d.trend.find((x) => x.day === addDays(today(), -30))).toEqual({
        day: addDays(today(), -30),
        doses: null,
      });
      expect(d.coverageByAgeBand.find((b) => b.ageBand === 30)).toEqual({
        ageBand: 30,
        population: 230,
        firstDose: 13,
        complete: null,
        coverageFirst: 0.0565,
        coverageComplete: null,
      });
      const mine = d.divisions.find((x) => x.area.id === w.division)!;
      // 280 imported first, and 5 more by the district's admin above.
      expect(mine).toMatchObject({
        firstDose: 13,
        complete: null,
        population: 285,
        coverageFirst: 0.0456,
        coverageComplete: null,
      });
      expect(d.divisions.length).toBe(9);
    });

    it('answers for the country; a district or an unknown area is refused', async () => {
      const country = await t.app.inject({ url: '/api/public/dashboard' });
      expect(country.statusCode).toBe(200);
      expect(country.json<{ area: null }>().area).toBeNull();
      expectError(
        await t.app.inject({ url: `/api/public/dashboard?areaId=${w.districtX}` }),
        400,
        'not_a_division',
      );
      expectError(await t.app.inject({ url: '/api/public/dashboard?areaId=2000000000' }), 404, 'not_found');
    });

    it('serves the same figures until the refresh period has passed', async () => {
      const first = (await t.app.inject({ url: `/api/public/dashboard?areaId=${w.division}` })).json<{
        generatedAt: string;
      }>();
      const again = (await t.app.inject({ url: `/api/public/dashboard?areaId=${w.division}` })).json<{
        generatedAt: string;
      }>();
      expect(again.generatedAt).toBe(first.generatedAt);
    });
  });
});
