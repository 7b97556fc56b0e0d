/**
 * Trust lists: which keys a verifier accepts.
 *
 * The published shape (also the verifier's `--trust` file):
 * `{ "dcc": [{ "kid": "<base64>", "certificate": "<base64 DER>" }], "shc": [{ "iss": "<url>", "jwks": { "keys": [...] } }] }`.
 * EU DCC entries are document signer certificates named by their kid (the native certificate
 * uses the same entries); SMART Health Card entries are issuers with their JWKS.
 *
 * A `TrustStore` parses every certificate once and imports each key once, on first use, then
 * keeps it: verifying a certificate costs a map look-up, not a parse.
 */
import { importJWK, type JWK } from 'jose';
import { ownBytes, toBase64 } from './bytes.ts';
import { webCryptoParams } from './cose.ts';
import { dccKeyId, parseDocumentSigner, type DocumentSigner } from './signer-certificates.ts';

export interface TrustList {
  dcc?: { kid?: string; certificate: string }[];
  shc?: { iss: string; jwks: { keys: JWK[] } }[];
}

/** A trust list entry for a DSC (DER), named by its EU DCC kid. */
export async function dccTrustEntry(certificate: Uint8Array): Promise<{ kid: string; certificate: string }> {
  return { kid: await dccKeyId(certificate), certificate: toBase64(certificate) };
}

export interface DccVerificationKey {
  key: CryptoKey;
  verifyAlg: EcdsaParams | RsaPssParams;
}

export class TrustStore {
  private readonly keyCache = new Map<string, Promise<DccVerificationKey | undefined>>();
  private readonly shcKeyCache = new Map<string, Promise<CryptoKey | undefined>>();

  private constructor(
    private readonly signers: ReadonlyMap<string, DocumentSigner>,
    private readonly issuers: ReadonlyMap<string, ReadonlyMap<string, JWK>>,
    /** Entries of the list that could not be used (not a certificate, a key without kid...). */
    readonly rejected: readonly string[],
  ) {}

  static async create(list: TrustList): Promise<TrustStore> {
    const signers = new Map<string, DocumentSigner>();
    const issuers = new Map<string, Map<string, JWK>>();
    const rejected: string[] = [];
    for (const [i, entry] of (Array.isArray(list?.dcc) ? list.dcc : []).entries()) {
      const signer =
        entry && typeof entry.certificate === 'string'
          ? await parseDocumentSigner(
              entry.certificate,
              typeof entry.kid === 'string' ? entry.kid : undefined,
            )
          : undefined;
      if (signer) signers.set(signer.kid, signer);
      else rejected.push(`dcc[${i}]`);
    }
    for (const [i, entry] of (Array.isArray(list?.shc) ? list.shc : []).entries()) {
      if (!entry || typeof entry.iss !== 'string' || !Array.isArray(entry.jwks?.keys)) {
        rejected.push(`shc[${i}]`);
        continue;
      }
      const keys = issuers.get(entry.iss) ?? new Map<string, JWK>();
      for (const jwk of entry.jwks.keys) {
        if (jwk && typeof jwk.kid === 'string' && jwk.kty === 'EC' && jwk.crv === 'P-256')
          keys.set(jwk.kid, jwk);
        else rejected.push(`shc[${i}] key ${String(jwk?.kid)}`);
      }
      issuers.set(entry.iss, keys);
    }
    return new TrustStore(signers, issuers, rejected);
  }

  documentSigner(kid: string): DocumentSigner | undefined {
    return this.signers.get(kid);
  }

  get documentSignerCount(): number {
    return this.signers.size;
  }

  /** The DSC's public key imported for a COSE algorithm, or `undefined` when they do not match. */
  dccKey(signer: DocumentSigner, alg: number): Promise<DccVerificationKey | undefined> {
    const cacheKey = `${signer.kid}\u0000${alg}`;
    let entry = this.keyCache.get(cacheKey);
    if (!entry) {
      entry = importDccKey(signer, alg);
      this.keyCache.set(cacheKey, entry);
    }
    return entry;
  }

  /** Whether the list knows the SMART Health Card issuer at all. */
  knowsIssuer(iss: string): boolean {
    return this.issuers.has(iss);
  }

  shcJwk(iss: string, kid: string): JWK | undefined {
    return this.issuers.get(iss)?.get(kid);
  }

  shcKey(iss: string, kid: string): Promise<CryptoKey | undefined> {
    const jwk = this.shcJwk(iss, kid);
    if (!jwk) return Promise.resolve(undefined);
    const cacheKey = `${iss}\u0000${kid}`;
    let entry = this.shcKeyCache.get(cacheKey);
    if (!entry) {
      entry = importShcKey(jwk);
      this.shcKeyCache.set(cacheKey, entry);
    }
    return entry;
  }
}

async function importDccKey(signer: DocumentSigner, alg: number): Promise<DccVerificationKey | undefined> {
  if (!signer.keyKind) return undefined;
  const params = webCryptoParams(alg, signer.keyKind);
  if (!params) return undefined;
  try {
    const key = await crypto.subtle.importKey('spki', ownBytes(signer.spki), params.importAlg, false, [
      'verify',
    ]);
    return { key, verifyAlg: params.verifyAlg };
  } catch {
    return undefined;
  }
}

async function importShcKey(jwk: JWK): Promise<CryptoKey | undefined> {
  try {
    const { kty, crv, x, y } = jwk;
    const key = await importJWK({ kty, crv, x, y }, 'ES256');
    return key instanceof Uint8Array ? undefined : key;
  } catch {
    return undefined;
  }
}
