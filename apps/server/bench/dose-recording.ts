import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { sql } from 'kysely';
import { addDays } from '@dosewise/domain';
import { openDatabase, type Db } from '../src/db/database.ts';
import { todayIn } from '../src/registration/calendar.ts';
import { bulkPeople } from '../test/support/bulk-people.ts';
import { cpuPerOp, cpuSnapshot } from './server-process.ts';
import { staffToken, type BenchContext, type Measured, type Scenario } from './scenarios.ts';

const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dosewise_bench';
/** Vaccination centres the doses are spread over, each with a lot of its own in its store. */
const FACILITIES = Number(process.env.DOSE_FACILITIES ?? 40);
/** Fixed keys for the bench's server: the bench writes people (encrypted phones). */
export const BENCH_SECRETS = {
  DOSEWISE_TOKEN_SECRET: 'bench-token-secret-that-is-long-enough-0123456789',
  DOSEWISE_DATA_KEY: 'a'.repeat(64),
  DOSEWISE_INDEX_KEY: 'b'.repeat(64),
};

/** The next unused batch number of bench people (registration numbers BD-BULK-<batch><6 digits>). */
export async function nextBulkBatch(db: Db): Promise<number> {
  const { rows } = await sql<{ b: number }>`
    select coalesce(max(substring(registration_number from 9)::bigint / 1000000), 9)::int + 1 as b
    from person where registration_number like 'BD-BULK-%'`.execute(db);
  return rows[0]!.b;
}

/**
 * Vaccination centres with a store each (under the national store) and a fresh lot of `productCode`
 * received into it: the stock a day of doses draws from. Written straight into the tables.
 */
export async function stockedFacilities(db: Db, count: number, dosesEach: number, productCode = 'COMIRNATY') {
  const product = await db
    .selectFrom('vaccine_product')
    .select(['id', 'doses_per_vial'])
    .where('code', '=', productCode)
    .executeTakeFirstOrThrow();
  const facilities = await db
    .selectFrom('facility')
    .select('id')
    .where('type', '=', 'vaccination_centre')
    .where('active', '=', true)
    .orderBy('id')
    .limit(count)
    .execute();
  let national = (
    await db.selectFrom('store').select('facility_id').where('level', '=', 'national').executeTakeFirst()
  )?.facility_id;
  if (!national) {
    const f = await db
      .selectFrom('facility')
      .select('id')
      .where('type', '=', 'store')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('store')
      .values({ facility_id: f.id, level: 'national', parent_facility_id: null })
      .execute();
    national = f.id;
  }
  await db
    .insertInto('store')
    .values(
      facilities.map((f) => ({
        facility_id: f.id,
        level: 'facility' as const,
        parent_facility_id: national,
      })),
    )
    .onConflict((oc) => oc.column('facility_id').doNothing())
    .execute();
  const stamp = Date.now().toString(36).toUpperCase();
  const lots = await db
    .insertInto('lot')
    .values(
      facilities.map((f, i) => ({
        product_id: product.id,
        lot_number: `BENCH-${stamp}-${i}`,
        manufacturer: 'Bench Manufacturer',
        expires_on: addDays(todayIn('Asia/Dhaka'), 365),
        doses_per_vial: product.doses_per_vial,
        created_by: null,
      })),
    )
    .returning('id')
    .execute();
  await db
    .insertInto('stock_entry')
    .values(
      facilities.map((f, i) => ({
        lot_id: lots[i]!.id,
        quantity: dosesEach,
        from_party: 'supplier' as const,
        to_store_id: f.id,
        kind: 'receipt' as const,
      })),
    )
    .execute();
  return {
    productId: product.id,
    sites: facilities.map((f, i) => ({ facilityId: f.id, lotId: lots[i]!.id })),
  };
}

