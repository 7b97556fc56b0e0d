import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Db } from '../db/database.ts';
import { hashPassword } from '../access/passwords.ts';
import type { Role } from '../db/schema.ts';
import { DEFAULT_PRIORITY_GROUPS } from '@dosewise/domain';
import { DEMO_PRODUCTS } from './products.ts';
import { productColumns } from '../reference/service.ts';
import type { Insertable } from 'kysely';
import type { VaccineProductTable } from '../db/schema.ts';
import { AGE_BANDS, FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES } from './names.ts';
import { luhnDigit, rng, type Rng } from './random.ts';
import { seedDemoStock } from './demo-stock.ts';
import { todayIn } from '../registration/calendar.ts';
import { rebuildPopulationCube } from '../reports/rollups.ts';

const DEMO_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../demo-data/bangladesh-areas',
);
export const DEMO_PASSWORD = 'dosewise-demo';

export const AREA_LEVELS = [
  { depth: 0, code: 'division', name_en: 'Division', name_bn: 'বিভাগ' },
  { depth: 1, code: 'district', name_en: 'District', name_bn: 'জেলা' },
  { depth: 2, code: 'upazila', name_en: 'Upazila', name_bn: 'উপজেলা' },
  { depth: 3, code: 'union', name_en: 'Union', name_bn: 'ইউনিয়ন' },
];

function csv(file: string): string[][] {
  return parse(readFileSync(path.join(DEMO_DIR, file), 'utf8'), { skip_empty_lines: true });
}

interface SeedArea {
  code: string;
  parentCode: string | null;
  depth: number;
  nameEn: string;
  nameBn: string;
  lat: number | null;
  lon: number | null;
  population: number;
}

/** Bangladesh's hierarchy (8 divisions, 64 districts, 494 upazilas, 4,540 unions) with union populations. */
export function demoAreas(r: Rng): SeedArea[] {
  const areas: SeedArea[] = [];
  const divisions = csv('divisions.csv');
  const districts = csv('districts.csv');
  const upazilas = csv('upazilas.csv');
  const unions = csv('unions.csv');
  const districtPos = new Map<string, [number, number]>();
  for (const [id, , lat, lon] of districts.map((d) => [d[0], d[1], d[4], d[5]]))
    districtPos.set(id!, [Number(lat), Number(lon)]);
  const upazilaDistrict = new Map(upazilas.map((u) => [u[0]!, u[1]!]));
  for (const [id, name, bn] of divisions)
    areas.push({
      code: `DIV${id}`,
      parentCode: null,
      depth: 0,
      nameEn: name!,
      nameBn: bn!,
      lat: null,
      lon: null,
      population: 0,
    });
  for (const [id, div, name, bn, lat, lon] of districts)
    areas.push({
      code: `DIS${id}`,
      parentCode: `DIV${div}`,
      depth: 1,
      nameEn: name!,
      nameBn: bn!,
      lat: Number(lat),
      lon: Number(lon),
      population: 0,
    });
  for (const [id, dis, name, bn] of upazilas) {
    const [lat, lon] = districtPos.get(dis!) ?? [23.7, 90.4];
    areas.push({
      code: `UPA${id}`,
      parentCode: `DIS${dis}`,
      depth: 2,
      nameEn: name!,
      nameBn: bn!,
      lat: round(lat + (r.next() - 0.5) * 0.4),
      lon: round(lon + (r.next() - 0.5) * 0.4),
      population: 0,
    });
  }
  for (const [id, upa, name, bn] of unions) {
    const [lat, lon] = districtPos.get(upazilaDistrict.get(upa!) ?? '') ?? [23.7, 90.4];
    areas.push({
      code: `UNI${id}`,
      parentCode: `UPA${upa}`,
      depth: 3,
      nameEn: name!,
      nameBn: bn!,
      lat: round(lat + (r.next() - 0.5) * 0.5),
      lon: round(lon + (r.next() - 0.5) * 0.5),
      population: r.int(18_000, 56_000),
    });
  }
  // Populations add up the tree: each level is the sum of the level below.
  const byCode = new Map(areas.map((a) => [a.code, a]));
  for (let depth = 3; depth > 0; depth--) {
    for (const a of areas)
      if (a.depth === depth && a.parentCode) byCode.get(a.parentCode)!.population += a.population;
  }
  return areas;
}

const round = (n: number) => Math.round(n * 1e5) / 1e5;

