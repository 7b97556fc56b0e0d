import { sql } from 'kysely';
import type pg from 'pg';
import type { Database, Queryable } from '../db/database.ts';

/**
 * Rollups: the fact tables' triggers append deltas (migrations/0009_reports.sql); `applyDeltas`
 * adds the committed ones into the rollups and cubes and deletes them, in one transaction, so at
 * any snapshot the rollups plus the pending deltas equal the facts. Nothing here reads history
 * except `rebuildRollups` (an officer's command) and `checkRollups` (the proof).
 */

/** How many deltas of each fact a pass applies at most. */
export const ROLLUP_BATCH = 20_000;

/** One key for the appliers, the rebuild, the check and population imports: one of them at a time. */
export const ROLLUP_LOCK = 740_921_001;

/**
 * The cube rows an area's figures go into: the whole country (0) and every area on its
 * materialised path '/3/41/392/' (the area itself included).
 */
const ANCESTORS = `unnest(array[0]::bigint[] || string_to_array(trim(both '/' from x.path), '/')::bigint[])`;

const dayOf = (column: string, tz: string) => `(${column} at time zone ${literal(tz)})::date`;

/** A time zone name as an SQL literal (checked: names are letters, digits, '/', '_', '+', '-'). */
function literal(tz: string): string {
  if (!/^[A-Za-z0-9/_+-]+$/.test(tz)) throw new Error(`not a time zone name: ${tz}`);
  return `'${tz}'`;
}

