import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent, request } from 'node:http';
import pg from 'pg';
import { demoRegistryPeople } from '../src/registry/demo-people.ts';
import { loadWithAutocannon } from './run.ts';
import { cpuPerOp, cpuSnapshot } from './server-process.ts';
import type { BenchContext, Measured, Scenario } from './scenarios.ts';

const PEOPLE = 120_000;
const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dosewise_bench';

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Citizens registering end to end, as the portal does it: ask for a code, receive it by SMS (the
 * server's SMS worker posts it to a gateway this process plays), verify it, register with a
 * national ID that the registry simulator checks. One registration is three API calls and one SMS.
 */
export const registrationScenario: Scenario = {
  name: 'registration',
  description:
    'OTP-verified registrations end to end, with the registry simulator and the SMS outbox in the loop',
  freshDatabase: true,
  async start() {
    const gateway = await startSmsGateway();
    return {
      env: {
        SEED_PEOPLE: String(PEOPLE),
        // The load comes from one address: the per-address code limit is a defence against that very thing.
        OTP_MAX_PER_IP_HOUR: '100000000',
        OTP_VERIFY_PER_IP_MINUTE: '100000000',
        SMS_PROVIDER: 'http',
        SMS_HTTP_URL: `http://127.0.0.1:${gateway.port}/sms`,
        SMS_HTTP_AUTH_HEADER: '',
      },
      drive: (ctx: BenchContext) => driveRegistrations(ctx, gateway),
      close: () => gateway.close(),
    };
  },
};

/** The SMS gateway the server sends codes to: resolves a waiting citizen's promise by phone number. */
export async function startSmsGateway() {
  const waiting = new Map<string, (code: string) => void>();
  const early = new Map<string, string>();
  let received = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received++;
      try {
        const { to, text } = JSON.parse(body) as { to: string; text: string };
        const code = /\b(\d{6})\b/.exec(text)?.[1];
        if (code) {
          const resolve = waiting.get(to);
          if (resolve) {
            waiting.delete(to);
            resolve(code);
          } else early.set(to, code);
        }
      } catch {
        // not a message of ours
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    received: () => received,
    codeFor(phone: string, timeoutMs = 10_000): Promise<string> {
      const ready = early.get(phone);
      if (ready) {
        early.delete(phone);
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(phone);
          reject(new Error('no code arrived'));
        }, timeoutMs);
        waiting.set(phone, (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Union id and a centre in its district, for each union code, read once from the bench database. */
async function places(): Promise<Map<string, { areaId: number; facilityId: number }>> {
  const client = new pg.Client({ connectionString: BENCH_URL });
  await client.connect();
  const unions = await client.query<{ code: string; id: number; path: string }>(
    'select code, id, path from area where depth = 3',
  );
  const centres = await client.query<{ id: number; path: string }>(`
    select f.id, a.path from facility f join area a on a.id = f.area_id
    where f.type <> 'store' order by f.id`);
  await client.end();
  // The first centre (lowest id) of each district, by the district's path prefix.
  const district = (path: string) => /^\/[0-9]+\/[0-9]+\//.exec(path)?.[0];
  const firstCentre = new Map<string, number>();
  for (const c of centres.rows) {
    const d = district(c.path);
    if (d && !firstCentre.has(d)) firstCentre.set(d, Number(c.id));
  }
  const out = new Map<string, { areaId: number; facilityId: number }>();
  for (const u of unions.rows) {
    const facilityId = firstCentre.get(district(u.path) ?? '');
    if (facilityId !== undefined) out.set(u.code, { areaId: Number(u.id), facilityId });
  }
  return out;
}

export async function driveRegistrations(
  ctx: BenchContext,
  gateway: Awaited<ReturnType<typeof startSmsGateway>>,
): Promise<Measured> {
  const url = new URL(ctx.base);
  const agent = new Agent({ keepAlive: true, maxSockets: ctx.connections });
  const call = (method: string, path: string, body?: unknown, token?: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: {
            ...(data
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
              : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null }),
          );
        },
      );
      req.on('error', reject);
      req.end(data);
    });

  const settings = (await call('GET', '/api/registration/settings')).body as { consentVersion: string };
  const where = await places();
  const adults = [...demoRegistryPeople(PEOPLE, 1)].filter(
    (p) => p.dateOfBirth < '2004-01-01' && where.get(p.areaCode)?.facilityId,
  );
  let next = 0;
  const latencies: number[] = [];
  let registered = 0;
  let errors = 0;
  const errorCodes = new Map<string, number>();
  const timed = async (method: string, path: string, body?: unknown, token?: string) => {
    const t = performance.now();
    const r = await call(method, path, body, token);
    latencies.push(performance.now() - t);
    if (r.status >= 400) {
      errors++;
      const code = (r.body as { error?: { code?: string } } | null)?.error?.code ?? String(r.status);
      errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
    }
    return r;
  };

  const one = async (): Promise<void> => {
    const i = next++;
    const p = adults[i % adults.length]!;
    const phone = `+88017${String(10_000_000 + i).padStart(8, '0')}`;
    const codeArrives = gateway.codeFor(phone);
    const otp = await timed('POST', '/api/citizen/otp', { phone, locale: 'en' });
    if (otp.status !== 202) return void codeArrives.catch(() => undefined);
    const code = await codeArrives.catch(() => null);
    if (!code) return void errors++;
    const verified = await timed('POST', '/api/citizen/otp/verify', {
      challengeId: (otp.body as { challengeId: string }).challengeId,
      code,
    });
    if (verified.status !== 200) return;
    const place = where.get(p.areaCode)!;
    const reg = await timed(
      'POST',
      '/api/citizen/people',
      {
        idType: 'nid',
        idNumber: p.nid,
        dateOfBirth: p.dateOfBirth,
        nameEn: p.nameEn,
        gender: p.gender,
        areaId: place.areaId,
        priorityGroup: 'general_18_plus',
        preferredFacilityId: place.facilityId,
        consent: { accepted: true, noticeVersion: settings.consentVersion },
        locale: 'en',
      },
      (verified.body as { token: string }).token,
    );
    if (reg.status === 201) registered++;
  };

  const runFor = async (ms: number) => {
    const until = performance.now() + ms;
    await Promise.all(
      Array.from({ length: ctx.connections }, async () => {
        while (performance.now() < until) await one();
      }),
    );
  };

  await runFor(3000); // warm-up
  latencies.length = 0;
  registered = 0;
  errors = 0;
  errorCodes.clear();
  const databaseName = ctx.database === 'postgres' ? new URL(BENCH_URL).pathname.slice(1) : undefined;
  const cpuBefore = cpuSnapshot(ctx.serverPid, databaseName);
  const started = performance.now();
  await runFor(ctx.seconds * 1000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuPerOp(cpuBefore, cpuSnapshot(ctx.serverPid, databaseName), registered);
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const pct = (q: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 10) / 10;
  const baseline = await loadWithAutocannon(ctx.base, [{ method: 'GET', path: '/health/live' }], 50, 10);
  const throughput = Math.round((registered / seconds) * 10) / 10;
  return {
    ops: registered,
    seconds: Math.round(seconds * 10) / 10,
    throughput,
    p50_ms: pct(0.5),
    p99_ms: pct(0.99),
    errors,
    extra: {
      api_calls: latencies.length,
      sms_received: gateway.received(),
      error_codes: Object.fromEntries(errorCodes),
      baseline_throughput: baseline.throughput,
      baseline_ratio: Math.round((throughput / baseline.throughput) * 10_000) / 10_000,
      // Where a registration's CPU goes (ms per registration, by process), and how busy the machine was.
      ...cpu,
    },
  };
}
