import type { Db } from '../db/database.ts';
import { backoffDelayMs, errorText, sqlAfter, sqlNow, type BackoffSettings, type Clock } from './backoff.ts';
import { safeError, startPoller, type BatchControl, type Worker, type WorkerLog } from './poller.ts';
import type { JobPayload } from './queue.ts';
import type { JobTables } from './tables.ts';

export interface JobRunnerSettings extends BackoffSettings {
  /** Runs in all, the first included; a failure on the last one marks the job failed. */
  maxAttempts: number;
  /** How long a claimed job stays reserved; must exceed the longest handler run, or it may run twice at once. */
  leaseMs: number;
  /** Pause between polls when idle; 0 disables polling (drain() only: CLI and tests). */
  pollMs: number;
  batchSize: number;
}

export const DEFAULT_JOB_RUNNER_SETTINGS: JobRunnerSettings = {
  maxAttempts: 10,
  baseBackoffMs: 30_000,
  maxBackoffMs: 60 * 60_000,
  leaseMs: 10 * 60_000,
  pollMs: 5_000,
  batchSize: 10,
};

export interface JobContext {
  jobId: number;
  kind: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  /** No transaction is open when a handler runs; it opens its own (withTransaction) as it needs. */
  db: Db;
  log: WorkerLog;
}

export type JobHandler = (payload: JobPayload, ctx: JobContext) => Promise<void>;

/** Thrown by a handler when running the job again cannot help: the job fails at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface JobRunnerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  settings: JobRunnerSettings;
  log: WorkerLog;
  /** Tests only: a fake clock. By default every time comes from the database. */
  clock?: Clock;
  random?: () => number;
}

interface ClaimedJob {
  id: number;
  kind: string;
  payload: JobPayload;
  attempts: number;
}

/**
 * Runs queued jobs: claim with a lease in one short statement (FOR UPDATE SKIP LOCKED), run the
 * handler with no connection held, settle. A runner claims only the kinds it has handlers for,
 * so processes of different versions can share the queue. A job whose lease ran out (its runner
 * died) is claimed again. The failure text goes to the row; logs get ids and the error's kind.
 */
export function startJobRunner(opts: JobRunnerOptions): Worker {
  const { handlers, settings, log, clock } = opts;
  const db = opts.db.$extendTables<JobTables>();
  const kinds = Object.keys(handlers);

  const claim = async (): Promise<ClaimedJob[]> => {
    if (kinds.length === 0) return [];
    const now = sqlNow(clock);
    return db
      .with(
        (cte) => cte('due').materialized(),
        (q) =>
          q
            .selectFrom('job')
            .select('id')
            .where('status', 'in', ['queued', 'running'])
            .where('run_at', '<=', now)
            .where((eb) => eb.or([eb('status', '=', 'queued'), eb('locked_until', '<=', now)]))
            .where('kind', 'in', kinds)
            .orderBy('run_at')
            .orderBy('id')
            .limit(settings.batchSize)
            .forUpdate()
            .skipLocked(),
      )
      .updateTable('job')
      .from('due')
      .set((eb) => ({
        status: 'running',
        attempts: eb('job.attempts', '+', 1),
        locked_until: sqlAfter(now, settings.leaseMs),
      }))
      .whereRef('job.id', '=', 'due.id')
      .returning(['job.id', 'job.kind', 'job.payload', 'job.attempts'])
      .execute();
  };

  const run = async (job: ClaimedJob): Promise<void> => {
    const meta = { jobId: job.id, kind: job.kind, attempt: job.attempts };
    const handler = handlers[job.kind];
    try {
      if (!handler) throw new PermanentJobError(`no handler for job kind "${job.kind}"`);
      await handler(job.payload, {
        jobId: job.id,
        kind: job.kind,
        attempt: job.attempts,
        maxAttempts: settings.maxAttempts,
        db: opts.db,
        log,
      });
    } catch (err) {
      const now = sqlNow(clock);
      const permanent = err instanceof PermanentJobError;
      if (permanent || job.attempts >= settings.maxAttempts) {
        const reason = permanent
          ? errorText(err)
          : `gave up after ${job.attempts} attempts: ${errorText(err)}`;
        await db
          .updateTable('job')
          .set({ status: 'failed', last_error: reason, locked_until: null, finished_at: now })
          .where('id', '=', job.id)
          .where('status', '=', 'running')
          .where('attempts', '=', job.attempts)
          .execute();
        log.error({ ...meta, err: { name: safeError(err).name } }, 'job failed');
        return;
      }
      const delay = backoffDelayMs(job.attempts, settings, opts.random);
      await db
        .updateTable('job')
        .set({
          status: 'queued',
          run_at: sqlAfter(now, delay),
          last_error: errorText(err),
          locked_until: null,
        })
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .where('attempts', '=', job.attempts)
        .execute();
      log.warn({ ...meta, err: { name: safeError(err).name }, retryInMs: delay }, 'job failed; will retry');
      return;
    }
    await db
      .updateTable('job')
      .set({ status: 'done', finished_at: sqlNow(clock), locked_until: null, last_error: null })
      .where('id', '=', job.id)
      .where('status', '<>', 'done')
      .execute();
    log.debug(meta, 'job done');
  };

  /** Jobs claimed but not started when the runner stops go back to the queue, attempt not counted. */
  const release = async (jobs: ClaimedJob[]): Promise<void> => {
    for (const job of jobs) {
      await db
        .updateTable('job')
        .set((eb) => ({ status: 'queued', attempts: eb('attempts', '-', 1), locked_until: null }))
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .where('attempts', '=', job.attempts)
        .execute();
    }
  };

  const runBatch = async (control: BatchControl): Promise<number> => {
    const jobs = await claim();
    let done = 0;
    for (const job of jobs) {
      if (control.stopping) {
        await release(jobs.slice(done));
        break;
      }
      await run(job);
      done++;
    }
    return done;
  };

  return startPoller({ name: 'job runner', pollMs: settings.pollMs, runBatch, log });
}