/** The statements that apply pending deltas of each fact, `limit` rows at a time. */
function applyStatements(tz: string, limit: number): string[] {
  const take = (fact: string, cols: string) =>
    `delete from rollup_delta where ctid = any(array(
       select ctid from rollup_delta where fact = '${fact}' limit ${limit}))
     returning ${cols}`;
  const dose = `
    with d as (${take('dose', 'day, date_of_birth, area_id, facility_id, product_id, lot_id, dose_number, gender, group_id, recorded_by, n')}),
    g as (
      select day, area_id, coalesce(facility_id, 0) as facility_id, product_id, dose_number,
             report_age_band(date_of_birth, day) as age_band, gender, group_id, sum(n)::integer as n
      from d group by 1, 2, 3, 4, 5, 6, 7, 8
    ),
    ga as (
      select anc, g.* from g join area x on x.id = g.area_id cross join lateral ${ANCESTORS} as anc
    ),
    r1 as (
      insert into rollup_dose as r (day, area_id, facility_id, product_id, dose_number, age_band, gender, group_id, doses)
      select day, area_id, facility_id, product_id, dose_number, age_band, gender, group_id, n from g where n <> 0
      on conflict (day, area_id, facility_id, product_id, dose_number, age_band, gender, group_id)
      do update set doses = r.doses + excluded.doses
    ),
    c1 as (
      insert into cube_dose_area as r (area_id, product_id, dose_number, age_band, gender, group_id, doses)
      select anc, product_id, dose_number, age_band, gender, group_id, sum(n) from ga
      group by 1, 2, 3, 4, 5, 6 having sum(n) <> 0
      on conflict (area_id, product_id, dose_number, age_band, gender, group_id)
      do update set doses = r.doses + excluded.doses
    ),
    c2 as (
      insert into cube_dose_trend as r (area_id, day, product_id, dose_number, doses)
      select anc, day, product_id, dose_number, sum(n) from ga group by 1, 2, 3, 4 having sum(n) <> 0
      on conflict (area_id, day, product_id, dose_number) do update set doses = r.doses + excluded.doses
    ),
    c3 as (
      insert into cube_facility_day as r (facility_id, day, doses)
      select facility_id, day, sum(n) from g where facility_id <> 0 group by 1, 2 having sum(n) <> 0
      on conflict (facility_id, day) do update set doses = r.doses + excluded.doses
    ),
    c4 as (
      insert into cube_vaccinator_day as r (facility_id, day, staff_id, doses)
      select coalesce(facility_id, 0), day, recorded_by, sum(n) from d where recorded_by is not null
      group by 1, 2, 3 having sum(n) <> 0
      on conflict (facility_id, day, staff_id) do update set doses = r.doses + excluded.doses
    ),
    c5 as (
      insert into cube_lot as r (facility_id, lot_id, doses)
      select coalesce(facility_id, 0), lot_id, sum(n) from d where lot_id is not null
      group by 1, 2 having sum(n) <> 0
      on conflict (facility_id, lot_id) do update set doses = r.doses + excluded.doses
    )
    select count(*)::integer as n,
           array_agg(distinct coalesce(facility_id, 0)::text || ' ' || day::text)
             filter (where recorded_by is not null) as touched
    from d`;
  const appointment = `
    with d as (${take('appointment', 'day, date_of_birth, area_id, facility_id, product_id, dose_number, gender, group_id, status, n')}),
    g as (
      select day, area_id, facility_id, product_id, dose_number, report_age_band(date_of_birth, day) as age_band,
             gender, group_id,
             coalesce(sum(n) filter (where status = 'booked'), 0)::integer as booked,
             coalesce(sum(n) filter (where status = 'attended'), 0)::integer as attended,
             coalesce(sum(n) filter (where status = 'missed'), 0)::integer as missed,
             coalesce(sum(n) filter (where status = 'cancelled'), 0)::integer as cancelled
      from d group by 1, 2, 3, 4, 5, 6, 7, 8
    ),
    nz as (select * from g where booked <> 0 or attended <> 0 or missed <> 0 or cancelled <> 0),
    r1 as (
      insert into rollup_appointment as r (day, area_id, facility_id, product_id, dose_number, age_band, gender,
                                           group_id, booked, attended, missed, cancelled)
      select * from nz
      on conflict (day, area_id, facility_id, product_id, dose_number, age_band, gender, group_id)
      do update set booked = r.booked + excluded.booked, attended = r.attended + excluded.attended,
                    missed = r.missed + excluded.missed, cancelled = r.cancelled + excluded.cancelled
    ),
    c1 as (
      insert into cube_appointment_area as r (area_id, product_id, dose_number, booked, attended, missed, cancelled)
      select anc, product_id, dose_number, sum(booked), sum(attended), sum(missed), sum(cancelled)
      from nz join area x on x.id = nz.area_id cross join lateral ${ANCESTORS} as anc
      group by 1, 2, 3
      on conflict (area_id, product_id, dose_number)
      do update set booked = r.booked + excluded.booked, attended = r.attended + excluded.attended,
                    missed = r.missed + excluded.missed, cancelled = r.cancelled + excluded.cancelled
    ),
    c2 as (
      insert into cube_facility_day as r (facility_id, day, booked, attended, missed, cancelled)
      select facility_id, day, sum(booked), sum(attended), sum(missed), sum(cancelled) from nz group by 1, 2
      on conflict (facility_id, day)
      do update set booked = r.booked + excluded.booked, attended = r.attended + excluded.attended,
                    missed = r.missed + excluded.missed, cancelled = r.cancelled + excluded.cancelled
    )
    select count(*)::integer as n from d`;
  const registration = `
    with d as (${take('registration', 'at, date_of_birth, area_id, gender, group_id, n')}),
    g as (
      select day, area_id, report_age_band(date_of_birth, day) as age_band, gender, group_id, sum(n)::integer as n
      from (select ${dayOf('at', tz)} as day, * from d) d
      group by 1, 2, 3, 4, 5 having sum(n) <> 0
    ),
    ga as (select anc, g.* from g join area x on x.id = g.area_id cross join lateral ${ANCESTORS} as anc),
    r1 as (
      insert into rollup_registration as r (day, area_id, age_band, gender, group_id, people)
      select * from g
      on conflict (day, area_id, age_band, gender, group_id) do update set people = r.people + excluded.people
    ),
    c1 as (
      insert into cube_registration_area as r (area_id, age_band, gender, group_id, people)
      select anc, age_band, gender, group_id, sum(n) from ga group by 1, 2, 3, 4
      on conflict (area_id, age_band, gender, group_id) do update set people = r.people + excluded.people
    ),
    c2 as (
      insert into cube_registration_trend as r (area_id, day, people)
      select anc, day, sum(n) from ga group by 1, 2
      on conflict (area_id, day) do update set people = r.people + excluded.people
    )
    select count(*)::integer as n from d`;
  const stock = `
    with d as (${take('stock', 'at, facility_id, product_id, status, direction, party, n')}),
    r1 as (
      insert into rollup_stock as r (day, store_id, product_id, kind, party, doses_in, doses_out)
      select ${dayOf('at', tz)}, facility_id, product_id, status, party,
             coalesce(sum(n) filter (where direction = 'in'), 0), coalesce(sum(n) filter (where direction = 'out'), 0)
      from d group by 1, 2, 3, 4, 5
      on conflict (day, store_id, product_id, kind, party)
      do update set doses_in = r.doses_in + excluded.doses_in, doses_out = r.doses_out + excluded.doses_out
    )
    select count(*)::integer as n from d`;
  const session = `
    with d as (${take('session', 'day, facility_id, n, n2, n3')}),
    c1 as (
      insert into cube_facility_day as r (facility_id, day, sessions, capacity, session_minutes)
      select facility_id, day, sum(n), sum(n2), sum(n3) from d group by 1, 2
      having sum(n) <> 0 or sum(n2) <> 0 or sum(n3) <> 0
      on conflict (facility_id, day)
      do update set sessions = r.sessions + excluded.sessions, capacity = r.capacity + excluded.capacity,
                    session_minutes = r.session_minutes + excluded.session_minutes,
                    vaccinator_minutes = r.vaccinators * (r.session_minutes + excluded.session_minutes)
    )
    select count(*)::integer as n from d`;
  return [dose, appointment, registration, stock, session];
}

