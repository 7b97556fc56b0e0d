import { describe, expect, it } from 'vitest';
import { midnightAfter, todayIn } from '../../src/registration/calendar.ts';

describe('the programme calendar', () => {
  it('gives the instant the next day begins in the programme time zone', () => {
    expect(midnightAfter('2024-03-30', 'Asia/Dhaka').toISOString()).toBe('2024-03-30T18:00:00.000Z');
    expect(midnightAfter('2024-12-31', 'Asia/Dhaka').toISOString()).toBe('2024-12-31T18:00:00.000Z');
    expect(midnightAfter('2024-02-28', 'UTC').toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('is right on either side of a daylight-saving change', () => {
    // London moves to summer time at 01:00 on 31 March 2024 and back at 02:00 on 27 October.
    expect(midnightAfter('2024-03-30', 'Europe/London').toISOString()).toBe('2024-03-31T00:00:00.000Z');
    expect(midnightAfter('2024-03-31', 'Europe/London').toISOString()).toBe('2024-03-31T23:00:00.000Z');
    expect(midnightAfter('2024-10-26', 'Europe/London').toISOString()).toBe('2024-10-26T23:00:00.000Z');
    expect(midnightAfter('2024-10-27', 'Europe/London').toISOString()).toBe('2024-10-28T00:00:00.000Z');
  });

  it('starts the day that todayIn names there', () => {
    const start = midnightAfter('2024-06-14', 'America/New_York');
    expect(todayIn('America/New_York', start)).toBe('2024-06-15');
    expect(todayIn('America/New_York', new Date(start.getTime() - 1))).toBe('2024-06-14');
  });
});
