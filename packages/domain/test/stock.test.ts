import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  adjustmentChange,
  apportion,
  daysOfSupply,
  isLotExpired,
  isLotExpiringSoon,
  isLowStock,
  pickFirstExpiryFirstOut,
  suggestAllocation,
  transferLineOutcome,
  wastageRate,
} from '../src/index.ts';

const TODAY = '2026-11-21';

describe('first expiry, first out', () => {
  const lots = [
    { lotId: 1, expiresOn: '2027-06-01', quantity: 100 },
    { lotId: 2, expiresOn: '2026-12-31', quantity: 30 },
    { lotId: 3, expiresOn: '2026-11-20', quantity: 500 }, // expired yesterday
    { lotId: 4, expiresOn: '2026-11-21', quantity: 5 }, // usable today
  ];

  it('takes the lots that expire first, never an expired one', () => {
    expect(pickFirstExpiryFirstOut(lots, 40, TODAY)).toEqual({
      lines: [
        { lotId: 4, doses: 5 },
        { lotId: 2, doses: 30 },
        { lotId: 1, doses: 5 },
      ],
      short: 0,
    });
  });

  it('says how much it cannot cover', () => {
    expect(pickFirstExpiryFirstOut(lots, 200, TODAY).short).toBe(65);
  });

  it('never takes more than a lot holds, and covers exactly what it can', () => {
    const lot = fc.record({
      lotId: fc.integer({ min: 1, max: 1000 }),
      expiresOn: fc.constantFrom('2026-11-01', '2026-11-21', '2027-01-01', '2027-05-05'),
      quantity: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(lot, { selector: (l) => l.lotId, maxLength: 8 }),
        fc.integer({ min: 1, max: 500 }),
        (ls, doses) => {
          const r = pickFirstExpiryFirstOut(ls, doses, TODAY);
          const usable = ls.filter((l) => l.expiresOn >= TODAY).reduce((s, l) => s + l.quantity, 0);
          const taken = r.lines.reduce((s, l) => s + l.doses, 0);
          expect(taken).toBe(Math.min(doses, usable));
          expect(r.short).toBe(doses - taken);
          for (const line of r.lines) {
            const l = ls.find((x) => x.lotId === line.lotId)!;
            expect(line.doses).toBeGreaterThan(0);
            expect(line.doses).toBeLessThanOrEqual(l.quantity);
            expect(isLotExpired(l.expiresOn, TODAY)).toBe(false);
          }
        },
      ),
    );
  });
});

describe('allocation', () => {
  it('shares in proportion to the people not yet vaccinated, and adds up', () => {
    expect(
      suggestAllocation(1000, [
        { population: 1000, vaccinated: 0 },
        { population: 4000, vaccinated: 1000 },
        { population: 500, vaccinated: 500 },
      ]),
    ).toEqual([250, 750, 0]);
  });

  it('falls back to population when everyone is vaccinated, and to equal shares with no figures', () => {
    expect(
      suggestAllocation(10, [
        { population: 100, vaccinated: 100 },
        { population: 300, vaccinated: 300 },
      ]),
    ).toEqual([3, 7]);
    expect(
      suggestAllocation(10, [
        { population: 0, vaccinated: 0 },
        { population: 0, vaccinated: 0 },
        { population: 0, vaccinated: 0 },
      ]),
    ).toEqual([4, 3, 3]);
  });

  it('always splits every dose, in whole doses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.nat({ max: 10_000_000 }), { minLength: 1, maxLength: 70 }),
        (total, weights) => {
          const parts = apportion(total, weights);
          expect(parts.reduce((s, p) => s + p, 0)).toBe(total);
          expect(parts.every((p) => Number.isInteger(p) && p >= 0)).toBe(true);
        },
      ),
    );
  });
});

describe('receiving a transfer', () => {
  it('splits a shortfall to lost and a surplus to an adjustment', () => {
    expect(transferLineOutcome(100, 100)).toEqual({ arrived: 100, lost: 0, surplus: 0, differs: false });
    expect(transferLineOutcome(100, 94)).toEqual({ arrived: 94, lost: 6, surplus: 0, differs: true });
    expect(transferLineOutcome(100, 103)).toEqual({ arrived: 100, lost: 0, surplus: 3, differs: true });
  });
});

describe('adjustments', () => {
  it('posts the difference of a count from the books', () => {
    expect(adjustmentChange('count', { countedDoses: 90 }, 100)).toEqual({ ok: true, change: -10 });
    expect(adjustmentChange('count', { countedDoses: 100 }, 100)).toEqual({
      ok: false,
      code: 'no_difference',
    });
    expect(adjustmentChange('count', { quantityChange: 3 }, 100)).toMatchObject({
      ok: false,
      code: 'count_needs_counted_doses',
    });
  });
  it('only removes doses for breakage, cold chain and expiry, and only adds for doses found', () => {
    expect(adjustmentChange('breakage', { quantityChange: -2 }, 10)).toEqual({ ok: true, change: -2 });
    expect(adjustmentChange('cold_chain_failure', { quantityChange: 2 }, 10)).toMatchObject({
      code: 'wrong_sign',
    });
    expect(adjustmentChange('found', { quantityChange: -1 }, 10)).toMatchObject({ code: 'wrong_sign' });
    expect(adjustmentChange('other', { quantityChange: 0 }, 10)).toMatchObject({ code: 'no_difference' });
    expect(adjustmentChange('other', {}, 10)).toMatchObject({ code: 'quantity_change_required' });
  });
});

describe('alerts and wastage', () => {
  it('counts days of supply from the last 14 days of use', () => {
    expect(daysOfSupply(70, 140)).toEqual({ dailyUse: 10, daysOfSupply: 7 });
    expect(daysOfSupply(500, 0)).toEqual({ dailyUse: 0, daysOfSupply: null });
    expect(isLowStock(6.9, 7)).toBe(true);
    expect(isLowStock(7, 7)).toBe(false);
    expect(isLowStock(null, 7)).toBe(false);
  });
  it('tells lots expiring soon from expired ones', () => {
    expect(isLotExpiringSoon('2026-12-01', TODAY, 60)).toBe(true);
    expect(isLotExpiringSoon('2027-06-01', TODAY, 60)).toBe(false);
    expect(isLotExpiringSoon('2026-11-20', TODAY, 60)).toBe(false);
    expect(isLotExpired('2026-11-20', TODAY)).toBe(true);
    expect(isLotExpired(TODAY, TODAY)).toBe(false);
  });
  it('rates wastage as wasted over given plus wasted', () => {
    expect(wastageRate(8, 2)).toBe(0.2);
    expect(wastageRate(0, 0)).toBeNull();
  });
});
