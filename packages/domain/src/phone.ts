/**
 * Phone numbers, in E.164 ('+8801712345678') everywhere after input.
 *
 * Policy: the phone receives the sign-in code and the appointment SMS, so a Bangladeshi number
 * must be a mobile number: 01 followed by an operator digit 3 to 9 and 8 more digits. People
 * write it as 01712-345678, 8801712345678, +880 1712 345678, 00880..., sometimes in Bengali
 * digits, or drop the leading 0 (1712345678): all of those are the same number. A number from
 * another country must carry its country code (+ or 00), since nothing else says which country
 * it is; beyond that only its length is checked (E.164: 8 to 15 digits), because mobile ranges
 * differ everywhere and the SMS gateway has the last word.
 */
import { compactNumber } from './text.ts';

/** Countries whose numbers may be written without a country code. */
export type PhoneCountry = 'BD';

export type PhoneErrorCode =
  'invalid_characters' | 'invalid_bd_mobile' | 'country_code_required' | 'invalid_length';

export type PhoneResult = { ok: true; e164: string } | { ok: false; code: PhoneErrorCode; message: string };

const BD_MOBILE = /^1[3-9]\d{8}$/;
const BD_EXAMPLE = 'It has 11 digits and starts with 013 to 019, for example 01712 345678.';

/**
 * A phone number typed by a person, as E.164, or why it is not one. Spaces, dashes, dots and
 * brackets are ignored; Bengali digits count. Idempotent: an E.164 result normalises to itself.
 */
export function normalisePhone(raw: string, defaultCountry: PhoneCountry = 'BD'): PhoneResult {
  const compact = compactNumber(raw).replace(/[().]/g, '');
  if (compact === '') return fail('invalid_characters', 'Enter a mobile phone number.');

  const international = /^(?:\+|00)(\d+)$/.exec(compact);
  if (international) {
    const digits = international[1] ?? '';
    if (digits.startsWith('880')) return bangladeshMobile(digits.slice(3));
    if (digits.startsWith('0') || digits.length < 8 || digits.length > 15) {
      return fail(
        'invalid_length',
        'This phone number does not look right. Write + and the country code, then the number: 8 to 15 digits in all.',
      );
    }
    return { ok: true, e164: `+${digits}` };
  }

  if (!/^\d+$/.test(compact)) {
    return fail('invalid_characters', 'A phone number has digits only, with + before the country code.');
  }
  switch (defaultCountry) {
    case 'BD':
      if (compact.startsWith('880')) return bangladeshMobile(compact.slice(3));
      if (compact.startsWith('0')) return bangladeshMobile(compact.slice(1));
      // '1712345678': the leading 0 left out. No number written with its country code looks like
      // this (+1 numbers have 11 digits), so it is safe to read it as Bangladeshi.
      if (BD_MOBILE.test(compact)) return bangladeshMobile(compact);
      return fail(
        'country_code_required',
        `A phone number from outside Bangladesh starts with + and the country code. A Bangladeshi mobile number: ${BD_EXAMPLE}`,
      );
  }
}

/** True for the E.164 form of a Bangladeshi mobile number. */
export function isBangladeshMobile(e164: string): boolean {
  return /^\+880/.test(e164) && BD_MOBILE.test(e164.slice(4));
}

/**
 * `national` is what follows +880 or the trunk 0: '1712345678'. A trunk 0 written after the
 * country code as well ('+880 (0)1712 345678') is forgiven.
 */
function bangladeshMobile(afterCountryCode: string): PhoneResult {
  const national = afterCountryCode.replace(/^0(?=\d{10}$)/, '');
  if (!BD_MOBILE.test(national)) {
    return fail('invalid_bd_mobile', `This is not a Bangladeshi mobile number. ${BD_EXAMPLE}`);
  }
  return { ok: true, e164: `+880${national}` };
}

function fail(code: PhoneErrorCode, message: string): PhoneResult {
  return { ok: false, code, message };
}
