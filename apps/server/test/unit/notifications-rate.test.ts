import { describe, expect, it } from 'vitest';
import { SendRate, sendRates } from '../../src/notifications/rate.ts';

describe('SMS send rate', () => {
  it('grants one second of sends at once, then refills at the rate', () => {
    let now = 0;
    const rate = new SendRate(100, () => now);
    expect(rate.take(60)).toBe(60);
    expect(rate.take(60)).toBe(40);
    expect(rate.take(60)).toBe(0);
    now += 250;
    expect(rate.take(60)).toBe(25);
    now += 10_000;
    expect(rate.take(500)).toBe(100);
  });

  it('takes back what a claim did not use, never beyond one second of sends', () => {
    const rate = new SendRate(10, () => 0);
    expect(rate.take(10)).toBe(10);
    rate.giveBack(4);
    expect(rate.take(10)).toBe(4);
    rate.giveBack(50);
    expect(rate.take(50)).toBe(10);
  });

  it('grants bulk in chunks: nothing until a quarter of a second of sends has built up', () => {
    let now = 0;
    const rate = new SendRate(100, () => now);
    expect(rate.chunk).toBe(25);
    expect(rate.take(100, rate.chunk)).toBe(100);
    now += 100;
    expect(rate.take(50, rate.chunk)).toBe(0);
    now += 150;
    expect(rate.take(50, rate.chunk)).toBe(25);
    // Asked for fewer than a chunk, it grants them once they are there.
    now += 50;
    expect(rate.take(3, rate.chunk)).toBe(3);
  });

  it('limits nothing at 0', () => {
    const rate = new SendRate(0);
    expect(rate.limited).toBe(false);
    expect(rate.take(1_000_000)).toBe(1_000_000);
  });

  it("splits the deployment's rate among its processes, and still sends under one a second", () => {
    let now = 0;
    const rates = sendRates({ perSecond: 300, bulkPerSecond: 1, processes: 3 });
    expect(rates.all.perSecond).toBe(100);
    expect(rates.bulk.perSecond).toBeCloseTo(1 / 3);
    const slow = new SendRate(1 / 3, () => now);
    expect(slow.take(5)).toBe(1);
    now += 1_000;
    expect(slow.take(5)).toBe(0);
    now += 2_000;
    expect(slow.take(5)).toBe(1);
    expect(sendRates({ perSecond: 0, bulkPerSecond: 0, processes: 2 }).all.limited).toBe(false);
  });
});
