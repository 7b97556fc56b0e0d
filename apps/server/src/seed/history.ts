import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  AEFI_SYMPTOMS,
  addDays,
  COMORBIDITIES,
  COMORBIDITY_GROUP_CODE,
  makeRegistrationNumber,
} from '@dosewise/domain';
import type { Database } from '../db/database.ts';
import { hashPassword } from '../access/passwords.ts';
import { rebuildRollups } from '../reports/rollups.ts';
import { todayIn } from '../registration/calendar.ts';
import { AGE_BANDS, FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES } from './names.ts';
import { rng, type Rng } from './random.ts';

/**
 * Vaccination history written straight into the tables, for dashboards with something to show and
 * for measuring reports over millions of doses: registered people spread over the unions by their
 * population, their doses (first dose some days after registering, later doses at the product's
 * interval, a booster for some) at the health complex of their upazila or their district hospital,
 * with the vaccinator, the session and the lot; appointments attended, missed, cancelled and booked
 * ahead; the waiting queue; the stock that made it possible (a supplier's receipt per lot into the
 * national store, monthly transfers down the chain, doses administered and vials wasted per
 * facility, lot and day); and a few AEFI reports.
 *
 * The fact tables' triggers are switched off for the load (`session_replication_role = replica`,
 * which also skips foreign-key checks: every reference is made here and is valid), then what they
 * would have kept is recomputed set-wise: stock balances from the ledger, each facility's
 * attendance, and finally every report rollup (`rebuildRollups`). On a PostgreSQL server the rows
 * go in by COPY; PGlite has no COPY FROM STDIN and takes batched `unnest` inserts (demo sizes).
 *
 * Identifiers are not real: ID numbers and their blind index are made-up values of the stored
 * shape (a registry re-check is never needed: everyone is verified), and people have no phone.
 */

export interface HistoryOptions {
  seed: number;
  /** Days of history, ending yesterday (doses) and reaching two weeks ahead (booked appointments). */
  days: number;
  /** People to register; generation stops at this or at `doses`, whichever comes first. */
  people?: number;
  doses?: number;
  timeZone: string;
  /** The programme's today (default: today in `timeZone`). */
  today?: string;
  log?: (msg: string) => void;
  /**
   * How the report rollups learn of the history: `rebuild` recomputes them all from the facts
   * (a server: one pass over millions of rows beats millions of deltas); `deltas` appends what the
   * switched-off triggers would have appended, for the rollup worker to apply after start (PGlite:
   * a rebuild there costs tens of seconds, the demo's deltas a few seconds in the background).
   * Default: `rebuild` on a server, `deltas` on PGlite.
   */
  rollups?: 'rebuild' | 'deltas';
  /** Vacuum and analyze the facts, rollups and cubes afterwards (a server; for benchmarks). */
  vacuum?: boolean;
}

const VACUUMED = [
  'person',
  'dose',
  'appointment',
  'vaccination_session',
  'session_slot',
  'stock_entry',
  'stock_balance',
  'waiting_entry',
  'aefi_report',
  'rollup_registration',
  'rollup_appointment',
  'rollup_dose',
  'rollup_stock',
  'cube_dose_area',
  'cube_dose_trend',
  'cube_registration_area',
  'cube_registration_trend',
  'cube_appointment_area',
  'cube_facility_day',
  'cube_vaccinator_day',
  'cube_lot',
  'cube_population',
];

export interface HistoryResult {
  people: number;
  doses: number;
  appointments: number;
  sessions: number;
  waiting: number;
  stockEntries: number;
  transfers: number;
  aefiReports: number;
  loadMs: number;
  rebuildMs: number;
}

type Value = string | number | null;

interface Columns {
  table: string;
  /** Column names and the SQL types PGlite's unnest casts text to. */
  columns: readonly (readonly [string, string])[];
}

