import { PGlite } from '@electric-sql/pglite';
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '../../src/seed/demo.ts';
import { testApp, type TestContext } from '../support/app.ts';
import { TEST_PEOPLE } from '../support/global-setup.ts';
import { countRows, signIn } from './helpers.ts';

/** The demo dataset every test database starts from. */

/** Luhn check, written out here so the test does not lean on the seeder's own helper. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Hashes of the seeded content, without generated ids and timestamps, so two databases compare. */
async function contentHashes(db: Db) {
  const one = async (query: RawBuilder<{ h: string; n: number }>) => {
    const { rows } = await query.execute(db);
    return `${rows[0]!.n} rows, md5 ${rows[0]!.h}`;
  };
  return {
    area: await one(sql`
      select count(*)::int as n, md5(string_agg(concat_ws(',', a.code, p.code, a.depth, a.name_en, a.name_bn, a.population, a.postcode, a.latitude, a.longitude), '|' order by a.code)) as h
      from area a left join area p on p.id = a.parent_id`),
    facility: await one(sql`
      select count(*)::int as n, md5(string_agg(concat_ws(',', f.code, f.name_en, f.name_bn, f.type, a.code, f.address, f.latitude, f.longitude, f.daily_capacity, f.active), '|' order by f.code)) as h
      from facility f join area a on a.id = f.area_id`),
    product: await one(sql`
      select count(*)::int as n, md5(string_agg(concat_ws(',', code, name, manufacturer, eu_product_code, icd11_code, cvx_code, primary_doses, min_interval_days, recommended_interval_days, storage_min_c, storage_max_c), '|' order by code)) as h
      from vaccine_product`),
    person: await one(sql`
      select count(*)::int as n, md5(string_agg(p::text, '|' order by p.id_type, p.id_number)) as h
      from nid_registry.person p`),
    staff: await one(sql`
      select count(*)::int as n, md5(string_agg(concat_ws(',', u.username, u.display_name, g.role, a.code, f.code), '|' order by u.username)) as h
      from staff_user u join role_grant g on g.user_id = u.id left join area a on a.id = g.area_id left join facility f on f.id = g.facility_id`),
  };
}

