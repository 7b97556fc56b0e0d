import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { withTransaction, type Database } from '../../src/db/database.ts';
import type { WorkerLog } from '../../src/jobs/poller.ts';
import { enqueueJob, type JobPayload } from '../../src/jobs/queue.ts';
import {
  PermanentJobError,
  startJobRunner,
  type JobContext,
  type JobHandler,
  type JobRunnerSettings,
} from '../../src/jobs/runner.ts';
import type { JobTables } from '../../src/jobs/tables.ts';
import { testDatabase } from '../support/db.ts';

const SETTINGS: JobRunnerSettings = {
  maxAttempts: 3,
  baseBackoffMs: 1_000,
  maxBackoffMs: 8_000,
  leaseMs: 60_000,
  pollMs: 0,
  batchSize: 10,
};

function recordingLog(): { log: WorkerLog; lines: string[] } {
  const lines: string[] = [];
  const record = (...args: unknown[]) => {
    lines.push(JSON.stringify(args));
  };
  return { log: { debug: record, info: record, warn: record, error: record }, lines };
}

/** A clock that moves only when told: back-off and leases are stepped over, not waited for. */
function fakeClock() {
  let now = new Date(Date.now() + 1_000);
  return {
    clock: () => now,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

/**
 * Closes this file's database once every server connection has really ended. The harness drops
 * the database WITH (FORCE) as soon as the pool's end() resolves, which is before the sockets
 * close; a connection killed while closing surfaces as an unhandled error and fails the run.
 */
async function closeDatabase(database: Database): Promise<void> {
  if (database.kind === 'postgres') {
    const pool = database.pool;
    let open = pool.totalCount;
    const ended = new Promise<void>((resolve) => {
      if (open === 0) resolve();
      pool.on('remove', () => {
        if (--open <= 0) resolve();
      });
    });
    await database.db.destroy();
    await ended;
  }
  await database.close();
}

describe('job queue', () => {
  let database: Database;
  const jobs = () =>
    database.db.$extendTables<JobTables>().selectFrom('job').selectAll().orderBy('id').execute();
  const job = async (id: number) => {
    const found = (await jobs()).find((j) => j.id === id);
    if (!found) throw new Error(`no job ${id}`);
    return found;
  };
  const enqueue = (kind: string, payload: JobPayload, runAt?: Date) =>
    withTransaction(database.db, (trx) => enqueueJob(trx, kind, payload, { runAt }));

  /** A handler that records its calls and does what `behaviour` says on the n-th call (from 1). */
  function recorder(behaviour: (n: number) => void = () => undefined) {
    const calls: { payload: JobPayload; ctx: Omit<JobContext, 'db' | 'log'> }[] = [];
    const handler: JobHandler = async (payload, { db: _db, log: _log, ...ctx }) => {
      calls.push({ payload, ctx });
      behaviour(calls.length);
    };
    return { calls, handler };
  }

  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(() => closeDatabase(database));
  beforeEach(async () => {
    await database.db.$extendTables<JobTables>().deleteFrom('job').execute();
  });

  it('never runs a job whose transaction rolled back', async () => {
    await expect(
      withTransaction(database.db, async (trx) => {
        await enqueueJob(trx, 'registration.recheck', { personId: 1 });
        throw new Error('the registration failed');
      }),
    ).rejects.toThrow('the registration failed');
    const { calls, handler } = recorder();
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'registration.recheck': handler },
      settings: SETTINGS,
      log: recordingLog().log,
    });
    expect(await runner.drain()).toBe(0);
    await runner.stop();
    expect(calls).toHaveLength(0);
    expect(await jobs()).toHaveLength(0);
  });

  it('runs a queued job once with its payload and marks it done', async () => {
    const { id } = await enqueue('registration.recheck', { personId: 42, reason: 'registry_timeout' });
    const { calls, handler } = recorder();
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'registration.recheck': handler },
      settings: SETTINGS,
      log: recordingLog().log,
    });
    expect(await runner.drain()).toBe(1);
    expect(await runner.drain()).toBe(0);
    await runner.stop();
    expect(calls).toEqual([
      {
        payload: { personId: 42, reason: 'registry_timeout' },
        ctx: { jobId: id, kind: 'registration.recheck', attempt: 1, maxAttempts: 3 },
      },
    ]);
    const j = await job(id);
    expect(j).toMatchObject({ status: 'done', attempts: 1, last_error: null, locked_until: null });
    expect(j.finished_at).toBeInstanceOf(Date);
  });

  it('runs claimed jobs of a kind together, and those the batch could not do one by one', async () => {
    const ids = [];
    for (const personId of [1, 2, 3, 4]) ids.push((await enqueue('certificate.issue', { personId })).id);
    const other = (await enqueue('registration.recheck', { personId: 9 })).id;
    const batches: number[][] = [];
    const single = recorder(() => {
      throw new PermanentJobError('cannot be certified');
    });
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'certificate.issue': single.handler, 'registration.recheck': recorder().handler },
      batchHandlers: {
        // Person 3 cannot be done in a batch: it runs alone, and its handler fails it for good.
        'certificate.issue': async (payloads) => {
          batches.push(payloads.map((p) => Number(p.personId)));
          return payloads.map((p) => p.personId !== 3);
        },
      },
      settings: SETTINGS,
      log: recordingLog().log,
    });
    expect(await runner.drain()).toBe(5);
    await runner.stop();
    expect(batches).toEqual([[1, 2, 3, 4]]);
    expect(single.calls.map((c) => c.payload)).toEqual([{ personId: 3 }]);
    expect((await jobs()).map((j) => [j.id, j.status])).toEqual([
      [ids[0], 'done'],
      [ids[1], 'done'],
      [ids[2], 'failed'],
      [ids[3], 'done'],
      [other, 'done'],
    ]);
  });

  it('runs every job of a batch that failed one by one, each with its own outcome', async () => {
    for (const personId of [1, 2, 3]) await enqueue('certificate.issue', { personId });
    const single = recorder((n) => {
      if (n === 2) throw new PermanentJobError('cannot be certified');
    });
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'certificate.issue': single.handler },
      batchHandlers: {
        'certificate.issue': async () => {
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        },
      },
      settings: SETTINGS,
      log: recordingLog().log,
    });
    expect(await runner.drain()).toBe(3);
    await runner.stop();
    expect(single.calls.map((c) => c.payload)).toEqual([{ personId: 1 }, { personId: 2 }, { personId: 3 }]);
    expect((await jobs()).map((j) => j.status)).toEqual(['done', 'failed', 'done']);
  });

  it('retries a failing handler with back-off and marks the job failed after the last attempt', async () => {
    const { clock, advance } = fakeClock();
    const { id } = await enqueue('registration.recheck', { personId: 7 });
    const { calls, handler } = recorder(() => {
      throw new Error('national ID registry unavailable for 01712345678');
    });
    const { log, lines } = recordingLog();
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'registration.recheck': handler },
      settings: SETTINGS,
      log,
      clock,
    });

    expect(await runner.drain()).toBe(1);
    const first = await job(id);
    expect(first).toMatchObject({ status: 'queued', attempts: 1, locked_until: null });
    expect(first.last_error).toMatch(/registry unavailable/);
    expect(first.run_at.getTime()).toBeGreaterThanOrEqual(clock().getTime() + SETTINGS.baseBackoffMs / 2);
    expect(await runner.drain()).toBe(0);

    advance(SETTINGS.baseBackoffMs);
    expect(await runner.drain()).toBe(1);
    expect(await job(id)).toMatchObject({ status: 'queued', attempts: 2 });
    advance(2 * SETTINGS.baseBackoffMs);
    expect(await runner.drain()).toBe(1);
    advance(SETTINGS.maxBackoffMs);
    expect(await runner.drain()).toBe(0);
    await runner.stop();

    expect(calls.map((c) => c.ctx.attempt)).toEqual([1, 2, 3]);
    const last = await job(id);
    expect(last).toMatchObject({ status: 'failed', attempts: 3 });
    expect(last.last_error).toBe(
      'gave up after 3 attempts: Error: national ID registry unavailable for 01712345678',
    );
    expect(last.finished_at).toBeInstanceOf(Date);
    // The failure text is kept on the row; the log gets ids and the error's kind only.
    expect(lines.join('\n')).not.toContain('01712345678');
    expect(lines.join('\n')).toContain(`"jobId":${id}`);
  });

  it('finishes a job that succeeds on a retry', async () => {
    const { clock, advance } = fakeClock();
    const { id } = await enqueue('registration.recheck', { personId: 8 });
    const { calls, handler } = recorder((n) => {
      if (n === 1) throw new Error('timeout');
    });
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'registration.recheck': handler },
      settings: SETTINGS,
      log: recordingLog().log,
      clock,
    });
    await runner.drain();
    advance(SETTINGS.baseBackoffMs);
    await runner.drain();
    await runner.stop();
    expect(calls).toHaveLength(2);
    expect(await job(id)).toMatchObject({ status: 'done', attempts: 2, last_error: null });
  });

  it('fails at once when the handler says trying again cannot help', async () => {
    const { id } = await enqueue('registration.recheck', { personId: 9 });
    const { calls, handler } = recorder(() => {
      throw new PermanentJobError('person 9 was removed');
    });
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'registration.recheck': handler },
      settings: SETTINGS,
      log: recordingLog().log,
    });
    expect(await runner.drain()).toBe(1);
    await runner.stop();
    expect(calls).toHaveLength(1);
    expect(await job(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'PermanentJobError: person 9 was removed',
    });
  });

  it('waits for runAt, and leaves kinds it has no handler for to a runner that has one', async () => {
    const { clock, advance } = fakeClock();
    const later = await enqueue(
      'registration.recheck',
      { personId: 1 },
      new Date(clock().getTime() + 3_600_000),
    );
    const other = await enqueue('certificate.issue', { doseId: 5 });
    const { calls, handler } = recorder();
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'registration.recheck': handler },
      settings: SETTINGS,
      log: recordingLog().log,
      clock,
    });
    expect(await runner.drain()).toBe(0);
    advance(3_600_000);
    expect(await runner.drain()).toBe(1);
    await runner.stop();
    expect(calls.map((c) => c.payload)).toEqual([{ personId: 1 }]);
    expect(await job(later.id)).toMatchObject({ status: 'done' });
    expect(await job(other.id)).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('runs again a job whose runner died holding it, once the lease has run out', async () => {
    const { clock, advance } = fakeClock();
    const { id } = await enqueue('registration.recheck', { personId: 3 });
    await database.db
      .$extendTables<JobTables>()
      .updateTable('job')
      .set({ status: 'running', attempts: 1, locked_until: new Date(clock().getTime() + 30_000) })
      .where('id', '=', id)
      .execute();
    const { calls, handler } = recorder();
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'registration.recheck': handler },
      settings: SETTINGS,
      log: recordingLog().log,
      clock,
    });
    expect(await runner.drain()).toBe(0);
    advance(30_000);
    expect(await runner.drain()).toBe(1);
    await runner.stop();
    expect(calls.map((c) => c.ctx.attempt)).toEqual([2]);
    expect(await job(id)).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('polls in the background until stopped', async () => {
    const { id } = await enqueue('registration.recheck', { personId: 11 });
    const { calls, handler } = recorder();
    const runner = startJobRunner({
      db: database.db,
      handlers: { 'registration.recheck': handler },
      settings: { ...SETTINGS, pollMs: 10 },
      log: recordingLog().log,
    });
    await vi.waitFor(async () => expect((await job(id)).status).toBe('done'), {
      timeout: 10_000,
      interval: 20,
    });
    await runner.stop();
    expect(calls).toHaveLength(1);
  });

  it.skipIf(inject('dbKind') !== 'postgres')(
    'never runs a job twice when two runners drain at once',
    async () => {
      const count = 100;
      await withTransaction(database.db, async (trx) => {
        for (let i = 0; i < count; i++) await enqueueJob(trx, 'registration.recheck', { personId: i });
      });
      const seen: number[] = [];
      const handler: JobHandler = async (payload) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(Number(payload.personId));
      };
      const settings = { ...SETTINGS, batchSize: 5 };
      const runners = [1, 2].map(() =>
        startJobRunner({
          db: database.db,
          handlers: { 'registration.recheck': handler },
          settings,
          log: recordingLog().log,
        }),
      );
      const done = await Promise.all(runners.map((r) => r.drain()));
      await Promise.all(runners.map((r) => r.stop()));
      expect(done[0]! + done[1]!).toBe(count);
      expect(done[0], 'both runners took a share').toBeGreaterThan(0);
      expect(done[1], 'both runners took a share').toBeGreaterThan(0);
      expect(new Set(seen).size).toBe(count);
      expect(seen).toHaveLength(count);
      expect((await jobs()).every((j) => j.status === 'done' && j.attempts === 1)).toBe(true);
    },
  );
});