export function httpClient(base: string, connections: number) {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const send = (method: string, path: string, body: unknown, token: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(data),
            authorization: `Bearer ${token}`,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  return { send, close: () => agent.destroy() };
}

export const percentile = (sorted: number[], q: number) =>
  Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;

/**
 * Doses recorded end to end over HTTP, as vaccinators at FACILITIES centres record them at once:
 * each request is a walk-in dose with its lot (person and history read, lot and store checked,
 * then one statement writes the dose, the open vial, the ledger entry, the next dose in the queue,
 * the certificate job and the SMS). Afterwards the database is checked against the answers.
 */
export const doseRecordingScenario: Scenario = {
  name: 'dose-recording',
  description: 'Doses recorded end to end (stock, vial, next dose, certificate job, SMS): doses/s and p99',
  async start() {
    return {
      env: { ...BENCH_SECRETS, SMS_PROVIDER: 'console' },
      drive: (ctx: BenchContext) => driveDoses(ctx),
      close: async () => undefined,
    };
  },
};

/** The dose-recording load (also driven by the reports scenario, on its own database). */
export async function driveDoses(ctx: BenchContext, url = BENCH_URL): Promise<Measured> {
  if (ctx.database !== 'postgres') throw new Error('dose-recording runs on the PostgreSQL server');
  const database = await openDatabase({ url, dataDir: '', poolSize: 4 });
  const db = database.db;
  const planned = Number(process.env.DOSE_PEOPLE ?? 8_000 + ctx.seconds * 2_000);
  const batch = await nextBulkBatch(db);
  process.stderr.write(
    `[bench] writing ${planned} people (batch ${batch}) and stock at ${FACILITIES} centres...\n`,
  );
  const people = await bulkPeople(db, { count: planned, secrets: BENCH_SECRETS, batch });
  const { productId, sites } = await stockedFacilities(db, FACILITIES, Math.ceil(planned / FACILITIES) + 100);
  const token = await staffToken(ctx.base, 'admin');
  const client = httpClient(ctx.base, ctx.connections);

  const body = (i: number) => {
    const site = sites[i % sites.length]!;
    return {
      facilityId: site.facilityId,
      productId,
      lotId: site.lotId,
      bodySite: 'left_deltoid',
      identityCheck: 'id_document',
      consent: true,
      walkIn: true,
      clientId: randomUUID(),
    };
  };
  let next = 0;
  const stored = new Map<number, number>();
  const codes = new Map<string, number>();
  const latencies: number[] = [];
  const run = async (until: number, measure: boolean) => {
    await Promise.all(
      Array.from({ length: ctx.connections }, async () => {
        while (performance.now() < until && next < people.length) {
          const i = next++;
          const p = people[i]!;
          const t = performance.now();
          const r = await client
            .send('POST', `/api/people/${p.personId}/doses`, body(i), token)
            .catch((err: unknown) => ({ status: 0, body: String(err) }));
          if (measure) latencies.push(performance.now() - t);
          if (r.status === 201) stored.set(p.personId, (JSON.parse(r.body) as { id: number }).id);
          else {
            let code = String(r.status);
            try {
              code = (JSON.parse(r.body) as { error: { code: string } }).error.code;
            } catch {
              // not JSON: keep the status
            }
            codes.set(code, (codes.get(code) ?? 0) + 1);
          }
        }
      }),
    );
  };
  // Warm-up (JIT, prepared statements, caches), then the measured run.
  await run(performance.now() + 3_000, false);
  const warm = stored.size;
  const databaseName = new URL(url).pathname.slice(1);
  // Certificates the server's job runner issues meanwhile (for these doses or earlier ones).
  const certificates = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from certificate`.execute(db)).rows[0]!.n;
  const certificatesBefore = await certificates();
  const cpuBefore = cpuSnapshot(ctx.serverPid, databaseName);
  const started = performance.now();
  await run(started + ctx.seconds * 1_000, true);
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuPerOp(cpuBefore, cpuSnapshot(ctx.serverPid, databaseName), latencies.length);
  const certificatesIssued = (await certificates()) - certificatesBefore;
  client.close();
  if (next >= people.length) process.stderr.write('[bench] ran out of people before the time was up\n');

  // The truth, from the database: every "201" is a dose with its ledger entry, job, SMS and next dose.
  const ids = people.map((p) => p.personId);
  const { rows } = await sql<{
    doses: number;
    entries: number;
    jobs: number;
    sms: number;
    queued: number;
    vials: number;
  }>`
    select (select count(*)::int from dose where person_id = any(${ids}::bigint[])) as doses,
           (select count(*)::int from stock_entry where kind = 'administered' and person_id = any(${ids}::bigint[])) as entries,
           (select count(*)::int from job where kind = 'certificate.issue'
              and (payload ->> 'personId')::bigint = any(${ids}::bigint[])) as jobs,
           (select count(*)::int from notification where template like 'dose_recorded%'
              and person_id = any(${ids}::bigint[])) as sms,
           (select count(*)::int from waiting_entry where dose_number = 2 and person_id = any(${ids}::bigint[])) as queued,
           (select count(*)::int from open_vial where lot_id = any(${sites.map((s) => s.lotId)}::bigint[])) as vials`.execute(
    db,
  );
  await database.close();
  const truth = rows[0]!;
  latencies.sort((a, b) => a - b);
  const measuredOk = stored.size - warm;
  const errors = [...codes.values()].reduce((n, k) => n + k, 0);
  return {
    ops: measuredOk,
    seconds: Math.round(seconds * 100) / 100,
    throughput: Math.round((measuredOk / seconds) * 10) / 10,
    p50_ms: percentile(latencies, 0.5),
    p99_ms: percentile(latencies, 0.99),
    errors,
    extra: {
      facilities: sites.length,
      recorded_including_warmup: stored.size,
      doses_in_database: truth.doses,
      ledger_entries: truth.entries,
      certificate_jobs: truth.jobs,
      sms_queued: truth.sms,
      next_dose_queued: truth.queued,
      vials_opened: truth.vials,
      certificates_issued_per_s: Math.round((certificatesIssued / seconds) * 10) / 10,
      consistent:
        truth.doses === stored.size &&
        truth.entries === stored.size &&
        truth.jobs === stored.size &&
        truth.sms === stored.size &&
        truth.queued === stored.size,
      answers: Object.fromEntries([['recorded', stored.size], ...codes.entries()]),
      ...cpu,
    },
  };
}