export interface RollupSettings {
  timeZone: string;
  /** Deltas of one fact taken per statement. */
  batch?: number;
}

type Client = pg.PoolClient;

/**
 * How many vaccinators recorded doses at each facility on each day touched: not a sum of deltas,
 * so counted again from the vaccinator cube for just those days.
 */
const VACCINATORS = `
  insert into cube_facility_day as r (facility_id, day, vaccinators)
  select t.facility_id, t.day,
         (select count(*) from cube_vaccinator_day v
          where v.facility_id = t.facility_id and v.day = t.day and v.doses <> 0)
  from (select split_part(k, ' ', 1)::bigint as facility_id, split_part(k, ' ', 2)::date as day
        from unnest($1::text[]) as k) t
  where t.facility_id <> 0
  on conflict (facility_id, day)
  do update set vaccinators = excluded.vaccinators, vaccinator_minutes = excluded.vaccinators * r.session_minutes`;

/**
 * Whether an auto-scheduler run is writing: it writes an appointment delta for each person it
 * places, up to a million in a minute, and folding them as they come competes with its writers for
 * the same cores. Its appointments go into the reports in one pass after it, with the citizens'
 * bookings made meanwhile (the reports' lag says how old their figures are). A run that has not
 * reported progress for two minutes holds nothing back.
 */
const RUN_WRITING = `
  select exists (select 1 from schedule_run
                 where status = 'running' and heartbeat_at > now() - interval '2 minutes') as writing`;

/** Applies a batch of each fact; with `waitForRun`, appointments wait while a run is writing. */
async function applyWith(client: Client, settings: RollupSettings, waitForRun = false): Promise<number> {
  let total = 0;
  const [dose, appointment, ...rest] = applyStatements(settings.timeZone, settings.batch ?? ROLLUP_BATCH);
  const held = waitForRun && (await client.query<{ writing: boolean }>(RUN_WRITING)).rows[0]?.writing;
  const statements = held ? [dose!, ...rest] : [dose!, appointment!, ...rest];
  for (const text of statements) {
    const res = await client.query<{ n: number; touched?: string[] | null }>(text);
    total += res.rows[0]?.n ?? 0;
    const touched = res.rows[0]?.touched;
    if (touched?.length) await client.query(VACCINATORS, [touched]);
  }
  return total;
}

