/**
 * verify: certificate verifications per second on all cores, as the offline verifier (the verify
 * page, `dosewise verify`, a border officer's device) does them: decode, signature, trusted key,
 * key usage, validity, revocation look-up and, for the EU DCC, the JSON schema.
 *
 * Certificates are issued first by the running server (people with doses, the `certificate.issue`
 * jobs); the trust list and revocation list are read from its public endpoints, as a verifier
 * downloads them. Then worker threads, one per core, verify the certificates' QR texts in turn:
 * each format alone (extra.eu_dcc, extra.shc, extra.native) and all mixed (throughput).
 * The public verification API is rate-limited per address, so the HTTP path is not the measure.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  createDccSchemaValidator,
  RevocationIndex,
  TrustStore,
  verifyCertificate,
  type DccSchemaValidator,
  type RevocationLists,
  type TrustList,
} from '@dosewise/certificates';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { enqueueJob } from '../src/jobs/queue.ts';
import { bulkPeople } from '../test/support/bulk-people.ts';
import { percentile, readyWorkers, runInWorkers } from './certificate-issue.ts';
import type { Measured, Scenario } from './scenarios.ts';

const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dosewise_bench';
/** People given a dose (each gets one certificate in three formats). */
const PEOPLE = Number(process.env.VERIFY_PEOPLE ?? 200);
const ISSUER_URL = 'https://vaccination.example.gov.bd';
/** The keys of the bench server (the same as the other benches': the people are written with them). */
const BENCH_SECRETS = {
  DOSEWISE_TOKEN_SECRET: 'bench-token-secret-that-is-long-enough-0123456789',
  DOSEWISE_DATA_KEY: 'a'.repeat(64),
  DOSEWISE_INDEX_KEY: 'b'.repeat(64),
};
const SCHEMA_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/testdata/eu-dcc-schema/DCC.combined-schema.json',
);

type Format = 'eu_dcc' | 'shc' | 'native' | 'mixed';
const FORMATS: Format[] = ['eu_dcc', 'shc', 'native', 'mixed'];

interface VerifyWork {
  role: 'verify';
  trust: TrustList;
  revocations: RevocationLists;
  texts: Record<Exclude<Format, 'mixed'>, string[]>;
  schemaFile: string | null;
}

async function workerMain(): Promise<void> {
  const work = workerData as VerifyWork;
  const trust = await TrustStore.create(work.trust);
  const revocations = new RevocationIndex(work.revocations);
  let dccSchema: DccSchemaValidator | undefined;
  if (work.schemaFile)
    dccSchema = createDccSchemaValidator(JSON.parse(readFileSync(work.schemaFile, 'utf8')) as object);
  const mixed = [...work.texts.eu_dcc, ...work.texts.shc, ...work.texts.native];
  const texts: Record<Format, string[]> = { ...work.texts, mixed };
  let failures = 0;
  parentPort!.on('message', (msg: { phase: Format; ms: number }) => {
    void (async () => {
      const list = texts[msg.phase];
      const samples: number[] = [];
      const start = performance.now();
      const end = start + msg.ms;
      let n = 0;
      await Promise.all(
        Array.from({ length: 8 }, async (_, lane) => {
          let i = lane;
          while (performance.now() < end) {
            const t0 = performance.now();
            const r = await verifyCertificate(list[i++ % list.length]!, {
              trust,
              now: new Date(),
              revocations,
              ...(dccSchema ? { dccSchema } : {}),
            });
            if (!r.valid) failures++;
            n++;
            if (n % 16 === 0) samples.push(performance.now() - t0);
          }
        }),
      );
      parentPort!.postMessage({ ops: n, ms: performance.now() - start, samples, failures });
      failures = 0;
    })();
  });
  parentPort!.postMessage('ready');
}

