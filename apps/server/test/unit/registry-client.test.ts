import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, type RegistryLog, type RegistrySettings } from '../../src/registry/index.ts';
import { demoRegistryPeople, type DemoRegistryPerson } from '../../src/registry/demo-people.ts';
import { startRegistrySimulator, type RunningRegistrySimulator } from '../../src/registry/simulator.ts';

/**
 * The registry client against the simulator over real HTTP on 127.0.0.1. Requests are counted on
 * the simulator's side, so "retried", "not retried" and "not sent" are observed, not inferred.
 * Timeouts and cool-downs are small; nothing asserts how long anything took.
 */

const PEOPLE = 200;
const SEED = 1;
const people = [...demoRegistryPeople(PEOPLE, SEED)];
const person = people[0]!;
const passportHolder = people.find((p) => p.passportNumber !== null)!;
const withoutPassport = people.find((p) => p.passportNumber === null)!;

/** Every line the client logged, to check that no identity number or date of birth is among them. */
const logLines: string[] = [];
const log: RegistryLog = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  }),
);

let sim: RunningRegistrySimulator;

beforeAll(async () => {
  sim = await startRegistrySimulator({ people: PEOPLE, seed: SEED });
});
afterAll(() => sim.close());
afterEach(() => sim.setMode('normal'));

/** A client of its own per test: each starts with a closed circuit. */
function client(settings: Partial<RegistrySettings> = {}) {
  return createRegistry({
    baseUrl: sim.url,
    timeoutMs: 1000,
    retries: 2,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    breakerFailures: 10,
    breakerCooldownMs: 60_000,
    log,
    ...settings,
  });
}

/** Look-ups the simulator receives while `fn` runs. */
async function lookupsDuring(fn: () => Promise<unknown>): Promise<number> {
  const before = sim.lookups();
  await fn();
  return sim.lookups() - before;
}

function otherDate(p: DemoRegistryPerson): string {
  return p.dateOfBirth.endsWith('-01') ? `${p.dateOfBirth.slice(0, 8)}02` : `${p.dateOfBirth.slice(0, 8)}01`;
}

describe('registry answers', () => {
  it('returns the person, with names in English and Bengali, when number and date of birth match', async () => {
    const answer = await client().verify('nid', person.nid, person.dateOfBirth);
    expect(answer).toEqual({
      status: 'matched',
      person: {
        nameEn: person.nameEn,
        nameBn: person.nameBn,
        dateOfBirth: person.dateOfBirth,
        gender: person.gender,
        areaCode: person.areaCode,
      },
    });
    expect(person.nameEn).toMatch(/^[A-Za-z]+ [A-Za-z]+$/);
    expect(person.nameBn).toMatch(/[\u0980-\u09FF]/);
  });

  it('says only which field differs when the date of birth does not match', async () => {
    const answer = await client().verify('nid', person.nid, otherDate(person));
    expect(answer).toEqual({ status: 'mismatch', field: 'date_of_birth' });
  });

  it('does not find a number the registry does not hold', async () => {
    const unknown = '0000000000';
    expect(people.some((p) => p.nid === unknown)).toBe(false);
    expect(await client().verify('nid', unknown, person.dateOfBirth)).toEqual({ status: 'not_found' });
  });

  it('finds the same person by birth registration number and, if they hold one, by passport', async () => {
    const c = client();
    const byBirth = await c.verify('birth_registration', person.birthRegistrationNumber, person.dateOfBirth);
    expect(byBirth.status === 'matched' && byBirth.person.nameBn).toBe(person.nameBn);
    const byPassport = await c.verify('passport', passportHolder.passportNumber!, passportHolder.dateOfBirth);
    expect(byPassport.status === 'matched' && byPassport.person.nameEn).toBe(passportHolder.nameEn);
    // A national ID number is not a passport number.
    expect(await c.verify('passport', withoutPassport.nid, withoutPassport.dateOfBirth)).toEqual({
      status: 'not_found',
    });
  });
});

