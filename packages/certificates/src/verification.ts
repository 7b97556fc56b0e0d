/**
 * The verification result every format shares: one boolean per check, and the reasons a
 * certificate failed as stable codes a screen or a script can switch on.
 */

export type CertificateFormat = 'eu-dcc' | 'smart-health-card' | 'dosewise' | 'unknown';

export interface VerificationChecks {
  /** The QR text was read all the way to a signed payload. */
  decoded: boolean;
  /** The signature holds under the key the certificate names. */
  signature: boolean;
  /** That key is in the trust list. */
  trusted: boolean;
  /** The key may sign this kind of certificate (EU DCC: the DSC's extended key usage). */
  keyUsage: boolean;
  /** The verification time is inside the certificate's validity (and, EU DCC, the DSC's). */
  notExpired: boolean;
  /** The certificate is not on a revocation list. */
  notRevoked: boolean;
  /** The payload has the structure its format prescribes. */
  schema: boolean;
}

export type VerificationReason =
  | 'unknown_format'
  | 'bad_prefix'
  | 'bad_encoding'
  | 'bad_compression'
  | 'bad_cbor'
  | 'bad_cose'
  | 'bad_payload'
  | 'incomplete_chunks'
  | 'unknown_key'
  | 'unsupported_algorithm'
  | 'bad_signature'
  | 'wrong_key_usage'
  | 'not_yet_valid'
  | 'expired'
  | 'outside_signer_validity'
  | 'dated_in_future'
  | 'revoked'
  | 'schema_invalid'
  | 'schema_unavailable';

export interface VerificationResult extends VerificationChecks {
  format: CertificateFormat;
  valid: boolean;
  reasons: VerificationReason[];
  /** Key id as the certificate names it (EU DCC and native: base64; SMART Health Card: as in the JWS). */
  kid?: string;
  /** Issuer: the CWT `iss` country, or the SMART Health Card `iss` URL. */
  issuer?: string;
  /** Issued at and expires at, seconds since the epoch, when the certificate says. */
  issuedAt?: number;
  expiresAt?: number;
  /** The decoded payload (EU DCC: the `hcert` JSON; SMART Health Card: the JWS payload; native: its claims). */
  payload?: unknown;
}

const LATEST_TIME_ZONE_MS = 14 * 3600 * 1000;

/**
 * Whether a calendar date (`YYYY-MM-DD`, or a date-time whose date part is read) is in the
 * future everywhere on Earth at `now`: a dose dated tomorrow in the easternmost time zone is
 * not yet in the future for a verifier in the west, so the day starts at UTC+14 here.
 */
export function isDateInFuture(date: unknown, now: Date): boolean {
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(date)) return false;
  const start = Date.parse(`${date.slice(0, 10)}T00:00:00Z`) - LATEST_TIME_ZONE_MS;
  return !Number.isNaN(start) && start > now.getTime();
}

/** A result whose checks all start false; the verifier turns them on one by one. */
export function emptyResult(format: CertificateFormat): VerificationResult {
  return {
    format,
    valid: false,
    decoded: false,
    signature: false,
    trusted: false,
    keyUsage: false,
    notExpired: false,
    notRevoked: false,
    schema: false,
    reasons: [],
  };
}

export function finish(result: VerificationResult): VerificationResult {
  result.valid =
    result.decoded &&
    result.signature &&
    result.trusted &&
    result.keyUsage &&
    result.notExpired &&
    result.notRevoked &&
    result.schema &&
    result.reasons.length === 0;
  return result;
}

/** The JSON a verifier prints: the format, the verdict, the checks and the reasons; no personal data. */
export function verificationReport(result: VerificationResult) {
  return {
    format: result.format,
    valid: result.valid,
    decoded: result.decoded,
    signature: result.signature,
    trusted: result.trusted,
    keyUsage: result.keyUsage,
    notExpired: result.notExpired,
    notRevoked: result.notRevoked,
    schema: result.schema,
    reasons: result.reasons,
    ...(result.kid !== undefined ? { kid: result.kid } : {}),
    ...(result.issuer !== undefined ? { issuer: result.issuer } : {}),
  };
}