const T = {
  person: {
    table: 'person',
    columns: [
      ['id', 'bigint'],
      ['registration_number', 'text'],
      ['id_type', 'text'],
      ['id_blind', 'text'],
      ['id_enc', 'text'],
      ['id_last4', 'text'],
      ['name_en', 'text'],
      ['name_bn', 'text'],
      ['date_of_birth', 'date'],
      ['gender', 'text'],
      ['area_id', 'bigint'],
      ['comorbidities', 'text[]'],
      ['priority_group_id', 'bigint'],
      ['priority_status', 'text'],
      ['consent_version', 'text'],
      ['consent_at', 'timestamptz'],
      ['verification_status', 'text'],
      ['verification_checked_at', 'timestamptz'],
      ['locale', 'text'],
      ['registered_via', 'text'],
      ['registered_by', 'bigint'],
      ['registered_at', 'timestamptz'],
    ],
  },
  identity_claim: {
    table: 'identity_claim',
    columns: [
      ['id_type', 'text'],
      ['id_blind', 'text'],
      ['person_id', 'bigint'],
      ['claimed_at', 'timestamptz'],
    ],
  },
  dose: {
    table: 'dose',
    columns: [
      ['id', 'bigint'],
      ['person_id', 'bigint'],
      ['dose_number', 'integer'],
      ['product_id', 'bigint'],
      ['facility_id', 'bigint'],
      ['administered_on', 'date'],
      ['administered_at', 'timestamptz'],
      ['appointment_id', 'bigint'],
      ['recorded_by', 'bigint'],
      ['recorded_at', 'timestamptz'],
      ['lot_id', 'bigint'],
      ['session_id', 'bigint'],
      ['body_site', 'text'],
      ['identity_check', 'text'],
      ['consent', 'boolean'],
      ['source', 'text'],
    ],
  },
  appointment: {
    table: 'appointment',
    columns: [
      ['id', 'bigint'],
      ['person_id', 'bigint'],
      ['dose_number', 'integer'],
      ['session_id', 'bigint'],
      ['slot_id', 'bigint'],
      ['facility_id', 'bigint'],
      ['product_id', 'bigint'],
      ['session_date', 'date'],
      ['code', 'text'],
      ['status', 'text'],
      ['booked_via', 'text'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
      ['cancelled_at', 'timestamptz'],
      ['cancel_reason', 'text'],
      ['attended_at', 'timestamptz'],
      ['missed_at', 'timestamptz'],
    ],
  },
  waiting_entry: {
    table: 'waiting_entry',
    columns: [
      ['person_id', 'bigint'],
      ['dose_number', 'integer'],
      ['product_id', 'bigint'],
      ['facility_id', 'bigint'],
      ['earliest_date', 'date'],
      ['due_date', 'date'],
      ['priority_rank', 'integer'],
      ['registered_at', 'timestamptz'],
      ['reason', 'text'],
      ['since', 'timestamptz'],
    ],
  },
  aefi_report: {
    table: 'aefi_report',
    columns: [
      ['person_id', 'bigint'],
      ['dose_id', 'bigint'],
      ['lot_id', 'bigint'],
      ['product_id', 'bigint'],
      ['facility_id', 'bigint'],
      ['symptoms', 'text[]'],
      ['onset_at', 'timestamptz'],
      ['severity', 'text'],
      ['serious_criteria', 'text[]'],
      ['outcome', 'text'],
      ['reported_via', 'text'],
      ['reported_by_staff', 'bigint'],
      ['investigation_status', 'text'],
      ['causality', 'text'],
      ['created_at', 'timestamptz'],
    ],
  },
  vaccination_session: {
    table: 'vaccination_session',
    columns: [
      ['id', 'bigint'],
      ['facility_id', 'bigint'],
      ['session_date', 'date'],
      ['product_id', 'bigint'],
      ['dose_numbers', 'integer[]'],
      ['min_age_years', 'integer'],
      ['starts_at', 'time'],
      ['ends_at', 'time'],
      ['status', 'text'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
      ['settled_at', 'timestamptz'],
    ],
  },
  session_slot: {
    table: 'session_slot',
    columns: [
      ['id', 'bigint'],
      ['session_id', 'bigint'],
      ['starts_at', 'time'],
      ['ends_at', 'time'],
      ['capacity', 'integer'],
      ['booked', 'integer'],
    ],
  },
  lot: {
    table: 'lot',
    columns: [
      ['id', 'bigint'],
      ['product_id', 'bigint'],
      ['lot_number', 'text'],
      ['manufacturer', 'text'],
      ['expires_on', 'date'],
      ['doses_per_vial', 'integer'],
      ['created_at', 'timestamptz'],
    ],
  },
  stock_receipt: {
    table: 'stock_receipt',
    columns: [
      ['id', 'bigint'],
      ['store_id', 'bigint'],
      ['supplier', 'text'],
      ['reference', 'text'],
      ['received_on', 'date'],
      ['note', 'text'],
      ['created_at', 'timestamptz'],
    ],
  },
  stock_transfer: {
    table: 'stock_transfer',
    columns: [
      ['id', 'bigint'],
      ['from_store_id', 'bigint'],
      ['to_store_id', 'bigint'],
      ['status', 'text'],
      ['note', 'text'],
      ['dispatched_at', 'timestamptz'],
      ['received_at', 'timestamptz'],
    ],
  },
  stock_transfer_line: {
    table: 'stock_transfer_line',
    columns: [
      ['transfer_id', 'bigint'],
      ['lot_id', 'bigint'],
      ['dispatched_doses', 'integer'],
      ['received_doses', 'integer'],
    ],
  },
  stock_entry: {
    table: 'stock_entry',
    columns: [
      ['lot_id', 'bigint'],
      ['quantity', 'integer'],
      ['from_store_id', 'bigint'],
      ['from_party', 'text'],
      ['to_store_id', 'bigint'],
      ['to_party', 'text'],
      ['kind', 'text'],
      ['receipt_id', 'bigint'],
      ['transfer_id', 'bigint'],
      ['recorded_by', 'bigint'],
      ['recorded_at', 'timestamptz'],
    ],
  },
} as const satisfies Record<string, Columns>;

type TableName = keyof typeof T;

/**
 * Rows gathered per table and written in batches: COPY text on a server, `unnest` on PGlite.
 * Only generated values go in (digits, codes, names from the seed lists): none holds a tab, a
 * newline or a backslash, so COPY's text format needs no escaping.
 */
class Loader {
  private copyText = new Map<TableName, string[]>();
  private cols = new Map<TableName, Value[][]>();
  readonly counts: Partial<Record<TableName, number>> = {};
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private client: pg.PoolClient,
    private kind: Database['kind'],
  ) {}

  add(table: TableName, row: Value[]) {
    this.counts[table] = (this.counts[table] ?? 0) + 1;
    if (this.kind === 'postgres') {
      let lines = this.copyText.get(table);
      if (!lines) this.copyText.set(table, (lines = []));
      let line = '';
      for (let i = 0; i < row.length; i++) {
        const v = row[i];
        line += (i ? '\t' : '') + (v === null || v === undefined ? '\\N' : v);
      }
      lines.push(line);
    } else {
      let c = this.cols.get(table);
      if (!c) this.cols.set(table, (c = T[table].columns.map(() => [])));
      for (let i = 0; i < row.length; i++) c[i]!.push(row[i] === null ? null : String(row[i]));
    }
  }

  /** Starts writing what was gathered; the next flush (or `finish`) waits for it. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.kind === 'postgres') {
      const batches = [...this.copyText.entries()];
      this.copyText = new Map();
      this.inFlight = (async () => {
        for (const [table, lines] of batches) await this.copy(table, lines);
      })();
    } else {
      const batches = [...this.cols.entries()];
      this.cols = new Map();
      for (const [table, cols] of batches) await this.insert(table, cols);
    }
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }

  private async copy(table: TableName, lines: string[]) {
    if (!lines.length) return;
    const spec = T[table];
    const names = spec.columns.map(([n]) => n).join(', ');
    // Pieces of ~1,000 lines: the socket takes them while the next batch is being made.
    const pieces = (function* () {
      for (let i = 0; i < lines.length; i += 1000) yield lines.slice(i, i + 1000).join('\n') + '\n';
    })();
    await pipeline(
      Readable.from(pieces),
      this.client.query(copyFrom(`copy ${spec.table} (${names}) from stdin`)),
    );
  }

  private async insert(table: TableName, cols: Value[][]) {
    const spec = T[table];
    const n = cols[0]?.length ?? 0;
    const names = spec.columns.map(([c]) => c).join(', ');
    const casts = spec.columns.map(([c, type]) => `${c}::${type}`).join(', ');
    const params = spec.columns.map((_, i) => `$${i + 1}::text[]`).join(', ');
    const text = `insert into ${spec.table} (${names}) overriding system value
      select ${casts} from unnest(${params}) as u(${names})`;
    for (let i = 0; i < n; i += 5000)
      await this.client.query(
        text,
        cols.map((c) => c.slice(i, i + 5000)),
      );
  }
}

interface Product {
  id: number;
  code: string;
  manufacturer: string;
  primaryDoses: number;
  minInterval: number;
  recommendedInterval: number;
  boosterAllowed: boolean;
  boosterWait: number;
  minAge: number;
  dosesPerVial: number;
  weight: number;
}

interface Place {
  id: number;
  products: Product[];
  vaccinators: number[];
}

/** How much of each vaccine the campaign used (roughly Bangladesh's mix). */
const PRODUCT_WEIGHT: Record<string, number> = {
  COMIRNATY: 30,
  SPIKEVAX: 12,
  COVISHIELD: 18,
  'BBIBP-CORV': 28,
  CORONAVAC: 8,
  JCOVDEN: 4,
};
/** Days a lot is used before the next one arrives (its transfers go out in 30-day blocks). */
const LOT_DAYS = 120;
const BLOCK_DAYS = 30;
const SLOTS = [
  ['09:00', '13:00'],
  ['13:00', '17:00'],
] as const;

/** The UTC offset of a time zone (today), as '+06:00', for timestamps written as text. */
function utcOffset(timeZone: string): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date())
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-]\d{2}:\d{2})/.exec(part ?? '');
  return m ? m[1]! : '+00:00';
}