/**
 * Applies the pending deltas (up to a batch of each fact; appointments not while an auto-scheduler
 * run is writing) and returns how many it applied; 0 when another process holds the rollups (it is
 * applying, rebuilding or checking).
 */
export async function applyDeltas(
  database: Pick<Database, 'pool'>,
  settings: RollupSettings,
): Promise<number> {
  const client = await database.pool.connect();
  try {
    await client.query('begin');
    const lock = await client.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [
      ROLLUP_LOCK,
    ]);
    if (!lock.rows[0]?.ok) {
      await client.query('rollback');
      return 0;
    }
    const n = await applyWith(client, settings, true);
    if (n > 0) await client.query('update rollup_state set applied_at = now()');
    await client.query('commit');
    return n;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Whether the rollups were ever built (the first start on a database with facts builds them). */
export async function rollupsBuilt(db: Queryable): Promise<boolean> {
  const { rows } = await sql<{ rebuilt_at: Date | null }>`select rebuilt_at from rollup_state`.execute(db);
  return Boolean(rows[0]?.rebuilt_at);
}

/** Seconds since the oldest delta not yet applied was written (0 when none is pending). */
export async function rollupLagSeconds(db: Queryable): Promise<number> {
  const { rows } = await sql<{ lag: number | null }>`
    select extract(epoch from clock_timestamp() - min(created_at))::float8 as lag from rollup_delta`.execute(
    db,
  );
  return Math.max(0, rows[0]?.lag ?? 0);
}

/** What each rollup and cube should hold, computed from the facts (fine rollups) or from them (cubes). */
function expected(tz: string) {
  const regDay = dayOf('p.registered_at', tz);
  const fine = {
    rollup_registration: {
      key: 'day, area_id, age_band, gender, group_id',
      measures: ['people'],
      query: `
        select ${regDay} as day, p.area_id, report_age_band(p.date_of_birth, ${regDay}) as age_band, p.gender,
               p.priority_group_id as group_id, count(*)::bigint as people
        from person p where p.removed_at is null group by 1, 2, 3, 4, 5`,
    },
    rollup_appointment: {
      key: 'day, area_id, facility_id, product_id, dose_number, age_band, gender, group_id',
      measures: ['booked', 'attended', 'missed', 'cancelled'],
      query: `
        select a.session_date as day, p.area_id, a.facility_id, a.product_id, a.dose_number::smallint as dose_number,
               report_age_band(p.date_of_birth, a.session_date) as age_band, p.gender, p.priority_group_id as group_id,
               count(*) filter (where a.status = 'booked')::bigint as booked,
               count(*) filter (where a.status = 'attended')::bigint as attended,
               count(*) filter (where a.status = 'missed')::bigint as missed,
               count(*) filter (where a.status = 'cancelled')::bigint as cancelled
        from appointment a join person p on p.id = a.person_id group by 1, 2, 3, 4, 5, 6, 7, 8`,
    },
    rollup_dose: {
      key: 'day, area_id, facility_id, product_id, dose_number, age_band, gender, group_id',
      measures: ['doses'],
      query: `
        select d.administered_on as day, p.area_id, coalesce(d.facility_id, 0) as facility_id, d.product_id,
               d.dose_number::smallint as dose_number, report_age_band(p.date_of_birth, d.administered_on) as age_band,
               p.gender, p.priority_group_id as group_id, count(*)::bigint as doses
        from dose d join person p on p.id = d.person_id
        where d.voided_at is null group by 1, 2, 3, 4, 5, 6, 7, 8`,
    },
    rollup_stock: {
      key: 'day, store_id, product_id, kind, party',
      measures: ['doses_in', 'doses_out'],
      query: `
        select day, store_id, product_id, kind, party, sum(i)::bigint as doses_in, sum(o)::bigint as doses_out
        from (
          select ${dayOf('e.recorded_at', tz)} as day, e.to_store_id as store_id, l.product_id, e.kind,
                 coalesce(e.from_party, 'store') as party, e.quantity as i, 0 as o
          from stock_entry e join lot l on l.id = e.lot_id where e.to_store_id is not null
          union all
          select ${dayOf('e.recorded_at', tz)}, e.from_store_id, l.product_id, e.kind,
                 coalesce(e.to_party, 'store'), 0, e.quantity
          from stock_entry e join lot l on l.id = e.lot_id where e.from_store_id is not null
        ) m group by 1, 2, 3, 4, 5`,
    },
  };
  const up = (table: string) =>
    `${table} r join area x on x.id = r.area_id cross join lateral ${ANCESTORS} as anc`;
  const cubes = {
    cube_dose_area: {
      key: 'area_id, product_id, dose_number, age_band, gender, group_id',
      measures: ['doses'],
      query: `select anc, product_id, dose_number, age_band, gender, group_id, sum(doses)::bigint
              from ${up('rollup_dose')} group by 1, 2, 3, 4, 5, 6 having sum(doses) <> 0`,
    },
    cube_dose_trend: {
      key: 'area_id, day, product_id, dose_number',
      measures: ['doses'],
      query: `select anc, day, product_id, dose_number, sum(doses)::bigint
              from ${up('rollup_dose')} group by 1, 2, 3, 4 having sum(doses) <> 0`,
    },
    cube_registration_area: {
      key: 'area_id, age_band, gender, group_id',
      measures: ['people'],
      query: `select anc, age_band, gender, group_id, sum(people)::bigint
              from ${up('rollup_registration')} group by 1, 2, 3, 4 having sum(people) <> 0`,
    },
    cube_registration_trend: {
      key: 'area_id, day',
      measures: ['people'],
      query: `select anc, day, sum(people)::bigint
              from ${up('rollup_registration')} group by 1, 2 having sum(people) <> 0`,
    },
    cube_appointment_area: {
      key: 'area_id, product_id, dose_number',
      measures: ['booked', 'attended', 'missed', 'cancelled'],
      query: `select anc, product_id, dose_number, sum(booked)::bigint, sum(attended)::bigint, sum(missed)::bigint,
                     sum(cancelled)::bigint
              from ${up('rollup_appointment')} group by 1, 2, 3`,
    },
    cube_facility_day: {
      key: 'facility_id, day',
      measures: [
        'sessions',
        'capacity',
        'session_minutes',
        'vaccinators',
        'vaccinator_minutes',
        'booked',
        'attended',
        'missed',
        'cancelled',
        'doses',
      ],
      query: `
        select facility_id, day, sum(sessions)::bigint, sum(capacity)::bigint, sum(session_minutes)::bigint,
               sum(vaccinators)::bigint, (sum(vaccinators) * sum(session_minutes))::bigint, sum(booked)::bigint,
               sum(attended)::bigint, sum(missed)::bigint, sum(cancelled)::bigint, sum(doses)::bigint
        from (
          select v.facility_id, v.session_date as day, 1 as sessions,
                 coalesce((select sum(s.capacity) from session_slot s where s.session_id = v.id), 0) as capacity,
                 (extract(epoch from v.ends_at - v.starts_at) / 60)::integer as session_minutes, 0 as vaccinators,
                 0 as booked, 0 as attended, 0 as missed, 0 as cancelled, 0 as doses
          from vaccination_session v where v.status <> 'cancelled'
          union all
          select facility_id, administered_on, 0, 0, 0, count(distinct recorded_by), 0, 0, 0, 0, 0 from dose
          where voided_at is null and recorded_by is not null and facility_id is not null group by 1, 2
          union all
          select facility_id, day, 0, 0, 0, 0, booked, attended, missed, cancelled, 0 from rollup_appointment
          union all
          select facility_id, day, 0, 0, 0, 0, 0, 0, 0, 0, doses from rollup_dose where facility_id <> 0
        ) f group by 1, 2`,
    },
    cube_vaccinator_day: {
      key: 'facility_id, day, staff_id',
      measures: ['doses'],
      query: `select coalesce(facility_id, 0), administered_on, recorded_by, count(*)::bigint from dose
              where voided_at is null and recorded_by is not null group by 1, 2, 3`,
    },
    cube_lot: {
      key: 'facility_id, lot_id',
      measures: ['doses'],
      query: `select coalesce(facility_id, 0), lot_id, count(*)::bigint from dose
              where voided_at is null and lot_id is not null group by 1, 2`,
    },
  };
  /** Kept by the database from the day cube (migrations/0009_reports.sql): checked, never rebuilt. */
  const followers = {
    cube_facility_month: {
      key: 'facility_id, month',
      measures: [
        'sessions',
        'capacity',
        'session_minutes',
        'vaccinator_minutes',
        'booked',
        'attended',
        'missed',
        'cancelled',
        'doses',
      ],
      query: `
        select facility_id, date_trunc('month', day)::date, sum(sessions)::bigint, sum(capacity)::bigint,
               sum(session_minutes)::bigint, sum(vaccinator_minutes)::bigint, sum(booked)::bigint,
               sum(attended)::bigint, sum(missed)::bigint, sum(cancelled)::bigint, sum(doses)::bigint
        from cube_facility_day group by 1, 2`,
    },
  };
  return { fine, cubes, followers };
}

type Target = { key: string; measures: string[]; query: string };

/** The rows of `table` that count (an all-zero row is the same as no row). */
function stored(table: string, t: Target): string {
  const cols = [...t.key.split(', '), ...t.measures.map((m) => `${m}::bigint`)].join(', ');
  return `select ${cols} from ${table} where ${t.measures.map((m) => `${m} <> 0`).join(' or ')}`;
}

/** What `table` should hold, without all-zero rows. */
function wanted(t: Target): string {
  const cols = [...t.key.split(', '), ...t.measures].join(', ');
  return `select * from (${t.query}) as w(${cols}) where ${t.measures.map((m) => `${m} <> 0`).join(' or ')}`;
}

/** The same in key order: a rebuilt table keeps the rows a report reads together on few pages. */
function wantedInOrder(t: Target): string {
  return `${wanted(t)} order by ${t.key}`;
}

async function withRollupLock<T>(
  database: Pick<Database, 'pool'>,
  isolation: 'repeatable read',
  fn: (client: Client) => Promise<T>,
  end: 'commit' | 'rollback',
): Promise<T> {
  const client = await database.pool.connect();
  try {
    // A session lock, taken before the transaction's snapshot: the snapshot then sees everything
    // an applier committed before it, and no applier runs until we are done.
    await client.query('select pg_advisory_lock($1)', [ROLLUP_LOCK]);
    try {
      await client.query(`begin isolation level ${isolation}`);
      // A rebuild or check reads every fact: the pool's per-statement limit is for requests.
      await client.query('set local statement_timeout = 0');
      try {
        const out = await fn(client);
        await client.query(end);
        return out;
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      }
    } finally {
      await client.query('select pg_advisory_unlock($1)', [ROLLUP_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

export interface RebuildResult {
  rows: Record<string, number>;
  ms: number;
}

/**
 * Recomputes every rollup and cube from the facts, in one transaction on one snapshot: the
 * deltas that snapshot sees are dropped (the facts they describe are counted), later ones are
 * applied by the worker as usual. Reports read the old figures until it commits.
 */
export async function rebuildRollups(
  database: Pick<Database, 'pool'>,
  settings: RollupSettings,
): Promise<RebuildResult> {
  const t = Date.now();
  const { fine, cubes } = expected(settings.timeZone);
  const rows = await withRollupLock(
    database,
    'repeatable read',
    async (client) => {
      const out: Record<string, number> = {};
      await client.query('delete from rollup_delta');
      for (const [table, q] of [...Object.entries(fine), ...Object.entries(cubes)] as [string, Target][]) {
        await client.query(`delete from ${table}`);
        const res = await client.query(
          `insert into ${table} (${q.key}, ${q.measures.join(', ')}) ${wantedInOrder(q)}`,
        );
        out[table] = res.rowCount ?? 0;
      }
      await rebuildPopulationCube(client);
      await client.query('update rollup_state set rebuilt_at = now(), applied_at = now()');
      return out;
    },
    'commit',
  );
  return { rows, ms: Date.now() - t };
}

export interface RollupCheck {
  ok: boolean;
  /** Per rollup and cube: rows that differ from the facts (0 when it matches). */
  tables: { table: string; rows: number; differing: number; sample: Record<string, unknown>[] }[];
  pending: number;
}

/**
 * Proves that the rollups equal the facts: on one snapshot, with the pending deltas applied (and
 * then rolled back: the worker applies them for real), every fine rollup is compared with a count
 * over the facts and every cube with its rollup. Both directions: a missing row differs as much as
 * a wrong one.
 */
export async function checkRollups(
  database: Pick<Database, 'pool'>,
  settings: RollupSettings,
): Promise<RollupCheck> {
  const { fine, cubes, followers } = expected(settings.timeZone);
  return withRollupLock(
    database,
    'repeatable read',
    async (client) => {
      let pending = 0;
      for (;;) {
        const n = await applyWith(client, { ...settings, batch: 1_000_000 });
        pending += n;
        if (n === 0) break;
      }
      const tables: RollupCheck['tables'] = [];
      for (const [table, q] of [
        ...Object.entries(fine),
        ...Object.entries(cubes),
        ...Object.entries(followers),
      ] as [string, Target][]) {
        const have = stored(table, q);
        const want = wanted(q);
        const diff = await client.query<Record<string, unknown>>(
          `select 'stored' as side, * from ((${have}) except all (${want})) a
           union all
           select 'facts', * from ((${want}) except all (${have})) b
           limit 5`,
        );
        const count = await client.query<{ n: string }>(
          `select (select count(*) from ((${have}) except all (${want})) a)
                + (select count(*) from ((${want}) except all (${have})) b) as n`,
        );
        const size = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
        tables.push({
          table,
          rows: Number(size.rows[0]?.n ?? 0),
          differing: Number(count.rows[0]?.n ?? 0),
          sample: diff.rows,
        });
      }
      return { ok: tables.every((t) => t.differing === 0), tables, pending };
    },
    'rollback',
  );
}

export function formatRollupCheck(report: RollupCheck): string {
  const lines = report.tables.map(
    (t) =>
      `${t.differing === 0 ? 'ok  ' : 'DIFF'} ${t.table.padEnd(24)} ${String(t.rows).padStart(10)} rows` +
      (t.differing ? `, ${t.differing} differ; e.g. ${JSON.stringify(t.sample[0])}` : ''),
  );
  lines.push(
    report.ok
      ? `rollups equal the facts (${report.pending} pending deltas included)`
      : 'rollups DIFFER from the facts: run `dosewise rollup-rebuild`',
  );
  return lines.join('\n');
}

/** The population cube: each lowest-level area's denominators summed up the hierarchy. */
const POPULATION_CUBE = [
  'delete from cube_population',
  `insert into cube_population (area_id, age_band, gender, people)
   select anc, age_band, gender, sum(people) from population r join area x on x.id = r.area_id
   cross join lateral ${ANCESTORS} as anc group by 1, 2, 3`,
];

export async function rebuildPopulationCube(q: Client | Queryable): Promise<void> {
  for (const text of POPULATION_CUBE) {
    if (isClient(q)) await q.query(text);
    else await sql.raw(text).execute(q);
  }
}

const isClient = (q: Client | Queryable): q is Client => typeof (q as Client).release === 'function';
