import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { bulkPeople } from '../test/support/bulk-people.ts';
import { cpuPerOp, cpuSnapshot } from './server-process.ts';
import { staffToken, type BenchContext, type Measured, type Scenario } from './scenarios.ts';
import { BENCH_SECRETS, httpClient, nextBulkBatch, percentile, stockedFacilities } from './dose-recording.ts';

const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dosewise_bench';
const RECORDS = Number(process.env.SYNC_RECORDS ?? 100_000);
const BATCH = Number(process.env.SYNC_BATCH ?? 500);
const FACILITIES = Number(process.env.SYNC_FACILITIES ?? 40);
/** Devices uploading at once. */
const DEVICES = Number(process.env.SYNC_DEVICES ?? 4);

/**
 * The offline upload: RECORDS doses recorded on devices at FACILITIES centres (one device per
 * centre, so a batch is one centre's day) are uploaded in batches of BATCH by DEVICES devices at
 * once. Then every batch is uploaded a second time: nothing may be added (`duplicates_after_replay`
 * counts doses and reviews added by the replay) and every record must answer `already_stored`.
 */
export const syncScenario: Scenario = {
  name: 'sync',
  description: `${RECORDS} offline records uploaded in batches of ${BATCH}, then replayed: records/s, duplicates after replay`,
  async start() {
    return {
      env: { ...BENCH_SECRETS, SMS_PROVIDER: 'console', SYNC_BATCH_MAX: String(Math.max(500, BATCH)) },
      drive: (ctx: BenchContext) => driveSync(ctx),
      close: async () => undefined,
    };
  },
};

type SyncAnswer = { results: { status: string; code?: string }[] };

async function driveSync(ctx: BenchContext): Promise<Measured> {
  if (ctx.database !== 'postgres') throw new Error('sync runs on the PostgreSQL server');
  const database = await openDatabase({ url: BENCH_URL, dataDir: '', poolSize: 4 });
  const db = database.db;
  const batchNo = await nextBulkBatch(db);
  process.stderr.write(
    `[bench] writing ${RECORDS} people (batch ${batchNo}) and stock at ${FACILITIES} centres...\n`,
  );
  const people = await bulkPeople(db, { count: RECORDS, secrets: BENCH_SECRETS, batch: batchNo });
  const { productId, sites } = await stockedFacilities(db, FACILITIES, Math.ceil(RECORDS / FACILITIES) + 100);
  const token = await staffToken(ctx.base, 'admin');
  const client = httpClient(ctx.base, DEVICES);

  // Each centre's records, in the order its device recorded them over the last hours.
  const now = Date.now();
  const perSite = sites.map(() => [] as unknown[]);
  people.forEach((p, i) => {
    const s = i % sites.length;
    const site = sites[s]!;
    perSite[s]!.push({
      clientId: randomUUID(),
      personId: p.personId,
      facilityId: site.facilityId,
      productId,
      lotId: site.lotId,
      doseNumber: 1,
      bodySite: 'left_deltoid',
      identityCheck: 'card_qr',
      consent: true,
      administeredAt: new Date(now - 4 * 3_600_000 + i * 100).toISOString(),
    });
  });
  const batches: unknown[][] = [];
  for (const records of perSite)
    for (let i = 0; i < records.length; i += BATCH) batches.push(records.slice(i, i + BATCH));

  const ids = people.map((p) => p.personId);
  const counts = async () =>
    (
      await sql<{ doses: number; reviews: number }>`
        select (select count(*)::int from dose where person_id = any(${ids}::bigint[])) as doses,
               (select count(*)::int from dose_review where person_id = any(${ids}::bigint[])) as reviews`.execute(
        db,
      )
    ).rows[0]!;

  const upload = async (label: string) => {
    const statuses = new Map<string, number>();
    const latencies: number[] = [];
    let failed = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: DEVICES }, async () => {
        while (next < batches.length) {
          const records = batches[next++]!;
          const t = performance.now();
          const r = await client
            .send(
              'POST',
              '/api/vaccinator/sync',
              { deviceId: `bench-${label}`, deviceTime: new Date().toISOString(), records },
              token,
            )
            .catch((err: unknown) => ({ status: 0, body: String(err) }));
          latencies.push(performance.now() - t);
          if (r.status !== 200) {
            failed += records.length;
            process.stderr.write(`[bench] batch failed: ${r.status} ${r.body.slice(0, 200)}\n`);
            continue;
          }
          for (const x of (JSON.parse(r.body) as SyncAnswer).results) {
            const key = x.code ? `${x.status}:${x.code}` : x.status;
            statuses.set(key, (statuses.get(key) ?? 0) + 1);
          }
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return { seconds: (performance.now() - started) / 1000, statuses, latencies, failed };
  };

  const databaseName = new URL(BENCH_URL).pathname.slice(1);
  const cpuBefore = cpuSnapshot(ctx.serverPid, databaseName);
  const first = await upload('first');
  const cpu = cpuPerOp(cpuBefore, cpuSnapshot(ctx.serverPid, databaseName), RECORDS);
  const before = await counts();
  const replay = await upload('replay');
  const after = await counts();
  client.close();
  await database.close();
  const stored = first.statuses.get('stored') ?? 0;
  return {
    ops: stored,
    seconds: Math.round(first.seconds * 100) / 100,
    throughput: Math.round((RECORDS / first.seconds) * 10) / 10,
    p50_ms: percentile(first.latencies, 0.5),
    p99_ms: percentile(first.latencies, 0.99),
    errors: first.failed + RECORDS - stored,
    extra: {
      records: RECORDS,
      batch_size: BATCH,
      batches: batches.length,
      devices_at_once: DEVICES,
      facilities: sites.length,
      first_upload: Object.fromEntries(first.statuses),
      doses_after_first_upload: before.doses,
      replay_seconds: Math.round(replay.seconds * 100) / 100,
      replay_records_per_s: Math.round(RECORDS / replay.seconds),
      replay_answers: Object.fromEntries(replay.statuses),
      duplicates_after_replay: after.doses + after.reviews - (before.doses + before.reviews),
      ...cpu,
    },
  };
}
