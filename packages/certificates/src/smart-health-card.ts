/**
 * SMART Health Cards: a FHIR bundle in a JWS (ES256, `zip: "DEF"`: raw DEFLATE, no zlib
 * header), presented as a numeric `shc:/` QR code (several `shc:/i/n/` chunks when long) or as
 * a `.smart-health-card` file.
 *
 * Verification is total like the EU DCC's: every input gets the same checks and stable reasons.
 */
import { deflateSync } from 'fflate';
import { inflateBounded } from './eu-dcc.ts';
import { fromBase64, fromUtf8, ownBytes, toBase64url, utf8 } from './bytes.ts';
import { toShcBundle, type FhirBundle } from './fhir.ts';
import type { VaccinationRecord } from './record.ts';
import type { RevocationIndex } from './revocation.ts';
import type { SigningKey } from './signer-certificates.ts';
import type { TrustStore } from './trust.ts';
import {
  emptyResult,
  finish,
  isDateInFuture,
  type VerificationReason,
  type VerificationResult,
} from './verification.ts';

export const SHC_QR_PREFIX = 'shc:/';
export const SHC_FILE_EXTENSION = '.smart-health-card';
export const SHC_HEALTH_CARD_TYPE = 'https://smarthealth.cards#health-card';
/** The longest JWS one QR code carries (version 22 at error correction L, numeric mode). */
export const SHC_MAX_SINGLE_JWS = 1195;
/** The longest JWS part in a chunk of a multi-part QR code, per the specification. */
export const SHC_MAX_CHUNK_JWS = 1191;
const MAX_INFLATED_BYTES = 256 * 1024;

export interface ShcPayload {
  iss: string;
  nbf: number;
  exp?: number;
  vc: {
    type: string[];
    rid?: string;
    credentialSubject: { fhirVersion: string; fhirBundle: FhirBundle };
  };
}

export interface ShcIssuer {
  readonly iss: string;
  readonly kid: string;
  sign(payload: ShcPayload): Promise<string>;
}

/**
 * An issuer of SMART Health Cards for one key. `iss` is the issuer URL whose
 * `/.well-known/jwks.json` publishes the key (no trailing slash). The header is encoded once.
 */
export function createShcIssuer(iss: string, key: SigningKey): ShcIssuer {
  if (iss.endsWith('/')) throw new TypeError('the SMART Health Card iss has no trailing slash');
  const kid = key.publicJwk.kid;
  const header = toBase64url(utf8(JSON.stringify({ zip: 'DEF', alg: 'ES256', kid })));
  const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
  return {
    iss,
    kid,
    async sign(payload) {
      const body = toBase64url(deflateSync(utf8(JSON.stringify(payload)), { level: 9, mem: 2 }));
      const signingInput = `${header}.${body}`;
      const signature = await crypto.subtle.sign(ecdsa, key.privateKey, utf8(signingInput));
      return `${signingInput}.${toBase64url(new Uint8Array(signature))}`;
    },
  };
}

/** The JWKS an issuer publishes at `<iss>/.well-known/jwks.json`: public keys only. */
export function shcJwks(keys: readonly SigningKey[]): { keys: SigningKey['publicJwk'][] } {
  return { keys: keys.map((k) => ({ ...k.publicJwk })) };
}

export interface ShcValidity {
  /** Not before, seconds since the epoch (the issue time). */
  issuedAt: number;
  /** Optional expiry, seconds since the epoch. */
  expiresAt?: number;
  /** Revocation id (see `shcRevocationId`). */
  rid?: string;
}

/** The JWS payload of a record's SMART Health Card. */
export function toShcPayload(record: VaccinationRecord, iss: string, validity: ShcValidity): ShcPayload {
  return {
    iss,
    nbf: validity.issuedAt,
    ...(validity.expiresAt !== undefined ? { exp: validity.expiresAt } : {}),
    vc: {
      type: [SHC_HEALTH_CARD_TYPE],
      ...(validity.rid ? { rid: validity.rid } : {}),
      credentialSubject: { fhirVersion: '4.0.1', fhirBundle: toShcBundle(record) },
    },
  };
}

