import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBangladeshMobile, normalisePhone } from '../src/index.ts';

describe('normalisePhone: Bangladesh', () => {
  it('reads the ways people write one mobile number', () => {
    for (const raw of [
      '01712345678',
      '01712-345678',
      '017 1234 5678',
      '+8801712345678',
      '+880 1712 345678',
      '+88 01712 345678',
      '+880 (0)1712 345678',
      '8801712345678',
      '008801712345678',
      '০১৭১২৩৪৫৬৭৮',
      '1712345678',
    ]) {
      expect(normalisePhone(raw, 'BD'), raw).toEqual({ ok: true, e164: '+8801712345678' });
    }
  });

  it('takes every operator prefix 013 to 019', () => {
    for (const op of '3456789') expect(normalisePhone(`01${op}00000000`, 'BD').ok).toBe(true);
  });

  it('refuses landlines, unused prefixes and wrong lengths', () => {
    for (const raw of ['01212345678', '0171234567', '017123456789', '+880 2 9876543', '029876543']) {
      expect(normalisePhone(raw, 'BD'), raw).toMatchObject({ ok: false, code: 'invalid_bd_mobile' });
    }
  });
});

describe('normalisePhone: other countries', () => {
  it('takes a number with its country code, after + or 00', () => {
    expect(normalisePhone('+44 7911 123456', 'BD')).toEqual({ ok: true, e164: '+447911123456' });
    expect(normalisePhone('0044 7911 123456', 'BD')).toEqual({ ok: true, e164: '+447911123456' });
    expect(normalisePhone('+971 50 123 4567', 'BD')).toEqual({ ok: true, e164: '+971501234567' });
  });

  it('asks for the country code when there is none', () => {
    expect(normalisePhone('447911123456', 'BD')).toMatchObject({ ok: false, code: 'country_code_required' });
    expect(normalisePhone('5551234567', 'BD')).toMatchObject({ ok: false, code: 'country_code_required' });
  });

  it('keeps to the E.164 length of 8 to 15 digits', () => {
    expect(normalisePhone('+1234567', 'BD')).toMatchObject({ ok: false, code: 'invalid_length' });
    expect(normalisePhone('+12345678', 'BD').ok).toBe(true);
    expect(normalisePhone('+123456789012345', 'BD').ok).toBe(true);
    expect(normalisePhone('+1234567890123456', 'BD')).toMatchObject({ ok: false, code: 'invalid_length' });
    expect(normalisePhone('+0123456789', 'BD')).toMatchObject({ ok: false, code: 'invalid_length' });
  });

  it('refuses letters and empty input', () => {
    expect(normalisePhone('', 'BD')).toMatchObject({ ok: false, code: 'invalid_characters' });
    expect(normalisePhone('call me', 'BD')).toMatchObject({ ok: false, code: 'invalid_characters' });
    expect(normalisePhone('+88017l2345678', 'BD')).toMatchObject({ ok: false, code: 'invalid_characters' });
  });
});

describe('isBangladeshMobile', () => {
  it('recognises the E.164 form only', () => {
    expect(isBangladeshMobile('+8801712345678')).toBe(true);
    expect(isBangladeshMobile('01712345678')).toBe(false);
    expect(isBangladeshMobile('+447911123456')).toBe(false);
  });
});

describe('normalisePhone properties', () => {
  const phoneish = fc.string({
    unit: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...'0123456789') },
      { weight: 1, arbitrary: fc.constantFrom('+', ' ', '-', '(', ')', '.', '০', '৮', 'x') },
    ),
    maxLength: 20,
  });
  const bdMobile = fc
    .tuple(fc.integer({ min: 3, max: 9 }), fc.integer({ min: 0, max: 99_999_999 }))
    .map(([op, rest]) => `1${op}${String(rest).padStart(8, '0')}`);

  const international = fc
    .string({ unit: fc.constantFrom(...'0123456789 '), minLength: 8, maxLength: 18 })
    .map((digits) => `+${digits}`);

  it('is idempotent: a normalised number normalises to itself', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          phoneish,
          bdMobile.map((n) => `0${n}`),
          international,
        ),
        (raw) => {
          const once = normalisePhone(raw, 'BD');
          if (once.ok) expect(normalisePhone(once.e164, 'BD')).toEqual(once);
        },
      ),
    );
  });

  it('gives one E.164 number for every way of writing a Bangladeshi mobile', () => {
    fc.assert(
      fc.property(bdMobile, fc.constantFrom('0', '880', '+880', '+88 0', '00880'), (national, lead) => {
        expect(normalisePhone(`${lead}${national}`, 'BD')).toEqual({ ok: true, e164: `+880${national}` });
      }),
    );
  });
});
