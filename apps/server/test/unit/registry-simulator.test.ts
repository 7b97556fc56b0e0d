import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRegistryPeople } from '../../src/registry/demo-people.ts';
import { startRegistrySimulator, type RunningRegistrySimulator } from '../../src/registry/simulator.ts';

/** The simulator's own HTTP surface: the look-up protocol, its controls, and running as a process. */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SIMULATOR = path.join(ROOT, 'apps/server/src/registry/simulator.ts');
const person = [...demoRegistryPeople(1, 1)][0]!;

let sim: RunningRegistrySimulator;
beforeAll(async () => {
  sim = await startRegistrySimulator({ people: 100, seed: 1 });
});
afterAll(() => sim.close());

const post = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const lookUp = (
  url: string,
  body: object = { idType: 'nid', number: person.nid, dateOfBirth: person.dateOfBirth },
) => post(`${url}/v1/verify`, JSON.stringify(body));

describe('registry simulator', () => {
  it('switches between normal and down through its control endpoint, and its health says which', async () => {
    const health = async () =>
      (await fetch(`${sim.url}/v1/_health`)).json() as Promise<Record<string, unknown>>;
    expect(await health()).toMatchObject({ status: 'ok', mode: 'normal', people: 100 });

    expect((await post(`${sim.url}/v1/_control`, JSON.stringify({ mode: 'down' }))).status).toBe(200);
    expect((await lookUp(sim.url)).status).toBe(503);
    expect(await health()).toMatchObject({ status: 'ok', mode: 'down' });

    expect((await post(`${sim.url}/v1/_control`, JSON.stringify({ mode: 'normal' }))).status).toBe(200);
    const answer = await lookUp(sim.url);
    expect(await answer.json()).toMatchObject({ result: 'matched', person: { nameEn: person.nameEn } });
  });

  it('refuses requests outside the protocol with 400, and unknown routes with 404', async () => {
    expect((await post(`${sim.url}/v1/verify`, 'not json')).status).toBe(400);
    expect(
      (await lookUp(sim.url, { idType: 'driving_licence', number: person.nid, dateOfBirth: '1990-01-01' }))
        .status,
    ).toBe(400);
    expect((await lookUp(sim.url, { idType: 'nid', number: person.nid })).status).toBe(400);
    expect((await post(`${sim.url}/v1/_control`, JSON.stringify({ mode: 'sideways' }))).status).toBe(400);
    expect((await fetch(`${sim.url}/v1/verify`)).status).toBe(404);
  });

  it('closes while a slow answer is still pending', async () => {
    const own = await startRegistrySimulator({ people: 1, seed: 1 });
    own.setMode('slow', 60_000);
    const pending = lookUp(own.url).then(
      () => 'answered',
      () => 'connection closed',
    );
    while (own.lookups() === 0) await new Promise((r) => setTimeout(r, 5));
    await own.close();
    expect(await pending).toBe('connection closed');
  });

  it('runs as a process of its own and exits when the process that spawned it goes away', async () => {
    const code = `import { runRegistrySimulator } from ${JSON.stringify(SIMULATOR)};
      await runRegistrySimulator({ port: 0, host: '127.0.0.1', people: 5, seed: 1 });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    try {
      const stdout = child.stdout;
      if (!stdout) throw new Error('no stdout pipe');
      let out = '';
      stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        stdout.on('data', (chunk: string) => {
          out += chunk;
          const found = /listening on (http:\/\/\S+)/.exec(out);
          if (found) resolve(found[1]!);
        });
        child.once('exit', (status) => reject(new Error(`simulator exited with ${status}: ${out}`)));
      });
      expect(await (await lookUp(url)).json()).toMatchObject({ result: 'matched' });

      const exited = once(child, 'exit');
      child.disconnect();
      const [status] = (await exited) as [number | null];
      expect(status).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });
});
