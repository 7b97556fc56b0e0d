/**
 * Identity documents a person registers with: the national ID (NID), a birth registration number
 * (children without an NID) or a passport (foreign nationals, and citizens who prefer it).
 *
 * Policy: what a valid number looks like is configuration (`IdRules`), not code, because it
 * changes with the issuing authority's formats and with campaign decisions (who may use a birth
 * registration number). This module only checks that a number is well formed and fits the
 * person's age; whether it exists and belongs to the person is the national ID registry's answer,
 * asked by the server through its adapter.
 */
import { ageInYears, isValidIsoDate, type IsoDate } from './dates.ts';
import { compactNumber } from './text.ts';
import { ISO_3166_ALPHA2 } from './countries.ts';

export const ID_TYPES = ['nid', 'birth_registration', 'passport'] as const;
export type IdType = (typeof ID_TYPES)[number];

export function isIdType(s: string): s is IdType {
  return (ID_TYPES as readonly string[]).includes(s);
}

/** One accepted length of an all-digit number, and whether its last digit is a check digit. */
export interface DigitNumberFormat {
  readonly length: number;
  readonly check: 'luhn' | 'none';
}

/** Ages (in completed years, on the day of registration) at which a document may be used. */
export interface AgeLimits {
  readonly minAgeYears?: number;
  readonly maxAgeYears?: number;
}

export interface IdRules {
  /** The country that issues NIDs and birth registration numbers: their holders' nationality. */
  readonly issuingCountry: string;
  readonly nid: { readonly formats: readonly DigitNumberFormat[] } & AgeLimits;
  readonly birth_registration: { readonly formats: readonly DigitNumberFormat[] } & AgeLimits;
  /** `pattern` is a regular expression source matched against the whole normalised number. */
  readonly passport: { readonly pattern: string } & AgeLimits;
}

/**
 * Bangladesh. NIDs have 10 digits (smart card), 13 digits (older laminated card) or 17 digits (the
 * 13-digit number prefixed with the year of birth). The Luhn check on the 10-digit number is the
 * demo registry's rule (its generated NIDs end in a Luhn check digit); a deployment against the
 * real registry sets `check` to whatever the issuer publishes, or 'none'.
 *
 * Birth registration numbers (17 digits) are for children of 12 and over who have no NID yet.
 * The 17 upper limit reflects the campaign's first policy; removing `maxAgeYears` lets adults
 * without an NID register with their birth registration number.
 */
export const DEFAULT_ID_RULES: IdRules = {
  issuingCountry: 'BD',
  nid: {
    formats: [
      { length: 10, check: 'luhn' },
      { length: 13, check: 'none' },
      { length: 17, check: 'none' },
    ],
  },
  birth_registration: { formats: [{ length: 17, check: 'none' }], minAgeYears: 12, maxAgeYears: 17 },
  passport: { pattern: '^[A-Z0-9]{6,9}$' },
};

export type IdDocumentErrorCode =
  'invalid_format' | 'invalid_check_digit' | 'wrong_age_for_document' | 'nationality_required';

/** The form field a message belongs beside. */
export type IdDocumentField = 'idNumber' | 'dateOfBirth' | 'nationality';

export type IdDocumentResult =
  | {
      ok: true;
      /** The number as stored and compared (blind index): see `normaliseIdNumber`. */
      normalised: string;
      /** ISO 3166-1 alpha-2: the passport's country, or `rules.issuingCountry` for national documents. */
      nationality: string;
    }
  | { ok: false; code: IdDocumentErrorCode; message: string; field: IdDocumentField };

export interface IdDocumentContext {
  dateOfBirth: IsoDate;
  /** The registration day in the country's calendar. */
  today: IsoDate;
  /** ISO 3166-1 alpha-2 country that issued the passport; ignored for national documents. */
  nationality?: string | null;
}

const DOCUMENT_NAMES: Record<IdType, string> = {
  nid: 'national ID number',
  birth_registration: 'birth registration number',
  passport: 'passport number',
};

/**
 * The canonical form of an ID number, the one that is stored, looked up and de-duplicated:
 * Bengali digits become ASCII digits; spaces, hyphens and dashes go; passport letters are
 * upper-cased (passports print them in capitals; people type them either way).
 */
export function normaliseIdNumber(type: IdType, raw: string): string {
  const compact = compactNumber(raw);
  switch (type) {
    case 'passport':
      return compact.toUpperCase();
    case 'nid':
    case 'birth_registration':
      return compact;
  }
}

/** The Luhn (mod 10) check digit for a string of digits: the digit to append. */
export function luhnCheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) throw new RangeError('luhnCheckDigit needs a non-empty string of digits');
  // The payload's last digit is doubled, because the check digit will sit to its right.
  return (10 - (luhnSum(digits, true) % 10)) % 10;
}

/** True when `number` is at least two digits and its last digit is the Luhn check digit of the rest. */
export function isValidLuhn(number: string): boolean {
  return /^\d{2,}$/.test(number) && luhnSum(number, false) % 10 === 0;
}

