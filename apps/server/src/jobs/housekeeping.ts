import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/**
 * Rows that are worth nothing after a while: sign-in code challenges (valid for minutes; kept a
 * day so that a help-desk question about a code sent this morning can still be answered from the
 * audit trail and the challenge) and abuse-limit counters of windows that ended (the longest
 * window is a day). Deleted in bounded batches so that a pass never holds a long lock.
 */
export const HOUSEKEEPING = {
  challengeKeepHours: 24,
  counterKeepHours: 48,
  batch: 5_000,
} as const;

/** Deletes one batch of each kind; returns how many rows went (0: nothing left to do). */
export async function purgeExpired(db: Db, now: Date = new Date()): Promise<number> {
  const challengeBefore = new Date(now.getTime() - HOUSEKEEPING.challengeKeepHours * 3_600_000);
  const counterBefore = new Date(now.getTime() - HOUSEKEEPING.counterKeepHours * 3_600_000);
  const challenges = await sql`
    delete from otp_challenge where id in (
      select id from otp_challenge where expires_at < ${challengeBefore} limit ${HOUSEKEEPING.batch})`.execute(
    db,
  );
  const counters = await sql`
    delete from rate_counter where (key, window_start) in (
      select key, window_start from rate_counter where window_start < ${counterBefore}
      limit ${HOUSEKEEPING.batch})`.execute(db);
  return Number(challenges.numAffectedRows ?? 0n) + Number(counters.numAffectedRows ?? 0n);
}

/** The tables that churn most: queues whose rows are claimed, settled and left, and report deltas. */
export const QUEUE_TABLES = ['job', 'notification', 'rollup_delta'] as const;

/**
 * Reclaims the queues' dead rows and refreshes their statistics when the database server does not
 * (autovacuum off). Without it each claim walks past the index entries of every row ever settled,
 * and plans are made from the statistics of an empty queue: on a server with autovacuum off, after
 * a day of doses, the SMS claim read 250,000 dead entries (7.5 ms) to find nothing due. Returns the
 * number of tables vacuumed (0 when the server's autovacuum is on and does this itself).
 */
export async function vacuumQueues(db: Db): Promise<number> {
  const { rows } = await sql<{ on: string }>`select current_setting('autovacuum') as on`.execute(db);
  if (rows[0]?.on !== 'off') return 0;
  for (const table of QUEUE_TABLES) await sql`vacuum (analyze) ${sql.table(table)}`.execute(db);
  return QUEUE_TABLES.length;
}
