/**
 * The native certificate QR for domestic use: `DWV1:` + base45 of a COSE_Sign1 (ES256) over
 * CWT claims, signed by the same document signer (and named by the same kid) as the EU DCC.
 *
 * Why COSE and not a JWS like the vaccination card (`DWC1:`): a certificate is scanned at
 * gates and counters on cheap phones, so the QR must be small and coarse. CBOR with integer
 * keys and a raw 64-byte signature, in base45 (QR alphanumeric mode, 5.5 bits a character),
 * takes less than half the QR code bits of base64url JSON in byte mode for the same claims,
 * which means a lower QR version and bigger modules. It also reuses the EU DCC machinery
 * whole: one COSE verifier, one trust list of DSCs, one revocation list, one key usage rule.
 * No compression: the payload is a hundred-odd bytes, where deflate saves little and costs time.
 *
 * Claims (CWT, RFC 8392): 1 `iss` (issuing country), 6 `iat`, 4 `exp`, 7 `cti` (the certificate
 * id as UTF-8), and under the private claim -65537 the minimum a verifier shows: names, birth
 * date, brand (ICD-11), dose number, total doses, date, country, version.
 */
import { decodeBase45, encodeBase45 } from './base45.ts';
import { fromBase64, fromUtf8, utf8 } from './bytes.ts';
import { CborError, decodeCbor, encodeCbor, type CborValue } from './cbor.ts';
import { createCoseSigner, parseCoseSign1, type CoseSigner } from './cose.ts';
import { checkCoseSignature, checkValidityWindow } from './eu-dcc.ts';
import { assertRecord, type VaccinationRecord } from './record.ts';
import type { RevocationIndex } from './revocation.ts';
import type { TrustStore } from './trust.ts';
import { emptyResult, finish, isDateInFuture, type VerificationResult } from './verification.ts';

export const NATIVE_PREFIX = 'DWV1:';
const CLAIM_ISS = 1;
const CLAIM_EXP = 4;
const CLAIM_IAT = 6;
const CLAIM_CTI = 7;
const CLAIM_VACCINATION = -65537;

/** The vaccination claim, decoded. Short keys keep the QR small; these names are for code. */
export interface NativeVaccination {
  familyName?: string;
  givenName?: string;
  birthDate: string;
  /** ICD-11 brand code. */
  brand: string;
  doseNumber: number;
  totalDoses?: number;
  date: string;
  country: string;
  version: number;
}

const KEYS = {
  familyName: 1,
  givenName: 2,
  birthDate: 3,
  brand: 4,
  doseNumber: 5,
  totalDoses: 6,
  date: 7,
  country: 8,
  version: 9,
} as const satisfies Record<keyof NativeVaccination, number>;

export interface NativeCertificateClaims {
  issuer: string;
  certificateId: string;
  issuedAt: number;
  expiresAt: number;
  vaccination: NativeVaccination;
}

export interface NativeIssuer {
  readonly kid: string;
  readonly country: string;
  readonly signer: CoseSigner;
}

/** An issuer of native certificates for one DSC (`kid` in base64, as for the EU DCC). */
export function createNativeIssuer(privateKey: CryptoKey, kid: string, country: string): NativeIssuer {
  const kidBytes = fromBase64(kid);
  if (!kidBytes || kidBytes.length !== 8) throw new TypeError('a DSC kid is 8 bytes, base64');
  return { kid, country, signer: createCoseSigner(privateKey, kidBytes) };
}

export function toNativeVaccination(record: VaccinationRecord): NativeVaccination {
  assertRecord(record);
  const { person: p, vaccination: v, certificate: c } = record;
  return {
    ...(p.familyName ? { familyName: p.familyName } : {}),
    ...(p.givenName ? { givenName: p.givenName } : {}),
    birthDate: p.birthDate,
    brand: v.brand,
    doseNumber: v.doseNumber,
    ...(v.totalDoses !== undefined ? { totalDoses: v.totalDoses } : {}),
    date: v.date,
    country: v.country,
    version: c.version,
  };
}

/** Encodes a record's native certificate QR text. */
export async function encodeNativeCertificate(
  record: VaccinationRecord,
  issuer: NativeIssuer,
  validity: { issuedAt: number; expiresAt: number },
): Promise<string> {
  const vaccination = toNativeVaccination(record);
  const claim = new Map<CborValue, CborValue>();
  for (const [name, key] of Object.entries(KEYS) as [keyof NativeVaccination, number][]) {
    const value = vaccination[name];
    if (value !== undefined) claim.set(key, value);
  }
  const claims = new Map<CborValue, CborValue>([
    [CLAIM_ISS, issuer.country],
    [CLAIM_IAT, Math.floor(validity.issuedAt)],
    [CLAIM_EXP, Math.floor(validity.expiresAt)],
    [CLAIM_CTI, utf8(record.certificate.id)],
    [CLAIM_VACCINATION, claim],
  ]);
  return NATIVE_PREFIX + encodeBase45(await issuer.signer.sign(encodeCbor(claims)));
}

