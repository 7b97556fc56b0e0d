import pg from 'pg';
import { addDays } from '@dosewise/domain';
import { todayIn } from '../src/registration/calendar.ts';
import type { BenchContext, BenchPlan, Scenario } from './scenarios.ts';
import { cpuPerOp, cpuSnapshot } from './server-process.ts';

const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dosewise_bench';
/** Days ahead that get sessions, and days the requests ask about. */
const SESSION_DAYS = 14;
const ASKED_DAYS = 7;
/**
 * Seats taken per second while the load runs, so answers keep changing as in a campaign: 50/s is
 * 1.8 million bookings in a ten-hour day.
 */
const BOOKINGS_PER_S = Number(process.env.AVAILABILITY_BOOKINGS_PER_S ?? 50);

/**
 * Third-party slot finders polling the public API: CoWIN findByDistrict and calendarByDistrict and
 * our own search, over every district and each of the next seven days, in a shuffled rotation (the
 * demo dataset, with a session a day at every vaccination facility for two weeks where the demo
 * seed planned none). Meanwhile seats are
 * taken the way booking takes them, so the one-second caches keep being refilled with new counts.
 */
export const availabilityScenario: Scenario = {
  name: 'availability',
  description:
    'Cached public reads: CoWIN findByDistrict / calendarByDistrict and the availability search, every district x 7 days, with bookings running',
  // One load generator is one address: the per-address search limit would stop it first.
  serverEnv: { SEARCH_PER_IP_MINUTE: '1000000000' },
  prepare: prepareAvailability,
};

async function prepareAvailability(ctx: BenchContext): Promise<BenchPlan> {
  if (ctx.database !== 'postgres')
    throw new Error('the availability bench writes its sessions on the PostgreSQL server');
  const client = new pg.Client({ connectionString: BENCH_URL });
  await client.connect();
  const today = todayIn('Asia/Dhaka');
  const made = await client.query(
    `
    insert into vaccination_session (facility_id, session_date, product_id, dose_numbers, min_age_years, starts_at, ends_at)
    select f.id, d::date, p.id,
           case (f.id + day) % 3 when 0 then '{1}'::int[] when 1 then '{2}'::int[] else '{1,2}'::int[] end,
           case (f.id + day) % 4 when 0 then 40 else 18 end,
           '08:00', '16:00'
    from facility f
    cross join generate_series(0, $2::int - 1) as day
    cross join lateral (select ($1::date + day) as d) dd
    join lateral (
      select id from vaccine_product where active order by id offset (f.id % 3) limit 1
    ) p on true
    where f.type <> 'store' and f.active
      and not exists (
        select 1 from vaccination_session s
        where s.facility_id = f.id and s.session_date = dd.d and s.status = 'open'
      )
    returning id`,
    [today, SESSION_DAYS],
  );
  if (made.rowCount)
    await client.query(
      `
      insert into session_slot (session_id, starts_at, ends_at, capacity, booked)
      select s.id, t.a::time, t.b::time, 50, (s.id * 7 + t.n) % 40
      from vaccination_session s
      cross join (values (0, '08:00', '10:00'), (1, '10:00', '12:00'), (2, '12:00', '14:00'), (3, '14:00', '16:00'))
        as t(n, a, b)
      where s.id = any($1::bigint[])`,
      [made.rows.map((r: { id: number }) => r.id)],
    );
  const { rows: districts } = await client.query<{ id: number }>(
    'select id from area where depth = 1 order by id',
  );
  const { rows: slots } = await client.query<{ id: string }>(
    `select sl.id from session_slot sl join vaccination_session s on s.id = sl.session_id
     where s.status = 'open' and s.session_date between $1::date and $1::date + 6`,
    [today],
  );

  // Every (district, day) asked three ways, in a fixed shuffled order.
  const paths: string[] = [];
  for (const { id } of districts) {
    for (let day = 0; day < ASKED_DAYS; day++) {
      const iso = addDays(today, day);
      const dmy = `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;
      paths.push(`/api/v2/appointment/sessions/public/findByDistrict?district_id=${id}&date=${dmy}`);
      paths.push(`/api/v2/appointment/sessions/public/calendarByDistrict?district_id=${id}&date=${dmy}`);
      paths.push(`/api/public/availability?areaId=${id}&from=${iso}&to=${addDays(iso, 2)}`);
    }
  }
  let seed = 42;
  for (let i = paths.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [paths[i], paths[j]] = [paths[j]!, paths[i]!];
  }

  // Bookings while the load runs: one seat at a time, as booking takes it.
  let booked = 0;
  let stop = false;
  const booker = (async () => {
    let k = 0;
    while (!stop && slots.length && BOOKINGS_PER_S > 0) {
      const id = slots[(k++ * 7919) % slots.length]!.id;
      const r = await client.query(
        'update session_slot set booked = booked + 1 where id = $1 and booked < capacity',
        [id],
      );
      booked += r.rowCount ?? 0;
      await new Promise((res) => setTimeout(res, 1000 / BOOKINGS_PER_S));
    }
  })();

  // CPU by process from here (warm-up included) to the end of the run.
  const databaseName = new URL(BENCH_URL).pathname.slice(1);
  const cpuBefore = cpuSnapshot(ctx.serverPid, databaseName);
  // A fixed list each connection cycles through: autocannon serialises each request once.
  // Accept-Encoding as slot finders send it (Python requests, browsers, Node's fetch all do).
  const headers = { 'accept-encoding': 'gzip, deflate' };
  return {
    requests: paths.map((path) => ({ method: 'GET' as const, path, headers })),
    extra: async () => {
      const cpu = cpuPerOp(cpuBefore, cpuSnapshot(ctx.serverPid, databaseName), 1);
      stop = true;
      await booker;
      await client.end();
      return {
        // CPU seconds of each process over warm-up and run: where the two cores went.
        cpu_seconds: Object.fromEntries(
          Object.entries(cpu.cpu_ms_per_op).map(([k, v]) => [k, Math.round(v) / 1000]),
        ),
        machine_busy_percent: cpu.machine_busy_percent,
        distinct_requests: paths.length,
        districts: districts.length,
        sessions_created: made.rowCount ?? 0,
        seats_booked_during_warm_up_and_run: booked,
        bookings_per_s: BOOKINGS_PER_S,
        mix: 'findByDistrict 1/3, calendarByDistrict 1/3, /api/public/availability (3 days) 1/3; Accept-Encoding: gzip',
      };
    },
  };
}
