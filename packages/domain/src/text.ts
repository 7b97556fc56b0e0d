/**
 * Input clean-up shared by identifiers, phone numbers and registration numbers.
 *
 * Policy: people in Bangladesh type on Bengali keyboards and copy numbers from documents and SMS,
 * so Bengali digits (০-৯) count as the digits they are, and the separators people put in numbers
 * (spaces of any kind, hyphens and the dashes a phone keyboard substitutes for them) are ignored.
 */

const BENGALI_ZERO = 0x09e6;
const BENGALI_DIGIT = /[\u09e6-\u09ef]/g;

/** Spaces of every kind, hyphen-minus and the Unicode hyphens and dashes U+2010 to U+2015. */
const SEPARATORS = /[\s\-\u2010-\u2015]/g;

/** '০১৭১২' -> '01712'. Other characters are left alone. */
export function asciiDigits(s: string): string {
  return s.replace(BENGALI_DIGIT, (d) => String(d.charCodeAt(0) - BENGALI_ZERO));
}

/** Bengali digits made ASCII, and spaces, hyphens and dashes removed. */
export function compactNumber(raw: string): string {
  return asciiDigits(raw).replace(SEPARATORS, '');
}