async function seedAreas(db: Db, areas: SeedArea[]) {
  await db
    .insertInto('area_level')
    .values(AREA_LEVELS)
    .onConflict((oc) => oc.column('depth').doNothing())
    .execute();
  for (let depth = 0; depth <= 3; depth++) {
    const level = areas.filter((a) => a.depth === depth);
    for (let i = 0; i < level.length; i += 1000) {
      const chunk = level.slice(i, i + 1000);
      await sql`
        insert into area (code, parent_id, depth, path, name_en, name_bn, population, latitude, longitude)
        select v.code, p.id, v.depth, 'pending:' || v.code, v.name_en, v.name_bn, v.population, v.lat, v.lon
        from jsonb_to_recordset(${JSON.stringify(chunk.map((a) => ({ code: a.code, parent: a.parentCode, depth: a.depth, name_en: a.nameEn, name_bn: a.nameBn, population: a.population, lat: a.lat, lon: a.lon })))}::jsonb)
          as v(code text, parent text, depth int, name_en text, name_bn text, population bigint, lat float8, lon float8)
        left join area p on p.code = v.parent
        on conflict (code) do nothing`.execute(db);
    }
    await sql`
      update area a set path = coalesce(p.path, '/') || a.id || '/'
      from area a2 left join area p on p.id = a2.parent_id
      where a.id = a2.id and a.path like 'pending:%' and a.depth = ${depth}`.execute(db);
  }
}

interface SeedFacility {
  code: string;
  name_en: string;
  name_bn: string;
  type: 'vaccination_centre' | 'hospital' | 'store';
  area_code: string;
  address: string;
  latitude: number | null;
  longitude: number | null;
  daily_capacity: number;
}

export function demoFacilities(areas: SeedArea[], r: Rng): SeedFacility[] {
  const out: SeedFacility[] = [];
  const jitter = (v: number | null) => (v === null ? null : round(v + (r.next() - 0.5) * 0.05));
  const dhaka = areas.find((a) => a.depth === 0 && a.nameEn === 'Dhaka') ?? areas[0]!;
  out.push({
    code: 'STORE-NATIONAL',
    name_en: 'National Vaccine Store, Mohakhali',
    name_bn: 'জাতীয় টিকা সংরক্ষণাগার, মহাখালী',
    type: 'store',
    area_code: dhaka.code,
    address: 'EPI Headquarters, Mohakhali, Dhaka',
    latitude: 23.7775,
    longitude: 90.4043,
    daily_capacity: 0,
  });
  for (const a of areas) {
    if (a.depth === 0) {
      out.push({
        code: `STORE-${a.code}`,
        name_en: `${a.nameEn} Divisional Vaccine Store`,
        name_bn: `${a.nameBn} বিভাগীয় টিকা সংরক্ষণাগার`,
        type: 'store',
        area_code: a.code,
        address: `${a.nameEn}`,
        latitude: null,
        longitude: null,
        daily_capacity: 0,
      });
    } else if (a.depth === 1) {
      out.push({
        code: `STORE-${a.code}`,
        name_en: `${a.nameEn} District Vaccine Store`,
        name_bn: `${a.nameBn} জেলা টিকা সংরক্ষণাগার`,
        type: 'store',
        area_code: a.code,
        address: `Civil Surgeon Office, ${a.nameEn}`,
        latitude: jitter(a.lat),
        longitude: jitter(a.lon),
        daily_capacity: 0,
      });
      out.push({
        code: `DH-${a.code}`,
        name_en: `${a.nameEn} District Hospital`,
        name_bn: `${a.nameBn} জেলা সদর হাসপাতাল`,
        type: 'hospital',
        area_code: a.code,
        address: `Hospital Road, ${a.nameEn}`,
        latitude: jitter(a.lat),
        longitude: jitter(a.lon),
        daily_capacity: r.int(10, 20) * 100,
      });
    } else if (a.depth === 2) {
      out.push({
        code: `UHC-${a.code}`,
        name_en: `${a.nameEn} Upazila Health Complex`,
        name_bn: `${a.nameBn} উপজেলা স্বাস্থ্য কমপ্লেক্স`,
        type: 'vaccination_centre',
        area_code: a.code,
        address: `${a.nameEn} Sadar`,
        latitude: a.lat,
        longitude: a.lon,
        daily_capacity: r.int(3, 8) * 100,
      });
    }
  }
  return out;
}

