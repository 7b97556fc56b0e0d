/**
 * Registration numbers: what a person quotes to a help desk or a vaccinator, printed on the
 * vaccination card. Shape: PREFIX-YEAR-NNNN-NNNN-CC, for example 'BD-2026-4821-7390-68'.
 *
 * - PREFIX: 1 to 8 capital letters from configuration (the country, or a country and region).
 * - YEAR: the year of registration.
 * - NNNN-NNNN: 8 digits from the caller's random source, so numbers reveal nothing about the
 *   order, the place or the volume of registrations.
 * - CC: ISO 7064 MOD 97-10 check digits (the IBAN scheme) over everything before them.
 *
 * Why MOD 97-10 and not Luhn: numbers are read aloud and typed back, where the common slips are
 * one wrong character and two characters swapped. MOD 97-10 catches every single-character
 * substitution, every swap of two characters (adjacent or not) and all but about 1 in 97 of any
 * other error, and it covers the prefix letters and the year too. Luhn catches single digits but
 * misses the 09/90 swap and swaps across a digit, and cannot cover letters. The price is two
 * characters instead of one, and the scheme is the one every banking system already implements.
 *
 * Uniqueness is the database's (a unique key, retry on conflict with new random digits). 8
 * digits give 100 million numbers per prefix and year: a national campaign that registers tens of
 * millions of people in a year should use regional prefixes, or the retries grow as the space fills.
 */
import { compactNumber } from './text.ts';

const PREFIX = /^[A-Z]{1,8}$/;
const CANONICAL = /^([A-Z]{1,8})-(\d{4})-(\d{4})-(\d{4})-(\d{2})$/;
const COMPACT = /^([A-Z]{1,8})(\d{4})(\d{4})(\d{4})(\d{2})$/;

/**
 * A registration number from its parts. `random8Digits` is 8 digits from a random source the
 * caller injects (the server uses `crypto.randomInt(0, 100_000_000)`): a string of 8 digits, or
 * an integer below 100,000,000 that is left-padded with zeros.
 */
export function makeRegistrationNumber(prefix: string, year: number, random8Digits: string | number): string {
  if (!PREFIX.test(prefix)) throw new RangeError(`prefix must be 1 to 8 capital letters: ${prefix}`);
  if (!Number.isInteger(year) || year < 1000 || year > 9999)
    throw new RangeError(`year must have 4 digits: ${year}`);
  const digits =
    typeof random8Digits === 'number'
      ? Number.isInteger(random8Digits) && random8Digits >= 0 && random8Digits < 100_000_000
        ? String(random8Digits).padStart(8, '0')
        : ''
      : random8Digits;
  if (!/^\d{8}$/.test(digits)) throw new RangeError('random8Digits must be 8 digits');
  const check = String(98 - mod97(`${prefix}${year}${digits}00`)).padStart(2, '0');
  return `${prefix}-${year}-${digits.slice(0, 4)}-${digits.slice(4)}-${check}`;
}

/**
 * True for a registration number in its canonical form (capitals, dashes where
 * `makeRegistrationNumber` puts them) whose check digits match. Input typed by people goes
 * through `normaliseRegistrationNumber` first.
 */
export function isValidRegistrationNumber(s: string): boolean {
  const m = CANONICAL.exec(s);
  if (!m) return false;
  return mod97(m.slice(1).join('')) === 1;
}

/**
 * The canonical form of a registration number as typed or read out: any case, Bengali digits,
 * spaces and dashes anywhere. Null when it does not have the shape of one. The check digits are
 * not checked here: `isValidRegistrationNumber` does that.
 */
export function normaliseRegistrationNumber(raw: string): string | null {
  const m = COMPACT.exec(compactNumber(raw).toUpperCase());
  return m ? m.slice(1).join('-') : null;
}

/** The remainder modulo 97 of a string of digits and capitals, letters counting as 10 (A) to 35 (Z). */
function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (code >= 65 && code <= 90) r = (r * 100 + code - 55) % 97;
    else r = (r * 10 + code - 48) % 97;
  }
  return r;
}
