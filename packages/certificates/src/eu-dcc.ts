/**
 * EU Digital COVID Certificate (HC1): CWT claims with the `hcert` payload, signed as COSE_Sign1,
 * zlib-compressed, base45-encoded and prefixed `HC1:`.
 *
 * Verification is total: any input gets a result with one boolean per check and stable reasons,
 * never an exception. The order is the order a scanner learns things: prefix, base45, zlib,
 * COSE, claims; then key, signature, key usage, time, revocation and schema.
 */
import { inflateSync, unzlibSync, zlibSync } from 'fflate';
import { decodeBase45, encodeBase45 } from './base45.ts';
import { toBase64, fromBase64 } from './bytes.ts';
import { CborError, CborTag, decodeCbor, encodeCbor, type CborValue } from './cbor.ts';
import {
  createCoseSigner,
  parseCoseSign1,
  verifyCoseSignature,
  type CoseSign1,
  type CoseSigner,
} from './cose.ts';
import type { RevocationIndex } from './revocation.ts';
import type { DccSchemaValidator } from './schema.ts';
import type { DccCertificateType, DocumentSigner } from './signer-certificates.ts';
import type { TrustStore } from './trust.ts';
import { emptyResult, finish, isDateInFuture, type VerificationResult } from './verification.ts';

export const DCC_PREFIX = 'HC1:';
const CLAIM_ISS = 1;
const CLAIM_EXP = 4;
const CLAIM_IAT = 6;
const CLAIM_HCERT = -260;
const HCERT_EU_DCC_V1 = 1;
/** A certificate inflates to a few hundred bytes; anything near this is not one. */
const MAX_INFLATED_BYTES = 64 * 1024;

/** The EU DCC payload (the JSON inside `hcert`), as far as this platform issues it. */
export interface DccPayload {
  ver: string;
  nam: { fn?: string; fnt?: string; gn?: string; gnt?: string };
  dob: string;
  v?: DccVaccination[];
  t?: Record<string, unknown>[];
  r?: Record<string, unknown>[];
}

export interface DccVaccination {
  tg: string;
  vp: string;
  mp: string;
  ma: string;
  dn: number;
  sd: number;
  dt: string;
  co: string;
  is: string;
  ci: string;
}

export interface DccClaims {
  issuer: string | undefined;
  issuedAt: number | undefined;
  expiresAt: number | undefined;
  payload: unknown;
}

export type DccDecodeFailure =
  'bad_prefix' | 'bad_encoding' | 'bad_compression' | 'bad_cbor' | 'bad_cose' | 'bad_payload';

export interface DecodedDcc {
  cose: CoseSign1;
  claims: DccClaims;
}

/** Decodes an `HC1:` text up to its claims without checking anything signed; never throws. */
export function decodeDcc(text: string): DecodedDcc | DccDecodeFailure {
  if (typeof text !== 'string' || !text.startsWith(DCC_PREFIX)) return 'bad_prefix';
  const compressed = decodeBase45(text.slice(DCC_PREFIX.length));
  if (!compressed) return 'bad_encoding';
  const coseBytes = inflateZlib(compressed, MAX_INFLATED_BYTES);
  if (!coseBytes) return 'bad_compression';
  return decodeCoseCwt(coseBytes);
}

/** Decodes a COSE_Sign1 message carrying CWT claims with an `hcert`; never throws. */
export function decodeCoseCwt(coseBytes: Uint8Array): DecodedDcc | 'bad_cbor' | 'bad_cose' | 'bad_payload' {
  const cose = parseCoseSign1(coseBytes);
  if (typeof cose === 'string') return cose;
  let claims: CborValue;
  try {
    claims = decodeCbor(cose.payload);
  } catch (e) {
    if (e instanceof CborError) return 'bad_cbor';
    throw e;
  }
  if (!(claims instanceof Map)) return 'bad_payload';
  const hcert = claims.get(CLAIM_HCERT);
  if (!(hcert instanceof Map) || !hcert.has(HCERT_EU_DCC_V1)) return 'bad_payload';
  const payload = cborToJson(hcert.get(HCERT_EU_DCC_V1));
  if (payload === INVALID_JSON) return 'bad_payload';
  const iss = claims.get(CLAIM_ISS);
  return {
    cose,
    claims: {
      issuer: typeof iss === 'string' ? iss : undefined,
      issuedAt: numericDate(claims.get(CLAIM_IAT)),
      expiresAt: numericDate(claims.get(CLAIM_EXP)),
      payload,
    },
  };
}

function numericDate(v: CborValue): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v instanceof CborTag && v.tag === 1 && typeof v.value === 'number') return v.value;
  return undefined;
}

const INVALID_JSON = Symbol('invalid JSON');

