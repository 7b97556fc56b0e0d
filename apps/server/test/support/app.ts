import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/types.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo.ts';
import { testDatabase } from './db.ts';

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
  /** Signs in a demo user and returns the Authorization header value. */
  auth(username: string): Promise<string>;
  close(): Promise<void>;
}

/** The real HTTP stack (routes, hooks, validation, error handler) over this file's own database. */
export async function testApp(overrides: Record<string, string> = {}): Promise<TestContext> {
  const database = await testDatabase();
  const app = await buildApp({ config: testConfig(overrides), database, logger: false });
  await app.ready();
  const tokens = new Map<string, string>();
  return {
    app,
    database,
    async auth(username: string) {
      const cached = tokens.get(username);
      if (cached) return cached;
      const res = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { username, password: DEMO_PASSWORD } });
      if (res.statusCode !== 200) throw new Error(`sign-in of ${username} failed: ${res.statusCode} ${res.body}`);
      const header = `Bearer ${(res.json() as { accessToken: string }).accessToken}`;
      tokens.set(username, header);
      return header;
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export const errorOf = (res: LightMyRequestResponse) => (res.json() as { error: { code: string; message: string; details?: unknown; requestId: string } }).error;
