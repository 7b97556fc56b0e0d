import { addDays } from '@dosewise/domain';
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { todayIn } from '../src/registration/calendar.ts';
import { rollupLagSeconds } from '../src/reports/rollups.ts';
import { isSeeded, seedDemo } from '../src/seed/demo.ts';
import { generateHistory } from '../src/seed/history.ts';
import { BENCH_SECRETS, driveDoses, percentile } from './dose-recording.ts';
import { staffToken, type BenchContext, type Measured, type Scenario } from './scenarios.ts';

/** The reports benchmark keeps a database of its own: ten million doses are made once and reused. */
export const REPORTS_URL = (() => {
  const u = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dosewise_bench');
  u.pathname = `/${process.env.REPORTS_DATABASE ?? 'dosewise_bench_reports'}`;
  return u.toString();
})();
const TARGET_DOSES = Number(process.env.REPORTS_DOSES ?? 10_000_000);
const HISTORY_DAYS = Number(process.env.REPORTS_DAYS ?? 365);

async function ensureDatabase(url: string) {
  const name = new URL(url).pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unusable bench database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
  if (exists.rowCount === 0) await client.query(`create database ${name}`);
  await client.end();
}

export interface ReportsData {
  doses: number;
  people: number;
  /** Seconds spent making history in this run (0 when the database already held it). */
  generation_s: number;
  rebuild_s: number;
  generated: Record<string, number> | null;
}

/**
 * The demo dataset plus history up to `REPORTS_DOSES` doses (default ten million) over the last
 * `REPORTS_DAYS` days; a database that already holds them is used as it is.
 */
export async function ensureReportsData(log: (m: string) => void): Promise<ReportsData> {
  await ensureDatabase(REPORTS_URL);
  const database = await openDatabase({
    url: REPORTS_URL,
    dataDir: '',
    poolSize: 2,
    statementTimeoutMs: 4 * 3_600_000,
  });
  try {
    await migrate(database.db);
    if (!(await isSeeded(database.db))) await seedDemo(database, { people: 2000, seed: 1, log });
    const count = async () => {
      const { rows } = await database.pool.query<{ doses: string; people: string }>(
        'select (select count(*) from dose) as doses, (select count(*) from person) as people',
      );
      return { doses: Number(rows[0]!.doses), people: Number(rows[0]!.people) };
    };
    const before = await count();
    if (before.doses >= TARGET_DOSES * 0.99)
      return { ...before, generation_s: 0, rebuild_s: 0, generated: null };
    log(`[bench] generating ${TARGET_DOSES - before.doses} doses of history (${HISTORY_DAYS} days)...`);
    const t = Date.now();
    const made = await generateHistory(database, {
      seed: 20_260_101 + before.doses,
      days: HISTORY_DAYS,
      doses: TARGET_DOSES - before.doses,
      timeZone: 'Asia/Dhaka',
      vacuum: true,
      log,
    });
    const after = await count();
    return {
      ...after,
      generation_s: Math.round((Date.now() - t) / 100) / 10,
      rebuild_s: Math.round(made.rebuildMs / 100) / 10,
      generated: { ...made },
    };
  } finally {
    await database.close();
  }
}

interface ReportCall {
  name: string;
  token: 'national' | 'area';
  path: (i: number) => string;
}

/** Areas to rotate through at each level: every division, and one district, upazila and union in each. */
async function benchAreas(pool: pg.Pool) {
  const { rows } = await pool.query<{
    division: string;
    district: string;
    upazila: string;
    union: string;
    name: string;
  }>(
    `select v.id as division, d.id as district, u.id as upazila, n.id as union, v.name_en as name
     from area v
     cross join lateral (select id from area where parent_id = v.id order by id limit 1) d
     cross join lateral (select id from area where parent_id = d.id order by id limit 1) u
     cross join lateral (select id from area where parent_id = u.id order by id limit 1) n
     where v.depth = 0 order by v.id`,
  );
  const ids = (k: 'division' | 'district' | 'upazila' | 'union') => rows.map((r) => Number(r[k]));
  const dhaka = rows.find((r) => r.name === 'Dhaka') ?? rows[0]!;
  const { rows: inDhaka } = await pool.query<{ id: string }>(
    'select id from area where parent_id = $1 order by id',
    [dhaka.division],
  );
  return {
    division: ids('division'),
    district: ids('district'),
    upazila: ids('upazila'),
    union: ids('union'),
    dhakaDistricts: inDhaka.map((r) => Number(r.id)),
  };
}

