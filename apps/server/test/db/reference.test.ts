import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS } from '../../src/seed/products.ts';
import { testApp, type TestContext } from '../support/app.ts';
import {
  areaId,
  bearer,
  countRows,
  expectError,
  facilityId,
  fingerprint,
  userId,
  type Method,
} from './helpers.ts';

/** Reference data through the API: areas, facilities, vaccine products, CSV imports, staff and grants. */

interface AreaOut {
  id: number;
  code: string;
  parentId: number | null;
  depth: number;
  nameEn: string;
  nameBn: string;
  population: number | null;
  postcode: string | null;
  latitude: number | null;
  longitude: number | null;
  childCount?: number;
}
interface FacilityOut {
  id: number;
  code: string;
  nameEn: string;
  nameBn: string;
  type: string;
  areaId: number;
  areaNameEn: string;
  address: string;
  latitude: number | null;
  longitude: number | null;
  dailyCapacity: number;
  active: boolean;
}
interface ProductOut {
  id: number;
  code: string;
  name: string;
  euProductCode: string | null;
  icd11Code: string | null;
  cvxCode: string | null;
  minIntervalDays: number;
  recommendedIntervalDays: number;
  active: boolean;
}
interface ImportReportOut {
  total: number;
  created: number;
  updated: number;
  rejected: number;
  errors: { row: number; code?: string; field?: string; message: string }[];
}

type Who = 'admin' | 'dhaka.admin' | 'manager' | 'vaccinator' | 'storekeeper' | 'auditor' | 'helpdesk';

