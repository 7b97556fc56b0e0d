import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_ID_RULES,
  isValidLuhn,
  luhnCheckDigit,
  normaliseIdNumber,
  validateIdDocument,
  type IdRules,
} from '../src/index.ts';

const today = '2026-05-01';
const adult = { dateOfBirth: '1990-07-15', today };

/*
 * Hand-computed Luhn examples. From the right, every second digit of the payload starting with its
 * last one is doubled (and 9 subtracted when that gives more than 9); the check digit brings the
 * sum to a multiple of 10.
 * - '7992739871' -> 3: the textbook example (79927398713).
 * - '123456789' -> 7: doubled 9,7,5,3,1 give 9,5,1,6,2; the others 8,6,4,2; the sum is 43.
 * - '100000000' -> 8: only the 1 is doubled (2).
 */
const VALID_NID = '1234567897';

describe('Luhn', () => {
  it('computes the check digit', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(luhnCheckDigit('123456789')).toBe(7);
    expect(luhnCheckDigit('100000000')).toBe(8);
  });

  it('validates whole numbers', () => {
    expect(isValidLuhn('79927398713')).toBe(true);
    expect(isValidLuhn('79927398710')).toBe(false);
    expect(isValidLuhn(VALID_NID)).toBe(true);
    expect(isValidLuhn('1000000008')).toBe(true);
    expect(isValidLuhn('1000000003')).toBe(false);
    expect(isValidLuhn('4111111111111111')).toBe(true);
    expect(isValidLuhn('0')).toBe(false); // a check digit needs something to check
    expect(isValidLuhn('12345-6789')).toBe(false);
  });

  it('misses the 09 <-> 90 swap, as the algorithm is known to', () => {
    // Payload '09': the 9 is doubled (18 -> 9), so the check digit is 1. Swapped, the 9 is not doubled
    // and the 0 is: the sum is 10 either way.
    expect(isValidLuhn('091')).toBe(true);
    expect(isValidLuhn('901')).toBe(true);
  });

  const payload = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 30 });
  const validNumber = payload.map((p) => p + String(luhnCheckDigit(p)));

  it('accepts every payload followed by its check digit', () => {
    fc.assert(
      fc.property(validNumber, (n) => {
        expect(isValidLuhn(n)).toBe(true);
      }),
    );
  });

  it('rejects any single changed digit', () => {
    fc.assert(
      fc.property(validNumber, fc.nat(), fc.integer({ min: 1, max: 9 }), (n, at, shift) => {
        const i = at % n.length;
        const changed = String((Number(n[i]) + shift) % 10);
        expect(isValidLuhn(n.slice(0, i) + changed + n.slice(i + 1))).toBe(false);
      }),
    );
  });

  it('rejects any swap of two different adjacent digits, except 0 and 9', () => {
    fc.assert(
      fc.property(validNumber, fc.nat(), (n, at) => {
        fc.pre(n.length >= 2);
        const i = at % (n.length - 1);
        const a = n[i]!;
        const b = n[i + 1]!;
        fc.pre(a !== b && !(a + b === '09' || a + b === '90'));
        expect(isValidLuhn(n.slice(0, i) + b + a + n.slice(i + 2))).toBe(false);
      }),
    );
  });
});

describe('normaliseIdNumber', () => {
  it('removes spaces and dashes, reads Bengali digits, and upper-cases passports', () => {
    expect(normaliseIdNumber('nid', ' 123 456-7897 ')).toBe(VALID_NID);
    expect(normaliseIdNumber('nid', '১২৩৪৫৬৭৮৯৭')).toBe(VALID_NID);
    expect(normaliseIdNumber('birth_registration', '2012–2691–0123–45678')).toBe('20122691012345678');
    expect(normaliseIdNumber('passport', 'eb 012 3456')).toBe('EB0123456');
  });

  it('is idempotent', () => {
    const unit = fc.oneof(
      fc.constantFrom(' ', '-', '\u2013', '\u00a0', '০', '৭', 'a', 'Z'),
      fc.string({ maxLength: 1 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('nid', 'birth_registration', 'passport' as const),
        fc.string({ unit }),
        (type, raw) => {
          const once = normaliseIdNumber(type, raw);
          expect(normaliseIdNumber(type, once)).toBe(once);
        },
      ),
    );
  });
});

describe('validateIdDocument: national ID', () => {
  it('accepts a 10-digit NID with its check digit, as typed', () => {
    expect(validateIdDocument('nid', '123-456-7897', adult)).toEqual({
      ok: true,
      normalised: VALID_NID,
      nationality: 'BD',
    });
  });

  it('catches a typo in a 10-digit NID by its check digit', () => {
    expect(validateIdDocument('nid', '1234567987', adult)).toMatchObject({
      ok: false,
      code: 'invalid_check_digit',
      field: 'idNumber',
    });
  });

  it('accepts 13 and 17 digits without a check digit', () => {
    expect(validateIdDocument('nid', '1234567890123', adult).ok).toBe(true);
    expect(validateIdDocument('nid', '19901234567890123', adult).ok).toBe(true);
  });

  it('says how many digits an NID has and how many were typed', () => {
    const result = validateIdDocument('nid', '12345678901', adult);
    expect(result).toMatchObject({ ok: false, code: 'invalid_format', field: 'idNumber' });
    expect(result.ok || result.message).toContain('10, 13 or 17 digits; this one has 11');
  });

  it('refuses letters and empty input', () => {
    expect(validateIdDocument('nid', '12345678O7', adult)).toMatchObject({ code: 'invalid_format' });
    expect(validateIdDocument('nid', '  ', adult)).toMatchObject({
      code: 'invalid_format',
      field: 'idNumber',
    });
  });

  it('accepts every generated 10-digit NID', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), (n) => {
        const body = String(n).padStart(9, '0');
        const nid = body + String(luhnCheckDigit(body));
        expect(validateIdDocument('nid', nid, adult)).toEqual({
          ok: true,
          normalised: nid,
          nationality: 'BD',
        });
      }),
    );
  });
});

