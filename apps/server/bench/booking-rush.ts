import { Agent, request } from 'node:http';
import { sql } from 'kysely';
import { addDays } from '@dosewise/domain';
import { openDatabase } from '../src/db/database.ts';
import { todayIn } from '../src/registration/calendar.ts';
import { bulkPeople } from '../test/support/bulk-people.ts';
import { cpuPerOp, cpuSnapshot } from './server-process.ts';
import type { BenchContext, Measured, Scenario } from './scenarios.ts';

const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dosewise_bench';
const CLIENTS = Number(process.env.RUSH_CLIENTS ?? 20_000);
const SEATS = Number(process.env.RUSH_SEATS ?? 2_000);
const SESSIONS = 20;
/**
 * People who book first, on sessions of their own, so that the rush meets a server that has run
 * the booking path before (compiled code, open database connections, prepared statements), as a
 * server does on the morning of a rush; their bookings are not counted.
 */
const WARM_CLIENTS = Number(process.env.RUSH_WARM_CLIENTS ?? 4_000);
const WARM_SEATS = 400;
/** Fixed keys for the bench's server: the bench writes people (encrypted phones) and signs their tokens. */
const SECRETS = {
  DOSEWISE_TOKEN_SECRET: 'bench-token-secret-that-is-long-enough-0123456789',
  DOSEWISE_DATA_KEY: 'a'.repeat(64),
  DOSEWISE_INDEX_KEY: 'b'.repeat(64),
};

/**
 * The slot rush: CLIENTS people, each signed in, press "book" for tomorrow's sessions at once;
 * there are SEATS seats in SESSIONS sessions of four slots. Every request is a real booking
 * through the API (eligibility, idempotency key, seat, appointment, queue, SMS outbox).
 * Afterwards the database is checked: no slot past its capacity, every "booked" answer backed by
 * an appointment and every appointment by a "booked" answer.
 */
export const bookingRushScenario: Scenario = {
  name: 'booking-rush',
  description: `${CLIENTS} clients race for ${SEATS} seats: bookings/s, p99, overbooked, lost confirmations`,
  async start() {
    return {
      env: {
        ...SECRETS,
        // One load generator is one address: the per-address limit is what the rush would trip first.
        BOOKING_PER_IP_MINUTE: '100000000',
        SMS_PROVIDER: 'console',
      },
      drive: (ctx: BenchContext) => driveRush(ctx),
      close: async () => undefined,
    };
  },
};

