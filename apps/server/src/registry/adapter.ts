/**
 * The national ID registry as the rest of Dosewise sees it: one look-up that checks an identity
 * document number against a date of birth. Registration depends on this interface only; which
 * registry answers (the real one over HTTP, the demo simulator) is decided where it is created.
 */

export type RegistryIdType = 'nid' | 'birth_registration' | 'passport';

export const REGISTRY_ID_TYPES: readonly RegistryIdType[] = ['nid', 'birth_registration', 'passport'];

export type RegistryGender = 'female' | 'male' | 'third_gender';

/** What the registry holds about a person, returned only when number and date of birth both match. */
export interface RegistryPerson {
  nameEn: string;
  nameBn: string;
  /** YYYY-MM-DD. */
  dateOfBirth: string;
  gender: RegistryGender;
  /** Code of the person's union (the smallest area) in the registry. */
  areaCode: string;
}

/**
 * Why the registry could not answer. Callers treat all of them alike (the identity stays
 * unverified, to be checked again later); the reason is for logs and operators.
 * - `timeout`: no answer within the per-call timeout, on every attempt.
 * - `server_error`: the registry answered 5xx on every attempt.
 * - `network_error`: no connection (refused, reset, DNS).
 * - `circuit_open`: recent calls failed, so this one was not sent.
 * - `rejected`: the registry refused the request (4xx: credentials, quota, malformed request).
 * - `bad_response`: the registry answered something outside the protocol.
 */
export type RegistryUnavailableReason =
  'timeout' | 'server_error' | 'network_error' | 'circuit_open' | 'rejected' | 'bad_response';

export type RegistryAnswer =
  | { status: 'matched'; person: RegistryPerson }
  | { status: 'not_found' }
  | { status: 'mismatch'; field: 'date_of_birth' }
  | { status: 'unavailable'; reason: RegistryUnavailableReason };

export interface RegistryAdapter {
  /**
   * Checks an identity document against a date of birth (YYYY-MM-DD). Never rejects for registry
   * trouble: timeouts, errors, an unreachable registry or an open circuit resolve to `unavailable`.
   */
  verify(idType: RegistryIdType, number: string, dateOfBirth: string): Promise<RegistryAnswer>;
}