describe('validateIdDocument: birth registration', () => {
  const brn = '20122691012345678';

  it('is for children of 12 to 17, birthdays included', () => {
    expect(validateIdDocument('birth_registration', brn, { dateOfBirth: '2011-03-10', today }).ok).toBe(true);
    expect(validateIdDocument('birth_registration', brn, { dateOfBirth: '2014-05-01', today }).ok).toBe(true); // 12 today
    expect(validateIdDocument('birth_registration', brn, { dateOfBirth: '2008-05-02', today }).ok).toBe(true); // 17, 18 tomorrow
  });

  it('is refused outside those ages, pointing at the date of birth', () => {
    for (const dateOfBirth of ['2014-05-02', '2008-05-01', '1990-07-15']) {
      const result = validateIdDocument('birth_registration', brn, { dateOfBirth, today });
      expect(result).toMatchObject({ ok: false, code: 'wrong_age_for_document', field: 'dateOfBirth' });
      expect(result.ok || result.message).toContain('aged 12 to 17');
    }
  });

  it('is open to adults when the rules drop the upper age', () => {
    const rules: IdRules = {
      ...DEFAULT_ID_RULES,
      birth_registration: { formats: [{ length: 17, check: 'none' }], minAgeYears: 12 },
    };
    expect(validateIdDocument('birth_registration', brn, adult, rules).ok).toBe(true);
  });

  it('has 17 digits', () => {
    expect(validateIdDocument('birth_registration', '2012269101234567', adult)).toMatchObject({
      code: 'invalid_format',
      field: 'idNumber',
    });
  });
});

describe('validateIdDocument: passport', () => {
  it('needs the issuing country, and returns it as the nationality', () => {
    expect(validateIdDocument('passport', 'eb0123456', { ...adult, nationality: ' in ' })).toEqual({
      ok: true,
      normalised: 'EB0123456',
      nationality: 'IN',
    });
    expect(validateIdDocument('passport', 'EB0123456', { ...adult, nationality: 'BD' }).ok).toBe(true);
    expect(validateIdDocument('passport', 'EB0123456', adult)).toMatchObject({
      code: 'nationality_required',
      field: 'nationality',
    });
    expect(validateIdDocument('passport', 'EB0123456', { ...adult, nationality: null })).toMatchObject({
      code: 'nationality_required',
    });
  });

  it('refuses a country code that does not exist', () => {
    for (const nationality of ['XX', 'BGD', 'Bangladesh']) {
      expect(validateIdDocument('passport', 'EB0123456', { ...adult, nationality })).toMatchObject({
        code: 'invalid_format',
        field: 'nationality',
      });
    }
  });

  it('follows the configured pattern, matched against the whole number', () => {
    expect(validateIdDocument('passport', 'A123', { ...adult, nationality: 'GB' })).toMatchObject({
      code: 'invalid_format',
      field: 'idNumber',
    });
    const rules: IdRules = { ...DEFAULT_ID_RULES, passport: { pattern: '[A-Z]\\d{7}' } };
    expect(validateIdDocument('passport', 'A1234567', { ...adult, nationality: 'GB' }, rules).ok).toBe(true);
    expect(validateIdDocument('passport', 'XA1234567', { ...adult, nationality: 'GB' }, rules).ok).toBe(
      false,
    );
  });
});

describe('validateIdDocument: date of birth', () => {
  it('must be a real date, not in the future', () => {
    expect(validateIdDocument('nid', VALID_NID, { dateOfBirth: '1990-02-30', today })).toMatchObject({
      code: 'invalid_format',
      field: 'dateOfBirth',
    });
    expect(validateIdDocument('nid', VALID_NID, { dateOfBirth: '2026-05-02', today })).toMatchObject({
      code: 'invalid_format',
      field: 'dateOfBirth',
    });
  });

  it('is checked after the number: the number is the first thing to fix', () => {
    expect(validateIdDocument('nid', '123', { dateOfBirth: 'yesterday', today })).toMatchObject({
      field: 'idNumber',
    });
  });

  it('needs a real today from the caller', () => {
    expect(() =>
      validateIdDocument('nid', VALID_NID, { dateOfBirth: '1990-01-01', today: '2026-5-1' }),
    ).toThrow(RangeError);
  });
});
