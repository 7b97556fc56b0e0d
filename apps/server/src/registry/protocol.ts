import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/**
 * Wire protocol between the registry client and a registry (the simulator speaks it; a gateway
 * in front of a real registry would too):
 *
 *   POST {base}/v1/verify   { idType, number, dateOfBirth }
 *     200 { result: 'matched', person: { nameEn, nameBn, dateOfBirth, gender, areaCode } }
 *     200 { result: 'not_found' }
 *     200 { result: 'mismatch', field: 'date_of_birth' }
 *     400 malformed request, 401/403 bad credentials, 503 registry down
 *
 * POST rather than GET so that identity numbers and dates of birth travel in the body and never
 * end up in URLs, proxy access logs or traces. The person is returned only on a full match: a
 * date-of-birth mismatch says which field differs and nothing else.
 */

export const VERIFY_PATH = '/v1/verify';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

export const VerifyRequest = Type.Object(
  {
    idType: Type.Union([Type.Literal('nid'), Type.Literal('birth_registration'), Type.Literal('passport')]),
    number: Type.String({ pattern: '^[A-Za-z0-9]{1,32}$' }),
    dateOfBirth: IsoDate,
  },
  { additionalProperties: false },
);
export type VerifyRequest = Static<typeof VerifyRequest>;

export const WirePerson = Type.Object({
  nameEn: Type.String(),
  nameBn: Type.String(),
  dateOfBirth: IsoDate,
  gender: Type.Union([Type.Literal('female'), Type.Literal('male'), Type.Literal('third_gender')]),
  areaCode: Type.String(),
});

export const VerifyResponse = Type.Union([
  Type.Object({ result: Type.Literal('matched'), person: WirePerson }),
  Type.Object({ result: Type.Literal('not_found') }),
  Type.Object({ result: Type.Literal('mismatch'), field: Type.Literal('date_of_birth') }),
]);
export type VerifyResponse = Static<typeof VerifyResponse>;

/** Compiled once: both sides check every message, and the simulator does it per request. */
export const verifyRequestCheck = TypeCompiler.Compile(VerifyRequest);
export const verifyResponseCheck = TypeCompiler.Compile(VerifyResponse);
