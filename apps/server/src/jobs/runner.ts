import { sql } from 'kysely';
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

/**
 * Runs many jobs of one kind at once (their payloads in claim order) and says, for each, whether
 * it is done. A job not done, or every job of a batch that threw, then runs alone through the
 * kind's `JobHandler`, which answers for it (retry, failure). So a batch handler, like a handler,
 * must be safe to run again for the same job.
 */
export type JobBatchHandler = (payloads: JobPayload[]) => Promise<boolean[]>;

/** Thrown by a handler when running the job again cannot help: the job fails at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface JobRunnerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  /** Kinds whose claimed jobs are run together (each kind must also have a handler). */
  batchHandlers?: Record<string, JobBatchHandler>;
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

  /** The earliest due jobs, leased (`job_claim`, migrations/0016: the queue read in index order). */
  const claim = async (): Promise<ClaimedJob[]> => {
    if (kinds.length === 0) return [];
    const { rows } = await sql<ClaimedJob>`
      select id, kind, payload, attempts
      from job_claim(${kinds}::text[], ${settings.batchSize}::int, ${sqlNow(clock)}, ${settings.leaseMs}::float8)`.execute(
      db,
    );
    return rows;
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

  /**
   * The claimed jobs of kinds with a batch handler, run together per kind; those done are settled
   * in one statement. Returns the jobs left to run alone.
   */
  const runTogether = async (jobs: ClaimedJob[]): Promise<ClaimedJob[]> => {
    const alone: ClaimedJob[] = [];
    const byKind = new Map<string, ClaimedJob[]>();
    for (const job of jobs) {
      if (!opts.batchHandlers?.[job.kind] || !handlers[job.kind]) alone.push(job);
      else if (byKind.has(job.kind)) byKind.get(job.kind)!.push(job);
      else byKind.set(job.kind, [job]);
    }
    for (const [kind, group] of byKind) {
      if (group.length === 1) {
        alone.push(group[0]!);
        continue;
      }
      let answers: boolean[];
      try {
        answers = await opts.batchHandlers![kind]!(group.map((j) => j.payload));
        if (!Array.isArray(answers)) throw new TypeError(`the batch handler of "${kind}" gave no answers`);
      } catch (err) {
        log.warn(
          { kind, jobs: group.length, err: { name: safeError(err).name } },
          'job batch failed; one by one',
        );
        alone.push(...group);
        continue;
      }
      const done = group.filter((_, i) => answers[i] === true);
      alone.push(...group.filter((_, i) => answers[i] !== true));
      if (done.length)
        try {
          await db
            .updateTable('job')
            .set({ status: 'done', finished_at: sqlNow(clock), locked_until: null, last_error: null })
            .where(
              'id',
              'in',
              done.map((j) => j.id),
            )
            .where('status', '=', 'running')
            .execute();
        } catch (err) {
          // Done but not settled: claimed again when their lease ends, and done again at once.
          log.warn({ kind, jobs: done.length, err: { name: safeError(err).name } }, 'job batch not settled');
        }
    }
    return alone;
  };

  const runBatch = async (control: BatchControl): Promise<number> => {
    const claimed = await claim();
    if (control.stopping) {
      await release(claimed);
      return 0;
    }
    const jobs = opts.batchHandlers ? await runTogether(claimed) : claimed;
    let done = claimed.length - jobs.length;
    for (const [i, job] of jobs.entries()) {
      if (control.stopping) {
        await release(jobs.slice(i));
        break;
      }
      await run(job);
      done++;
    }
    return done;
  };

  return startPoller({ name: 'job runner', pollMs: settings.pollMs, runBatch, log });
}
