import type { Queryable } from '../db/database.ts';
import type { JobTables } from './tables.ts';

/** A job's input: ids and flags, never personal data (the job table is not encrypted). */
export type JobPayload = Record<string, unknown>;

/**
 * Queues a job in the caller's transaction: it exists if and only if the change that needs it
 * commits. Handlers must be idempotent: a job may run more than once (a retry after a failure
 * half-way, or a runner that died holding it).
 */
export async function enqueueJob(
  trx: Queryable,
  kind: string,
  payload: JobPayload,
  opts: { runAt?: Date | undefined } = {},
): Promise<{ id: number }> {
  if (!kind) throw new Error('a job needs a kind');
  const row = await trx
    .$extendTables<JobTables>()
    .insertInto('job')
    .values({ kind, payload: JSON.stringify(payload), ...(opts.runAt ? { run_at: opts.runAt } : {}) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id };
}