/** Signs a record's SMART Health Card: the compact JWS. */
export async function encodeShc(
  record: VaccinationRecord,
  issuer: ShcIssuer,
  validity: ShcValidity,
): Promise<string> {
  return issuer.sign(toShcPayload(record, issuer.iss, validity));
}

/**
 * The QR texts of a JWS: one `shc:/<digits>` when it fits, else `shc:/i/n/<digits>` chunks of
 * balanced size. Each character becomes two digits: its code minus 45.
 */
export function shcQrTexts(jws: string): string[] {
  if (jws.length <= SHC_MAX_SINGLE_JWS) return [SHC_QR_PREFIX + numeric(jws)];
  const count = Math.ceil(jws.length / SHC_MAX_CHUNK_JWS);
  const size = Math.ceil(jws.length / count);
  const out: string[] = [];
  for (let i = 0; i < count; i++)
    out.push(`${SHC_QR_PREFIX}${i + 1}/${count}/${numeric(jws.slice(i * size, (i + 1) * size))}`);
  return out;
}

function numeric(jws: string): string {
  let out = '';
  for (let i = 0; i < jws.length; i++) {
    const v = jws.charCodeAt(i) - 45;
    out += v < 10 ? `0${v}` : `${v}`;
  }
  return out;
}

/** The `.smart-health-card` file holding one or more cards. */
export function shcFile(jwsList: readonly string[]): string {
  return JSON.stringify({ verifiableCredential: jwsList });
}

/**
 * The JWS inside QR texts: one `shc:/...` line, or all the `shc:/i/n/...` chunks of a card in
 * any order. Returns a reason for anything else.
 */
export function jwsFromQrTexts(
  lines: readonly string[],
): { jws: string } | { reason: 'bad_prefix' | 'bad_encoding' | 'incomplete_chunks' } {
  const texts = lines.map((l) => l.trim()).filter(Boolean);
  if (texts.length === 0 || !texts.every((t) => t.toLowerCase().startsWith(SHC_QR_PREFIX)))
    return { reason: 'bad_prefix' };
  const parts: string[] = [];
  let expected = 0;
  for (const text of texts) {
    const m = /^shc:\/(?:(\d+)\/(\d+)\/)?(\d+)$/i.exec(text);
    if (!m) return { reason: 'bad_encoding' };
    const [, index, total, digits] = m as unknown as [string, string | undefined, string | undefined, string];
    const jws = fromNumeric(digits);
    if (jws === undefined) return { reason: 'bad_encoding' };
    if (index === undefined) {
      if (texts.length !== 1) return { reason: 'incomplete_chunks' };
      return { jws };
    }
    const i = Number(index);
    const n = Number(total);
    if (n < 1 || i < 1 || i > n || (expected && n !== expected) || parts[i - 1] !== undefined)
      return { reason: 'incomplete_chunks' };
    expected = n;
    parts[i - 1] = jws;
  }
  for (let i = 0; i < expected; i++) if (parts[i] === undefined) return { reason: 'incomplete_chunks' };
  return { jws: parts.join('') };
}

function fromNumeric(digits: string): string | undefined {
  if (digits.length % 2 !== 0) return undefined;
  let out = '';
  for (let i = 0; i < digits.length; i += 2) {
    const v = Number(digits.slice(i, i + 2));
    if (v > 77) return undefined; // 'z' is 122 = 45 + 77
    out += String.fromCharCode(v + 45);
  }
  return out;
}

export interface DecodedShc {
  header: { alg?: unknown; zip?: unknown; kid?: unknown };
  payload: unknown;
  signingInput: string;
  signature: Uint8Array;
}

const JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/** Decodes a compact JWS of a SMART Health Card without checking anything signed; never throws. */
export function decodeShcJws(jws: string): DecodedShc | 'bad_encoding' | 'bad_compression' | 'bad_payload' {
  const m = JWS.exec(jws);
  if (!m) return 'bad_encoding';
  const [, headerPart, payloadPart, signaturePart] = m as unknown as [string, string, string, string];
  const header = parseJson(fromBase64(headerPart));
  const signature = fromBase64(signaturePart);
  const body = fromBase64(payloadPart);
  if (!isRecord(header) || !signature || !body) return 'bad_encoding';
  let payloadBytes: Uint8Array = body;
  if (header.zip === 'DEF') {
    const inflated = inflateBounded(body, MAX_INFLATED_BYTES, true);
    if (!inflated) return 'bad_compression';
    payloadBytes = inflated;
  } else if (header.zip !== undefined) return 'bad_compression';
  const payload = parseJson(payloadBytes);
  if (!isRecord(payload)) return 'bad_payload';
  return { header, payload, signingInput: `${headerPart}.${payloadPart}`, signature };
}

function parseJson(bytes: Uint8Array | undefined): unknown {
  if (!bytes) return undefined;
  const text = fromUtf8(bytes);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * An issuer is an https URL without a trailing slash. Plain http is accepted for the loopback host
 * only, so that a server on one machine (a demo, a training laptop) can issue and check its own
 * cards; no one else can resolve such an issuer, so no other verifier trusts them.
 */
const SHC_ISSUER = /^(?:https:\/\/\S+[^/]|http:\/\/(?:localhost|127\.0\.0\.1)(?::\d{1,5})?(?:\/\S*[^/])?)$/;

/**
 * What is wrong with a SMART Health Card payload's structure: `iss` and numeric `nbf`, the
 * health-card type, FHIR 4.0.1 and a bundle whose entries are `resource:N` resources.
 */
export function shcPayloadProblems(payload: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(payload)) return ['payload is not an object'];
  if (typeof payload.iss !== 'string' || !SHC_ISSUER.test(payload.iss))
    problems.push('iss: an https URL without a trailing slash');
  if (typeof payload.nbf !== 'number') problems.push('nbf: a number');
  if (payload.exp !== undefined && typeof payload.exp !== 'number') problems.push('exp: a number');
  const vc = payload.vc;
  if (!isRecord(vc)) return [...problems, 'vc: an object'];
  if (!Array.isArray(vc.type) || !vc.type.includes(SHC_HEALTH_CARD_TYPE))
    problems.push(`vc.type: includes ${SHC_HEALTH_CARD_TYPE}`);
  if (vc.rid !== undefined && (typeof vc.rid !== 'string' || !/^[A-Za-z0-9_-]{1,24}$/.test(vc.rid)))
    problems.push('vc.rid: base64url, at most 24 characters');
  const subject = vc.credentialSubject;
  if (!isRecord(subject)) return [...problems, 'vc.credentialSubject: an object'];
  if (typeof subject.fhirVersion !== 'string') problems.push('fhirVersion: a string');
  const bundle = subject.fhirBundle;
  if (
    !isRecord(bundle) ||
    bundle.resourceType !== 'Bundle' ||
    !Array.isArray(bundle.entry) ||
    bundle.entry.length === 0
  )
    return [...problems, 'fhirBundle: a Bundle with entries'];
  for (const [i, entry] of (bundle.entry as unknown[]).entries()) {
    if (!isRecord(entry) || typeof entry.fullUrl !== 'string' || !/^resource:\d+$/.test(entry.fullUrl))
      problems.push(`entry ${i}: fullUrl resource:N`);
    else if (!isRecord(entry.resource) || typeof entry.resource.resourceType !== 'string')
      problems.push(`entry ${i}: a resource`);
  }
  return problems;
}

function immunizationDates(payload: unknown): unknown[] {
  const vc = isRecord(payload) ? payload.vc : undefined;
  const subject = isRecord(vc) ? vc.credentialSubject : undefined;
  const bundle = isRecord(subject) ? subject.fhirBundle : undefined;
  const entries = isRecord(bundle) && Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
  const dates: unknown[] = [];
  for (const entry of entries) {
    const resource = isRecord(entry) ? entry.resource : undefined;
    if (isRecord(resource) && resource.resourceType === 'Immunization')
      dates.push(resource.occurrenceDateTime);
  }
  return dates;
}

export interface ShcVerifyOptions {
  trust: TrustStore;
  now: Date;
  revocations?: RevocationIndex;
}