async function seedFacilities(db: Db, facilities: SeedFacility[]) {
  for (let i = 0; i < facilities.length; i += 1000) {
    await sql`
      insert into facility (code, name_en, name_bn, type, area_id, address, latitude, longitude, daily_capacity)
      select v.code, v.name_en, v.name_bn, v.type, a.id, v.address, v.latitude, v.longitude, v.daily_capacity
      from jsonb_to_recordset(${JSON.stringify(facilities.slice(i, i + 1000))}::jsonb)
        as v(code text, name_en text, name_bn text, type text, area_code text, address text, latitude float8, longitude float8, daily_capacity int)
      join area a on a.code = v.area_code
      on conflict (code) do nothing`.execute(db);
  }
}

async function seedProducts(db: Db) {
  for (const p of DEMO_PRODUCTS) {
    await db
      .insertInto('vaccine_product')
      .values(productColumns(p) as Insertable<VaccineProductTable>)
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
  }
}

/** The default priority groups (see packages/domain): data a national admin edits later. */
async function seedPriorityGroups(db: Db) {
  for (const g of DEFAULT_PRIORITY_GROUPS) {
    const exists = await db
      .selectFrom('priority_group')
      .select('id')
      .where('code', '=', g.code)
      .executeTakeFirst();
    if (exists) continue;
    await db
      .insertInto('priority_group')
      .values({
        code: g.code,
        version: g.version,
        name_en: g.nameEn,
        name_bn: g.nameBn,
        rank: g.rank,
        min_age_years: g.minAgeYears,
        max_age_years: g.maxAgeYears ?? null,
        proof_rule: g.proofRule,
        opens_on: g.opensOn,
        active: g.active,
        created_by: null,
      })
      .execute();
  }
}

export interface DemoUser {
  username: string;
  displayName: string;
  role: Role;
  scope: { areaCode?: string; facilityCode?: string };
  label: string;
}

export const DEMO_USERS: DemoUser[] = [
  {
    username: 'admin',
    displayName: 'National Administrator',
    role: 'national_admin',
    scope: {},
    label: 'national admin (whole country)',
  },
  {
    username: 'dhaka.admin',
    displayName: 'Dhaka Division Administrator',
    role: 'area_admin',
    scope: { areaCode: 'DIV6' },
    label: 'area admin (Dhaka division)',
  },
  {
    username: 'manager',
    displayName: 'Savar Health Complex Manager',
    role: 'facility_manager',
    scope: { facilityCode: 'UHC-UPA' },
    label: 'facility manager (one health complex)',
  },
  {
    username: 'vaccinator',
    displayName: 'Savar Vaccinator',
    role: 'vaccinator',
    scope: { facilityCode: 'UHC-UPA' },
    label: 'vaccinator (same health complex)',
  },
  {
    username: 'storekeeper',
    displayName: 'Dhaka District Store Keeper',
    role: 'store_keeper',
    scope: { facilityCode: 'STORE-DIS' },
    label: 'store keeper (Dhaka district store)',
  },
  {
    username: 'auditor',
    displayName: 'National Auditor',
    role: 'auditor',
    scope: {},
    label: 'auditor (read-only, whole country)',
  },
  {
    username: 'helpdesk',
    displayName: 'Dhaka Help Desk',
    role: 'help_desk',
    scope: { areaCode: 'DIV6' },
    label: 'help desk (Dhaka division)',
  },
];

async function seedUsers(db: Db) {
  // Facility-bound demo staff sit in Dhaka district (DIS47 in the source data); find its first health complex and store.
  const dhakaDistrict = await db
    .selectFrom('area')
    .select(['id', 'code', 'path'])
    .where('name_en', '=', 'Dhaka')
    .where('depth', '=', 1)
    .executeTakeFirst();
  const dhakaDivision = await db
    .selectFrom('area')
    .select(['code'])
    .where('name_en', '=', 'Dhaka')
    .where('depth', '=', 0)
    .executeTakeFirst();
  const centre = dhakaDistrict
    ? await db
        .selectFrom('facility as f')
        .innerJoin('area as a', 'a.id', 'f.area_id')
        .select('f.code')
        .where('a.path', 'like', `${dhakaDistrict.path}%`)
        .where('f.type', '=', 'vaccination_centre')
        .orderBy('f.code')
        .executeTakeFirst()
    : undefined;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const u of DEMO_USERS) {
    const areaCode = u.scope.areaCode ? dhakaDivision?.code : undefined;
    const facilityCode =
      u.scope.facilityCode === 'UHC-UPA'
        ? centre?.code
        : u.scope.facilityCode === 'STORE-DIS'
          ? `STORE-${dhakaDistrict?.code}`
          : undefined;
    const created = await db
      .insertInto('staff_user')
      .values({
        username: u.username,
        display_name: u.displayName,
        password_hash: passwordHash,
        created_by: null,
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!created) continue;
    const areaId = areaCode
      ? ((await db.selectFrom('area').select('id').where('code', '=', areaCode).executeTakeFirst())?.id ??
        null)
      : null;
    const facilityId = facilityCode
      ? ((await db.selectFrom('facility').select('id').where('code', '=', facilityCode).executeTakeFirst())
          ?.id ?? null)
      : null;
    await db
      .insertInto('role_grant')
      .values({
        user_id: created.id,
        role: u.role,
        area_id: areaId,
        facility_id: facilityId,
        granted_by: null,
      })
      .execute();
  }
}

