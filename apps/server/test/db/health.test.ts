import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
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

describe('migrations', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('refuse to run when an applied migration file was edited afterwards', async () => {
    const migrations = listMigrations();
    expect(await migrate(t.database.db, migrations)).toEqual([]);
    const edited = migrations.map((m, i) =>
      i === 0 ? { ...m, sql: `${m.sql}\n-- edited after release` } : m,
    );
    await expect(migrate(t.database.db, edited)).rejects.toThrow(/0001_foundation.*new migration file/s);
  });
});
