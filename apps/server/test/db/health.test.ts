import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestContext } from '../support/app.ts';

describe('health and API description', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('is live and ready when migrations are current', async () => {
    expect((await t.app.inject('/health/live')).statusCode).toBe(200);
    const ready = await t.app.inject('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready' });
  });

  it('is not ready when the database has a migration to apply', async () => {
    await t.database.db.deleteFrom('schema_migration' as never).execute();
    const ready = await t.app.inject('/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json<{ reason: string }>().reason).toMatch(/0001_foundation/);
  });
});
