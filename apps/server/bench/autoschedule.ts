import { sql } from 'kysely';
import { addDays, autoSchedule, distanceKm } from '@dosewise/domain';
import { openDatabase, type Db } from '../src/db/database.ts';
import { identifierVault } from '../src/privacy/identifiers.ts';
import { todayIn } from '../src/registration/calendar.ts';
import type { ScheduleRun } from '../src/scheduling/autoschedule.ts';
import {
  eligibility,
  exactOptimum,
  facilityLocations,
} from '../../../packages/domain/test/support/exact-optimum.ts';
import { syntheticInstance } from '../../../packages/domain/test/support/scheduler-instances.ts';
import { staffToken, type BenchContext, type Measured, type Scenario } from './scenarios.ts';

const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dosewise_bench';
const PEOPLE = Number(process.env.AUTOSCHEDULE_PEOPLE ?? 1_000_000);
const FACILITIES = 400;
const DAYS = 14;
/** Seats in the window per waiting person: fewer seats than people, as in a campaign's first weeks. */
const SEATS_PER_PERSON = 0.85;
/** Two sessions a day per facility (two vaccines), four slots each. */
const SLOT_TIMES = [
  ['09:00', '11:00'],
  ['11:00', '13:00'],
  ['13:00', '15:00'],
  ['15:00', '17:00'],
] as const;
const GAP_PEOPLE = 2_000;
/** Fixed keys for the bench's server: the bench stores people's phones encrypted under them. */
const SECRETS = {
  DOSEWISE_TOKEN_SECRET: 'bench-token-secret-that-is-long-enough-0123456789',
  DOSEWISE_DATA_KEY: 'c'.repeat(64),
  DOSEWISE_INDEX_KEY: 'd'.repeat(64),
};

/**
 * The national auto-scheduler run: PEOPLE people waiting (15% of them for a second dose, due from
 * a few days ago to after the window), 400 facilities with two sessions a day for 14 days and
 * fewer seats than people; one run through the API (POST /api/schedule-runs, the job runner picks
 * it up), timed by the run itself (read, assign, write, record) and by the client (POST to done).
 * Afterwards the database is checked: no slot past its capacity, as many appointments as placed,
 * no waiting entry left for a person placed. `extra.optimality_gap_pct` compares the scheduler
 * with the exact optimum from HiGHS on a 2,000-person district instance of the same shape.
 */
export const autoscheduleScenario: Scenario = {
  name: 'autoschedule',
  description: `auto-scheduler run over ${PEOPLE} waiting people, ${FACILITIES} facilities, ${DAYS} days`,
  freshDatabase: true,
  async start() {
    return {
      env: { ...SECRETS, SMS_PROVIDER: 'console', DATABASE_STATEMENT_TIMEOUT_MS: '120000' },
      drive: (ctx: BenchContext) => driveAutoschedule(ctx),
      close: async () => undefined,
    };
  },
};

const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);

