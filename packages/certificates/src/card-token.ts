/**
 * The vaccination card token: what the QR code on a person's vaccination card holds, so that a
 * vaccinator's device can read the card offline and trust it was issued by this platform.
 *
 * Format: `DWC1:` + a JWS in compact serialization (RFC 7515), ES256 over P-256, with the smallest
 * protected header that still names its key: `{"alg":"ES256","kid":"<11 chars>"}`. The payload
 * is JSON with short claim names (see `CardClaims`). The prefix lets a scanner tell a card from a
 * certificate (HC1:, shc:/) before it parses anything, and the version digit leaves room for a
 * later, smaller encoding (CBOR/COSE) without guessing.
 *
 * Policy:
 * - A card identifies a person to a vaccinator; it is not a certificate and carries no health
 *   data, only what is needed to find the registration and check the person in front of you
 *   (registration number, person id, English name as on the ID, year of birth).
 * - Keys are named by `kid`, derived from the public key (see `cardKeyId`), so verifiers hold a
 *   key set and cards signed by an older key stay valid while its public key is still published.
 * - Verification never throws on bad input: a scanner shows the reason and moves on.
 * - Pure TypeScript on Web Crypto (through jose): the same code runs in Node and in the browser.
 */
import {
  CompactSign,
  base64url,
  calculateJwkThumbprint,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';

export const CARD_TOKEN_PREFIX = 'DWC1:';

/** The claims a card carries. Short names keep the QR code small. */
export interface CardClaims {
  /** Registration number, as printed on the card. */
  rn: string;
  /** Person id in the registry (a decimal string: database ids may exceed 2^53). */
  pid: string;
  /** English name as on the identity document. */
  n: string;
  /** Year of birth. */
  yb: number;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Optional expiry, seconds since the epoch. */
  exp?: number;
  /** Card version: a re-issued card (a corrected name, say) has a higher version. */
  v: number;
}

export type CardTokenFailure = 'malformed' | 'bad_signature' | 'unknown_key' | 'expired' | 'not_yet_valid';

export type CardTokenResult =
  { valid: true; claims: CardClaims; kid: string } | { valid: false; reason: CardTokenFailure };

export interface VerifyCardTokenOptions {
  /** The verifier's clock; default: now. */
  now?: Date;
  /**
   * Tolerated clock difference in seconds (default 300): vaccinator devices work offline for days
   * and their clocks drift, so a card issued a few minutes "in the future" is not rejected.
   */
  clockToleranceSeconds?: number;
}

export interface CardKey {
  privateJwk: JWK;
  publicJwk: JWK;
  kid: string;
}

const ALG = 'ES256';
const SIGNATURE_BYTES = 64; // ES256 signatures are r || s, 32 bytes each (RFC 7518, 3.4)
const B64URL = /^[A-Za-z0-9_-]+$/;
const DEFAULT_CLOCK_TOLERANCE_S = 300;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The key id of a card signing key: base64url of the first 8 bytes of the key's RFC 7638 SHA-256
 * thumbprint (11 characters). Derived, never chosen, so two keys cannot share an id by accident
 * and a verifier can check that a published key matches its id. 64 bits are plenty to tell a
 * handful of keys apart; this is a name, not a security property (the signature is).
 */
export async function cardKeyId(publicJwk: JWK): Promise<string> {
  const thumbprint = base64url.decode(await calculateJwkThumbprint(publicJwk, 'sha256'));
  return base64url.encode(thumbprint.slice(0, 8));
}

/** A new P-256 signing key pair, both halves as JWK carrying their `kid`. */
export async function generateCardKey(): Promise<CardKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await cardKeyId(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    publicJwk: { ...publicJwk, kid, alg: ALG, use: 'sig' },
    privateJwk: { ...privateJwk, kid, alg: ALG, use: 'sig' },
  };
}