/**
 * Union codes in the order the registry stand-in assigns households to them: the CSV order of
 * demoAreas, read without a database. The seeder and the registry simulator both use it, so the
 * same seed puts the same person in the same union on PGlite, on a server and in the simulator.
 * Not area id order: seedAreas' insert numbers rows in whatever order its join plan yields.
 */
export function demoUnionCodes(): string[] {
  return demoAreas(rng(0))
    .filter((a) => a.depth === 3)
    .map((a) => a.code);
}

/** One registry row as CSV, for COPY. */
export function* registryRows(count: number, seed: number, unionCodes: string[]): Generator<string> {
  const r = rng(seed * 7919 + 17);
  const today = new Date(Date.UTC(2026, 0, 1));
  let household = 0;
  let householdLeft = 0;
  let phone = '';
  for (let i = 0; i < count; i++) {
    if (householdLeft === 0) {
      household++;
      householdLeft = r.weighted([
        [1, 15],
        [2, 20],
        [3, 25],
        [4, 25],
        [5, 15],
      ] as const);
      phone = r.next() < 0.92 ? `+8801${r.int(3, 9)}${String(r.int(0, 99_999_999)).padStart(8, '0')}` : '';
    }
    householdLeft--;
    const gender = r.weighted([
      ['female', 504],
      ['male', 495],
      ['third_gender', 1],
    ] as const);
    const given =
      gender === 'female'
        ? r.pick(FEMALE_NAMES)
        : gender === 'male'
          ? r.pick(MALE_NAMES)
          : r.pick([...FEMALE_NAMES, ...MALE_NAMES]);
    const family = r.pick(FAMILY_NAMES);
    const band = r.weighted(AGE_BANDS.map(([start, w]) => [start, w] as const));
    const ageDays = (band + r.next() * (band === 80 ? 15 : 5)) * 365.25;
    const dob = new Date(today.getTime() - ageDays * 86_400_000).toISOString().slice(0, 10);
    // 10-digit national ID: 9 digits that visit every value once as i grows, then a Luhn check digit.
    const body = String(100_000_000 + ((i * 7919 + seed * 104_729) % 900_000_000));
    const nid = body + luhnDigit(body);
    const union = unionCodes[(household * 2654435761) % unionCodes.length]!;
    yield `nid,${nid},${given[0]} ${family[0]},${given[1]} ${family[1]},${dob},${gender},${phone},${union}\n`;
  }
}

/** Lines of registry CSV, joined into chunks of 5,000 (COPY and batch inserts are bound by chunk count). */
function* chunked(lines: Iterable<string>, size = 5000): Generator<string[]> {
  let buf: string[] = [];
  for (const line of lines) {
    buf.push(line);
    if (buf.length === size) {
      yield buf;
      buf = [];
    }
  }
  if (buf.length) yield buf;
}

const REGISTRY_COLUMNS = 'id_type, id_number, name_en, name_bn, date_of_birth, gender, phone, area_code';

