import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { RegistryIdType } from './adapter.ts';
import { demoRegistryPeople } from './demo-people.ts';
import { VERIFY_PATH, verifyRequestCheck, type VerifyResponse } from './protocol.ts';

/**
 * A stand-in for the national ID registry, for demos, tests and benchmarks. It speaks the wire
 * protocol of protocol.ts over real HTTP and answers from the demo dataset's people, generated in
 * memory (see demo-people.ts for who holds which document), so it runs beside the server without
 * opening the embedded database.
 *
 * Test controls, unauthenticated by design: bind it to a loopback address only.
 *   POST /v1/_control { mode: 'normal' | 'slow' | 'down', delayMs? }
 *     normal: answer at once; slow: answer after delayMs (default 5000); down: 503 to every look-up.
 *   GET /v1/_health -> 200 { status: 'ok', mode, delayMs, people, lookups }
 *     About the simulator process (it is up), whatever the mode; `lookups` counts the look-up
 *     requests received, answered or not, so tests can tell whether a client sent one.
 *
 * Built on node:http rather than Fastify: one route, and the hot path is a body read, a compiled
 * schema check, a Map look-up and one JSON.stringify.
 */

export type SimulatorMode = 'normal' | 'slow' | 'down';

export interface RegistrySimulatorOptions {
  /** People in the registry: the seeder's SEED_PEOPLE, so both hold the same people. */
  people: number;
  /** The demo dataset's random seed (SEED_RANDOM). */
  seed: number;
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1: the control endpoints must not be reachable from elsewhere. */
  host?: string;
  /** When set, look-ups must carry this header and value, as the real registry demands credentials; else 401. */
  apiKey?: { header: string; value: string };
}

export interface RunningRegistrySimulator {
  /** Base URL for the client, e.g. http://127.0.0.1:40123. */
  url: string;
  setMode(mode: SimulatorMode, delayMs?: number): void;
  /** Look-up requests received so far (answered, refused or still waiting). */
  lookups(): number;
  close(): Promise<void>;
}

const DEFAULT_SLOW_DELAY_MS = 5000;
const MAX_BODY_BYTES = 4096;

const ControlRequest = Type.Object(
  {
    mode: Type.Union([Type.Literal('normal'), Type.Literal('slow'), Type.Literal('down')]),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
const controlRequestCheck = TypeCompiler.Compile(ControlRequest);
type ControlRequest = Static<typeof ControlRequest>;

/** The matched answer is built once per person; the index maps a number to it. */
type Index = Record<RegistryIdType, Map<string, Extract<VerifyResponse, { result: 'matched' }>>>;

function buildIndex(people: number, seed: number): Index {
  const index: Index = { nid: new Map(), birth_registration: new Map(), passport: new Map() };
  for (const p of demoRegistryPeople(people, seed)) {
    const answer = {
      result: 'matched' as const,
      person: {
        nameEn: p.nameEn,
        nameBn: p.nameBn,
        dateOfBirth: p.dateOfBirth,
        gender: p.gender,
        areaCode: p.areaCode,
      },
    };
    index.nid.set(p.nid, answer);
    index.birth_registration.set(p.birthRegistrationNumber, answer);
    if (p.passportNumber) index.passport.set(p.passportNumber, answer);
  }
  return index;
}

const NOT_FOUND = JSON.stringify({ result: 'not_found' } satisfies VerifyResponse);
const MISMATCH = JSON.stringify({ result: 'mismatch', field: 'date_of_birth' } satisfies VerifyResponse);
const DOWN = JSON.stringify({ error: 'registry_unavailable' });
const BAD_REQUEST = JSON.stringify({ error: 'bad_request' });
const UNAUTHORIZED = JSON.stringify({ error: 'unauthorized' });
const NOT_FOUND_ROUTE = JSON.stringify({ error: 'no_such_route' });
const TOO_LARGE = JSON.stringify({ error: 'body_too_large' });

function send(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reads a small JSON body; answers 413 or 400 itself and gives the parsed value to `then`. */
function readJson(req: IncomingMessage, res: ServerResponse, then: (body: unknown) => void) {
  let text = '';
  let tooLarge = false;
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    if (tooLarge) return;
    text += chunk;
    if (text.length > MAX_BODY_BYTES) {
      tooLarge = true;
      send(res, 413, TOO_LARGE);
    }
  });
  req.on('end', () => {
    if (tooLarge) return;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      send(res, 400, BAD_REQUEST);
      return;
    }
    then(body);
  });
}