describe('reference data', () => {
  let t: TestContext;
  const tokens = new Map<string, string>();
  const area = new Map<string, number>();

  const as = async (who: string, password?: string) => {
    let header = tokens.get(who);
    if (!header) {
      header = await bearer(t.app, who, password);
      tokens.set(who, header);
    }
    return header;
  };
  const call = async (who: string, method: Method, url: string, payload?: Record<string, unknown>) =>
    t.app.inject({ method, url, headers: { authorization: await as(who) }, ...(payload ? { payload } : {}) });
  const json = <T>(res: LightMyRequestResponse, status = 200): T => {
    expect(res.statusCode, res.body).toBe(status);
    return res.json<T>();
  };
  const importCsv = async (who: Who, kind: 'areas' | 'facilities', csv: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/${kind}/import`,
      headers: { authorization: await as(who), 'content-type': 'text/csv' },
      payload: csv,
    });
  const a = (code: string) => {
    const id = area.get(code);
    if (id === undefined) throw new Error(`area ${code} not loaded`);
    return id;
  };
  const areaRow = (code: string) =>
    t.database.db.selectFrom('area').selectAll().where('code', '=', code).executeTakeFirst();
  const facilityRow = (code: string) =>
    t.database.db.selectFrom('facility').selectAll().where('code', '=', code).executeTakeFirst();
  const auditFor = (entityType: string, entityId: number) =>
    t.database.db
      .selectFrom('audit_event')
      .selectAll()
      .where('entity_type', '=', entityType)
      .where('entity_id', '=', String(entityId))
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    t = await testApp();
    for (const code of ['DIV1', 'DIV6', 'DIS1', 'DIS47', 'DIS48', 'UPA365', 'UPA366'])
      area.set(code, await areaId(t.database.db, code));
  });
  afterAll(() => t.close());

  describe('areas', () => {
    it('the national admin sees the 8 divisions at the top', async () => {
      const top = json<AreaOut[]>(await call('admin', 'GET', '/api/areas'));
      expect(top.map((x) => x.code).sort()).toEqual([
        'DIV1',
        'DIV2',
        'DIV3',
        'DIV4',
        'DIV5',
        'DIV6',
        'DIV7',
        'DIV8',
      ]);
      expect(top.every((x) => x.depth === 0 && x.parentId === null)).toBe(true);
      expect(top.reduce((s, x) => s + (x.childCount ?? 0), 0)).toBe(64);
      expect(top.map((x) => x.nameEn)).toEqual([...top.map((x) => x.nameEn)].sort());
    });

    it('others see at the top only the divisions their grants lie in', async () => {
      for (const who of ['dhaka.admin', 'helpdesk', 'vaccinator', 'storekeeper'] as const) {
        const top = json<AreaOut[]>(await call(who, 'GET', '/api/areas'));
        expect(
          top.map((x) => x.code),
          who,
        ).toEqual(['DIV6']);
      }
      expect(json<AreaOut[]>(await call('auditor', 'GET', '/api/areas'))).toHaveLength(8);
    });

    it('drills down level by level, filtered to what the caller may see', async () => {
      const districts = json<AreaOut[]>(await call('dhaka.admin', 'GET', `/api/areas?parentId=${a('DIV6')}`));
      expect(districts).toHaveLength(13);
      expect(districts.every((d) => d.parentId === a('DIV6') && d.depth === 1)).toBe(true);
      expect(districts.map((d) => d.code)).toContain('DIS47');

      const upazilas = json<AreaOut[]>(await call('dhaka.admin', 'GET', `/api/areas?parentId=${a('DIS47')}`));
      expect(upazilas.map((u) => u.code).sort()).toEqual(['UPA365', 'UPA366', 'UPA367', 'UPA368', 'UPA369']);
      expect(upazilas.every((u) => u.depth === 2)).toBe(true);

      // A vaccinator finds the way down to its own health complex, not the neighbours.
      expect(
        json<AreaOut[]>(await call('vaccinator', 'GET', `/api/areas?parentId=${a('DIV6')}`)).map(
          (x) => x.code,
        ),
      ).toEqual(['DIS47']);
      expect(
        json<AreaOut[]>(await call('vaccinator', 'GET', `/api/areas?parentId=${a('DIS47')}`)).map(
          (x) => x.code,
        ),
      ).toEqual(['UPA365']);
    });

    it('filters children by name or code', async () => {
      const found = json<AreaOut[]>(await call('admin', 'GET', `/api/areas?parentId=${a('DIS47')}&q=sava`));
      expect(found.map((x) => x.code)).toEqual(['UPA365']);
      expect(
        json<AreaOut[]>(await call('admin', 'GET', `/api/areas?parentId=${a('DIS47')}&q=UPA366`)).map(
          (x) => x.code,
        ),
      ).toEqual(['UPA366']);
    });

    it('returns a subtree down to the depth asked for', async () => {
      const unionsOfDhaka = await t.database.db
        .selectFrom('area')
        .select('id')
        .where(
          'parent_id',
          'in',
          t.database.db.selectFrom('area').select('id').where('parent_id', '=', a('DIS47')),
        )
        .execute();
      expect(unionsOfDhaka.length).toBeGreaterThan(0);
      const sizes: Record<number, number> = {
        0: 0,
        1: 5,
        2: 5 + unionsOfDhaka.length,
        6: 5 + unionsOfDhaka.length,
      };
      for (const [depth, size] of Object.entries(sizes)) {
        const tree = json<{ area: AreaOut; descendants: AreaOut[] }>(
          await call('dhaka.admin', 'GET', `/api/areas/${a('DIS47')}/subtree?depth=${depth}`),
        );
        expect(tree.area.code).toBe('DIS47');
        expect(tree.descendants, `depth ${depth}`).toHaveLength(size);
        expect(tree.descendants.every((d) => d.depth > 1 && d.depth <= 1 + Number(depth))).toBe(true);
        const ids = new Set([tree.area.id, ...tree.descendants.map((d) => d.id)]);
        expect(tree.descendants.every((d) => d.parentId !== null && ids.has(d.parentId))).toBe(true);
      }
      // A facility-bound reader sees only the path down to its facility.
      const mine = json<{ descendants: AreaOut[] }>(
        await call('vaccinator', 'GET', `/api/areas/${a('DIS47')}/subtree?depth=2`),
      );
      expect(mine.descendants.map((d) => d.code)).toEqual(['UPA365']);
      expectError(
        await call('admin', 'GET', `/api/areas/${a('DIS47')}/subtree?depth=7`),
        400,
        'validation_failed',
      );
    });

    it('lists the named levels', async () => {
      const levels = json<{ depth: number; code: string; nameEn: string; nameBn: string }[]>(
        await call('vaccinator', 'GET', '/api/area-levels'),
      );
      expect(levels.map((l) => [l.depth, l.code, l.nameEn])).toEqual([
        [0, 'division', 'Division'],
        [1, 'district', 'District'],
        [2, 'upazila', 'Upazila'],
        [3, 'union', 'Union'],
      ]);
    });

    it('creates an area one level below its parent, and records who did it', async () => {
      const res = await call('dhaka.admin', 'POST', '/api/areas', {
        code: 'NEW-UPA-1',
        parentId: a('DIS47'),
        nameEn: 'New Upazila',
        nameBn: 'নতুন উপজেলা',
        population: 12000,
        postcode: '1349',
        latitude: 23.9,
        longitude: 90.3,
      });
      const created = json<AreaOut>(res, 201);
      expect(created).toMatchObject({
        code: 'NEW-UPA-1',
        parentId: a('DIS47'),
        depth: 2,
        nameEn: 'New Upazila',
        nameBn: 'নতুন উপজেলা',
        population: 12000,
        postcode: '1349',
        latitude: 23.9,
        longitude: 90.3,
        childCount: 0,
      });
      expect(json<AreaOut>(await call('dhaka.admin', 'GET', `/api/areas/${created.id}`))).toEqual(created);
      expect(json<AreaOut>(await call('admin', 'GET', `/api/areas/${a('DIS47')}`)).childCount).toBe(6);
      const row = await areaRow('NEW-UPA-1');
      const parent = await areaRow('DIS47');
      expect(row!.path).toBe(`${parent!.path}${created.id}/`);

      const union = json<AreaOut>(
        await call('dhaka.admin', 'POST', '/api/areas', {
          code: 'NEW-UNI-1',
          parentId: created.id,
          nameEn: 'New Union',
          nameBn: 'নতুন ইউনিয়ন',
        }),
        201,
      );
      expect(union.depth).toBe(3);

      const audit = await auditFor('area', created.id);
      expect(audit).toEqual([
        expect.objectContaining({
          action: 'area.created',
          actor_kind: 'staff',
          actor_id: await userId(t.database.db, 'dhaka.admin'),
          area_id: created.id,
        }),
      ]);
      expect(audit[0]!.request_id).toBe(res.headers['x-request-id']);
      // The area admin can read that record back.
      const events = json<{ action: string; actorUsername: string }[]>(
        await call('dhaka.admin', 'GET', `/api/audit-events?entityType=area&entityId=${created.id}`),
      );
      expect(events).toEqual([
        expect.objectContaining({ action: 'area.created', actorUsername: 'dhaka.admin' }),
      ]);
    });

    it('creates a top-level area at depth 0 (national admin)', async () => {
      const created = json<AreaOut>(
        await call('admin', 'POST', '/api/areas', {
          code: 'DIV9',
          nameEn: 'Test Division',
          nameBn: 'পরীক্ষা বিভাগ',
        }),
        201,
      );
      expect(created).toMatchObject({ depth: 0, parentId: null });
    });

    it('cannot create below the lowest level: 400 too_deep, nothing stored', async () => {
      const union = await areaRow('NEW-UNI-1');
      const before = await fingerprint(t.database.db, ['area', 'audit_event']);
      const res = await call('dhaka.admin', 'POST', '/api/areas', {
        code: 'TOO-DEEP',
        parentId: union!.id,
        nameEn: 'Too Deep',
        nameBn: 'খুব গভীর',
      });
      expectError(res, 400, 'too_deep');
      expect(await fingerprint(t.database.db, ['area', 'audit_event'])).toEqual(before);
      expect(await areaRow('TOO-DEEP')).toBeUndefined();
    });

    it('refuses a code that exists: 409 code_taken, nothing stored', async () => {
      const before = await fingerprint(t.database.db, ['area', 'audit_event']);
      for (const code of ['UPA366', 'UPA1', 'NEW-UPA-1']) {
        expectError(
          await call('dhaka.admin', 'POST', '/api/areas', {
            code,
            parentId: a('DIS47'),
            nameEn: 'Copy',
            nameBn: 'কপি',
          }),
          409,
          'code_taken',
        );
      }
      expectError(
        await call('dhaka.admin', 'PATCH', `/api/areas/${a('UPA366')}`, { code: 'UPA365' }),
        409,
        'code_taken',
      );
      expect(await fingerprint(t.database.db, ['area', 'audit_event'])).toEqual(before);
    });

    it('updates an area and records the changed fields', async () => {
      const id = a('UPA366');
      const res = json<AreaOut>(
        await call('dhaka.admin', 'PATCH', `/api/areas/${id}`, {
          nameEn: 'Dhamrai Upazila',
          population: 450000,
          postcode: '1350',
          latitude: 23.91,
          longitude: 90.21,
        }),
      );
      expect(res).toMatchObject({
        id,
        code: 'UPA366',
        nameEn: 'Dhamrai Upazila',
        nameBn: 'ধামরাই',
        population: 450000,
        postcode: '1350',
        latitude: 23.91,
        longitude: 90.21,
        depth: 2,
        parentId: a('DIS47'),
      });
      expect(json<AreaOut>(await call('admin', 'GET', `/api/areas/${id}`))).toEqual(res);
      // Its own code again is no conflict.
      expect((await call('dhaka.admin', 'PATCH', `/api/areas/${id}`, { code: 'UPA366' })).statusCode).toBe(
        200,
      );
      const audit = (await auditFor('area', id)).filter((e) => e.action === 'area.updated');
      expect(audit).toHaveLength(2);
      expect(audit[0]).toMatchObject({ actor_id: await userId(t.database.db, 'dhaka.admin'), area_id: id });
      expect((audit[0]!.details as { fields: string[] }).fields.sort()).toEqual([
        'latitude',
        'longitude',
        'name_en',
        'population',
        'postcode',
      ]);
    });

    it('an update of an area that does not exist is a 404', async () => {
      expectError(
        await call('admin', 'PATCH', '/api/areas/2147483647', { nameEn: 'Ghost' }),
        404,
        'not_found',
      );
    });
  });

  describe('facilities', () => {
    it('lists by area subtree and type', async () => {
      const inDhakaDistrict = json<FacilityOut[]>(
        await call('admin', 'GET', `/api/facilities?areaId=${a('DIS47')}&limit=1000`),
      );
      expect(inDhakaDistrict.map((f) => f.code).sort()).toEqual([
        'DH-DIS47',
        'STORE-DIS47',
        'UHC-UPA365',
        'UHC-UPA366',
        'UHC-UPA367',
        'UHC-UPA368',
        'UHC-UPA369',
      ]);
      const stores = json<FacilityOut[]>(
        await call('admin', 'GET', `/api/facilities?areaId=${a('DIS47')}&type=store`),
      );
      expect(stores.map((f) => f.code)).toEqual(['STORE-DIS47']);
      const divisionStores = json<FacilityOut[]>(
        await call('admin', 'GET', `/api/facilities?areaId=${a('DIV6')}&type=store`),
      );
      expect(divisionStores).toHaveLength(15);
      expect(divisionStores.map((f) => f.code)).toEqual(
        expect.arrayContaining(['STORE-NATIONAL', 'STORE-DIV6', 'STORE-DIS47']),
      );
      expect(divisionStores.every((f) => f.type === 'store')).toBe(true);
      const one = json<FacilityOut[]>(await call('admin', 'GET', '/api/facilities?q=DH-DIS1'));
      expect(one.map((f) => f.code)).toEqual(['DH-DIS1']);
    });

    it('shows facility staff only their own facility, area staff only their area', async () => {
      expect(
        json<FacilityOut[]>(await call('vaccinator', 'GET', '/api/facilities?limit=1000')).map((f) => f.code),
      ).toEqual(['UHC-UPA365']);
      expect(
        json<FacilityOut[]>(await call('manager', 'GET', '/api/facilities?limit=1000')).map((f) => f.code),
      ).toEqual(['UHC-UPA365']);
      expect(
        json<FacilityOut[]>(await call('storekeeper', 'GET', '/api/facilities?limit=1000')).map(
          (f) => f.code,
        ),
      ).toEqual(['STORE-DIS47']);
      expect(
        json<FacilityOut[]>(
          await call('vaccinator', 'GET', `/api/facilities?areaId=${a('DIS47')}&type=hospital`),
        ),
      ).toEqual([]);

      const dhakaPath = (await areaRow('DIV6'))!.path;
      const inDhaka = await t.database.db
        .selectFrom('facility as f')
        .innerJoin('area as x', 'x.id', 'f.area_id')
        .select('f.code')
        .where('x.path', 'like', `${dhakaPath}%`)
        .execute();
      const seen = json<FacilityOut[]>(await call('helpdesk', 'GET', '/api/facilities?limit=1000'));
      expect(seen.map((f) => f.code).sort()).toEqual(inDhaka.map((f) => f.code).sort());
      expect(
        json<FacilityOut[]>(await call('dhaka.admin', 'GET', `/api/facilities?areaId=${a('DIV1')}`)),
      ).toEqual([]);
    });

    it('pages with limit and offset', async () => {
      const all = json<FacilityOut[]>(
        await call('admin', 'GET', `/api/facilities?areaId=${a('DIS47')}&limit=1000`),
      ).map((f) => f.id);
      const first = json<FacilityOut[]>(
        await call('admin', 'GET', `/api/facilities?areaId=${a('DIS47')}&limit=3`),
      ).map((f) => f.id);
      const rest = json<FacilityOut[]>(
        await call('admin', 'GET', `/api/facilities?areaId=${a('DIS47')}&limit=1000&offset=3`),
      ).map((f) => f.id);
      expect([...first, ...rest]).toEqual(all);
    });

    it('creates and updates a facility, recording both', async () => {
      const created = json<FacilityOut>(
        await call('dhaka.admin', 'POST', '/api/facilities', {
          code: 'NEW-CLINIC-1',
          nameEn: 'Savar Community Clinic',
          nameBn: 'সাভার কমিউনিটি ক্লিনিক',
          type: 'clinic',
          areaId: a('UPA365'),
          address: 'Savar Bazar',
          dailyCapacity: 120,
        }),
        201,
      );
      expect(created).toMatchObject({
        code: 'NEW-CLINIC-1',
        type: 'clinic',
        areaId: a('UPA365'),
        areaNameEn: 'Savar',
        address: 'Savar Bazar',
        dailyCapacity: 120,
        active: true,
        latitude: null,
      });
      expect(json<FacilityOut>(await call('dhaka.admin', 'GET', `/api/facilities/${created.id}`))).toEqual(
        created,
      );

      const updated = json<FacilityOut>(
        await call('dhaka.admin', 'PATCH', `/api/facilities/${created.id}`, {
          dailyCapacity: 200,
          active: false,
          areaId: a('UPA366'),
        }),
      );
      expect(updated).toMatchObject({
        dailyCapacity: 200,
        active: false,
        areaId: a('UPA366'),
        areaNameEn: 'Dhamrai Upazila',
      });
      expect(
        json<FacilityOut[]>(
          await call('admin', 'GET', `/api/facilities?areaId=${a('UPA366')}&active=false`),
        ).map((f) => f.code),
      ).toEqual(['NEW-CLINIC-1']);

      const actor = await userId(t.database.db, 'dhaka.admin');
      const audit = await auditFor('facility', created.id);
      expect(audit.map((e) => [e.action, e.actor_id])).toEqual([
        ['facility.created', actor],
        ['facility.updated', actor],
      ]);
      expect(audit[1]!.area_id).toBe(a('UPA366'));

      expectError(
        await call('dhaka.admin', 'POST', '/api/facilities', {
          code: 'NEW-CLINIC-1',
          nameEn: 'Copy',
          nameBn: 'কপি',
          type: 'clinic',
          areaId: a('UPA365'),
        }),
        409,
        'code_taken',
      );
      expectError(
        await call('dhaka.admin', 'PATCH', `/api/facilities/${created.id}`, { code: 'DH-DIS47' }),
        409,
        'code_taken',
      );
    });

    it('the manager updates its own facility', async () => {
      const own = await facilityId(t.database.db, 'UHC-UPA365');
      expect(
        json<FacilityOut>(await call('manager', 'PATCH', `/api/facilities/${own}`, { dailyCapacity: 640 }))
          .dailyCapacity,
      ).toBe(640);
      expect((await facilityRow('UHC-UPA365'))!.daily_capacity).toBe(640);
    });

    it("moving a facility into an area outside the actor's scope is a 403 and the facility stays", async () => {
      const hospital = await facilityId(t.database.db, 'DH-DIS47');
      const before = await facilityRow('DH-DIS47');
      const auditBefore = await countRows(t.database.db, 'audit_event');
      expectError(
        await call('dhaka.admin', 'PATCH', `/api/facilities/${hospital}`, {
          areaId: a('DIS1'),
          nameEn: 'Moved',
        }),
        403,
        'forbidden',
      );
      expectError(
        await call('manager', 'PATCH', `/api/facilities/${await facilityId(t.database.db, 'UHC-UPA365')}`, {
          areaId: a('UPA366'),
        }),
        403,
        'forbidden',
      );
      expect(await facilityRow('DH-DIS47')).toEqual(before);
      expect((await facilityRow('UHC-UPA365'))!.area_id).toBe(a('UPA365'));
      expect(await countRows(t.database.db, 'audit_event')).toBe(auditBefore);
      // Inside the scope the same move is fine.
      expect(
        json<FacilityOut>(
          await call('dhaka.admin', 'PATCH', `/api/facilities/${hospital}`, { areaId: a('UPA365') }),
        ).areaId,
      ).toBe(a('UPA365'));
      expect(
        json<FacilityOut>(
          await call('dhaka.admin', 'PATCH', `/api/facilities/${hospital}`, { areaId: a('DIS47') }),
        ).areaId,
      ).toBe(a('DIS47'));
    });

    it('a facility in an unknown area is refused', async () => {
      const res = await call('admin', 'POST', '/api/facilities', {
        code: 'NOWHERE-1',
        nameEn: 'Nowhere',
        nameBn: 'কোথাও না',
        type: 'clinic',
        areaId: 2147483647,
      });
      expect([400, 404]).toContain(res.statusCode);
      expect(await facilityRow('NOWHERE-1')).toBeUndefined();
    });
  });

  describe('vaccine products', () => {
    it('lists the six demo products with their real codes', async () => {
      const products = json<ProductOut[]>(await call('vaccinator', 'GET', '/api/products'));
      expect(products.map((p) => p.code).sort()).toEqual([
        'BBIBP-CORV',
        'COMIRNATY',
        'CORONAVAC',
        'COVISHIELD',
        'JCOVDEN',
        'SPIKEVAX',
      ]);
      expect(products.find((p) => p.code === 'COMIRNATY')).toMatchObject({
        name: 'Comirnaty (Pfizer-BioNTech)',
        euProductCode: 'EU/1/20/1528',
        euProphylaxisCode: '1119349007',
        icd11Code: 'XM8NQ0',
        cvxCode: '208',
        snomedCode: '1031000172108',
        atcCode: 'J07BN01',
        primaryDoses: 2,
        minIntervalDays: 19,
        recommendedIntervalDays: 21,
        storageMinC: -90,
        storageMaxC: -60,
        active: true,
      });
      expect(products.find((p) => p.code === 'SPIKEVAX')).toMatchObject({
        euProductCode: 'EU/1/20/1507',
        icd11Code: 'XM3DT5',
        cvxCode: '207',
      });
      expect(products.find((p) => p.code === 'JCOVDEN')).toMatchObject({
        euProductCode: 'EU/1/20/1525',
        cvxCode: '212',
        primaryDoses: 1,
      });
      // Every field comes back as seeded.
      for (const seeded of DEMO_PRODUCTS) {
        const { boosterAllowed: _b, ...fields } = seeded;
        expect(products.find((p) => p.code === seeded.code)).toMatchObject(fields);
      }
      const one = json<ProductOut>(await call('vaccinator', 'GET', `/api/products/${products[0]!.id}`));
      expect(one).toEqual(products[0]);
    });

    const newProduct = (code: string, overrides: Record<string, unknown> = {}) => ({
      code,
      name: `${code} vaccine`,
      manufacturer: 'Test Manufacturer',
      icd11Code: 'XM0000',
      primaryDoses: 2,
      minIntervalDays: 21,
      recommendedIntervalDays: 28,
      minAgeYears: 12,
      dosesPerVial: 10,
      openVialHours: 6,
      storageMinC: 2,
      storageMaxC: 8,
      ...overrides,
    });

    it('refuses a recommended interval shorter than the minimum, on create and on update', async () => {
      const before = await fingerprint(t.database.db, ['vaccine_product', 'audit_event']);
      const error = expectError(
        await call(
          'admin',
          'POST',
          '/api/products',
          newProduct('BAD-INTERVAL', { minIntervalDays: 28, recommendedIntervalDays: 21 }),
        ),
        400,
        'invalid_interval',
      );
      expect(error.details).toEqual([{ field: 'recommendedIntervalDays' }]);
      const comirnaty = (
        await t.database.db
          .selectFrom('vaccine_product')
          .select('id')
          .where('code', '=', 'COMIRNATY')
          .executeTakeFirstOrThrow()
      ).id;
      expectError(
        await call('admin', 'PATCH', `/api/products/${comirnaty}`, { recommendedIntervalDays: 10 }),
        400,
        'invalid_interval',
      );
      expectError(
        await call('admin', 'PATCH', `/api/products/${comirnaty}`, { minIntervalDays: 30 }),
        400,
        'invalid_interval',
      );
      expectError(
        await call(
          'admin',
          'POST',
          '/api/products',
          newProduct('BAD-STORAGE', { storageMinC: 8, storageMaxC: 2 }),
        ),
        400,
        'invalid_storage',
      );
      expectError(await call('admin', 'POST', '/api/products', newProduct('COMIRNATY')), 409, 'code_taken');
      expectError(
        await call('admin', 'PATCH', `/api/products/${comirnaty}`, { code: 'SPIKEVAX' }),
        409,
        'code_taken',
      );
      expectError(
        await call('admin', 'PATCH', `/api/products/${comirnaty}`, { storageMaxC: -95 }),
        400,
        'validation_failed',
      );
      expectError(
        await call('admin', 'PATCH', `/api/products/${comirnaty}`, { storageMinC: -50 }),
        400,
        'invalid_storage',
      );
      expect(await fingerprint(t.database.db, ['vaccine_product', 'audit_event'])).toEqual(before);
    });

    it('only the national admin creates and updates products', async () => {
      const before = await fingerprint(t.database.db, ['vaccine_product', 'audit_event']);
      for (const who of ['dhaka.admin', 'auditor', 'manager'] as const) {
        expectError(await call(who, 'POST', '/api/products', newProduct('NOT-ALLOWED')), 403, 'forbidden');
      }
      expect(await fingerprint(t.database.db, ['vaccine_product', 'audit_event'])).toEqual(before);

      const created = json<ProductOut>(
        await call('admin', 'POST', '/api/products', newProduct('NOVAVAX-TEST')),
        201,
      );
      expect(created).toMatchObject({
        code: 'NOVAVAX-TEST',
        icd11Code: 'XM0000',
        cvxCode: null,
        active: true,
      });
      expectError(
        await call('dhaka.admin', 'PATCH', `/api/products/${created.id}`, { active: false }),
        403,
        'forbidden',
      );
      const updated = json<ProductOut>(
        await call('admin', 'PATCH', `/api/products/${created.id}`, {
          active: false,
          recommendedIntervalDays: 35,
        }),
      );
      expect(updated).toMatchObject({ active: false, recommendedIntervalDays: 35, minIntervalDays: 21 });

      expect(
        json<ProductOut[]>(await call('admin', 'GET', '/api/products')).map((p) => p.code),
      ).not.toContain('NOVAVAX-TEST');
      expect(
        json<ProductOut[]>(await call('admin', 'GET', '/api/products?includeInactive=true')).map(
          (p) => p.code,
        ),
      ).toContain('NOVAVAX-TEST');
      const audit = await auditFor('vaccine_product', created.id);
      const admin = await userId(t.database.db, 'admin');
      expect(audit.map((e) => [e.action, e.actor_id])).toEqual([
        ['product.created', admin],
        ['product.updated', admin],
      ]);
    });
  });

  describe('CSV import of areas', () => {
    const HEADER = 'code,parent_code,name_en,name_bn,population,postcode,latitude,longitude';
    const FILE = [
      HEADER,
      'IMP-A1,DIS47,Import Upazila One,আমদানি উপজেলা,1000,1340,23.8,90.25', // 2: good
      'IMP-A2,NO-SUCH-PARENT,Orphan,অনাথ,,,,', // 3: unknown parent
      'IMP-A3,DIS47,Bad Latitude,খারাপ অক্ষাংশ,,,123.4,90.1', // 4: latitude out of range
      'IMP-A1,DIS47,Duplicate,ডুপ্লিকেট,,,,', // 5: code twice in the file
      'IMP-A4,DIS1,Outside Dhaka,ঢাকার বাইরে,,,,', // 6: outside the importer's scope
      'IMP-A5,IMP-A1,Import Union,আমদানি ইউনিয়ন,500,,,', // 7: good, under row 2
    ].join('\n');

    it('stores the good rows and reports each bad row by its line number', async () => {
      const before = await countRows(t.database.db, 'area');
      const report = json<ImportReportOut>(await importCsv('dhaka.admin', 'areas', FILE));
      expect(report).toMatchObject({ total: 6, created: 2, updated: 0, rejected: 4 });
      const errors = [...report.errors].sort((x, y) => x.row - y.row);
      expect(errors.map((e) => [e.row, e.code, e.field])).toEqual([
        [3, 'unknown_parent', 'parent_code'],
        [4, 'invalid_value', 'latitude'],
        [5, 'duplicate_code', 'code'],
        [6, 'forbidden', 'parent_code'],
      ]);
      expect(errors.every((e) => e.message.length > 0)).toBe(true);
      expect(errors[0]!.message).toContain('NO-SUCH-PARENT');

      expect(await countRows(t.database.db, 'area')).toBe(before + 2);
      const a1 = await areaRow('IMP-A1');
      expect(a1).toMatchObject({
        parent_id: a('DIS47'),
        depth: 2,
        name_en: 'Import Upazila One',
        name_bn: 'আমদানি উপজেলা',
        population: 1000,
        postcode: '1340',
        latitude: 23.8,
        longitude: 90.25,
      });
      expect(await areaRow('IMP-A5')).toMatchObject({ parent_id: a1!.id, depth: 3, population: 500 });
      for (const code of ['IMP-A2', 'IMP-A3', 'IMP-A4']) expect(await areaRow(code), code).toBeUndefined();
      const audit = await auditFor('area', a1!.id);
      expect(audit.map((e) => [e.action, e.actor_id])).toEqual([
        ['area.created', await userId(t.database.db, 'dhaka.admin')],
      ]);
    });

    it('importing the same file again updates instead of duplicating', async () => {
      const before = await countRows(t.database.db, 'area');
      const renamed = FILE.replace('Import Upazila One', 'Import Upazila Renamed');
      const report = json<ImportReportOut>(await importCsv('dhaka.admin', 'areas', renamed));
      expect(report).toMatchObject({ total: 6, created: 0, updated: 2, rejected: 4 });
      expect(await countRows(t.database.db, 'area')).toBe(before);
      expect(await areaRow('IMP-A1')).toMatchObject({ name_en: 'Import Upazila Renamed', population: 1000 });
    });

    it('takes a child row before its parent row', async () => {
      const report = json<ImportReportOut>(
        await importCsv(
          'dhaka.admin',
          'areas',
          [
            'code,parent_code,name_en,name_bn',
            'IMP-B2,IMP-B1,Child Union,শিশু ইউনিয়ন',
            'IMP-B1,DIS47,Parent Upazila,অভিভাবক উপজেলা',
          ].join('\n'),
        ),
      );
      expect(report).toEqual({ total: 2, created: 2, updated: 0, rejected: 0, errors: [] });
      const parent = await areaRow('IMP-B1');
      expect(await areaRow('IMP-B2')).toMatchObject({ parent_id: parent!.id, depth: 3 });
    });

    it('rejects a row below the lowest level', async () => {
      const report = json<ImportReportOut>(
        await importCsv(
          'dhaka.admin',
          'areas',
          ['code,parent_code,name_en,name_bn', 'IMP-C9,IMP-B2,Below Union,খুব নিচে'].join('\n'),
        ),
      );
      expect(report).toMatchObject({
        total: 1,
        created: 0,
        rejected: 1,
        errors: [{ row: 2, code: 'too_deep' }],
      });
      expect(await areaRow('IMP-C9')).toBeUndefined();
    });

    it("refuses to change an existing area outside the importer's scope", async () => {
      const before = await areaRow('DIS1');
      const report = json<ImportReportOut>(
        await importCsv(
          'dhaka.admin',
          'areas',
          ['code,parent_code,name_en,name_bn', 'DIS1,DIV1,Taken Over,দখল'].join('\n'),
        ),
      );
      expect(report).toMatchObject({
        created: 0,
        updated: 0,
        rejected: 1,
        errors: [{ row: 2, code: 'forbidden' }],
      });
      expect(await areaRow('DIS1')).toEqual(before);
    });

    it('counts lines as in the file, blank lines included', async () => {
      const report = json<ImportReportOut>(
        await importCsv(
          'dhaka.admin',
          'areas',
          [
            'code,parent_code,name_en,name_bn',
            'IMP-D1,DIS47,After Header,এক',
            '',
            'IMP-D2,NO-SUCH-PARENT,After Blank Line,দুই',
          ].join('\n'),
        ),
      );
      expect(report).toMatchObject({ created: 1, rejected: 1 });
      expect(report.errors.map((e) => e.row)).toEqual([4]);
    });

    it('counts lines as in the file with Windows line ends and a name over two lines (as Excel writes it)', async () => {
      const csv =
        'code,parent_code,name_en,name_bn\r\nIMP-D3,DIS47,"Two\nLines",দুই লাইন\r\nIMP-D4,NO-SUCH-PARENT,After Quoted Name,তিন\r\n';
      const report = json<ImportReportOut>(await importCsv('dhaka.admin', 'areas', csv));
      expect(report).toMatchObject({ created: 1, rejected: 1 });
      expect(report.errors.map((e) => e.row)).toEqual([4]);
      expect((await areaRow('IMP-D3'))?.name_en).toBe('Two\nLines');
    });

    it('counts lines as in the file after a quoted name holding a Windows line break', async () => {
      const csv =
        'code,parent_code,name_en,name_bn\r\nIMP-D5,DIS47,"Two\r\nLines",দুই লাইন\r\nIMP-D6,NO-SUCH-PARENT,After Quoted Name,তিন\r\n';
      const report = json<ImportReportOut>(await importCsv('dhaka.admin', 'areas', csv));
      expect(report).toMatchObject({ created: 1, rejected: 1 });
      // IMP-D6 is on line 4 of the file (line 2 holds the first half of IMP-D5's name).
      expect(report.errors.map((e) => e.row)).toEqual([4]);
    });

    it('refuses a file that is not CSV or lacks the columns, storing nothing', async () => {
      const before = await fingerprint(t.database.db, ['area', 'audit_event']);
      expectError(
        await importCsv('dhaka.admin', 'areas', 'code,name_en,name_bn\n"IMP-E1,unterminated,quote\n'),
        400,
        'invalid_csv',
      );
      expectError(
        await importCsv('dhaka.admin', 'areas', 'id,label\nIMP-E2,Something\n'),
        400,
        'invalid_csv',
      );
      expectError(await importCsv('dhaka.admin', 'areas', ''), 400, 'validation_failed');
      expect(await fingerprint(t.database.db, ['area', 'audit_event'])).toEqual(before);
    });
  });

  describe('CSV import of facilities', () => {
    const HEADER = 'code,name_en,name_bn,type,area_code,address,latitude,longitude,daily_capacity,active';
    const FILE = [
      HEADER,
      'IMP-F1,Import Clinic,আমদানি ক্লিনিক,clinic,UPA365,Savar Bazar,23.85,90.26,150,true', // 2: good
      'IMP-F2,Nowhere Clinic,কোথাও না,clinic,NO-SUCH-AREA,,,,,', // 3: unknown area
      'IMP-F3,Space Clinic,মহাকাশ ক্লিনিক,spaceport,DIS47,,,,,', // 4: bad type
      'IMP-F4,Busy Clinic,ব্যস্ত ক্লিনিক,clinic,DIS47,,,,lots,', // 5: bad daily capacity
      'IMP-F5,Outside Clinic,বাইরের ক্লিনিক,clinic,DIS1,,,,,', // 6: outside the importer's scope
      'IMP-F6,Outreach Site,আউটরিচ,outreach_site,UPA366,Village school,,,0,no', // 7: good
    ].join('\n');

    it('stores the good rows and reports each bad row by its line number', async () => {
      const before = await countRows(t.database.db, 'facility');
      const report = json<ImportReportOut>(await importCsv('dhaka.admin', 'facilities', FILE));
      expect(report).toMatchObject({ total: 6, created: 2, updated: 0, rejected: 4 });
      expect([...report.errors].sort((x, y) => x.row - y.row).map((e) => [e.row, e.code, e.field])).toEqual([
        [3, 'unknown_area', 'area_code'],
        [4, 'invalid_value', 'type'],
        [5, 'invalid_value', 'dailyCapacity'],
        [6, 'forbidden', 'area_code'],
      ]);
      expect(await countRows(t.database.db, 'facility')).toBe(before + 2);
      expect(await facilityRow('IMP-F1')).toMatchObject({
        area_id: a('UPA365'),
        type: 'clinic',
        address: 'Savar Bazar',
        latitude: 23.85,
        longitude: 90.26,
        daily_capacity: 150,
        active: true,
      });
      expect(await facilityRow('IMP-F6')).toMatchObject({
        area_id: a('UPA366'),
        type: 'outreach_site',
        daily_capacity: 0,
        active: false,
      });
      for (const code of ['IMP-F2', 'IMP-F3', 'IMP-F4', 'IMP-F5'])
        expect(await facilityRow(code), code).toBeUndefined();
      const created = await facilityRow('IMP-F1');
      expect((await auditFor('facility', created!.id)).map((e) => [e.action, e.actor_id])).toEqual([
        ['facility.created', await userId(t.database.db, 'dhaka.admin')],
      ]);
    });

    it('importing the same file again updates instead of duplicating', async () => {
      const before = await countRows(t.database.db, 'facility');
      const report = json<ImportReportOut>(
        await importCsv('dhaka.admin', 'facilities', FILE.replace(',150,true', ',175,true')),
      );
      expect(report).toMatchObject({ total: 6, created: 0, updated: 2, rejected: 4 });
      expect(await countRows(t.database.db, 'facility')).toBe(before);
      expect((await facilityRow('IMP-F1'))!.daily_capacity).toBe(175);
    });

    it("refuses to change, or take over, a facility outside the importer's scope", async () => {
      const before = await facilityRow('DH-DIS1');
      const auditBefore = await countRows(t.database.db, 'audit_event');
      // DH-DIS1 is Cumilla's district hospital (Chattagram); the row would move it into Dhaka.
      const report = json<ImportReportOut>(
        await importCsv(
          'dhaka.admin',
          'facilities',
          [HEADER, 'DH-DIS1,Taken Over Hospital,দখল,hospital,DIS47,,,,1,true'].join('\n'),
        ),
      );
      expect(report).toMatchObject({
        total: 1,
        created: 0,
        updated: 0,
        rejected: 1,
        errors: [{ row: 2, code: 'forbidden' }],
      });
      expect(await facilityRow('DH-DIS1')).toEqual(before);
      expect(await countRows(t.database.db, 'audit_event')).toBe(auditBefore);
    });
  });

  describe('staff and grants', () => {
    const PASSWORD = 'savar-helpdesk-password';
    let created: { id: number; grantId: number };

    it('an area admin creates a user with a role in its area; the user signs in and sees only that area', async () => {
      const res = await call('dhaka.admin', 'POST', '/api/users', {
        username: 'dis47.helpdesk',
        displayName: 'Dhaka District Help Desk',
        password: PASSWORD,
        role: 'help_desk',
        areaId: a('DIS47'),
      });
      created = json<{ id: number; grantId: number }>(res, 201);
      const actor = await userId(t.database.db, 'dhaka.admin');
      const audit = await t.database.db
        .selectFrom('audit_event')
        .select(['action', 'actor_id', 'area_id'])
        .where('request_id', '=', String(res.headers['x-request-id']))
        .orderBy('id')
        .execute();
      expect(audit).toEqual([
        { action: 'user.created', actor_id: actor, area_id: a('DIS47') },
        { action: 'grant.added', actor_id: actor, area_id: a('DIS47') },
      ]);

      const header = await as('dis47.helpdesk', PASSWORD);
      const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: header } });
      const me = json<{ username: string; grants: unknown[] }>(await get('/api/auth/me'));
      expect(me.grants).toEqual([
        { id: created.grantId, role: 'help_desk', areaId: a('DIS47'), facilityId: null },
      ]);
      expect(json<AreaOut[]>(await get('/api/areas')).map((x) => x.code)).toEqual(['DIV6']);
      expect(json<AreaOut[]>(await get(`/api/areas?parentId=${a('DIV6')}`)).map((x) => x.code)).toEqual([
        'DIS47',
      ]);
      expect((await get(`/api/areas/${a('DIS47')}`)).statusCode).toBe(200);
      expectError(await get(`/api/areas/${a('DIS48')}`), 403, 'forbidden');
      expectError(await get(`/api/areas/${a('DIS1')}`), 403, 'forbidden');
      const facilities = json<FacilityOut[]>(await get('/api/facilities?limit=1000'));
      expect(facilities.length).toBeGreaterThan(0);
      const dis47Path = (await areaRow('DIS47'))!.path;
      const inside = new Set(
        (
          await t.database.db.selectFrom('area').select('id').where('path', 'like', `${dis47Path}%`).execute()
        ).map((x) => x.id),
      );
      expect(facilities.every((f) => inside.has(f.areaId))).toBe(true);
      expectError(await get('/api/users'), 403, 'forbidden');
    });

    it('an area admin cannot grant in another division, nor the national admin role', async () => {
      const before = await fingerprint(t.database.db, ['staff_user', 'role_grant', 'audit_event']);
      const user = { username: 'ctg.sneaky', displayName: 'Sneaky', password: 'sneaky-password-1' };
      expectError(
        await call('dhaka.admin', 'POST', '/api/users', { ...user, role: 'help_desk', areaId: a('DIV1') }),
        403,
        'forbidden',
      );
      expectError(
        await call('dhaka.admin', 'POST', '/api/users', {
          ...user,
          role: 'vaccinator',
          facilityId: await facilityId(t.database.db, 'UHC-UPA1'),
        }),
        403,
        'forbidden',
      );
      expectError(
        await call('dhaka.admin', 'POST', '/api/users', { ...user, role: 'national_admin' }),
        403,
        'forbidden',
      );
      expectError(
        await call('dhaka.admin', 'POST', '/api/users', { ...user, role: 'auditor' }),
        403,
        'forbidden',
      );
      // National admin is granted for the whole country only, whoever asks.
      expectError(
        await call('dhaka.admin', 'POST', '/api/users', {
          ...user,
          role: 'national_admin',
          areaId: a('DIV6'),
        }),
        400,
        'invalid_grant',
      );
      expectError(
        await call('admin', 'POST', '/api/users', {
          ...user,
          role: 'help_desk',
          areaId: a('DIV6'),
          facilityId: await facilityId(t.database.db, 'DH-DIS47'),
        }),
        400,
        'invalid_grant',
      );
      expectError(
        await call('dhaka.admin', 'POST', `/api/users/${created.id}/grants`, {
          role: 'help_desk',
          areaId: a('DIV1'),
        }),
        403,
        'forbidden',
      );
      expectError(
        await call('dhaka.admin', 'POST', `/api/users/${created.id}/grants`, { role: 'national_admin' }),
        403,
        'forbidden',
      );
      expectError(
        await call('dhaka.admin', 'POST', '/api/users', {
          ...user,
          username: 'dis47.helpdesk',
          role: 'help_desk',
          areaId: a('DIS47'),
        }),
        409,
        'username_taken',
      );
      expect(await fingerprint(t.database.db, ['staff_user', 'role_grant', 'audit_event'])).toEqual(before);
      expect(
        await t.database.db
          .selectFrom('staff_user')
          .select('id')
          .where('username', '=', 'ctg.sneaky')
          .executeTakeFirst(),
      ).toBeUndefined();
    });

    it("revoking a grant takes effect on the user's next request", async () => {
      const header = await as('dis47.helpdesk', PASSWORD);
      const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: header } });
      expect((await get(`/api/areas/${a('DIS47')}`)).statusCode).toBe(200);

      const revoked = await call(
        'dhaka.admin',
        'DELETE',
        `/api/users/${created.id}/grants/${created.grantId}`,
      );
      expect(revoked.statusCode, revoked.body).toBe(204);
      expectError(await get(`/api/areas/${a('DIS47')}`), 403, 'forbidden');
      expect(json<{ grants: unknown[] }>(await get('/api/auth/me')).grants).toEqual([]);
      expect(
        (
          await t.database.db
            .selectFrom('role_grant')
            .select(['revoked_at', 'revoked_by'])
            .where('id', '=', created.grantId)
            .executeTakeFirstOrThrow()
        ).revoked_by,
      ).toBe(await userId(t.database.db, 'dhaka.admin'));
      // Revoking it again finds no live grant.
      expectError(
        await call('dhaka.admin', 'DELETE', `/api/users/${created.id}/grants/${created.grantId}`),
        404,
        'not_found',
      );

      // A new grant works at once, too.
      const added = json<{ id: number }>(
        await call('dhaka.admin', 'POST', `/api/users/${created.id}/grants`, {
          role: 'vaccinator',
          facilityId: await facilityId(t.database.db, 'UHC-UPA366'),
        }),
        201,
      );
      expect(json<{ grants: { id: number }[] }>(await get('/api/auth/me')).grants.map((g) => g.id)).toEqual([
        added.id,
      ]);
      expect(json<FacilityOut[]>(await get('/api/facilities')).map((f) => f.code)).toEqual(['UHC-UPA366']);
    });
  });
});