async function seedRegistry(database: Database, count: number, seed: number) {
  if (count <= 0) return;
  const unionCodes = demoUnionCodes();
  const lines = registryRows(count, seed, unionCodes);
  const client = await database.pool.connect();
  try {
    await client.query('begin');
    if (database.kind === 'postgres') {
      // A server takes COPY: a million rows in seconds. Into a temp table first, so a second seed skips existing ids.
      await client.query('create temp table registry_load (like nid_registry.person) on commit drop');
      const chunks = (function* () {
        for (const c of chunked(lines)) yield c.join('');
      })();
      await pipeline(
        Readable.from(chunks),
        client.query(
          copyFrom(`copy registry_load (${REGISTRY_COLUMNS}) from stdin with (format csv, null '')`),
        ),
      );
      await client.query(
        'insert into nid_registry.person select * from registry_load on conflict do nothing',
      );
    } else {
      // PGlite's node-postgres adapter has no COPY FROM STDIN: batched multi-row inserts instead.
      for (const c of chunked(lines)) {
        await client.query(
          `insert into nid_registry.person (${REGISTRY_COLUMNS})
           select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[])
           on conflict do nothing`,
          transpose(c.map((line) => line.slice(0, -1).split(','))),
        );
      }
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function transpose(rows: string[][]): (string | null)[][] {
  const cols: (string | null)[][] = Array.from({ length: 8 }, () => []);
  for (const r of rows) for (let i = 0; i < 8; i++) cols[i]!.push(r[i] === '' ? null : r[i]!);
  return cols;
}

/** Lower bounds of the report age bands (migrations/0009_reports.sql). */
const REPORT_BANDS = [0, 12, 18, 30, 40, 50, 60, 70, 80] as const;

/**
 * Shares of the report age bands, from the 5-year distribution of AGE_BANDS: a 5-year band that
 * straddles a report band's bound is split by whole years (10-14: 10-11 and 12-14).
 */
export function reportBandShares(): Map<number, number> {
  const shares = new Map<number, number>(REPORT_BANDS.map((b) => [b, 0]));
  const total = AGE_BANDS.reduce((n, [, w]) => n + w, 0);
  for (const [start, w] of AGE_BANDS) {
    const years = start === 80 ? [80] : [0, 1, 2, 3, 4].map((i) => start + i);
    for (const age of years) {
      const band = [...REPORT_BANDS].reverse().find((b) => age >= b)!;
      shares.set(band, shares.get(band)! + w / total / years.length);
    }
  }
  return shares;
}

/** Gender shares of the demo population (the registry stand-in draws people the same way). */
const GENDER_SHARES = [
  ['female', 0.504],
  ['male', 0.494],
  ['third_gender', 0.002],
] as const;

/**
 * Population denominators of every lowest-level area, from its population split by age band and
 * gender; skipped when denominators are already there (imported or seeded earlier).
 */
export async function seedPopulation(db: Db): Promise<number> {
  const any = await db.selectFrom('population').select('area_id').limit(1).executeTakeFirst();
  if (any) return 0;
  const cells = [...reportBandShares()].flatMap(([band, share]) =>
    GENDER_SHARES.map(([gender, g]) => ({ band, gender, share: share * g })),
  );
  const res = await sql`
    insert into population (area_id, age_band, gender, people)
    select a.id, c.band, c.gender, round(a.population * c.share)::bigint
    from area a
    cross join jsonb_to_recordset(${JSON.stringify(cells)}::jsonb) as c(band smallint, gender text, share float8)
    where a.population is not null and a.depth = (select max(depth) from area_level)
    on conflict do nothing`.execute(db);
  await rebuildPopulationCube(db);
  return Number(res.numAffectedRows ?? 0);
}

export interface SeedOptions {
  people: number;
  seed: number;
  log?: (msg: string) => void;
  /** The vaccination history for the dashboards (seed/history.ts; default true). Test templates leave it out. */
  history?: boolean;
}

/** Builds the demo dataset; every step skips what is already there, so it can run again safely. */
export async function seedDemo(database: Database, opts: SeedOptions) {
  const log = opts.log ?? (() => undefined);
  const r = rng(opts.seed);
  const areas = demoAreas(r);
  let t = Date.now();
  await seedAreas(database.db, areas);
  log(`areas: ${areas.length} (${Date.now() - t} ms)`);
  t = Date.now();
  await seedFacilities(database.db, demoFacilities(areas, r));
  await seedProducts(database.db);
  await seedPriorityGroups(database.db);
  await seedUsers(database.db);
  log(`facilities, products, staff (${Date.now() - t} ms)`);
  t = Date.now();
  const stock = await seedDemoStock(database.db, todayIn('Asia/Dhaka'));
  log(`stores and stock: ${stock.lots} lots, ${stock.transfers} transfers (${Date.now() - t} ms)`);
  t = Date.now();
  const population = await seedPopulation(database.db);
  log(`population denominators: ${population} rows (${Date.now() - t} ms)`);
  t = Date.now();
  await seedRegistry(database, opts.people, opts.seed);
  log(`national ID registry stand-in: ${opts.people} people (${Date.now() - t} ms)`);
  if (opts.history !== false)
    await (await import('./history.ts')).seedDemoHistory(database, { seed: opts.seed, log });
}

export async function isSeeded(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom('staff_user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n) > 0;
}