/** A bijection of 32-bit integers that looks random (murmur3's finaliser). */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function b64(words: number[], chars: number): string {
  let s = '';
  for (const w of words) for (let i = 0; i < 5 && s.length < chars; i++) s += B64[(w >>> (i * 6)) & 63];
  return s;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

async function sequenceBase(client: pg.PoolClient, table: string): Promise<number> {
  const { rows } = await client.query<{ base: string }>(
    `select greatest((select coalesce(max(id), 0) from ${table}),
                     (select last_value from ${await sequenceName(client, table)})) as base`,
  );
  return Number(rows[0]!.base);
}

async function sequenceName(client: pg.PoolClient, table: string): Promise<string> {
  const { rows } = await client.query<{ s: string }>(`select pg_get_serial_sequence($1, 'id') as s`, [table]);
  return rows[0]!.s;
}

async function setSequence(client: pg.PoolClient, table: string, last: number) {
  await client.query(`select setval($1, greatest($2::bigint, 1))`, [await sequenceName(client, table), last]);
}

/** Whether any dose is on record (the demo adds its history once). */
export async function hasHistory(database: Pick<Database, 'pool'>): Promise<boolean> {
  const { rows } = await database.pool.query('select exists (select 1 from dose) as x');
  return Boolean((rows[0] as { x: boolean }).x);
}

/**
 * The demo's history: 10,000 people over the last 90 days (about 15,000 doses), once. Sized for
 * the embedded database, where it adds a few seconds to the first start.
 */
export async function seedDemoHistory(
  database: Database,
  opts: { seed: number; log?: (msg: string) => void; people?: number },
): Promise<HistoryResult | undefined> {
  if (await hasHistory(database)) return undefined;
  const t = Date.now();
  const r = await generateHistory(database, {
    seed: opts.seed,
    days: 90,
    people: opts.people ?? 10_000,
    timeZone: 'Asia/Dhaka',
  });
  opts.log?.(
    `vaccination history: ${r.people} people, ${r.doses} doses, ${r.appointments} appointments, ` +
      `${r.stockEntries} stock entries, ${r.aefiReports} AEFI reports (${Date.now() - t} ms)`,
  );
  return r;
}

export async function generateHistory(database: Database, opts: HistoryOptions): Promise<HistoryResult> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const today = opts.today ?? todayIn(opts.timeZone);
  const maxPeople = opts.people ?? Number.MAX_SAFE_INTEGER;
  const maxDoses = opts.doses ?? Number.MAX_SAFE_INTEGER;
  if (!opts.people && !opts.doses) throw new Error('generateHistory needs people or doses');
  const offset = utcOffset(opts.timeZone);
  const r = rng(opts.seed * 104_729 + 31);
  const start = addDays(today, -opts.days);
  // Day strings by index: 0 = start, days = today; two weeks ahead for booked appointments.
  const AHEAD = 14;
  const dayStr = Array.from({ length: opts.days + AHEAD + 1 }, (_, i) => addDays(start, i));
  const todayIdx = opts.days;
  const dateOf = (day: number) => dayStr[day] ?? addDays(start, day);
  const ts = (day: number, minutes: number) =>
    `${dateOf(day)} ${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}:00${offset}`;

  const client = await database.pool.connect();
  let result: HistoryResult;
  try {
    await client.query('begin');
    // Nobody else writes these while the history goes in: the ids below are taken in ranges.
    await client.query(
      `lock table person, dose, appointment, vaccination_session, session_slot, lot, stock_receipt, stock_transfer
       in share row exclusive mode`,
    );
    await client.query('set local session_replication_role = replica');

    // What the history is made of.
    const unions = (
      await client.query<{ id: string; population: string | null; parent_id: string; district: string }>(
        `select u.id, u.population, u.parent_id, z.parent_id as district
         from area u join area z on z.id = u.parent_id
         where u.depth = 3 order by u.id`,
      )
    ).rows.map((u) => ({
      id: Number(u.id),
      upazila: Number(u.parent_id),
      district: Number(u.district),
      weight: Math.max(1, Number(u.population ?? 20_000)),
    }));
    if (!unions.length) throw new Error('no unions: seed the areas first');
    const cumulative: number[] = [];
    let total = 0;
    for (const u of unions) cumulative.push((total += u.weight));
    const pickUnion = () => {
      const x = r.next() * total;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      return unions[lo]!;
    };

    const products: Product[] = (
      await client.query<{
        id: string;
        code: string;
        manufacturer: string;
        primary_doses: number;
        min_interval_days: number;
        recommended_interval_days: number;
        booster_allowed: boolean;
        booster_min_interval_days: number | null;
        min_age_years: number;
        doses_per_vial: number;
      }>(`select * from vaccine_product where active order by id`)
    ).rows.map((p) => ({
      id: Number(p.id),
      code: p.code,
      manufacturer: p.manufacturer,
      primaryDoses: p.primary_doses,
      minInterval: p.min_interval_days,
      recommendedInterval: p.recommended_interval_days,
      boosterAllowed: p.booster_allowed,
      boosterWait: p.booster_min_interval_days ?? p.min_interval_days,
      minAge: p.min_age_years,
      dosesPerVial: p.doses_per_vial,
      weight: PRODUCT_WEIGHT[p.code] ?? 10,
    }));
    if (!products.length) throw new Error('no active vaccine products');
    const boosterWait = Math.min(...products.filter((p) => p.boosterAllowed).map((p) => p.boosterWait));

    const facilityRows = (
      await client.query<{ id: string; type: string; area_id: string; code: string }>(
        `select f.id, f.type, f.area_id, f.code from facility f join store s on s.facility_id = f.id
         where f.active and f.type in ('vaccination_centre', 'hospital') order by f.id`,
      )
    ).rows.map((f) => ({ id: Number(f.id), type: f.type, area: Number(f.area_id), code: f.code }));
    if (!facilityRows.length) throw new Error('no vaccination facilities with a store: seed the stock first');

    // Vaccinators: three at each facility (made once; a second history finds them).
    const passwordHash = await hashPassword(randomBytes(24).toString('hex'));
    await client.query(
      `with wanted as (
         select f.id as facility_id, 'vax.' || lower(f.code) || '.' || n as username,
                'Vaccinator ' || n || ', ' || f.code as display_name
         from facility f cross join generate_series(1, 3) n
         where f.active and f.type in ('vaccination_centre', 'hospital')
       ), made as (
         insert into staff_user (username, display_name, password_hash)
         select username, display_name, $1 from wanted
         on conflict (username) do nothing
         returning id, username
       )
       insert into role_grant (user_id, role, facility_id)
       select m.id, 'vaccinator', w.facility_id from made m join wanted w on w.username = m.username`,
      [passwordHash],
    );
    const vaccinatorRows = (
      await client.query<{ facility_id: string; user_id: string }>(
        `select g.facility_id, g.user_id from role_grant g join staff_user u on u.id = g.user_id
         where g.role = 'vaccinator' and g.revoked_at is null and g.facility_id is not null and u.username like 'vax.%'
         order by g.facility_id, g.user_id`,
      )
    ).rows;
    const vaccinatorsOf = new Map<number, number[]>();
    for (const v of vaccinatorRows) {
      const list = vaccinatorsOf.get(Number(v.facility_id)) ?? [];
      list.push(Number(v.user_id));
      vaccinatorsOf.set(Number(v.facility_id), list);
    }

    // Each facility gives two vaccines (a hospital three), chosen by its id.
    const places = new Map<number, Place>();
    for (const f of facilityRows) {
      const offered = [products[f.id % products.length]!, products[(f.id + 2) % products.length]!];
      if (f.type === 'hospital') offered.push(products[(f.id + 4) % products.length]!);
      places.set(f.id, {
        id: f.id,
        products: [...new Set(offered)],
        vaccinators: vaccinatorsOf.get(f.id) ?? [],
      });
    }
    const centreOfUpazila = new Map<number, number>();
    const hospitalOfDistrict = new Map<number, number>();
    const areaParent = new Map<number, number>();
    for (const u of unions) {
      areaParent.set(u.id, u.upazila);
      areaParent.set(u.upazila, u.district);
    }
    for (const f of facilityRows) {
      if (f.type === 'vaccination_centre' && !centreOfUpazila.has(f.area)) centreOfUpazila.set(f.area, f.id);
      if (f.type === 'hospital' && !hospitalOfDistrict.has(f.area)) hospitalOfDistrict.set(f.area, f.id);
    }
    const anyFacility = facilityRows.map((f) => f.id);
    const nearestFacility = (u: (typeof unions)[number]) => {
      const centre = centreOfUpazila.get(u.upazila);
      const hospital = hospitalOfDistrict.get(u.district);
      if (centre && hospital) return r.next() < 0.8 ? centre : hospital;
      return centre ?? hospital ?? r.pick(anyFacility);
    };

    const groups = new Map(
      (
        await client.query<{ id: string; code: string; rank: number }>(
          `select distinct on (code) id, code, rank from priority_group order by code, version desc`,
        )
      ).rows.map((g) => [g.code, { id: Number(g.id), rank: g.rank }]),
    );
    const general = groups.get('general_18_plus') ?? [...groups.values()][0];
    if (!general) throw new Error('no priority groups');
    const group = (code: string) => groups.get(code) ?? general;

    const stores = new Map(
      (
        await client.query<{ facility_id: string; parent_facility_id: string | null; level: string }>(
          'select facility_id, parent_facility_id, level from store',
        )
      ).rows.map((s) => [
        Number(s.facility_id),
        { parent: s.parent_facility_id === null ? null : Number(s.parent_facility_id), level: s.level },
      ]),
    );
    const national = [...stores.entries()].find(([, s]) => s.level === 'national')?.[0];
    if (national === undefined) throw new Error('no national store');

    // Id ranges.
    const base = {
      person: await sequenceBase(client, 'person'),
      dose: await sequenceBase(client, 'dose'),
      appointment: await sequenceBase(client, 'appointment'),
      session: await sequenceBase(client, 'vaccination_session'),
      slot: await sequenceBase(client, 'session_slot'),
      lot: await sequenceBase(client, 'lot'),
      receipt: await sequenceBase(client, 'stock_receipt'),
      transfer: await sequenceBase(client, 'stock_transfer'),
    };
    const tag = (base.person + opts.seed).toString(36).toUpperCase();

    // Lots: one per product and 120 days, expiring half a year after they stop being used.
    const lotOf = new Map<string, { id: number; product: Product; first: number }>();
    const loader = new Loader(client, database.kind);
    let lotCount = 0;
    for (const p of products) {
      const prefix = p.code.replace(/[^A-Z0-9]/gi, '').slice(0, 4);
      for (let w = 0; w * LOT_DAYS <= opts.days + AHEAD; w++) {
        const id = base.lot + ++lotCount;
        lotOf.set(`${p.id}:${w}`, { id, product: p, first: w * LOT_DAYS });
        loader.add('lot', [
          id,
          p.id,
          `${prefix}-H${tag}-${w + 1}`,
          p.manufacturer,
          addDays(start, (w + 1) * LOT_DAYS + 180),
          p.dosesPerVial,
          ts(w * LOT_DAYS - 25, 600),
        ]);
      }
    }
    const lotFor = (product: Product, day: number) =>
      lotOf.get(`${product.id}:${Math.floor(day / LOT_DAYS)}`)!;

    // Sessions and slots, made as appointments need them: one per facility, day and vaccine.
    interface SessionAcc {
      id: number;
      facility: number;
      day: number;
      product: number;
      taken: number[];
    }
    const sessions = new Map<string, SessionAcc>();
    const sessionFor = (facility: number, day: number, product: number): SessionAcc => {
      const key = `${facility}:${day}:${product}`;
      let s = sessions.get(key);
      if (!s) {
        s = { id: base.session + sessions.size + 1, facility, day, product, taken: [0, 0] };
        sessions.set(key, s);
      }
      return s;
    };
    const slotId = (s: SessionAcc, k: number) => base.slot + (s.id - base.session - 1) * 2 + k + 1;

    // Doses administered per facility, lot and day: the ledger's administered entries.
    const used = new Map<string, number>();

    let people = 0;
    let doses = 0;
    let appointments = 0;
    let waiting = 0;
    let aefi = 0;
    const seriousSymptoms = AEFI_SYMPTOMS.filter((s) => s.usuallySerious).map((s) => s.code);
    const commonSymptoms = AEFI_SYMPTOMS.filter((s) => !s.usuallySerious).map((s) => s.code);
    const ageBands = AGE_BANDS.filter(([startAge]) => startAge >= 10).map(
      ([a, w]) => [a, a >= 60 ? w * 1.6 : a >= 40 ? w * 1.3 : w] as const,
    );
    const todayMs = Date.parse(`${today}T00:00:00Z`);
    const dayMs = 86_400_000;

    const apptCode = (rr: Rng) => String(rr.int(0, 9999)).padStart(4, '0');

    /** One appointment row, booked on `bookedDay`; returns its id. */
    const appointment = (
      personId: number,
      doseNumber: number,
      s: SessionAcc,
      slot: number,
      status: 'booked' | 'attended' | 'missed' | 'cancelled',
      bookedDay: number,
      attendedMinutes: number,
    ): number => {
      const id = base.appointment + ++appointments;
      const created = ts(bookedDay, 8 * 60 + r.int(0, 600));
      const end = ts(s.day, 17 * 60);
      if (status !== 'cancelled') s.taken[slot] = s.taken[slot]! + 1;
      loader.add('appointment', [
        id,
        personId,
        doseNumber,
        s.id,
        slotId(s, slot),
        s.facility,
        s.product,
        dateOf(s.day),
        apptCode(r),
        status,
        r.next() < 0.55 ? 'citizen' : r.next() < 0.7 ? 'auto' : 'staff',
        created,
        status === 'booked' ? created : status === 'attended' ? ts(s.day, attendedMinutes) : end,
        status === 'cancelled' ? ts(Math.max(bookedDay, s.day - 1), 19 * 60) : null,
        status === 'cancelled' ? 'person' : null,
        status === 'attended' ? ts(s.day, attendedMinutes) : null,
        status === 'missed' ? end : null,
      ]);
      return id;
    };

    const genPerson = () => {
      const personId = base.person + ++people;
      const u = pickUnion();
      const gender = r.weighted([
        ['female', 504],
        ['male', 495],
        ['third_gender', 1],
      ] as const);
      const band = r.weighted(ageBands);
      let age = band + Math.floor(r.next() * (band === 80 ? 15 : 5));
      // At least 12 on the day of any dose in the history (up to a year back), and old enough for the
      // vaccine then: ages are checked a year younger than today.
      if (age < 13) age = 13 + r.int(0, 2);
      const dob = new Date(todayMs - (age * 365.25 + r.int(0, 364)) * dayMs).toISOString().slice(0, 10);
      const g =
        age < 18
          ? group('children_12_17')
          : r.next() < 0.03
            ? group('health_worker')
            : r.next() < 0.04
              ? group('frontline_worker')
              : age >= 60 && r.next() < 0.7
                ? group('age_60_plus')
                : age >= 40 && r.next() < 0.12
                  ? group(COMORBIDITY_GROUP_CODE)
                  : age < 26 && r.next() < 0.15
                    ? group('student')
                    : r.next() < 0.03
                      ? group('migrant_worker')
                      : general;
      const comorbid = g === group(COMORBIDITY_GROUP_CODE) ? `{${r.pick(COMORBIDITIES).code}}` : '{}';
      const given = gender === 'female' ? r.pick(FEMALE_NAMES) : r.pick(MALE_NAMES);
      const family = r.pick(FAMILY_NAMES);
      // Registered over the span, more of them early in the campaign.
      const regDay = Math.floor(Math.pow(r.next(), 1.3) * opts.days);
      const registeredAt = ts(regDay, 8 * 60 + r.int(0, 12 * 60));
      const home = nearestFacility(u);
      const place = places.get(home)!;
      const registrar = place.vaccinators.length ? r.pick(place.vaccinators) : null;
      const year = Number(dayStr[regDay]!.slice(0, 4));
      const serial = (base.person + people) % 100_000_000;
      const w0 = mix32(personId ^ 0x5bd1e995);
      const w1 = mix32(personId + opts.seed * 7919);
      // A blind index and a ciphertext of the stored shape; the leading counter keeps them unique.
      const blind = `H${serial.toString(36).padStart(6, '0')}${b64([w0, w1, mix32(w0 + 1), mix32(w1 + 2), mix32(w0 ^ w1)], 36)}`;
      loader.add('person', [
        personId,
        makeRegistrationNumber('BD', year, serial),
        'nid',
        blind,
        `v1.${b64([w1, w0, mix32(w1)], 16)}.${b64([mix32(w0 + 3), mix32(w1 + 4), mix32(w0 + 5), mix32(w1 + 6)], 22)}.${b64([mix32(w0 + 7), mix32(w1 + 8), mix32(w0 + 9)], 14)}`,
        String(w0 % 10_000).padStart(4, '0'),
        `${given[0]} ${family[0]}`,
        `${given[1]} ${family[1]}`,
        dob,
        gender,
        u.id,
        comorbid,
        g.id,
        'accepted',
        '1',
        registeredAt,
        'verified',
        registeredAt,
        r.next() < 0.85 ? 'bn' : 'en',
        'assisted',
        registrar,
        registeredAt,
      ]);
      loader.add('identity_claim', ['nid', blind, personId, registeredAt]);

      // Doses: the first some days after registering, then the series and perhaps a booster.
      const fitting = place.products.filter((p) => p.minAge <= age - 1);
      const product: Product = fitting.length
        ? r.weighted(fitting.map((p) => [p, p.weight] as const))
        : r.weighted(products.filter((p) => p.minAge <= age - 1).map((p) => [p, p.weight] as const));
      let day = regDay + Math.min(40, Math.floor(-Math.log(1 - r.next()) * 6));
      let facility = home;
      let doseNumber = 1;
      let last = -1;
      let seriesProduct = product;
      let pending: { doseNumber: number; earliest: number; due: number; product: Product | null } | null =
        null;
      for (;;) {
        if (doseNumber > 1) {
          const booster = doseNumber > seriesProduct.primaryDoses;
          if (doseNumber > seriesProduct.primaryDoses + 1) break;
          const earliest = last + (booster ? boosterWait : seriesProduct.minInterval);
          const due = booster ? earliest : last + seriesProduct.recommendedInterval;
          pending = { doseNumber, earliest, due, product: booster ? null : seriesProduct };
          const takes = r.next() < (booster ? 0.45 : 0.9);
          if (!takes) break;
          day = booster
            ? earliest + r.int(0, 90)
            : Math.max(earliest, due + r.int(-Math.min(3, due - earliest), 14));
          if (r.next() < 0.1) facility = nearestFacility(u);
        }
        if (day >= todayIdx) {
          // Not given yet: booked ahead when it falls in the next two weeks, else waiting.
          if (day < todayIdx + AHEAD && r.next() < 0.5) {
            const p = doseNumber > seriesProduct.primaryDoses ? seriesProduct : product;
            const s = sessionFor(facility, Math.max(day, todayIdx), p.id);
            appointment(
              personId,
              doseNumber,
              s,
              r.int(0, 1),
              'booked',
              Math.max(last, regDay, todayIdx - r.int(1, 10)),
              0,
            );
            pending = null;
          } else if (doseNumber === 1) {
            pending = { doseNumber: 1, earliest: todayIdx, due: todayIdx, product: null };
          }
          break;
        }
        if (doses >= maxDoses) break;
        const given = doseNumber === 1 ? product : seriesProduct;
        const minutes = 9 * 60 + r.int(0, 7 * 60 + 59);
        const slot = minutes < 13 * 60 ? 0 : 1;
        // As at the centre: a dose given on an appointment belongs to its session, a walk-in to none.
        let appointmentId: number | null = null;
        let sessionId: number | null = null;
        if (r.next() < 0.35) {
          const s = sessionFor(facility, day, given.id);
          // Came with an appointment; some had missed or cancelled one before.
          const x = r.next();
          const since = Math.max(last, regDay);
          if (x < 0.12 && day - 3 > since) {
            const earlier = day - r.int(1, Math.min(7, day - since - 1));
            const bookedOn = Math.max(since, earlier - r.int(1, 7));
            appointment(
              personId,
              doseNumber,
              sessionFor(facility, earlier, given.id),
              r.int(0, 1),
              'missed',
              bookedOn,
              0,
            );
          } else if (x < 0.16 && day - 3 > since) {
            const earlier = day - r.int(1, 2);
            const bookedOn = Math.max(since, earlier - r.int(2, 9));
            appointment(
              personId,
              doseNumber,
              sessionFor(facility, earlier, given.id),
              r.int(0, 1),
              'cancelled',
              bookedOn,
              0,
            );
          }
          appointmentId = appointment(
            personId,
            doseNumber,
            s,
            slot,
            'attended',
            Math.max(since, day - r.int(1, 12)),
            minutes,
          );
          sessionId = s.id;
        }
        const lot = lotFor(given, day);
        const doseId = base.dose + ++doses;
        const staff = places.get(facility)!.vaccinators;
        const vaccinator = staff.length ? staff[(personId + day) % staff.length]! : null;
        const at = ts(day, minutes);
        loader.add('dose', [
          doseId,
          personId,
          doseNumber,
          given.id,
          facility,
          dateOf(day),
          at,
          appointmentId,
          vaccinator,
          ts(day, Math.min(minutes + r.int(1, 20), 23 * 60 + 59)),
          lot.id,
          sessionId,
          given.code === 'CORONAVAC' || r.next() < 0.7 ? 'left_deltoid' : 'right_deltoid',
          appointmentId ? 'slip_code' : r.next() < 0.6 ? 'id_document' : 'registration_number',
          't',
          'online',
        ]);
        const key = `${facility}:${lot.id}:${day}`;
        used.set(key, (used.get(key) ?? 0) + 1);
        if (r.next() < 0.001) {
          aefi++;
          const serious = r.next() < 0.08;
          const reportedAt = Math.min(day * 1440 + minutes + r.int(90, 120 * 60), todayIdx * 1440);
          const onset = Math.min(day * 1440 + minutes + r.int(30, 48 * 60), reportedAt - 30);
          const asTs = (m: number) => ts(Math.floor(m / 1440), m % 1440);
          const daysOld = todayIdx - Math.floor(reportedAt / 1440);
          const investigation = serious
            ? daysOld > 30
              ? 'closed'
              : daysOld > 7
                ? 'investigating'
                : 'open'
            : 'not_required';
          const symptoms = serious
            ? [r.pick(seriousSymptoms.length ? seriousSymptoms : commonSymptoms)]
            : [...new Set([r.pick(commonSymptoms), r.pick(commonSymptoms)])];
          loader.add('aefi_report', [
            personId,
            doseId,
            lot.id,
            given.id,
            facility,
            `{${symptoms.join(',')}}`,
            asTs(onset),
            serious ? 'serious' : 'non_serious',
            serious ? '{hospitalisation}' : '{}',
            serious
              ? daysOld > 14
                ? 'recovered'
                : 'recovering'
              : r.next() < 0.8
                ? 'recovered'
                : 'recovering',
            ...(r.next() < 0.6 ? ['citizen', null] : ['staff', vaccinator]),
            investigation,
            investigation === 'closed'
              ? r.pick(['coincidental', 'vaccine_product_related', 'immunization_anxiety', 'indeterminate'])
              : null,
            asTs(reportedAt),
          ]);
        }
        if (doseNumber === 1) seriesProduct = given;
        last = day;
        pending = null;
        doseNumber++;
        // Booster doses: whatever booster the facility gives, mostly the same vaccine.
        if (doseNumber > seriesProduct.primaryDoses && !seriesProduct.boosterAllowed) break;
      }
      if (pending && doseNumber <= seriesProduct.primaryDoses + 1) {
        waiting++;
        loader.add('waiting_entry', [
          personId,
          pending.doseNumber,
          pending.product?.id ?? null,
          pending.doseNumber === 1 ? null : facility,
          dateOf(pending.earliest),
          pending.doseNumber === 1 ? null : dateOf(pending.due),
          g.rank,
          registeredAt,
          pending.doseNumber === 1 ? 'registered' : 'next_dose',
          last >= 0 ? ts(last, 17 * 60) : registeredAt,
        ]);
      }
    };

    let lastLog = Date.now();
    while (people < maxPeople && doses < maxDoses) {
      genPerson();
      // Lets the rows already sent stream to the database while the next ones are made.
      if (people % 500 === 0) await new Promise((done) => setImmediate(done));
      if (people % 20_000 === 0) {
        await loader.flush();
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`  ${people} people, ${doses} doses (${Math.round((Date.now() - started) / 1000)} s)`);
        }
      }
    }

    // Sessions and their two slots: capacity is the seats taken, with some room left.
    for (const s of sessions.values()) {
      const past = s.day < todayIdx;
      const created = ts(s.day - 20, 9 * 60);
      loader.add('vaccination_session', [
        s.id,
        s.facility,
        dateOf(s.day),
        s.product,
        '{1,2,3}',
        12,
        '09:00',
        '17:00',
        past ? 'closed' : 'open',
        created,
        past ? ts(s.day, 17 * 60 + 30) : created,
        past ? ts(s.day, 17 * 60 + 30) : null,
      ]);
      for (let k = 0; k < 2; k++) {
        const need = s.taken[k]!;
        const capacity = past ? need + Math.ceil(need * 0.25) + 5 : need + 40;
        loader.add('session_slot', [slotId(s, k), s.id, SLOTS[k]![0], SLOTS[k]![1], capacity, s.taken[k]!]);
      }
    }

    // Stock: each facility's doses and the vials' leftovers, supplied month by month down the chain.
    let receipts = 0;
    let transfers = 0;
    let entries = 0;
    const entry = (row: Value[]) => {
      entries++;
      loader.add('stock_entry', row);
    };
    // need per (store, lot, block): what the store must have received for that block.
    const need = new Map<string, number>();
    const addNeed = (store: number, lot: number, block: number, n: number) => {
      const key = `${store}:${lot}:${block}`;
      need.set(key, (need.get(key) ?? 0) + n);
    };
    const lotById = new Map([...lotOf.values()].map((l) => [l.id, l]));
    for (const [key, n] of used) {
      const [facility, lotId, day] = key.split(':').map(Number) as [number, number, number];
      const lot = lotById.get(lotId)!;
      const dpv = lot.product.dosesPerVial;
      // Open-vial wastage: a few percent of what multi-dose vials give, never more than a vial's leftover.
      const rate = dpv === 1 ? 0 : dpv <= 2 ? 0.02 : dpv <= 6 ? 0.06 : 0.09;
      const wasted = Math.min(Math.ceil(n / dpv) * dpv - n, Math.floor(n * rate + r.next()));
      entry([
        lotId,
        n,
        facility,
        null,
        null,
        'administered',
        'administered',
        null,
        null,
        null,
        ts(day, 17 * 60),
      ]);
      if (wasted > 0)
        entry([
          lotId,
          wasted,
          facility,
          null,
          null,
          'wasted',
          'vial_wasted',
          null,
          null,
          null,
          ts(day, 17 * 60 + 30),
        ]);
      addNeed(facility, lotId, Math.floor(day / BLOCK_DAYS), n + wasted);
    }
    // Bottom up: a store's transfers in, per block, are what it sends below plus a margin.
    const depth = (store: number) => {
      let d = 0;
      for (let s = stores.get(store)?.parent; s !== null && s !== undefined; s = stores.get(s)?.parent) d++;
      return d;
    };
    const byDepth = [...new Set([...need.keys()].map((k) => Number(k.split(':')[0])))];
    const deepest = Math.max(0, ...byDepth.map(depth));
    const receiptOf = new Map<number, number>();
    for (let level = deepest; level >= 0; level--) {
      const here = [...need.entries()].filter(([k]) => depth(Number(k.split(':')[0])) === level);
      for (const [key, n] of here) {
        const [store, lotId, block] = key.split(':').map(Number) as [number, number, number];
        const lot = lotById.get(lotId)!;
        const margin =
          store === national ? Math.ceil(n * 0.1) + 1000 : Math.ceil(n * 0.05) + lot.product.dosesPerVial;
        const qty = n + margin;
        if (store === national) {
          receiptOf.set(lotId, (receiptOf.get(lotId) ?? 0) + qty);
          continue;
        }
        const parent = stores.get(store)?.parent ?? national;
        // The chain is supplied top down before the block starts: the deepest stores last.
        const arrive = block * BLOCK_DAYS - 1 - 2 * (deepest - level);
        const id = base.transfer + ++transfers;
        const sent = ts(arrive - 1, 10 * 60);
        const received = ts(arrive, 15 * 60);
        loader.add('stock_transfer', [id, parent, store, 'received', 'Monthly supply', sent, received]);
        loader.add('stock_transfer_line', [id, lotId, qty, qty]);
        entry([lotId, qty, parent, null, null, 'in_transit', 'dispatch', null, id, null, sent]);
        entry([lotId, qty, null, 'in_transit', store, null, 'transfer_receipt', null, id, null, received]);
        addNeed(parent, lotId, block, qty);
      }
      for (const [key] of here) need.delete(key);
    }
    for (const [lotId, qty] of receiptOf) {
      const lot = lotById.get(lotId)!;
      const id = base.receipt + ++receipts;
      const day = lot.first - 20;
      loader.add('stock_receipt', [
        id,
        national,
        'UNICEF Supply Division (COVAX)',
        `PO-BD-H${tag}-${receipts}`,
        dateOf(day),
        'Consignment for the campaign; cold chain checked on arrival.',
        ts(day, 11 * 60),
      ]);
      entry([lotId, qty, null, 'supplier', national, null, 'receipt', id, null, null, ts(day, 11 * 60)]);
    }
    await loader.finish();
    log(
      `  loaded ${people} people, ${doses} doses, ${appointments} appointments, ${sessions.size} sessions, ` +
        `${entries} stock entries (${Math.round((Date.now() - started) / 1000)} s)`,
    );

    // What the switched-off triggers would have kept.
    for (const [table, last] of [
      ['person', base.person + people],
      ['dose', base.dose + doses],
      ['appointment', base.appointment + appointments],
      ['vaccination_session', base.session + sessions.size],
      ['session_slot', base.slot + sessions.size * 2],
      ['lot', base.lot + lotCount],
      ['stock_receipt', base.receipt + receipts],
      ['stock_transfer', base.transfer + transfers],
    ] as const)
      await setSequence(client, table, last);
    await client.query(
      `insert into stock_balance (store_id, lot_id, quantity)
       select store_id, lot_id, sum(q) from (
         select to_store_id as store_id, lot_id, quantity as q from stock_entry
         where to_store_id is not null and lot_id > $1
         union all
         select from_store_id, lot_id, -quantity from stock_entry where from_store_id is not null and lot_id > $1
       ) m group by store_id, lot_id
       on conflict (store_id, lot_id) do update set quantity = excluded.quantity, updated_at = now()`,
      [base.lot],
    );
    await client.query(
      `insert into facility_attendance as f (facility_id, session_date, attended, missed)
       select facility_id, session_date, count(*) filter (where status = 'attended'), count(*) filter (where status = 'missed')
       from appointment where id > $1 and status in ('attended', 'missed') group by 1, 2
       on conflict (facility_id, session_date)
       do update set attended = f.attended + excluded.attended, missed = f.missed + excluded.missed`,
      [base.appointment],
    );
    const rollups = opts.rollups ?? (database.kind === 'postgres' ? 'rebuild' : 'deltas');
    if (rollups === 'deltas') {
      const t = Date.now();
      for (const [text, after] of DELTAS) await client.query(text, [base[after]]);
      log(`  rollup deltas appended (${Date.now() - t} ms)`);
    }
    // Availability is computed from sessions: it starts over from everything.
    await client.query(`insert into availability_change (kind) values ('all')`);
    await client.query('set local session_replication_role = origin');
    await client.query('commit');
    result = {
      people,
      doses,
      appointments,
      sessions: sessions.size,
      waiting,
      stockEntries: entries,
      transfers,
      aefiReports: aefi,
      loadMs: Date.now() - started,
      rebuildMs: 0,
    };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  if ((opts.rollups ?? (database.kind === 'postgres' ? 'rebuild' : 'deltas')) === 'deltas') return result;
  if (database.kind === 'postgres') {
    const t = Date.now();
    for (const table of [
      'person',
      'dose',
      'appointment',
      'vaccination_session',
      'session_slot',
      'stock_entry',
      'waiting_entry',
    ])
      await database.pool.query(`analyze ${table}`);
    log(`  analyzed (${Date.now() - t} ms)`);
  }
  const rebuilt = await rebuildRollups(database, { timeZone: opts.timeZone });
  result.rebuildMs = rebuilt.ms;
  log(`  rollups rebuilt (${rebuilt.ms} ms)`);
  if (database.kind === 'postgres' && opts.vacuum) {
    // What autovacuum would do over the next hours: visibility maps (index-only scans) and statistics.
    const t = Date.now();
    for (const table of VACUUMED) await database.pool.query(`vacuum (analyze) ${table}`);
    log(`  vacuumed (${Date.now() - t} ms)`);
  }
  return result;
}