describe('when the registry is in trouble', () => {
  it('gives up as unavailable after the configured retries when every answer is too slow', async () => {
    sim.setMode('slow', 2000);
    const c = client({ timeoutMs: 50, retries: 2 });
    let answer;
    const sent = await lookupsDuring(async () => {
      answer = await c.verify('nid', person.nid, person.dateOfBirth);
    });
    expect(answer).toEqual({ status: 'unavailable', reason: 'timeout' });
    expect(sent).toBe(3);
  });

  it('opens the circuit after N failures in a row, then sends nothing until the cool-down is over', async () => {
    sim.setMode('down');
    const cooldownMs = 300;
    const c = client({ retries: 2, breakerFailures: 3, breakerCooldownMs: cooldownMs });

    // First look-up: three attempts (one plus two retries), all 503: the third failure opens the circuit.
    let first;
    expect(
      await lookupsDuring(async () => {
        first = await c.verify('nid', person.nid, person.dateOfBirth);
      }),
    ).toBe(3);
    expect(first).toEqual({ status: 'unavailable', reason: 'server_error' });
    expect(c.circuit()).toBe('open');

    // While open, look-ups answer at once and reach nothing.
    let whileOpen;
    expect(
      await lookupsDuring(async () => {
        whileOpen = await c.verify('nid', person.nid, person.dateOfBirth);
      }),
    ).toBe(0);
    expect(whileOpen).toEqual({ status: 'unavailable', reason: 'circuit_open' });

    // After the cool-down, still down: one trial request, which opens the circuit again.
    await sleep(cooldownMs + 50);
    let trial;
    expect(
      await lookupsDuring(async () => {
        trial = await c.verify('nid', person.nid, person.dateOfBirth);
      }),
    ).toBe(1);
    expect(trial).toMatchObject({ status: 'unavailable' });
    expect(c.circuit()).toBe('open');

    // The registry recovers; after the next cool-down the trial succeeds and the circuit closes.
    sim.setMode('normal');
    await sleep(cooldownMs + 50);
    expect(await c.verify('nid', person.nid, person.dateOfBirth)).toMatchObject({ status: 'matched' });
    expect(c.circuit()).toBe('closed');
    expect(await c.verify('nid', people[1]!.nid, people[1]!.dateOfBirth)).toMatchObject({
      status: 'matched',
    });
  });

  it('does not retry a 4xx, and 4xx answers do not open the circuit', async () => {
    const guarded = await startRegistrySimulator({
      people: 10,
      seed: SEED,
      apiKey: { header: 'X-Api-Key', value: 'right-key' },
    });
    try {
      const wrongKey = createRegistry({
        baseUrl: guarded.url,
        credentials: { kind: 'api_key', header: 'X-Api-Key', value: 'wrong-key' },
        retries: 3,
        retryBaseDelayMs: 1,
        breakerFailures: 2,
        log,
      });
      for (let i = 0; i < 3; i++) {
        expect(await wrongKey.verify('nid', person.nid, person.dateOfBirth)).toEqual({
          status: 'unavailable',
          reason: 'rejected',
        });
      }
      expect(guarded.lookups()).toBe(3);
      expect(wrongKey.circuit()).toBe('closed');

      const rightKey = createRegistry({
        baseUrl: guarded.url,
        credentials: { kind: 'api_key', header: 'X-Api-Key', value: 'right-key' },
      });
      expect(await rightKey.verify('nid', person.nid, person.dateOfBirth)).toMatchObject({
        status: 'matched',
      });
    } finally {
      await guarded.close();
    }
  });

  it('answers unavailable when nothing listens at the address', async () => {
    const closed = await startRegistrySimulator({ people: 1, seed: SEED });
    const url = closed.url;
    await closed.close();
    const c = createRegistry({ baseUrl: url, retries: 1, retryBaseDelayMs: 1, log });
    expect(await c.verify('nid', person.nid, person.dateOfBirth)).toEqual({
      status: 'unavailable',
      reason: 'network_error',
    });
  });

  it('answers unavailable, without retrying, when the registry answers outside the protocol', async () => {
    const bodies = [
      { status: 200, body: '{"result":"matched"}' },
      { status: 200, body: 'not json' },
      { status: 302, body: '' },
    ];
    let served = 0;
    const odd: Server = createServer((req, res) => {
      const reply = bodies[served++ % bodies.length]!;
      req.resume();
      res.writeHead(reply.status, reply.status === 302 ? { location: 'http://127.0.0.1:1/' } : {});
      res.end(reply.body);
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    try {
      const c = createRegistry({
        baseUrl: `http://127.0.0.1:${(odd.address() as AddressInfo).port}`,
        retries: 2,
        log,
      });
      for (let i = 0; i < bodies.length; i++) {
        expect(await c.verify('nid', person.nid, person.dateOfBirth)).toEqual({
          status: 'unavailable',
          reason: 'bad_response',
        });
      }
      expect(served).toBe(bodies.length);
    } finally {
      odd.closeAllConnections();
      await new Promise((resolve) => odd.close(resolve));
    }
  });

  it('never logs an identity number or a date of birth', () => {
    const logged = logLines.join('');
    expect(logged).toContain('circuit opened');
    for (const p of [person, passportHolder, withoutPassport]) {
      expect(logged).not.toContain(p.nid);
      expect(logged).not.toContain(p.dateOfBirth);
    }
  });
});