describe('demo seed', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  describe('areas', () => {
    it('has the Bangladesh hierarchy: 8 divisions, 64 districts, 494 upazilas, 4,540 unions', async () => {
      const rows = await t.database.db
        .selectFrom('area')
        .select(['depth', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('depth')
        .orderBy('depth')
        .execute();
      expect(rows.map((r) => [r.depth, Number(r.n)])).toEqual([
        [0, 8],
        [1, 64],
        [2, 494],
        [3, 4540],
      ]);
      const codes = new Set(
        (await t.database.db.selectFrom('area').select('code').execute()).map((r) => r.code),
      );
      const expected = [
        ...Array.from({ length: 8 }, (_, i) => `DIV${i + 1}`),
        ...Array.from({ length: 64 }, (_, i) => `DIS${i + 1}`),
        ...Array.from({ length: 494 }, (_, i) => `UPA${i + 1}`),
        ...Array.from({ length: 4540 }, (_, i) => `UNI${i + 1}`),
      ];
      expect(expected.filter((c) => !codes.has(c))).toEqual([]);
      expect(codes.size).toBe(expected.length);
    });

    it("is one tree: every parent one level up, every path its parent's path and its id", async () => {
      const { rows } = await sql<{ code: string }>`
        select a.code from area a left join area p on p.id = a.parent_id
        where (a.parent_id is null) <> (a.depth = 0)
           or (p.id is not null and p.depth <> a.depth - 1)
           or a.path <> coalesce(p.path, '/') || a.id || '/'`.execute(t.database.db);
      expect(rows).toEqual([]);
      const { rows: dhaka } = await sql<{ code: string; parent: string | null }>`
        select a.code, p.code as parent from area a left join area p on p.id = a.parent_id where a.name_en = 'Dhaka' order by a.depth`.execute(
        t.database.db,
      );
      expect(dhaka).toEqual([
        { code: 'DIV6', parent: null },
        { code: 'DIS47', parent: 'DIV6' },
      ]);
      expect(
        (
          await t.database.db
            .selectFrom('area')
            .select('name_en')
            .where('code', '=', 'DIV1')
            .executeTakeFirstOrThrow()
        ).name_en,
      ).toBe('Chattagram');
    });

    it('names its levels in English and Bengali', async () => {
      const levels = await t.database.db.selectFrom('area_level').selectAll().orderBy('depth').execute();
      expect(levels).toEqual([
        { depth: 0, code: 'division', name_en: 'Division', name_bn: 'বিভাগ' },
        { depth: 1, code: 'district', name_en: 'District', name_bn: 'জেলা' },
        { depth: 2, code: 'upazila', name_en: 'Upazila', name_bn: 'উপজেলা' },
        { depth: 3, code: 'union', name_en: 'Union', name_bn: 'ইউনিয়ন' },
      ]);
      const { rows } = await sql<{
        n: number;
      }>`select count(*)::int as n from area where name_bn !~ '[\u0980-\u09FF]' or name_en = ''`.execute(
        t.database.db,
      );
      expect(rows[0]!.n).toBe(0);
    });

    it('adds populations up the tree: a division is the sum of its districts, and so on down', async () => {
      const { rows } = await sql<{ code: string; population: number; children: number }>`
        select p.code, p.population, sum(c.population)::bigint as children
        from area p join area c on c.parent_id = p.id
        group by p.id, p.code, p.population
        having p.population is distinct from sum(c.population)`.execute(t.database.db);
      expect(rows).toEqual([]);
      const { rows: divisions } = await sql<{ code: string; population: number; districts: number }>`
        select p.code, p.population, (select sum(c.population) from area c where c.parent_id = p.id)::bigint as districts
        from area p where p.depth = 0 order by p.code`.execute(t.database.db);
      expect(divisions).toHaveLength(8);
      for (const d of divisions) {
        expect(d.population, d.code).toBeGreaterThan(0);
        expect(d.population, d.code).toBe(d.districts);
      }
      const unions = await t.database.db
        .selectFrom('area')
        .select((eb) => [eb.fn.min('population').as('min'), eb.fn.max('population').as('max')])
        .where('depth', '=', 3)
        .executeTakeFirstOrThrow();
      expect(Number(unions.min)).toBeGreaterThanOrEqual(18_000);
      expect(Number(unions.max)).toBeLessThanOrEqual(56_000);
    });
  });

  describe('facilities, products and staff', () => {
    it('has a store per division and district, a hospital per district, a health complex per upazila', async () => {
      const rows = await t.database.db
        .selectFrom('facility')
        .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('type')
        .orderBy('type')
        .execute();
      expect(rows.map((r) => [r.type, Number(r.n)])).toEqual([
        ['hospital', 64],
        ['store', 1 + 8 + 64],
        ['vaccination_centre', 494],
      ]);
      const { rows: missing } = await sql<{ code: string }>`
        select a.code from area a
        where (a.depth <= 1 and not exists (select 1 from facility f where f.area_id = a.id and f.code = 'STORE-' || a.code))
           or (a.depth = 1 and not exists (select 1 from facility f where f.area_id = a.id and f.code = 'DH-' || a.code))
           or (a.depth = 2 and not exists (select 1 from facility f where f.area_id = a.id and f.code = 'UHC-' || a.code))`.execute(
        t.database.db,
      );
      expect(missing).toEqual([]);
    });

    it('has the six vaccine products', async () => {
      const codes = (
        await t.database.db.selectFrom('vaccine_product').select('code').orderBy('code').execute()
      ).map((p) => p.code);
      expect(codes).toEqual(['BBIBP-CORV', 'COMIRNATY', 'CORONAVAC', 'COVISHIELD', 'JCOVDEN', 'SPIKEVAX']);
    });

    it('has the demo staff, each with one grant where the demo says, and a hashed password that works', async () => {
      const { rows } = await sql<{
        username: string;
        role: string;
        area: string | null;
        facility: string | null;
        password_hash: string;
      }>`
        select u.username, g.role, a.code as area, f.code as facility, u.password_hash
        from staff_user u join role_grant g on g.user_id = u.id and g.revoked_at is null
        left join area a on a.id = g.area_id left join facility f on f.id = g.facility_id
        order by u.username`.execute(t.database.db);
      expect(rows.map(({ password_hash: _h, ...r }) => r)).toEqual(
        [
          { username: 'admin', role: 'national_admin', area: null, facility: null },
          { username: 'auditor', role: 'auditor', area: null, facility: null },
          { username: 'dhaka.admin', role: 'area_admin', area: 'DIV6', facility: null },
          { username: 'helpdesk', role: 'help_desk', area: 'DIV6', facility: null },
          { username: 'manager', role: 'facility_manager', area: null, facility: 'UHC-UPA365' },
          { username: 'storekeeper', role: 'store_keeper', area: null, facility: 'STORE-DIS47' },
          { username: 'vaccinator', role: 'vaccinator', area: null, facility: 'UHC-UPA365' },
        ].sort((x, y) => x.username.localeCompare(y.username)),
      );
      expect(rows.map((r) => r.username).sort()).toEqual(DEMO_USERS.map((u) => u.username).sort());
      for (const r of rows) {
        expect(r.password_hash).toMatch(/^\$argon2id\$/);
        expect(r.password_hash).not.toContain(DEMO_PASSWORD);
      }
      for (const u of DEMO_USERS) expect((await signIn(t.app, u.username)).statusCode, u.username).toBe(200);
    });
  });

  describe('national ID registry stand-in', () => {
    it(`holds ${TEST_PEOPLE} people with unique 10-digit ids ending in a Luhn check digit`, async () => {
      const people = await t.database.db.selectFrom('nid_registry.person').selectAll().execute();
      expect(people).toHaveLength(TEST_PEOPLE);
      expect(new Set(people.map((p) => p.id_number)).size).toBe(TEST_PEOPLE);
      for (const p of people) {
        expect(p.id_type).toBe('nid');
        expect(p.id_number).toMatch(/^[1-9]\d{9}$/);
        expect(luhnValid(p.id_number), p.id_number).toBe(true);
      }
      // The check itself can fail: a changed last digit is caught.
      const sample = people[0]!.id_number;
      expect(luhnValid(sample.slice(0, 9) + String((Number(sample[9]) + 1) % 10))).toBe(false);
    });

    it('has genders female, male or third_gender, dates of birth in the past, and a union of the demo hierarchy', async () => {
      const people = await t.database.db.selectFrom('nid_registry.person').selectAll().execute();
      const genders = new Set(people.map((p) => p.gender));
      expect([...genders].every((g) => ['female', 'male', 'third_gender'].includes(g))).toBe(true);
      expect(genders.has('female') && genders.has('male')).toBe(true);
      const today = new Date().toISOString().slice(0, 10);
      for (const p of people) {
        expect(p.date_of_birth).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(p.date_of_birth < today, p.date_of_birth).toBe(true);
        expect(p.date_of_birth > '1900-01-01', p.date_of_birth).toBe(true);
        expect(p.name_en.trim()).not.toBe('');
        expect(p.name_bn).toMatch(/[\u0980-\u09FF]/);
        if (p.phone !== null) expect(p.phone).toMatch(/^\+8801[3-9]\d{8}$/);
      }
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from nid_registry.person p
        where not exists (select 1 from area a where a.code = p.area_code and a.depth = 3)`.execute(
        t.database.db,
      );
      expect(rows[0]!.n).toBe(0);
    });
  });

  describe('determinism', () => {
    it('seeding the same database again adds and changes nothing', async () => {
      const tables = [
        'area_level',
        'area',
        'facility',
        'vaccine_product',
        'staff_user',
        'role_grant',
        'nid_registry.person',
      ] as const;
      const counts = async () =>
        Object.fromEntries(
          await Promise.all(
            tables.map(async (table) => [table, await countRows(t.database.db, table)] as const),
          ),
        );
      const before = { counts: await counts(), content: await contentHashes(t.database.db) };
      expect(before.counts['nid_registry.person']).toBe(TEST_PEOPLE);
      await seedDemo(t.database, { people: TEST_PEOPLE, seed: 1, history: false });
      expect({ counts: await counts(), content: await contentHashes(t.database.db) }).toEqual(before);
    });

    it('the same seed gives the same dataset in a new database', async () => {
      const pglite = await PGlite.create();
      const fresh = await openDatabase({ dataDir: '', pglite });
      try {
        await migrate(fresh.db);
        await seedDemo(fresh, { people: TEST_PEOPLE, seed: 1, history: false });
        expect(await contentHashes(fresh.db)).toEqual(await contentHashes(t.database.db));
      } finally {
        await fresh.close();
        await pglite.close();
      }
    });
  });
});
