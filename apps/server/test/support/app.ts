import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/http/app.ts';
import { startRegistrySimulator, type RunningRegistrySimulator } from '../../src/registry/simulator.ts';
import { createServices, type Services } from '../../src/services.ts';
import type { App } from '../../src/http/types.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo.ts';
import { testDatabase } from './db.ts';
import { TEST_PEOPLE } from './global-setup.ts';

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export const TEST_SECRETS = {
  DOSEWISE_TOKEN_SECRET: 'test-token-secret-that-is-long-enough-123',
  DOSEWISE_DATA_KEY: '1'.repeat(64),
  DOSEWISE_INDEX_KEY: '2'.repeat(64),
};

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ DOSEWISE_MODE: 'test', LOG_LEVEL: 'silent', ...TEST_SECRETS, ...overrides });
}

export interface TestContext {
  app: App;
  database: Database;
  services: Services;
  /** The national ID registry simulator this app talks to (real HTTP on 127.0.0.1). */
  registry: RunningRegistrySimulator;
  /** Where the `file` SMS sink writes (one JSON line per message). */
  smsFile: string;
  /** Delivers queued SMS and runs due jobs now. */
  drain(): Promise<number>;
  /** Signs in a demo user and returns the Authorization header value. */
  auth(username: string): Promise<string>;
  close(): Promise<void>;
}

/** The real HTTP stack (routes, hooks, validation, error handler) over this file's own database. */
export async function testApp(overrides: Record<string, string> = {}): Promise<TestContext> {
  const database = await testDatabase();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-app-'));
  const smsFile = path.join(dir, 'sms.jsonl');
  const config = testConfig({
    DOSEWISE_DATA_DIR: dir,
    SMS_PROVIDER: 'file',
    SMS_FILE_PATH: smsFile,
    NID_REGISTRY_TIMEOUT_MS: '500',
    NID_REGISTRY_RETRIES: '1',
    NID_REGISTRY_RETRY_DELAY_MS: '10',
    // Tests run at any hour: the day-before reminders may go out whenever a test drains the workers.
    REMINDERS_FROM: '00:00',
    ...overrides,
  });
  const registry = await startRegistrySimulator({ people: TEST_PEOPLE, seed: 1 });
  const services = await createServices(config, database, { registryUrl: registry.url });
  const workers = services.startWorkers(silent, { pollMs: 0 });
  const app = await buildApp({ config, database, services, logger: false });
  await app.ready();
  const tokens = new Map<string, string>();
  return {
    app,
    database,
    async auth(username: string) {
      const cached = tokens.get(username);
      if (cached) return cached;
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { username, password: DEMO_PASSWORD },
      });
      if (res.statusCode !== 200)
        throw new Error(`sign-in of ${username} failed: ${res.statusCode} ${res.body}`);
      const header = `Bearer ${res.json<{ accessToken: string }>().accessToken}`;
      tokens.set(username, header);
      return header;
    },
    services,
    registry,
    smsFile,
    drain: () => workers.drain(),
    async close() {
      await app.close();
      await workers.stop();
      await registry.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const errorOf = (res: LightMyRequestResponse) =>
  res.json<{ error: { code: string; message: string; details?: unknown; requestId: string } }>().error;