/** Starts the simulator in this process (tests) on real HTTP. */
export async function startRegistrySimulator(
  opts: RegistrySimulatorOptions,
): Promise<RunningRegistrySimulator> {
  const index = buildIndex(opts.people, opts.seed);
  const host = opts.host ?? '127.0.0.1';
  const apiKeyHeader = opts.apiKey?.header.toLowerCase();
  let mode: SimulatorMode = 'normal';
  let delayMs = DEFAULT_SLOW_DELAY_MS;
  let lookups = 0;
  const pending = new Set<NodeJS.Timeout>();

  function answer(res: ServerResponse, body: unknown) {
    if (!verifyRequestCheck.Check(body)) {
      send(res, 400, BAD_REQUEST);
      return;
    }
    const match = index[body.idType].get(body.number);
    if (!match) send(res, 200, NOT_FOUND);
    else if (match.person.dateOfBirth !== body.dateOfBirth) send(res, 200, MISMATCH);
    else send(res, 200, JSON.stringify(match));
  }

  function verify(req: IncomingMessage, res: ServerResponse) {
    lookups++;
    if (apiKeyHeader && req.headers[apiKeyHeader] !== opts.apiKey?.value) {
      req.resume();
      send(res, 401, UNAUTHORIZED);
      return;
    }
    if (mode === 'down') {
      req.resume();
      send(res, 503, DOWN);
      return;
    }
    readJson(req, res, (body) => {
      if (mode !== 'slow') {
        answer(res, body);
        return;
      }
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!res.destroyed) answer(res, body);
      }, delayMs);
      pending.add(timer);
      // A client that gave up (timed out) closes the socket: drop its answer.
      res.on('close', () => {
        clearTimeout(timer);
        pending.delete(timer);
      });
    });
  }

  function control(req: IncomingMessage, res: ServerResponse) {
    readJson(req, res, (body) => {
      if (!controlRequestCheck.Check(body)) {
        send(res, 400, BAD_REQUEST);
        return;
      }
      setMode(body.mode, body.delayMs);
      send(res, 200, JSON.stringify({ mode, delayMs }));
    });
  }

  function setMode(next: ControlRequest['mode'], nextDelayMs?: number) {
    mode = next;
    if (nextDelayMs !== undefined) delayMs = nextDelayMs;
  }

  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === VERIFY_PATH) verify(req, res);
    else if (req.method === 'POST' && req.url === '/v1/_control') control(req, res);
    else if (req.method === 'GET' && req.url === '/v1/_health') {
      send(res, 200, JSON.stringify({ status: 'ok', mode, delayMs, people: index.nid.size, lookups }));
    } else {
      req.resume();
      send(res, 404, NOT_FOUND_ROUTE);
    }
  });
  // Clients keep connections open between look-ups; outlive their idle timeouts.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    setMode,
    lookups: () => lookups,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export interface RunRegistrySimulatorOptions {
  port: number;
  host: string;
  people: number;
  seed: number;
  apiKey?: { header: string; value: string };
  /** Where the one start-up line goes. Default: stdout. */
  print?: (line: string) => void;
}

/**
 * Runs the simulator as a process of its own (`dosewise nid-sim`; in demo mode spawned by
 * `dosewise start`). Prints one line when it listens; closes on SIGINT or SIGTERM, and when the
 * parent that spawned it with an IPC channel goes away, so it never outlives the server.
 */
export async function runRegistrySimulator(
  opts: RunRegistrySimulatorOptions,
): Promise<RunningRegistrySimulator> {
  const started = Date.now();
  const sim = await startRegistrySimulator(opts);
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  print(
    `national ID registry simulator listening on ${sim.url} (${opts.people} people, seed ${opts.seed}, ready in ${Date.now() - started} ms)`,
  );
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    sim.close().catch(() => undefined);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (process.connected) process.once('disconnect', stop);
  return sim;
}

/** Polls the simulator's health endpoint until it answers (for a parent that spawned it). */
export async function waitForRegistrySimulator(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/v1/_health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until)
      throw new Error(`the registry simulator at ${url} did not answer in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