/** Verifies a compact JWS of a SMART Health Card. */
export async function verifyShcJws(jws: string, options: ShcVerifyOptions): Promise<VerificationResult> {
  const result = emptyResult('smart-health-card');
  const decoded = decodeShcJws(jws);
  if (typeof decoded === 'string') return fail(result, decoded);
  const { header, payload, signingInput, signature } = decoded;
  const p = payload as Record<string, unknown>;
  result.decoded = true;
  result.payload = payload;
  const iss = typeof p.iss === 'string' ? p.iss : undefined;
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const nbf = typeof p.nbf === 'number' ? p.nbf : undefined;
  const exp = typeof p.exp === 'number' ? p.exp : undefined;
  if (iss !== undefined) result.issuer = iss;
  if (kid !== undefined) result.kid = kid;
  if (nbf !== undefined) result.issuedAt = nbf;
  if (exp !== undefined) result.expiresAt = exp;

  const jwk = iss !== undefined && kid !== undefined ? options.trust.shcJwk(iss, kid) : undefined;
  if (!jwk || iss === undefined || kid === undefined) result.reasons.push('unknown_key');
  else {
    result.trusted = true;
    result.keyUsage =
      (jwk.use === undefined || jwk.use === 'sig') && (jwk.alg === undefined || jwk.alg === 'ES256');
    if (!result.keyUsage) result.reasons.push('wrong_key_usage');
    const key = await options.trust.shcKey(iss, kid);
    if (header.alg !== 'ES256' || !key) result.reasons.push('unsupported_algorithm');
    else {
      try {
        result.signature =
          signature.length === 64 &&
          (await crypto.subtle.verify(
            { name: 'ECDSA', hash: 'SHA-256' },
            key,
            ownBytes(signature),
            utf8(signingInput),
          ));
      } catch {
        result.signature = false;
      }
      if (!result.signature) result.reasons.push('bad_signature');
    }
  }

  const clock = options.now.getTime() / 1000;
  result.notExpired = true;
  if (nbf === undefined || nbf > clock) {
    result.notExpired = false;
    result.reasons.push('not_yet_valid');
  }
  if (exp !== undefined && clock > exp) {
    result.notExpired = false;
    result.reasons.push('expired');
  }

  if (immunizationDates(payload).some((d) => isDateInFuture(d, options.now))) {
    result.notExpired = false;
    result.reasons.push('dated_in_future');
  }

  const vc = p.vc as Record<string, unknown> | undefined;
  const rid = typeof vc?.rid === 'string' ? vc.rid : undefined;
  result.notRevoked = !(iss && kid && options.revocations?.isShcRevoked(iss, kid, rid, nbf));
  if (!result.notRevoked) result.reasons.push('revoked');

  result.schema = shcPayloadProblems(payload).length === 0;
  if (!result.schema) result.reasons.push('schema_invalid');
  return finish(result);
}

/**
 * Verifies a SMART Health Card presented as QR text (one `shc:/` line or its chunks, one per
 * line), as a bare JWS, or as a `.smart-health-card` file (its first card).
 */
export async function verifyShc(text: string, options: ShcVerifyOptions): Promise<VerificationResult> {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  let jws: string;
  if (trimmed.toLowerCase().startsWith(SHC_QR_PREFIX)) {
    const assembled = jwsFromQrTexts(trimmed.split(/\r?\n/));
    if ('reason' in assembled) return fail(emptyResult('smart-health-card'), assembled.reason);
    jws = assembled.jws;
  } else if (trimmed.startsWith('{')) {
    const file = parseJson(utf8(trimmed));
    const credentials: unknown = isRecord(file) ? file.verifiableCredential : undefined;
    const first: unknown = Array.isArray(credentials) ? (credentials as unknown[])[0] : undefined;
    if (typeof first !== 'string') return fail(emptyResult('smart-health-card'), 'bad_encoding');
    jws = first;
  } else jws = trimmed;
  return verifyShcJws(jws, options);
}

function fail(result: VerificationResult, reason: VerificationReason): VerificationResult {
  result.reasons.push(reason);
  return finish(result);
}
