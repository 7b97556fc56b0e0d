import { sql, type RawBuilder } from 'kysely';

/**
 * Retry timing shared by the notification worker and the job runner.
 *
 * Exponential back-off with "equal jitter": the n-th retry waits between half and all of
 * min(max, base * 2^(n-1)). The random half spreads the retries of a burst that failed together
 * (a gateway outage) so they do not all come back in the same second; the fixed half keeps a
 * minimum pause so a struggling gateway is not hammered.
 */
export interface BackoffSettings {
  /** Delay before the first retry, in milliseconds (0 retries at once: tests only). */
  baseBackoffMs: number;
  /** Upper bound of any single delay, in milliseconds. */
  maxBackoffMs: number;
}

export function backoffDelayMs(
  attempt: number,
  s: BackoffSettings,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(s.maxBackoffMs, s.baseBackoffMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Where the time comes from. Production uses the database clock, one clock for every worker
 * process whatever their host; tests pass a fake clock to step over back-off and lease delays.
 */
export type Clock = () => Date;

export function sqlNow(clock: Clock | undefined): RawBuilder<Date> {
  return clock ? sql<Date>`${clock().toISOString()}::timestamptz` : sql<Date>`now()`;
}

export function sqlAfter(now: RawBuilder<Date>, ms: number): RawBuilder<Date> {
  return sql<Date>`${now} + ${ms}::float8 * interval '1 millisecond'`;
}

/** The failure text kept on a row: bounded, so one verbose error cannot bloat the table. */
export function errorText(err: unknown, max = 500): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