/**
 * CBOR to the JSON data model: string-keyed maps become objects; a standard date/time string
 * (tag 0) becomes its text and an epoch time (tag 1) its number, as the schema expects those
 * fields as strings; anything JSON cannot carry (byte strings, other keys) makes it invalid.
 */
function cborToJson(v: CborValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : INVALID_JSON;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const item of v) {
      const j = cborToJson(item);
      if (j === INVALID_JSON) return INVALID_JSON;
      out.push(j);
    }
    return out;
  }
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of v) {
      if (typeof key !== 'string') return INVALID_JSON;
      const j = cborToJson(item);
      if (j === INVALID_JSON) return INVALID_JSON;
      Object.defineProperty(out, key, { value: j, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (v instanceof CborTag && (v.tag === 0 || v.tag === 1)) return cborToJson(v.value);
  return INVALID_JSON;
}

/**
 * One output buffer for every inflate: allocating and growing the output is most of what
 * inflating a few hundred bytes costs. Inflating is synchronous and the result is copied out,
 * so concurrent verifications never share it.
 */
let inflateBuffer: Uint8Array | undefined;

/**
 * Inflates zlib (RFC 1950) or, with `raw`, bare DEFLATE (RFC 1951) data of at most `maxBytes`;
 * `undefined` for anything that is not a whole stream within that bound.
 */
export function inflateBounded(data: Uint8Array, maxBytes: number, raw = false): Uint8Array | undefined {
  if (!raw) {
    // zlib header: deflate method, a window of at most 32K, the header checksum.
    if (
      data.length < 6 ||
      (data[0]! & 0x0f) !== 8 ||
      data[0]! >> 4 > 7 ||
      ((data[0]! << 8) | data[1]!) % 31 !== 0
    )
      return undefined;
  }
  if (!inflateBuffer || inflateBuffer.length < maxBytes + 1) inflateBuffer = new Uint8Array(maxBytes + 1);
  const out = inflateBuffer.subarray(0, maxBytes + 1);
  let inflated: Uint8Array;
  try {
    inflated = raw ? inflateSync(data, { out }) : unzlibSync(data, { out });
  } catch {
    return undefined;
  }
  // A full buffer means the stream goes on past the bound.
  if (inflated.length > maxBytes) return undefined;
  return inflated.slice();
}

/** zlib inflate with an output bound; `undefined` for anything that is not a whole zlib stream. */
export function inflateZlib(data: Uint8Array, maxBytes: number): Uint8Array | undefined {
  return inflateBounded(data, maxBytes);
}

export interface DccVerifyOptions {
  trust: TrustStore;
  /** The verifier's clock. */
  now: Date;
  revocations?: RevocationIndex;
  /** Without a schema validator the `schema` check fails with `schema_unavailable`. */
  schema?: DccSchemaValidator;
}

/** Verifies an `HC1:` text. */
export async function verifyDcc(text: string, options: DccVerifyOptions): Promise<VerificationResult> {
  const result = emptyResult('eu-dcc');
  const decoded = decodeDcc(text);
  if (typeof decoded === 'string') {
    result.reasons.push(decoded);
    return finish(result);
  }
  const { cose, claims } = decoded;
  result.decoded = true;
  result.payload = claims.payload;
  if (claims.issuer !== undefined) result.issuer = claims.issuer;
  if (claims.issuedAt !== undefined) result.issuedAt = claims.issuedAt;
  if (claims.expiresAt !== undefined) result.expiresAt = claims.expiresAt;

  const signer = await checkCoseSignature(cose, options.trust, result);
  const types = certificateTypes(claims.payload);
  result.keyUsage =
    signer !== undefined && types.length > 0 && types.every((t) => signer.allowedTypes.has(t));
  if (signer && !result.keyUsage) result.reasons.push('wrong_key_usage');
  checkValidityWindow(claims.issuedAt, claims.expiresAt, options.now, signer, result);
  if (eventDates(claims.payload).some((d) => isDateInFuture(d, options.now))) {
    result.notExpired = false;
    result.reasons.push('dated_in_future');
  }

  const certificateId = firstCertificateId(claims.payload);
  result.notRevoked = !(await options.revocations?.isDccRevoked({
    kid: result.kid ?? '',
    issuer: claims.issuer,
    certificateId,
    signature: cose.signature,
    ecdsa: cose.alg === -7 || cose.alg === -35,
  }));
  if (!result.notRevoked) result.reasons.push('revoked');

  if (!options.schema) result.reasons.push('schema_unavailable');
  else {
    result.schema = options.schema(claims.payload).length === 0;
    if (!result.schema) result.reasons.push('schema_invalid');
  }
  return finish(result);
}

/**
 * Looks the key up and checks the signature, setting `kid`, `trusted` and `signature` on the
 * result; returns the DSC when it is trusted.
 */
export async function checkCoseSignature(
  cose: CoseSign1,
  trust: TrustStore,
  result: VerificationResult,
): Promise<DocumentSigner | undefined> {
  if (!cose.kid) {
    result.reasons.push('unknown_key');
    return undefined;
  }
  result.kid = toBase64(cose.kid);
  const signer = trust.documentSigner(result.kid);
  if (!signer) {
    result.reasons.push('unknown_key');
    return undefined;
  }
  result.trusted = true;
  const key = cose.alg === undefined ? undefined : await trust.dccKey(signer, cose.alg);
  if (!key) {
    result.reasons.push('unsupported_algorithm');
    return signer;
  }
  result.signature = await verifyCoseSignature(cose, key.key, key.verifyAlg);
  if (!result.signature) result.reasons.push('bad_signature');
  return signer;
}

/** The expiry rule: DSC notBefore <= iat <= now <= exp <= DSC notAfter. */
export function checkValidityWindow(
  issuedAt: number | undefined,
  expiresAt: number | undefined,
  now: Date,
  signer: DocumentSigner | undefined,
  result: VerificationResult,
): void {
  const clock = now.getTime() / 1000;
  let ok = true;
  if (issuedAt === undefined || issuedAt > clock) {
    ok = false;
    result.reasons.push('not_yet_valid');
  }
  if (expiresAt === undefined || clock > expiresAt) {
    ok = false;
    result.reasons.push('expired');
  }
  if (signer) {
    const notBefore = signer.notBefore.getTime() / 1000;
    const notAfter = signer.notAfter.getTime() / 1000;
    if (
      (issuedAt !== undefined && issuedAt < notBefore) ||
      (expiresAt !== undefined && expiresAt > notAfter)
    ) {
      ok = false;
      result.reasons.push('outside_signer_validity');
    }
  } else ok = false;
  result.notExpired = ok;
}

function certificateTypes(payload: unknown): DccCertificateType[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const p = payload as Record<string, unknown>;
  return (['v', 't', 'r'] as const).filter((t) => Array.isArray(p[t]) && (p[t] as unknown[]).length > 0);
}

/** The dates of the events a DCC attests: vaccination, sample collection, first positive test. */
function eventDates(payload: unknown): unknown[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const p = payload as Record<string, unknown>;
  const dates: unknown[] = [];
  for (const [type, field] of [
    ['v', 'dt'],
    ['t', 'sc'],
    ['r', 'fr'],
  ] as const) {
    const entries = p[type];
    if (Array.isArray(entries))
      for (const entry of entries as unknown[])
        if (typeof entry === 'object' && entry !== null)
          dates.push((entry as Record<string, unknown>)[field]);
  }
  return dates;
}

function firstCertificateId(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  for (const t of ['v', 't', 'r']) {
    const entries = p[t];
    if (Array.isArray(entries) && entries.length > 0) {
      const ci = (entries[0] as Record<string, unknown> | null)?.ci;
      if (typeof ci === 'string') return ci;
    }
  }
  return undefined;
}

export interface DccIssuer {
  readonly kid: string;
  readonly country: string;
  readonly signer: CoseSigner;
}

/**
 * An issuer of EU DCCs for one DSC: `kid` is the DSC's kid (base64), `country` the CWT `iss`.
 * Create it once and reuse it: the key is not re-imported and the COSE header not re-encoded.
 */
export function createDccIssuer(privateKey: CryptoKey, kid: string, country: string): DccIssuer {
  const kidBytes = fromBase64(kid);
  if (!kidBytes || kidBytes.length !== 8) throw new TypeError('an EU DCC kid is 8 bytes, base64');
  return { kid, country, signer: createCoseSigner(privateKey, kidBytes) };
}

export interface DccValidity {
  /** Issued at, seconds since the epoch. */
  issuedAt: number;
  /** Expires at, seconds since the epoch. */
  expiresAt: number;
}

/** The COSE_Sign1 bytes of a DCC (before zlib and base45). */
export async function signDcc(
  payload: DccPayload,
  issuer: DccIssuer,
  validity: DccValidity,
): Promise<Uint8Array> {
  const claims = new Map<CborValue, CborValue>([
    [CLAIM_ISS, issuer.country],
    [CLAIM_IAT, Math.floor(validity.issuedAt)],
    [CLAIM_EXP, Math.floor(validity.expiresAt)],
    [CLAIM_HCERT, new Map<CborValue, CborValue>([[HCERT_EU_DCC_V1, payload as unknown as CborValue]])],
  ]);
  return issuer.signer.sign(encodeCbor(claims));
}

/** Encodes a DCC as its QR text (`HC1:` + base45 of the zlib-compressed COSE_Sign1). */
export async function encodeDcc(
  payload: DccPayload,
  issuer: DccIssuer,
  validity: DccValidity,
): Promise<string> {
  const cose = await signDcc(payload, issuer, validity);
  return DCC_PREFIX + encodeBase45(zlibSync(cose, { level: 6, mem: 2 }));
}
