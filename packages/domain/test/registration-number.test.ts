import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  isValidRegistrationNumber,
  makeRegistrationNumber,
  normaliseRegistrationNumber,
} from '../src/index.ts';

/*
 * Expected check digits computed outside this code, with Python's big integers: letters become
 * 10 (A) to 35 (Z), '00' is appended, and the check is 98 - (that number mod 97).
 *   BD 2026 48217390   -> 111320264821739000 % 97 = 6  -> 92
 *   BD 2026 00000000   -> 111320260000000000 % 97 = 56 -> 42
 *   BDDH 2027 12345678 -> 1113131720271234567800 % 97 = 82 -> 16
 */
describe('makeRegistrationNumber', () => {
  it('joins prefix, year, random digits and MOD 97-10 check digits', () => {
    expect(makeRegistrationNumber('BD', 2026, '48217390')).toBe('BD-2026-4821-7390-92');
    expect(makeRegistrationNumber('BD', 2026, 0)).toBe('BD-2026-0000-0000-42');
    expect(makeRegistrationNumber('BDDH', 2027, 12_345_678)).toBe('BDDH-2027-1234-5678-16');
  });

  it('refuses parts that would make a number nobody can check', () => {
    expect(() => makeRegistrationNumber('bd', 2026, '48217390')).toThrow(RangeError);
    expect(() => makeRegistrationNumber('B1', 2026, '48217390')).toThrow(RangeError);
    expect(() => makeRegistrationNumber('BD', 26, '48217390')).toThrow(RangeError);
    expect(() => makeRegistrationNumber('BD', 2026, '4821739')).toThrow(RangeError);
    expect(() => makeRegistrationNumber('BD', 2026, 100_000_000)).toThrow(RangeError);
    expect(() => makeRegistrationNumber('BD', 2026, 1.5)).toThrow(RangeError);
  });
});

describe('isValidRegistrationNumber', () => {
  it('catches the slips of a number read aloud', () => {
    expect(isValidRegistrationNumber('BD-2026-4821-7390-92')).toBe(true);
    expect(isValidRegistrationNumber('BD-2026-4821-7399-92')).toBe(false); // one digit misheard
    expect(isValidRegistrationNumber('BD-2026-4812-7390-92')).toBe(false); // two digits swapped
    expect(isValidRegistrationNumber('BD-2025-4821-7390-92')).toBe(false); // the year is checked too
    expect(isValidRegistrationNumber('BD-2026-4821-7390-29')).toBe(false);
  });

  it('wants the canonical form', () => {
    expect(isValidRegistrationNumber('bd-2026-4821-7390-92')).toBe(false);
    expect(isValidRegistrationNumber('BD2026482173909')).toBe(false);
    expect(isValidRegistrationNumber('BD-2026-4821-7390')).toBe(false);
  });
});

describe('normaliseRegistrationNumber', () => {
  it('reads what a person types or says', () => {
    expect(normaliseRegistrationNumber(' bd 2026 4821 7390 92 ')).toBe('BD-2026-4821-7390-92');
    expect(normaliseRegistrationNumber('BD-২০২৬-৪৮২১-৭৩৯০-৯২')).toBe('BD-2026-4821-7390-92');
    expect(normaliseRegistrationNumber('BD202648217390')).toBeNull();
    expect(normaliseRegistrationNumber('')).toBeNull();
  });
});

describe('registration number properties', () => {
  const parts = fc.record({
    prefix: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: 1, maxLength: 8 }),
    year: fc.integer({ min: 1000, max: 9999 }),
    random: fc.integer({ min: 0, max: 99_999_999 }),
  });
  const number = parts.map(({ prefix, year, random }) => makeRegistrationNumber(prefix, year, random));
  const anyChar = fc.oneof(
    fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'),
    fc.string({ minLength: 1, maxLength: 1 }),
  );

  it('every generated number validates, and survives normalisation', () => {
    fc.assert(
      fc.property(number, (n) => {
        expect(isValidRegistrationNumber(n)).toBe(true);
        expect(normaliseRegistrationNumber(n.toLowerCase().replaceAll('-', ' '))).toBe(n);
      }),
    );
  });

  it('any single changed character fails', () => {
    fc.assert(
      fc.property(number, fc.nat(), anyChar, (n, at, ch) => {
        const i = at % n.length;
        fc.pre(n[i] !== ch);
        expect(isValidRegistrationNumber(n.slice(0, i) + ch + n.slice(i + 1))).toBe(false);
      }),
    );
  });

  it('any swap of two different characters fails, adjacent or not', () => {
    fc.assert(
      fc.property(number, fc.nat(), fc.nat(), (n, x, y) => {
        const i = x % n.length;
        const j = y % n.length;
        fc.pre(n[i] !== n[j]);
        const chars = [...n];
        [chars[i], chars[j]] = [chars[j]!, chars[i]!];
        expect(isValidRegistrationNumber(chars.join(''))).toBe(false);
      }),
    );
  });
});
