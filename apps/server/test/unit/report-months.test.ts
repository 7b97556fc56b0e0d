import { describe, expect, it } from 'vitest';
import { wholeMonths } from '../../src/reports/service.ts';

describe('whole months of a report period', () => {
  it('are the months the period covers from their first to their last day', () => {
    expect(wholeMonths({ from: '2026-01-01', to: '2026-03-31' })).toEqual({
      from: '2026-01-01',
      to: '2026-04-01',
    });
    expect(wholeMonths({ from: '2026-01-15', to: '2026-03-30' })).toEqual({
      from: '2026-02-01',
      to: '2026-03-01',
    });
    expect(wholeMonths({ from: '2025-11-22', to: '2026-11-21' })).toEqual({
      from: '2025-12-01',
      to: '2026-11-01',
    });
    expect(wholeMonths({ from: '2026-12-01', to: '2026-12-31' })).toEqual({
      from: '2026-12-01',
      to: '2027-01-01',
    });
  });

  it('are none when the period lies within one or two partial months', () => {
    expect(wholeMonths({ from: '2026-01-15', to: '2026-02-10' })).toEqual({
      from: '2026-02-01',
      to: '2026-02-01',
    });
    expect(wholeMonths({ from: '2026-02-02', to: '2026-02-27' })).toEqual({
      from: '2026-03-01',
      to: '2026-03-01',
    });
  });
});