/**
 * What the fact triggers (migrations/0009_reports.sql) append for rows inserted, for everything
 * this history wrote ($1: the last id before it of the people, the sessions and the lots).
 */
const DELTAS: [text: string, after: 'person' | 'session' | 'lot'][] = [
  [
    `insert into rollup_delta (fact, at, date_of_birth, area_id, gender, group_id, n)
   select 'registration', p.registered_at, p.date_of_birth, p.area_id, p.gender, p.priority_group_id, 1
   from person p where p.id > $1 and p.removed_at is null`,
    'person',
  ],
  [
    `insert into rollup_delta (fact, day, date_of_birth, area_id, facility_id, product_id, lot_id, dose_number,
                             gender, group_id, recorded_by, n)
   select 'dose', d.administered_on, p.date_of_birth, p.area_id, d.facility_id, d.product_id, d.lot_id,
          d.dose_number, p.gender, p.priority_group_id, d.recorded_by, 1
   from dose d join person p on p.id = d.person_id
   where d.person_id > $1 and d.voided_at is null`,
    'person',
  ],
  [
    `insert into rollup_delta (fact, day, date_of_birth, area_id, facility_id, product_id, dose_number, gender,
                             group_id, status, n)
   select 'appointment', a.session_date, p.date_of_birth, p.area_id, a.facility_id, a.product_id, a.dose_number,
          p.gender, p.priority_group_id, a.status, 1
   from appointment a join person p on p.id = a.person_id
   where a.person_id > $1`,
    'person',
  ],
  [
    `insert into rollup_delta (fact, day, facility_id, n, n2, n3)
   select 'session', v.session_date, v.facility_id, 1,
          coalesce((select sum(s.capacity) from session_slot s where s.session_id = v.id), 0),
          (extract(epoch from v.ends_at - v.starts_at) / 60)::integer
   from vaccination_session v
   where v.id > $1 and v.status <> 'cancelled'`,
    'session',
  ],
  [
    `insert into rollup_delta (fact, at, facility_id, product_id, lot_id, status, direction, party, n)
   select 'stock', e.recorded_at, e.to_store_id, l.product_id, e.lot_id, e.kind, 'in',
          coalesce(e.from_party, 'store'), e.quantity
   from stock_entry e join lot l on l.id = e.lot_id
   where e.lot_id > $1 and e.to_store_id is not null
   union all
   select 'stock', e.recorded_at, e.from_store_id, l.product_id, e.lot_id, e.kind, 'out',
          coalesce(e.to_party, 'store'), e.quantity
   from stock_entry e join lot l on l.id = e.lot_id
   where e.lot_id > $1 and e.from_store_id is not null`,
    'lot',
  ],
];