/** Signs a card. Throws a `TypeError` when the claims are not well formed: that is a bug upstream. */
export async function signCardToken(
  claims: CardClaims,
  privateKey: CryptoKey | JWK,
  kid: string,
): Promise<string> {
  if (!isCardClaims(claims)) throw new TypeError('card claims are not well formed');
  if (!kid) throw new TypeError('kid is required');
  // Only the known claims, in a fixed order: nothing unexpected rides along into the QR code.
  const payload: CardClaims = {
    rn: claims.rn,
    pid: claims.pid,
    n: claims.n,
    yb: claims.yb,
    iat: claims.iat,
    v: claims.v,
  };
  if (claims.exp !== undefined) payload.exp = claims.exp;
  const jws = await new CompactSign(textEncoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: ALG, kid })
    .sign(privateKey);
  return CARD_TOKEN_PREFIX + jws;
}

/**
 * Verifies a card token against a key set (public JWKs; each should carry its `kid`, and one
 * that does not is named by `cardKeyId`). Checks, in order: shape, key, signature, claims, time.
 */
export async function verifyCardToken(
  token: string,
  publicKeys: readonly JWK[],
  options: VerifyCardTokenOptions = {},
): Promise<CardTokenResult> {
  const fail = (reason: CardTokenFailure): CardTokenResult => ({ valid: false, reason });
  if (typeof token !== 'string' || !token.startsWith(CARD_TOKEN_PREFIX)) return fail('malformed');
  const jws = token.slice(CARD_TOKEN_PREFIX.length);
  const parts = jws.split('.');
  if (parts.length !== 3) return fail('malformed');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  if (![headerPart, payloadPart, signaturePart].every((p) => B64URL.test(p))) return fail('malformed');

  const header = decodeJson(headerPart);
  if (!isRecord(header) || header.alg !== ALG || typeof header.kid !== 'string' || header.kid === '')
    return fail('malformed');
  if (Object.keys(header).some((k) => k !== 'alg' && k !== 'kid')) return fail('malformed');
  // A cut-off token usually still has three parts; its signature is then the wrong length.
  const signature = decodeBase64url(signaturePart);
  if (!signature || signature.length !== SIGNATURE_BYTES) return fail('malformed');

  const jwk = await findKey(publicKeys, header.kid);
  if (!jwk) return fail('unknown_key');
  let payloadBytes: Uint8Array;
  try {
    const key = await importJWK({ ...jwk, alg: ALG }, ALG);
    ({ payload: payloadBytes } = await compactVerify(jws, key, { algorithms: [ALG] }));
  } catch {
    return fail('bad_signature');
  }

  // Parsed only once the signature holds: nothing unsigned is ever interpreted.
  const claims = decodeJsonBytes(payloadBytes);
  if (!isCardClaims(claims)) return fail('malformed');
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_S;
  if (claims.exp !== undefined && now >= claims.exp + tolerance) return fail('expired');
  if (claims.iat > now + tolerance) return fail('not_yet_valid');
  return { valid: true, claims, kid: header.kid };
}

async function findKey(keys: readonly JWK[], kid: string): Promise<JWK | undefined> {
  for (const jwk of keys) {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') continue;
    if ((jwk.kid ?? (await cardKeyId(jwk))) === kid) return jwk;
  }
  return undefined;
}

function isCardClaims(x: unknown): x is CardClaims {
  if (!isRecord(x)) return false;
  const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
  const whole = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
  return (
    nonEmpty(x.rn) &&
    nonEmpty(x.pid) &&
    nonEmpty(x.n) &&
    whole(x.yb) &&
    whole(x.iat) &&
    (x.exp === undefined || whole(x.exp)) &&
    whole(x.v) &&
    (x.v as number) >= 1
  );
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function decodeBase64url(s: string): Uint8Array | undefined {
  try {
    return base64url.decode(s);
  } catch {
    return undefined;
  }
}

function decodeJson(part: string): unknown {
  const bytes = decodeBase64url(part);
  return bytes ? decodeJsonBytes(bytes) : undefined;
}

function decodeJsonBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(textDecoder.decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}
