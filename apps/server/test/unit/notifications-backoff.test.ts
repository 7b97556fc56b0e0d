import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/jobs/backoff.ts';

const settings = { baseBackoffMs: 1000, maxBackoffMs: 60_000 };

describe('retry back-off', () => {
  it('doubles with each attempt, jittered between half and all of the step', () => {
    expect(backoffDelayMs(1, settings, () => 0)).toBe(500);
    expect(backoffDelayMs(1, settings, () => 1)).toBe(1000);
    expect(backoffDelayMs(2, settings, () => 0)).toBe(1000);
    expect(backoffDelayMs(3, settings, () => 1)).toBe(4000);
    expect(backoffDelayMs(3, settings, () => 0.5)).toBe(3000);
  });

  it('never waits longer than the cap, however many attempts', () => {
    expect(backoffDelayMs(7, settings, () => 1)).toBe(60_000);
    expect(backoffDelayMs(500, settings, () => 1)).toBe(60_000);
    expect(backoffDelayMs(500, settings, () => 0)).toBe(30_000);
  });

  it('spreads retries of messages that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(4, settings)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d >= 4000 && d <= 8000).toBe(true);
  });
});