async function driveAutoschedule(ctx: BenchContext): Promise<Measured> {
  if (ctx.database !== 'postgres') throw new Error('autoschedule runs on the PostgreSQL server');
  const database = await openDatabase({
    url: BENCH_URL,
    dataDir: '',
    poolSize: 2,
    statementTimeoutMs: 600_000,
  });
  const db = database.db;
  try {
    const t = performance.now();
    const setup = await writeCampaign(db);
    say(`data written in ${((performance.now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(setup)}`);
    // A campaign's registrations arrive over weeks: the report rollups have taken them in long
    // before a run. Here they were written a moment ago, so the run waits until the server's
    // rollup loop has caught up rather than compete with it.
    const caughtUp = performance.now();
    await rollupsCaughtUp(db);
    say(`rollups caught up in ${((performance.now() - caughtUp) / 1000).toFixed(1)} s`);
    const autoBefore = await autoAppointments(db);

    const token = await staffToken(ctx.base);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const posted = performance.now();
    const res = await fetch(`${ctx.base}/api/schedule-runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ days: DAYS }),
    });
    if (res.status !== 202) throw new Error(`starting the run: ${res.status} ${await res.text()}`);
    let run = (await res.json()) as ScheduleRun;
    while (run.status === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      run = (await (
        await fetch(`${ctx.base}/api/schedule-runs/${run.id}`, { headers })
      ).json()) as ScheduleRun;
    }
    const wall = (performance.now() - posted) / 1000;
    if (run.status !== 'done' || !run.summary) throw new Error(`the run ${run.status}: ${run.error ?? ''}`);
    say(`run ${run.id} done in ${wall.toFixed(1)} s: ${JSON.stringify(run.summary)}`);

    const errors = await integrityProblems(db, run.summary.placed, autoBefore);
    say('exact optimum of a 2,000-person instance with HiGHS...');
    const gap = await optimalityGap(setup.seatsPerPerson);
    return {
      ops: run.summary.placed,
      seconds: run.summary.seconds.total,
      throughput: Math.round(run.summary.placed / run.summary.seconds.total),
      p50_ms: 0,
      p99_ms: 0,
      errors,
      extra: {
        seconds: run.summary.seconds.total,
        wall_seconds: Math.round(wall * 100) / 100,
        phases: run.summary.seconds,
        placed: run.summary.placed,
        considered: run.summary.considered,
        unplaced: run.summary.unplaced,
        by_dose: run.summary.byDose,
        sms: run.summary.sms,
        optimality_gap_pct: gap.gapPct,
        gap_instance: gap.instance,
        ...setup,
      },
    };
  } finally {
    await database.close();
  }
}

/** Facilities, sessions, people and their queue entries, written with a few set-based statements. */
async function writeCampaign(db: Db) {
  const today = todayIn('Asia/Dhaka');
  const from = addDays(today, 1);
  const to = addDays(from, DAYS - 1);
  // The demo server planned its own sessions: this campaign replaces them.
  await sql`update vaccination_session set status = 'cancelled' where status = 'open'`.execute(db);

  // 400 facilities spread over the country (a fixed pseudo-random choice among those with a place).
  const facilities = await db
    .selectFrom('facility')
    .select(['id', 'latitude', 'longitude'])
    .where('type', 'in', ['vaccination_centre', 'hospital'])
    .where('active', '=', true)
    .where('latitude', 'is not', null)
    .orderBy(sql`md5(code)`)
    .limit(FACILITIES)
    .execute();
  const products = await db
    .selectFrom('vaccine_product')
    .select(['id', 'code', 'min_interval_days', 'recommended_interval_days'])
    .where('active', '=', true)
    .where('primary_doses', '>=', 2)
    .orderBy('id')
    .execute();
  const comirnaty = products.find((p) => p.code === 'COMIRNATY') ?? products[0]!;
  const slots = FACILITIES * DAYS * 2 * SLOT_TIMES.length;
  const perSlot = (SEATS_PER_PERSON * PEOPLE) / slots;
  // Each facility one vaccine of its own for adults, and Comirnaty from 12 years; centres differ in size.
  const facilityIds = facilities.map((f) => f.id);
  const ownProduct = facilities.map((f, i) => products[i % products.length]!.id);
  const size = facilities.map((_, i) => 0.6 + 0.8 * ((i * 0.618034) % 1));
  await sql`
    with f as (
      select * from unnest(${facilityIds}::bigint[], ${ownProduct}::bigint[], ${size}::float8[]) as f(id, product, size)
    ), made as (
      insert into vaccination_session (facility_id, session_date, product_id, dose_numbers, min_age_years, starts_at, ends_at)
      select f.id, d::date, k.product, '{1,2}', k.min_age, '09:00', '17:00'
      from f
      cross join generate_series(${from}::date, ${to}::date, interval '1 day') d
      cross join lateral (values (f.product, 18), (${comirnaty.id}::bigint, 12)) as k(product, min_age)
      returning id, facility_id
    )
    insert into session_slot (session_id, starts_at, ends_at, capacity)
    select m.id, t.starts_at, t.ends_at, greatest(1, round(${perSlot}::float8 * f.size))::int
    from made m
    join f on f.id = m.facility_id
    cross join (values ${sql.join(SLOT_TIMES.map(([a, b]) => sql`(${a}::time, ${b}::time)`))}) as t(starts_at, ends_at)`.execute(
    db,
  );
  const seats = await sql<{ n: number }>`
    select sum(capacity)::int as n from session_slot sl join vaccination_session s on s.id = sl.session_id
    where s.status = 'open'`.execute(db);

  // Where people live: every union, anchored (for most) at the nearest of the 400 facilities.
  const unions = await db
    .selectFrom('area')
    .select(['id', 'latitude', 'longitude'])
    .where('depth', '=', 3)
    .where('latitude', 'is not', null)
    .orderBy('id')
    .execute();
  const nearest = unions.map((u) => {
    let best = facilities[0]!;
    let bestKm = Infinity;
    for (const f of facilities) {
      const km = distanceKm({ lat: u.latitude!, lon: u.longitude! }, { lat: f.latitude!, lon: f.longitude! });
      if (km < bestKm) [best, bestKm] = [f, km];
    }
    return best.id;
  });
  const groups = await db
    .selectFrom('priority_group')
    .select(['id', 'code'])
    .where('active', '=', true)
    .orderBy('version', 'desc')
    .execute();
  const group = (code: string) => groups.find((g) => g.code === code)!.id;
  // 1,000 phone numbers, encrypted as the server stores them, shared round the people who have one.
  const vault = identifierVault(SECRETS.DOSEWISE_DATA_KEY, SECRETS.DOSEWISE_INDEX_KEY);
  const phones = Array.from({ length: 1000 }, (_, i) => vault.encrypt(`+88017${String(10_000_000 + i)}`));

  say(`writing ${PEOPLE} people...`);
  await sql`alter table person disable trigger person_waiting_entry`.execute(db);
  try {
    await sql`
      insert into person (registration_number, id_type, id_blind, id_enc, id_last4, name_en, name_bn, date_of_birth,
                          gender, phone_enc, area_id, priority_group_id, priority_status, preferred_facility_id,
                          preferred_product_id, consent_version, consent_at, verification_status, locale,
                          registered_via, registered_at)
      select 'BD-AS-' || g, 'nid', md5('as' || g), 'v1.bench', '0000', 'Person ' || g, 'ব্যক্তি ' || g,
             date '2026-01-01' - (365.25 * case b.kind when 'child' then 12 + g % 6 when 'elder' then 60 + g % 30
                                                    else 18 + g % 42 end + g % 365)::int,
             case when g % 2 = 0 then 'female' else 'male' end,
             case when g % 25 <> 0 then (${phones}::text[])[1 + g % 1000] end,
             (${unions.map((u) => u.id)}::bigint[])[u.i],
             b.group_id, 'accepted',
             case when g % 10 < 6 then (${nearest}::bigint[])[u.i] end,
             case when g % 10 in (1, 4, 7) then (${products.map((p) => p.id)}::bigint[])[1 + g % ${products.length}] end,
             '1', now(), 'verified', case when g % 10 < 7 then 'bn' else 'en' end, 'self',
             timestamptz '2026-01-01 00:00+06' + g * interval '1 second'
      from generate_series(1, ${PEOPLE}) g
      cross join lateral (select 1 + (g * 2654435761) % ${unions.length} as i) u
      cross join lateral (
        select case when g % 100 < 4 then ${group('health_worker')}::bigint
                    when g % 100 < 10 then ${group('frontline_worker')}::bigint
                    when g % 100 < 20 then ${group('age_60_plus')}::bigint
                    when g % 100 < 30 then ${group('comorbidity_40_plus')}::bigint
                    when g % 100 < 40 then ${group('student')}::bigint
                    when g % 100 < 95 then ${group('general_18_plus')}::bigint
                    else ${group('children_12_17')}::bigint end as group_id,
               case when g % 100 between 10 and 19 then 'elder' when g % 100 >= 95 then 'child' else 'adult' end
                 as kind
      ) b`.execute(db);
  } finally {
    await sql`alter table person enable trigger person_waiting_entry`.execute(db);
  }
  say('writing the waiting queue and second doses...');
  // 15% had a first dose 2 to 10 weeks ago at their nearest facility and wait for the second.
  await sql`
    insert into dose (person_id, dose_number, product_id, facility_id, administered_on, administered_at)
    select p.id, 1, pr.id, un.facility_id, d.on_day, d.on_day::timestamptz
    from person p
    join unnest(${unions.map((u) => u.id)}::bigint[], ${nearest}::bigint[]) as un(area_id, facility_id)
      on un.area_id = p.area_id
    cross join lateral (select (${products.map((x) => x.id)}::bigint[])[1 + p.id % ${products.length}] as product_id) x
    join vaccine_product pr on pr.id = x.product_id
    cross join lateral (select ${from}::date - pr.recommended_interval_days + (p.id % 21)::int - 5 as on_day) d
    where p.registration_number like 'BD-AS-%' and p.id % 100 between 40 and 54`.execute(db);
  await sql`
    insert into waiting_entry (person_id, dose_number, product_id, facility_id, earliest_date, due_date,
                               priority_rank, registered_at, reason)
    select p.id, case when d.person_id is null then 1 else 2 end, d.product_id, d.facility_id,
           case when d.person_id is null then current_date else d.administered_on + pr.min_interval_days end,
           case when d.person_id is null then null else d.administered_on + pr.recommended_interval_days end,
           g.rank, p.registered_at, case when d.person_id is null then 'registered' else 'next_dose' end
    from person p
    join priority_group g on g.id = p.priority_group_id
    left join dose d on d.person_id = p.id and d.dose_number = 1
    left join vaccine_product pr on pr.id = d.product_id
    where p.registration_number like 'BD-AS-%'
    on conflict do nothing`.execute(db);
  await sql`analyze person`.execute(db);
  await sql`analyze waiting_entry`.execute(db);
  await sql`analyze session_slot`.execute(db);
  await sql`analyze vaccination_session`.execute(db);
  const waiting = await sql<{ n: number }>`select count(*)::int as n from waiting_entry`.execute(db);
  return {
    people: PEOPLE,
    waiting: waiting.rows[0]!.n,
    facilities: facilities.length,
    days: DAYS,
    slots,
    seats: seats.rows[0]!.n,
    seatsPerPerson: Math.round((seats.rows[0]!.n / waiting.rows[0]!.n) * 1000) / 1000,
    window: { from, to },
  };
}

async function rollupsCaughtUp(db: Db): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ waiting: boolean }>`
      select exists (select 1 from rollup_delta) as waiting`.execute(db);
    if (!rows[0]!.waiting) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Appointments the auto-scheduler wrote (the demo's own history has some). */
async function autoAppointments(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from appointment where booked_via = 'auto'`.execute(db);
  return rows[0]!.n;
}

/** Violations of what a run must never do; 0 when all is well. */
async function integrityProblems(db: Db, placed: number, autoBefore: number): Promise<number> {
  const { rows } = await sql<{ over: number; auto: number; still_waiting: number; doubled: number }>`
    select (select count(*) from session_slot where booked > capacity)::int as over,
           (select count(*) from appointment where booked_via = 'auto')::int as auto,
           (select count(*) from appointment a join waiting_entry w
              on w.person_id = a.person_id and w.dose_number = a.dose_number
            where a.status = 'booked')::int as still_waiting,
           (select count(*) from (select 1 from session_slot sl
              join appointment a on a.slot_id = sl.id and a.status = 'booked'
              group by sl.id, sl.booked having count(*) > sl.booked) x)::int as doubled`.execute(db);
  const r = rows[0]!;
  const problems = r.over + r.still_waiting + r.doubled + (r.auto - autoBefore === placed ? 0 : 1);
  if (problems) say(`integrity problems: ${JSON.stringify(r)} (placed ${placed}, auto before ${autoBefore})`);
  return problems;
}

/**
 * The scheduler against HiGHS on a 2,000-person district of the same shape as the campaign:
 * 14 days, two sessions a day of four slots, the campaign's seats per person.
 */
async function optimalityGap(seatsPerPerson: number) {
  const input = syntheticInstance({
    seed: 2026,
    people: GAP_PEOPLE,
    facilities: 8,
    days: DAYS,
    seatsPerPerson,
    sessionsPerDay: 2,
    slotsPerSession: SLOT_TIMES.length,
  });
  const result = autoSchedule(input);
  const locations = facilityLocations(input);
  const slots = new Map(input.slots.map((s) => [s.slotId, s]));
  const people = new Map(input.people.map((p) => [p.personId, p]));
  let objective = 0;
  for (const a of result.assignments) {
    const e = eligibility(people.get(a.personId)!, slots.get(a.slotId)!, input, locations);
    if (!e.ok) throw new Error(`the scheduler broke a rule (${e.why})`);
    objective += e.value;
  }
  const optimum = await exactOptimum(input, 600);
  return {
    gapPct: Math.round(((optimum.objective - objective) / optimum.objective) * 100_000) / 1000,
    instance: {
      people: GAP_PEOPLE,
      facilities: 8,
      days: DAYS,
      placed: result.assignments.length,
      optimum_placed: optimum.placed,
      objective: Math.round(objective * 1000) / 1000,
      optimum_objective: Math.round(optimum.objective * 1000) / 1000,
      highs_seconds: Math.round(optimum.seconds * 10) / 10,
      mip_columns: optimum.columns,
    },
  };
}