/** People with a dose each, their certificate jobs run by the server: the certificates to verify. */
async function issueCertificates(base: string): Promise<Record<Exclude<Format, 'mixed'>, string[]>> {
  const database = await openDatabase({ url: BENCH_URL, dataDir: '', poolSize: 4 });
  try {
    const db = database.db;
    const { rows: batch } = await sql<{ b: number }>`
      select coalesce(max(substring(registration_number from 9)::bigint / 1000000), 9)::int + 1 as b
      from person where registration_number like 'BD-BULK-%'`.execute(db);
    const people = await bulkPeople(db, { count: PEOPLE, secrets: BENCH_SECRETS, batch: batch[0]!.b });
    const product = await db
      .selectFrom('vaccine_product')
      .select('id')
      .where('code', '=', 'COMIRNATY')
      .executeTakeFirstOrThrow();
    const facility = await db
      .selectFrom('facility')
      .select('id')
      .where('type', '=', 'vaccination_centre')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const lot = await db
      .insertInto('lot')
      .values({
        product_id: product.id,
        lot_number: `VERIFY-${Date.now().toString(36).toUpperCase()}`,
        manufacturer: 'Bench Manufacturer',
        expires_on: '2030-12-31',
        doses_per_vial: 6,
        created_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.transaction().execute(async (trx) => {
      await sql`update person set name_en = 'Farida Yasmin Rahman' where id = any(${people.map((p) => p.personId)}::bigint[])`.execute(
        trx,
      );
      for (const p of people) {
        const d = await trx
          .insertInto('dose')
          .values({
            person_id: p.personId,
            dose_number: 1,
            product_id: product.id,
            facility_id: facility.id,
            administered_on: '2026-01-15',
            administered_at: new Date('2026-01-15T04:00:00Z'),
            appointment_id: null,
            recorded_by: null,
            voided_at: null,
            lot_id: lot.id,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await enqueueJob(trx, 'certificate.issue', { personId: p.personId, doseId: d.id });
      }
    });
    // The server's job runner issues them; wait until it has.
    const ids = people.map((p) => p.personId);
    for (let i = 0; i < 600; i++) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from certificate where person_id = any(${ids}::bigint[])`.execute(db);
      if (rows[0]!.n >= ids.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const rows = await db
      .selectFrom('certificate')
      .select(['eu_dcc', 'shc_jws', 'native'])
      .where('person_id', 'in', ids)
      .execute();
    if (rows.length === 0) throw new Error(`the server at ${base} issued no certificates`);
    const { shcQrTexts } = await import('@dosewise/certificates');
    return {
      eu_dcc: rows.map((r) => r.eu_dcc),
      shc: rows.map((r) => shcQrTexts(r.shc_jws).join('\n')),
      native: rows.map((r) => r.native),
    };
  } finally {
    await database.close();
  }
}

export const verifyScenario: Scenario = {
  name: 'verify',
  description:
    'Offline certificate verifications per second on all cores (worker threads) against the served trust and revocation lists: extra.eu_dcc, extra.shc, extra.native; throughput = the three mixed',
  async start() {
    return {
      env: { ...BENCH_SECRETS, PUBLIC_URL: ISSUER_URL },
      async drive(ctx): Promise<Measured> {
        const texts = await issueCertificates(ctx.base);
        const trust = (await (await fetch(`${ctx.base}/api/public/trust-list`)).json()) as TrustList;
        const revocations = (await (
          await fetch(`${ctx.base}/api/public/revocations`)
        ).json()) as RevocationLists;
        let schemaFile: string | null = SCHEMA_FILE;
        try {
          readFileSync(SCHEMA_FILE);
        } catch {
          schemaFile = null;
        }
        const threads = os.availableParallelism();
        const work: VerifyWork = { role: 'verify', trust, revocations, texts, schemaFile };
        const workers = await readyWorkers(threads, import.meta.url, work);
        try {
          const phaseMs = Math.max(2_000, Math.round((ctx.seconds * 1000) / FORMATS.length));
          await runInWorkers(workers, { phase: 'mixed', ms: 1_000 });
          const extra: Record<string, unknown> = {
            threads,
            certificates: texts.eu_dcc.length,
            schema: schemaFile !== null,
          };
          let mixed = { ops: 0, ms: 1, samples: [] as number[], failures: 0 };
          for (const phase of FORMATS) {
            const r = await runInWorkers(workers, { phase, ms: phaseMs });
            extra[phase] = Math.round((r.ops / r.ms) * 1000);
            if (phase === 'mixed') mixed = r;
          }
          return {
            ops: mixed.ops,
            seconds: mixed.ms / 1000,
            throughput: Math.round((mixed.ops / mixed.ms) * 1000 * 10) / 10,
            p50_ms: percentile(mixed.samples, 50),
            p99_ms: percentile(mixed.samples, 99),
            errors: mixed.failures,
            extra,
          };
        } finally {
          await Promise.all(workers.map((w) => w.terminate()));
        }
      },
      async close() {},
    };
  },
};

if (!isMainThread && (workerData as Partial<VerifyWork> | undefined)?.role === 'verify') await workerMain();