function luhnSum(digits: string, doubleLast: boolean): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === (doubleLast ? 0 : 1)) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum;
}

/**
 * Checks an identity document number against the rules and the person's age, and says what is
 * wrong in words the person understands. The first problem found is reported, in the order a
 * person fixes a form: the number, then the passport's country, then the date of birth.
 *
 * `number` may be raw input: it is normalised first, and the normalised form is returned.
 * `today` must be a calendar date (a programming error otherwise); `dateOfBirth` is user input.
 */
export function validateIdDocument(
  type: IdType,
  number: string,
  context: IdDocumentContext,
  rules: IdRules = DEFAULT_ID_RULES,
): IdDocumentResult {
  if (!isValidIsoDate(context.today)) throw new RangeError(`today is not a calendar date: ${context.today}`);
  const normalised = normaliseIdNumber(type, number);
  const name = DOCUMENT_NAMES[type];

  if (normalised === '') return idNumberError('invalid_format', `Enter the ${name}.`);

  let nationality: string;
  switch (type) {
    case 'nid':
    case 'birth_registration': {
      const problem = checkDigitNumber(normalised, rules[type].formats, name);
      if (problem) return problem;
      nationality = rules.issuingCountry;
      break;
    }
    case 'passport': {
      if (!new RegExp(`^(?:${rules.passport.pattern})$`).test(normalised)) {
        return idNumberError(
          'invalid_format',
          'This passport number does not look right. Enter it exactly as printed on the photo page of the passport, letters and digits only.',
        );
      }
      const country = (context.nationality ?? '').trim().toUpperCase();
      if (country === '') {
        return {
          ok: false,
          code: 'nationality_required',
          field: 'nationality',
          message: 'Choose the country that issued the passport.',
        };
      }
      if (!isCountryCode(country)) {
        return {
          ok: false,
          code: 'invalid_format',
          field: 'nationality',
          message: 'Choose the country that issued the passport from the list.',
        };
      }
      nationality = country;
      break;
    }
  }

  const dob = context.dateOfBirth.trim();
  if (!isValidIsoDate(dob)) {
    return dateOfBirthError('Enter a real date of birth: day, month and year.');
  }
  if (dob > context.today) return dateOfBirthError('The date of birth cannot be in the future.');

  const limits: AgeLimits = rules[type];
  const age = ageInYears(dob, context.today);
  const tooYoung = limits.minAgeYears !== undefined && age < limits.minAgeYears;
  const tooOld = limits.maxAgeYears !== undefined && age > limits.maxAgeYears;
  if (tooYoung || tooOld) {
    const others = ID_TYPES.filter((t) => t !== type)
      .map((t) =>
        t === 'nid' ? 'a national ID' : t === 'passport' ? 'a passport' : 'a birth registration number',
      )
      .join(' or ');
    return {
      ok: false,
      code: 'wrong_age_for_document',
      field: 'dateOfBirth',
      message: `A ${name} can be used by people ${describeAges(limits)}. Register with ${others} instead, or check the date of birth.`,
    };
  }

  return { ok: true, normalised, nationality };
}

/** True for an ISO 3166-1 alpha-2 code in capitals (including XK, Kosovo, which issues passports). */
export function isCountryCode(s: string): boolean {
  return ISO_3166_ALPHA2.has(s);
}

function checkDigitNumber(
  normalised: string,
  formats: readonly DigitNumberFormat[],
  name: string,
): IdDocumentResult | null {
  const lengths = formats.map((f) => f.length);
  const expected = `${listWithOr(lengths)} digits`;
  if (!/^\d+$/.test(normalised)) {
    return idNumberError('invalid_format', `A ${name} has digits only: ${expected}.`);
  }
  const format = formats.find((f) => f.length === normalised.length);
  if (!format) {
    return idNumberError(
      'invalid_format',
      `A ${name} has ${expected}; this one has ${normalised.length}. Check that no digit is missing or extra.`,
    );
  }
  switch (format.check) {
    case 'luhn':
      if (!isValidLuhn(normalised)) {
        return idNumberError(
          'invalid_check_digit',
          `This ${name} is not valid. Check each digit again: one wrong digit or two digits swapped is the usual cause.`,
        );
      }
      return null;
    case 'none':
      return null;
  }
}

function idNumberError(code: IdDocumentErrorCode, message: string): IdDocumentResult {
  return { ok: false, code, field: 'idNumber', message };
}

/** A date of birth that is not a date is a format problem of that field. */
function dateOfBirthError(message: string): IdDocumentResult {
  return { ok: false, code: 'invalid_format', field: 'dateOfBirth', message };
}

function describeAges({ minAgeYears: min, maxAgeYears: max }: AgeLimits): string {
  if (min !== undefined && max !== undefined) return `aged ${min} to ${max}`;
  if (min !== undefined) return `aged ${min} and over`;
  return `aged up to ${max ?? ''}`;
}

/** [10, 13, 17] -> '10, 13 or 17'. */
function listWithOr(items: readonly (string | number)[]): string {
  const words = items.map(String);
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}