async function driveRush(ctx: BenchContext): Promise<Measured> {
  if (ctx.database !== 'postgres') throw new Error('booking-rush runs on the PostgreSQL server');
  const database = await openDatabase({ url: BENCH_URL, dataDir: '', poolSize: 4 });
  const db = database.db;
  const { rows: batchRows } = await sql<{ b: number }>`
    select coalesce(max(substring(registration_number from 9)::bigint / 1000000), 9)::int + 1 as b
    from person where registration_number like 'BD-BULK-%'`.execute(db);
  const batch = batchRows[0]!.b;
  process.stderr.write(`[bench] writing ${CLIENTS + WARM_CLIENTS} people (batch ${batch})...\n`);
  const everyone = await bulkPeople(db, { count: CLIENTS + WARM_CLIENTS, secrets: SECRETS, batch });
  const warmPeople = everyone.slice(CLIENTS);
  const people = everyone.slice(0, CLIENTS);

  // Tomorrow's sessions at the first SESSIONS vaccination centres, four slots each; the warm-up's
  // the day after.
  const tomorrow = addDays(todayIn('Asia/Dhaka'), 1);
  const product = await db
    .selectFrom('vaccine_product')
    .select('id')
    .where('code', '=', 'COMIRNATY')
    .executeTakeFirstOrThrow();
  const facilities = await db
    .selectFrom('facility')
    .select('id')
    .where('type', '=', 'vaccination_centre')
    .where('active', '=', true)
    .orderBy('id')
    .limit(SESSIONS)
    .execute();
  const openSessions = async (date: string, seats: number) => {
    const sessions = await db
      .insertInto('vaccination_session')
      .values(
        facilities.map((f) => ({
          facility_id: f.id,
          session_date: date,
          product_id: product.id,
          dose_numbers: [1],
          min_age_years: 18,
          starts_at: '09:00',
          ends_at: '17:00',
        })),
      )
      .returning('id')
      .execute();
    const perSlot = Math.floor(seats / facilities.length / 4);
    const slotTimes = [
      ['09:00', '11:00'],
      ['11:00', '13:00'],
      ['13:00', '15:00'],
      ['15:00', '17:00'],
    ] as const;
    await db
      .insertInto('session_slot')
      .values(
        sessions.flatMap((s) =>
          slotTimes.map(([a, b]) => ({ session_id: s.id, starts_at: a, ends_at: b, capacity: perSlot })),
        ),
      )
      .execute();
    return sessions.map((s) => s.id);
  };
  const sessionIds = await openSessions(tomorrow, SEATS);
  const warmSessionIds = await openSessions(addDays(tomorrow, 1), WARM_SEATS);

  const url = new URL(ctx.base);
  const agent = new Agent({ keepAlive: true, maxSockets: ctx.connections });
  const post = (path: string, body: unknown, token: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
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

  /** Every person presses "book" once, `connections` at a time, each for one of the sessions in turn. */
  async function rush(who: typeof people, sessions: number[], label: string) {
    const latencies: number[] = [];
    const told = new Map<number, number>(); // personId -> appointment id, for every "booked" answer
    const codes = new Map<string, number>();
    let lastBookingAt = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: ctx.connections }, async () => {
        while (next < who.length) {
          const i = next++;
          const p = who[i]!;
          const t = performance.now();
          const r = await post(
            '/api/citizen/appointments',
            {
              personId: p.personId,
              sessionId: sessions[i % sessions.length]!,
              idempotencyKey: `${label}-${batch}-${i}`,
            },
            p.token,
          ).catch((err: unknown) => ({ status: 0, body: String(err) }));
          latencies.push(performance.now() - t);
          if (r.status === 201) {
            told.set(p.personId, (JSON.parse(r.body) as { id: number }).id);
            lastBookingAt = performance.now();
          } else {
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
    return {
      latencies,
      told,
      codes,
      seconds: (performance.now() - started) / 1000,
      fillSeconds: (lastBookingAt - started) / 1000,
    };
  }

  const warm = await rush(warmPeople, warmSessionIds, 'warm');
  process.stderr.write(
    `[bench] warm-up: ${warm.told.size} booked, ${warm.latencies.length - warm.told.size} refused in ${warm.seconds.toFixed(2)} s\n`,
  );
  const databaseName = new URL(BENCH_URL).pathname.slice(1);
  const cpuBefore = cpuSnapshot(ctx.serverPid, databaseName);
  const { latencies, told, codes, seconds, fillSeconds } = await rush(people, sessionIds, 'rush');
  const cpu = cpuPerOp(cpuBefore, cpuSnapshot(ctx.serverPid, databaseName), latencies.length);
  agent.destroy();

  // The truth, from the database.
  const { rows: slots } = await sql<{ capacity: number; booked: number; n: number }>`
    select s.capacity, s.booked,
           (select count(*)::int from appointment a where a.slot_id = s.id and a.status = 'booked') as n
    from session_slot s where s.session_id = any(${sessionIds}::bigint[])`.execute(db);
  const overbooked = slots.reduce(
    (n, s) => n + Math.max(0, s.n - s.capacity) + Math.max(0, s.booked - s.capacity),
    0,
  );
  const miscounted = slots.reduce((n, s) => n + Math.abs(s.booked - s.n), 0);
  const { rows: appts } = await sql<{ person_id: number; id: number }>`
    select person_id, id from appointment
    where session_id = any(${sessionIds}::bigint[]) and status = 'booked'`.execute(db);
  const inDb = new Map(appts.map((a) => [a.person_id, a.id]));
  let lost = 0;
  for (const [personId, id] of told) if (inDb.get(personId) !== id) lost++;
  for (const personId of inDb.keys()) if (!told.has(personId)) lost++;
  await database.close();

  latencies.sort((a, b) => a - b);
  const pct = (q: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 10) / 10;
  const unexpected = [...codes.entries()].filter(([c]) => c !== 'session_full' && c !== 'slot_full');
  return {
    ops: told.size,
    seconds: Math.round(seconds * 100) / 100,
    throughput: Math.round((told.size / fillSeconds) * 10) / 10,
    p50_ms: pct(0.5),
    p99_ms: pct(0.99),
    errors: unexpected.reduce((n, [, k]) => n + k, 0),
    extra: {
      clients: CLIENTS,
      warm_up_clients: WARM_CLIENTS,
      seats: slots.reduce((n, s) => n + s.capacity, 0),
      booked: told.size,
      fill_seconds: Math.round(fillSeconds * 100) / 100,
      requests_per_s: Math.round(latencies.length / seconds),
      overbooked,
      miscounted_seats: miscounted,
      lost_confirmations: lost,
      answers: Object.fromEntries([['booked', told.size], ...codes.entries()]),
      ...cpu,
    },
  };
}