function reportCalls(areas: Awaited<ReturnType<typeof benchAreas>>, today: string): ReportCall[] {
  const at = (list: number[]) => (i: number) => list[i % list.length]!;
  const year = `from=${addDays(today, -365)}&to=${today}`;
  const quarter = `from=${addDays(today, -89)}&to=${today}`;
  const { division, district, upazila, union, dhakaDistricts } = areas;
  const n = (name: string, path: (i: number) => string): ReportCall => ({ name, token: 'national', path });
  const a = (name: string, path: (i: number) => string): ReportCall => ({ name, token: 'area', path });
  return [
    n('vaccination.national', () => '/api/reports/vaccination'),
    n('vaccination.division', (i) => `/api/reports/vaccination?areaId=${at(division)(i)}`),
    n('vaccination.district', (i) => `/api/reports/vaccination?areaId=${at(district)(i)}`),
    n('vaccination.upazila', (i) => `/api/reports/vaccination?areaId=${at(upazila)(i)}`),
    n('vaccination.union', (i) => `/api/reports/vaccination?areaId=${at(union)(i)}`),
    n(
      'vaccination.csv_lowest.district',
      (i) => `/api/reports/vaccination?areaId=${at(district)(i)}&format=csv&table=lowest`,
    ),
    n('trend.national.30d', () => '/api/reports/vaccination/trend'),
    n('trend.national.365d', () => `/api/reports/vaccination/trend?${year}`),
    n('trend.district.90d', (i) => `/api/reports/vaccination/trend?areaId=${at(district)(i)}&${quarter}`),
    n('coverage.national', () => '/api/reports/coverage'),
    n('coverage.district', (i) => `/api/reports/coverage?areaId=${at(district)(i)}`),
    n('funnel.national', () => '/api/reports/funnel'),
    n('funnel.district', (i) => `/api/reports/funnel?areaId=${at(district)(i)}`),
    n('facilities.national', () => '/api/reports/facilities'),
    n('facilities.national.365d.no_show', () => `/api/reports/facilities?${year}&sort=noShowRate&order=desc`),
    n('facilities.district', (i) => `/api/reports/facilities?areaId=${at(district)(i)}`),
    n('stock.national', () => '/api/reports/stock'),
    n('stock.district', (i) => `/api/reports/stock?areaId=${at(district)(i)}`),
    n('aefi.national', () => '/api/reports/aefi'),
    n('aefi.national.365d', () => `/api/reports/aefi?${year}`),
    n('registrations.national', () => '/api/reports/registrations'),
    n('registrations.division.365d', (i) => `/api/reports/registrations?areaId=${at(division)(i)}&${year}`),
    n('status', () => '/api/reports/status'),
    n('public.national', () => '/api/public/dashboard'),
    n('public.division', (i) => `/api/public/dashboard?areaId=${at(division)(i)}`),
    a('area.vaccination', () => '/api/reports/vaccination'),
    a('area.vaccination.district', (i) => `/api/reports/vaccination?areaId=${at(dhakaDistricts)(i)}`),
    a('area.trend', () => '/api/reports/vaccination/trend'),
    a('area.coverage', () => '/api/reports/coverage'),
    a('area.funnel', () => '/api/reports/funnel'),
    a('area.facilities', () => '/api/reports/facilities'),
    a('area.stock', () => '/api/reports/stock'),
    a('area.aefi', () => '/api/reports/aefi'),
    a('area.registrations', () => '/api/reports/registrations'),
  ];
}

async function get(base: string, path: string, token: string) {
  const t = performance.now();
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.text();
  return { status: res.status, ms: performance.now() - t, bytes: body.length, body };
}

/**
 * Reports over ten million doses: every standard report, as a national and as an area admin,
 * called many times in a mixed order (p95 per report); then the dose-recording load at full
 * speed while the rollup lag is sampled.
 */
