import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { HOUSEKEEPING, purgeExpired, QUEUE_TABLES, vacuumQueues } from '../../src/jobs/housekeeping.ts';
import { testDatabase } from '../support/db.ts';

let database: Database;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database.close());

const hoursAgo = (now: Date, h: number) => new Date(now.getTime() - h * 3_600_000);

describe('housekeeping', () => {
  it('deletes expired sign-in challenges and ended limit windows, and keeps the rest', async () => {
    const { db } = database;
    const now = new Date();
    const old = randomUUID();
    const recent = randomUUID();
    const challenge = (id: string, expiresAt: Date) => sql`
      insert into otp_challenge (id, phone_blind, phone_enc, code_hash, expires_at, created_at)
      values (${id}, 'blind', 'enc', 'hash', ${expiresAt}, ${expiresAt})`;
    await challenge(old, hoursAgo(now, HOUSEKEEPING.challengeKeepHours + 1)).execute(db);
    await challenge(recent, hoursAgo(now, 1)).execute(db);
    await sql`
      insert into rate_counter (key, window_start, count) values
        ('hk:old', ${hoursAgo(now, HOUSEKEEPING.counterKeepHours + 1)}, 3),
        ('hk:today', ${hoursAgo(now, 2)}, 3)`.execute(db);

    let total = 0;
    for (let n = await purgeExpired(db, now); n > 0; n = await purgeExpired(db, now)) total += n;

    expect(total).toBeGreaterThanOrEqual(2);
    const ids = await sql<{
      id: string;
    }>`select id from otp_challenge where id in (${old}, ${recent})`.execute(db);
    expect(ids.rows.map((r) => r.id)).toEqual([recent]);
    const keys = await sql<{ key: string }>`select key from rate_counter where key like 'hk:%'`.execute(db);
    expect(keys.rows.map((r) => r.key)).toEqual(['hk:today']);
  });
});

describe('queue upkeep', () => {
  it('reclaims the dead rows of settled jobs when the database server does not', async () => {
    const { db } = database;
    await sql`insert into job (kind, payload, status) select 'upkeep.test', '{}', 'queued' from generate_series(1, 200)`.execute(
      db,
    );
    await sql`update job set status = 'done' where kind = 'upkeep.test'`.execute(db);
    const autovacuum = (await sql<{ on: string }>`select current_setting('autovacuum') as on`.execute(db))
      .rows[0]!.on;
    const vacuumed = await vacuumQueues(db);
    if (autovacuum !== 'off') {
      // The server's autovacuum keeps the queues; nothing to do here.
      expect(vacuumed).toBe(0);
      return;
    }
    expect(vacuumed).toBe(QUEUE_TABLES.length);
    if (database.kind === 'postgres') {
      const { rows } = await sql<{ dead: number; analyzed: Date | null }>`
        select n_dead_tup::int as dead, last_analyze as analyzed from pg_stat_user_tables
        where relname = 'job'`.execute(db);
      expect(rows[0]!.dead).toBe(0);
      expect(rows[0]!.analyzed).not.toBeNull();
    }
  });
});