function readClaims(payload: Uint8Array): NativeCertificateClaims | undefined {
  let claims: CborValue;
  try {
    claims = decodeCbor(payload);
  } catch (e) {
    if (e instanceof CborError) return undefined;
    throw e;
  }
  if (!(claims instanceof Map)) return undefined;
  const iss = claims.get(CLAIM_ISS);
  const iat = claims.get(CLAIM_IAT);
  const exp = claims.get(CLAIM_EXP);
  const cti = claims.get(CLAIM_CTI);
  const claim = claims.get(CLAIM_VACCINATION);
  const certificateId = cti instanceof Uint8Array ? fromUtf8(cti) : undefined;
  if (typeof iss !== 'string' || typeof iat !== 'number' || typeof exp !== 'number' || !certificateId)
    return undefined;
  if (!(claim instanceof Map)) return undefined;
  const vaccination: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(KEYS)) if (claim.has(key)) vaccination[name] = claim.get(key);
  return {
    issuer: iss,
    certificateId,
    issuedAt: iat,
    expiresAt: exp,
    vaccination: vaccination as unknown as NativeVaccination,
  };
}

/** What is wrong with the vaccination claim's structure; empty when none. */
export function nativeVaccinationProblems(v: NativeVaccination): string[] {
  const problems: string[] = [];
  const text = (x: unknown) => typeof x === 'string' && x.length > 0;
  const whole = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 1;
  if (!text(v.familyName) && !text(v.givenName)) problems.push('a name');
  if (v.familyName !== undefined && !text(v.familyName)) problems.push('familyName: text');
  if (v.givenName !== undefined && !text(v.givenName)) problems.push('givenName: text');
  if (typeof v.birthDate !== 'string' || !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(v.birthDate))
    problems.push('birthDate');
  if (!text(v.brand)) problems.push('brand');
  if (!whole(v.doseNumber)) problems.push('doseNumber');
  if (v.totalDoses !== undefined && !whole(v.totalDoses)) problems.push('totalDoses');
  if (typeof v.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v.date)) problems.push('date');
  if (typeof v.country !== 'string' || !/^[A-Z]{2}$/.test(v.country)) problems.push('country');
  if (!whole(v.version)) problems.push('version');
  return problems;
}

export interface NativeVerifyOptions {
  trust: TrustStore;
  now: Date;
  revocations?: RevocationIndex;
}

/** Verifies a native certificate QR text (`DWV1:`). */
export async function verifyNativeCertificate(
  text: string,
  options: NativeVerifyOptions,
): Promise<VerificationResult> {
  const result = emptyResult('dosewise');
  if (typeof text !== 'string' || !text.startsWith(NATIVE_PREFIX)) {
    result.reasons.push('bad_prefix');
    return finish(result);
  }
  const bytes = decodeBase45(text.slice(NATIVE_PREFIX.length));
  if (!bytes) {
    result.reasons.push('bad_encoding');
    return finish(result);
  }
  const cose = parseCoseSign1(bytes);
  if (typeof cose === 'string') {
    result.reasons.push(cose);
    return finish(result);
  }
  const claims = readClaims(cose.payload);
  if (!claims) {
    result.reasons.push('bad_payload');
    return finish(result);
  }
  result.decoded = true;
  result.payload = claims;
  result.issuer = claims.issuer;
  result.issuedAt = claims.issuedAt;
  result.expiresAt = claims.expiresAt;

  const signer = await checkCoseSignature(cose, options.trust, result);
  result.keyUsage = signer?.allowedTypes.has('v') ?? false;
  if (signer && !result.keyUsage) result.reasons.push('wrong_key_usage');
  checkValidityWindow(claims.issuedAt, claims.expiresAt, options.now, signer, result);
  if (isDateInFuture(claims.vaccination.date, options.now)) {
    result.notExpired = false;
    result.reasons.push('dated_in_future');
  }
  result.notRevoked = !(await options.revocations?.isDccRevoked({
    kid: result.kid ?? '',
    issuer: claims.issuer,
    certificateId: claims.certificateId,
    signature: cose.signature,
    ecdsa: cose.alg === -7 || cose.alg === -35,
  }));
  if (!result.notRevoked) result.reasons.push('revoked');
  result.schema = nativeVaccinationProblems(claims.vaccination).length === 0;
  if (!result.schema) result.reasons.push('schema_invalid');
  return finish(result);
}