async function driveReports(ctx: BenchContext, data: ReportsData): Promise<Measured> {
  if (ctx.database !== 'postgres') throw new Error('the reports benchmark runs on the PostgreSQL server');
  const database = await openDatabase({ url: REPORTS_URL, dataDir: '', poolSize: 2 });
  const pool = database.pool;
  const lag = () => rollupLagSeconds(database.db);
  const calls = Number(process.env.REPORTS_CALLS ?? 40);
  const parallel = Number(process.env.REPORTS_PARALLEL ?? 4);
  try {
    const areas = await benchAreas(pool);
    const plan = reportCalls(areas, todayIn('Asia/Dhaka'));
    const tokens = {
      national: await staffToken(ctx.base, 'admin'),
      area: await staffToken(ctx.base, 'dhaka.admin'),
    };
    // Reports are read from cubes the worker keeps: wait until it has caught up with the history.
    for (let i = 0; i < 600 && (await lag()) > 0; i++) await sleep(1000);

    // Warm-up: each report once (plans, caches); its answer is checked.
    const failures: Record<string, string> = {};
    for (const c of plan) {
      const r = await get(ctx.base, c.path(0), tokens[c.token]);
      if (r.status !== 200) failures[c.name] = `${r.status} ${r.body.slice(0, 200)}`;
    }
    const jobs = plan.flatMap((c) => Array.from({ length: calls }, (_, i) => ({ c, i })));
    // Interleaved: every report is measured under the same mix.
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
    }
    const latencies = new Map<string, number[]>(plan.map((c) => [c.name, []]));
    const bytes = new Map<string, number>();
    let errors = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < jobs.length) {
          const { c, i } = jobs[next++]!;
          const r = await get(ctx.base, c.path(i + 1), tokens[c.token]);
          if (r.status !== 200) {
            errors++;
            failures[c.name] ??= `${r.status} ${r.body.slice(0, 200)}`;
            continue;
          }
          latencies.get(c.name)!.push(r.ms);
          bytes.set(c.name, Math.max(bytes.get(c.name) ?? 0, r.bytes));
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const p95: Record<string, number> = {};
    const p50: Record<string, number> = {};
    const all: number[] = [];
    for (const [name, list] of latencies) {
      list.sort((x, y) => x - y);
      all.push(...list);
      p95[name] = percentile(list, 0.95);
      p50[name] = percentile(list, 0.5);
    }
    all.sort((x, y) => x - y);
    const worst = Object.entries(p95).sort((x, y) => y[1] - x[1])[0] ?? ['', 0];
    process.stderr.write(
      `[bench] reports: worst p95 ${worst[1]} ms (${worst[0]}), ${errors} errors; now the dose load with rollup lag sampling\n`,
    );

    // The dose-recording load at full speed, the rollup lag sampled meanwhile.
    let sampling = true;
    const samples: { at: number; lag: number }[] = [];
    const sampler = (async () => {
      while (sampling) {
        const seen = await lag();
        samples.push({ at: performance.now(), lag: seen });
        await sleep(250);
      }
    })();
    const doses = await driveDoses(ctx, REPORTS_URL);
    const loadEnd = performance.now();
    sampling = false;
    await sampler;
    // The driver first writes its people (their registrations are rollup deltas too), warms up for
    // 3 s, runs the measured load, then checks the database: the measured window is the load itself.
    const windowStart = loadEnd - doses.seconds * 1000 - 2000;
    const during = samples.filter((x) => x.at >= windowStart).map((x) => x.lag);
    const lagSamples = samples.map((x) => x.lag).sort((x, y) => x - y);
    const lagMax = Math.max(0, ...during);
    const lagMaxAll = lagSamples[lagSamples.length - 1] ?? 0;
    during.sort((x, y) => x - y);
    // How long the worker takes to apply what the load left pending.
    const drainStart = performance.now();
    while ((await lag()) > 0 && performance.now() - drainStart < 120_000) await sleep(100);
    const drain = (performance.now() - drainStart) / 1000;

    return {
      ops: all.length,
      seconds: Math.round(seconds * 100) / 100,
      throughput: Math.round((all.length / seconds) * 10) / 10,
      p50_ms: percentile(all, 0.5),
      p99_ms: percentile(all, 0.99),
      errors,
      extra: {
        data,
        calls_per_report: calls,
        parallel,
        p95_ms_max: worst[1],
        worst_report: worst[0],
        p95_ms: p95,
        p50_ms: p50,
        largest_answer_bytes: Object.fromEntries(bytes),
        failures,
        rollup_lag_s: Math.round(lagMax * 100) / 100,
        rollup_lag_p95_s: Math.round(percentile(during, 0.95) * 100) / 100,
        rollup_lag_samples: during.length,
        rollup_lag_incl_people_setup_s: Math.round(lagMaxAll * 100) / 100,
        rollup_drain_after_load_s: Math.round(drain * 100) / 100,
        dose_load: {
          doses: doses.ops,
          seconds: doses.seconds,
          doses_per_s: doses.throughput,
          p50_ms: doses.p50_ms,
          p99_ms: doses.p99_ms,
          errors: doses.errors,
          consistent: doses.extra?.consistent,
        },
      },
    };
  } finally {
    await database.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const reportsScenario: Scenario = {
  name: 'reports',
  description:
    'Every report over 10 million doses (p95 per report), then rollup lag under the dose-recording load',
  async start() {
    const data = await ensureReportsData((m) => process.stderr.write(`${m}\n`));
    return {
      env: { ...BENCH_SECRETS, SMS_PROVIDER: 'console', DATABASE_URL: REPORTS_URL },
      drive: (ctx: BenchContext) => driveReports(ctx, data),
      close: async () => undefined,
    };
  },
};
