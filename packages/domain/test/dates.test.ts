import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  ageInYears,
  dateOfTurningAge,
  daysBetween,
  formatDateEn,
  isValidIsoDate,
} from '../src/index.ts';

/** Calendar dates from 1900 to 2100, drawn through `Date` so that the generator is not the code under test. */
const isoDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

/** The same date arithmetic done by `Date` in UTC: an independent oracle for years after 100. */
function addDaysByDate(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

describe('isValidIsoDate', () => {
  it('accepts real calendar dates only', () => {
    expect(isValidIsoDate('2024-02-29')).toBe(true); // leap year
    expect(isValidIsoDate('2000-02-29')).toBe(true); // divisible by 400
    expect(isValidIsoDate('2023-02-29')).toBe(false);
    expect(isValidIsoDate('1900-02-29')).toBe(false); // divisible by 100, not 400
    expect(isValidIsoDate('2026-04-31')).toBe(false);
    expect(isValidIsoDate('2026-13-01')).toBe(false);
    expect(isValidIsoDate('2026-00-10')).toBe(false);
    expect(isValidIsoDate('2026-01-00')).toBe(false);
  });

  it('accepts only the YYYY-MM-DD spelling', () => {
    expect(isValidIsoDate('2026-1-05')).toBe(false);
    expect(isValidIsoDate('05/01/2026')).toBe(false);
    expect(isValidIsoDate(' 2026-01-05')).toBe(false);
    expect(isValidIsoDate('2026-01-05T00:00:00Z')).toBe(false);
    expect(isValidIsoDate('')).toBe(false);
  });

  it('agrees with the calendar of Date for any year, month 0-13 and day 0-32', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2100 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (y, m, d) => {
          const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          const t = Date.parse(`${s}T00:00:00Z`);
          const real = !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
          expect(isValidIsoDate(s)).toBe(real);
        },
      ),
    );
  });
});

describe('addDays and daysBetween', () => {
  it('cross months, leap days and years', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-05-01', 0)).toBe('2026-05-01');
    expect(daysBetween('2021-01-27', '2021-10-14')).toBe(260);
    expect(daysBetween('2026-05-01', '2026-04-30')).toBe(-1);
  });

  it('do not fall into the two-digit-year trap of Date.UTC', () => {
    expect(addDays('0050-01-01', 1)).toBe('0050-01-02');
    expect(daysBetween('0099-12-31', '0100-01-01')).toBe(1);
  });

  it('reject what is not a calendar date', () => {
    expect(() => addDays('2023-02-29', 1)).toThrow(RangeError);
    expect(() => addDays('2023-02-28', 0.5)).toThrow(RangeError);
    expect(() => daysBetween('2023-02-28', 'tomorrow')).toThrow(RangeError);
  });

  it('agree with Date arithmetic', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -40_000, max: 40_000 }), (date, n) => {
        const later = addDays(date, n);
        expect(later).toBe(addDaysByDate(date, n));
        expect(daysBetween(date, later)).toBe(n);
        expect(daysBetween(later, date) + n).toBe(0);
      }),
    );
  });
});

describe('ageInYears', () => {
  it('counts the birthday itself', () => {
    expect(ageInYears('2008-05-14', '2026-05-13')).toBe(17);
    expect(ageInYears('2008-05-14', '2026-05-14')).toBe(18);
    expect(ageInYears('2026-05-14', '2026-05-14')).toBe(0);
  });

  it('makes a 29 February birthday a year older on 1 March in common years', () => {
    expect(ageInYears('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageInYears('2008-02-29', '2026-03-01')).toBe(18);
    // In a leap year the birthday is the day itself.
    expect(ageInYears('2008-02-29', '2028-02-28')).toBe(19);
    expect(ageInYears('2008-02-29', '2028-02-29')).toBe(20);
  });

  it('refuses a date of birth after the day asked about', () => {
    expect(() => ageInYears('2026-05-15', '2026-05-14')).toThrow(RangeError);
  });

  it('never decreases as time passes', () => {
    fc.assert(
      fc.property(isoDate, isoDate, isoDate, (a, b, c) => {
        const [dob, d1, d2] = [a, b, c].sort();
        expect(ageInYears(dob!, d1!)).toBeLessThanOrEqual(ageInYears(dob!, d2!));
      }),
    );
  });

  it('is n on the day a person turns n, and n - 1 the day before', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: 1, max: 120 }), (dob, n) => {
        const birthday = dateOfTurningAge(dob, n);
        expect(ageInYears(dob, birthday)).toBe(n);
        expect(ageInYears(dob, addDays(birthday, -1))).toBe(n - 1);
      }),
    );
  });

  it('is at least n exactly from the day dateOfTurningAge gives', () => {
    fc.assert(
      fc.property(isoDate, isoDate, fc.integer({ min: 0, max: 120 }), (a, b, n) => {
        const [dob, on] = a <= b ? [a, b] : [b, a];
        expect(ageInYears(dob, on) >= n).toBe(on >= dateOfTurningAge(dob, n));
      }),
    );
  });
});

describe('dateOfTurningAge', () => {
  it('is the birthday, or 1 March for a 29 February birthday in a common year', () => {
    expect(dateOfTurningAge('2014-06-15', 12)).toBe('2026-06-15');
    expect(dateOfTurningAge('2012-02-29', 12)).toBe('2024-02-29');
    expect(dateOfTurningAge('2012-02-29', 13)).toBe('2025-03-01');
  });
});

describe('formatDateEn', () => {
  it('writes dates the way people read them', () => {
    expect(formatDateEn('2021-03-01')).toBe('1 March 2021');
    expect(formatDateEn('2021-10-14')).toBe('14 October 2021');
  });
});
