import type { FastifyBaseLogger } from 'fastify';

/** What the workers log through: the server's pino logger, or any object with these methods. */
export type WorkerLog = Pick<FastifyBaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

export interface Worker {
  /** Stops polling, lets the batch in hand finish and returns when it has. */
  stop(): Promise<void>;
  /** Something was just queued: look now rather than at the next poll (a sign-in code should not wait). */
  nudge(): void;
  /** Processes everything due now, batch after batch, and returns how many rows it attempted. */
  drain(): Promise<number>;
}

/** Tells a batch that the worker is stopping, so it hands back the rows it has not started. */
export interface BatchControl {
  readonly stopping: boolean;
}

/**
 * The loop both workers share. Batches never overlap within one worker (the background poll and an
 * explicit drain() queue behind each other), so one worker uses at most one connection at a time:
 * the embedded database has only one. Several workers, in one process or many, share the work
 * through the database alone (FOR UPDATE SKIP LOCKED in the claim).
 */
export function startPoller(opts: {
  name: string;
  /** 0: no background polling; work happens only in drain(). */
  pollMs: number;
  runBatch: (control: BatchControl) => Promise<number>;
  /**
   * Whether a batch that handled `n` rows may have left more due now (by default, any `n` > 0).
   * A worker whose batches take all that is due while there is less than a batch says so, and
   * under steady load waits its interval between passes instead of running them back to back.
   */
  more?: (n: number) => boolean;
  log: WorkerLog;
}): Worker {
  const control = { stopping: false };
  let tail: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };

  const drainAll = async (): Promise<number> => {
    let total = 0;
    while (!control.stopping) {
      const n = await opts.runBatch(control);
      total += n;
      if (!(opts.more ? opts.more(n) : n > 0)) break;
    }
    return total;
  };

  const schedule = (delay: number) => {
    if (control.stopping || opts.pollMs <= 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      exclusive(drainAll)
        .catch((err: unknown) =>
          opts.log.error({ worker: opts.name, err: safeError(err) }, 'worker pass failed'),
        )
        .finally(() => schedule(opts.pollMs));
    }, delay);
  };
  // The first pass runs at once: work queued before a restart goes out without waiting a poll interval.
  schedule(0);

  let nudged = false;
  return {
    nudge() {
      if (control.stopping || opts.pollMs <= 0 || nudged) return;
      nudged = true;
      // Coalesce a burst of nudges into one pass, queued behind any pass in progress.
      setImmediate(() => {
        nudged = false;
        if (control.stopping) return;
        exclusive(drainAll).catch((err: unknown) =>
          opts.log.error({ worker: opts.name, err: safeError(err) }, 'worker pass failed'),
        );
      });
    },
    async stop() {
      control.stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await tail;
    },
    drain() {
      if (control.stopping) return Promise.reject(new Error(`${opts.name} is stopped`));
      return exclusive(drainAll);
    },
  };
}

/**
 * What of an error may be logged: its kind and code, not the driver's detail text, which can quote
 * the values of a row.
 */
export function safeError(err: unknown): { name: string; code?: string; message?: string } {
  if (!(err instanceof Error)) return { name: typeof err };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, ...(typeof code === 'string' ? { code } : {}), message: err.message };
}
