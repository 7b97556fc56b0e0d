/**
 * Signing keys and the X.509 material behind them.
 *
 * - A signing key is an ECDSA P-256 key pair (ES256), the only algorithm this platform issues
 *   with; verification also accepts the P-384 and RSA document signers other countries use.
 * - Demo mode makes its own country signing CA (CSCA) and document signer certificates (DSC);
 *   a production deployment imports the ones its national PKI issued instead.
 * - The EU DCC key id is the first 8 bytes of SHA-256 over the DSC's DER encoding; a DSC's
 *   extended key usage names the certificate types it may sign (test, vaccination, recovery).
 */
import './reflect-metadata.ts';
import * as x509 from '@peculiar/x509';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { fromBase64, ownBytes, sha256, toBase64 } from './bytes.ts';
import type { SignatureKeyKind } from './cose.ts';

/** The certificate types of the EU DCC, named as the payload names them. */
export type DccCertificateType = 'v' | 't' | 'r';

/** Extended key usage OIDs of the DCC (and the variant with an extra `.0` some issuers used). */
export const DCC_KEY_USAGE_OIDS: Readonly<Record<DccCertificateType, readonly string[]>> = {
  t: ['1.3.6.1.4.1.1847.2021.1.1', '1.3.6.1.4.1.0.1847.2021.1.1'],
  v: ['1.3.6.1.4.1.1847.2021.1.2', '1.3.6.1.4.1.0.1847.2021.1.2'],
  r: ['1.3.6.1.4.1.1847.2021.1.3', '1.3.6.1.4.1.0.1847.2021.1.3'],
};
const EKU_OID = '2.5.29.37';

/** What a verifier needs from a document signer certificate, parsed once. */
export interface DocumentSigner {
  /** base64 of the first 8 bytes of SHA-256 over the DER. */
  kid: string;
  der: Uint8Array;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** The key's kind, or `undefined` for a key this verifier cannot use. */
  keyKind: SignatureKeyKind | undefined;
  /** The SubjectPublicKeyInfo, DER. */
  spki: Uint8Array<ArrayBuffer>;
  /** The DCC certificate types this DSC may sign. */
  allowedTypes: ReadonlySet<DccCertificateType>;
}

/** The EU DCC key id of a DSC: base64 of the first 8 bytes of SHA-256 over its DER. */
export async function dccKeyId(der: Uint8Array): Promise<string> {
  return toBase64((await sha256(der)).subarray(0, 8));
}

/**
 * Parses a DSC. `undefined` when the bytes are not an X.509 certificate. Key usage policy: a DSC
 * without an extended key usage extension may sign every type; one whose extension lists none of
 * the DCC OIDs may sign none (it was issued for something else).
 */
export async function parseDocumentSigner(
  certificate: Uint8Array | string,
  kid?: string,
): Promise<DocumentSigner | undefined> {
  const der = typeof certificate === 'string' ? fromBase64(certificate) : certificate;
  if (!der || der.length === 0) return undefined;
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(ownBytes(der));
  } catch {
    return undefined;
  }
  const allowedTypes = new Set<DccCertificateType>();
  const ekuExtension = cert.extensions.find((e) => e.type === EKU_OID);
  if (!ekuExtension) {
    allowedTypes.add('v').add('t').add('r');
  } else {
    let usages: string[] = [];
    try {
      usages = new x509.ExtendedKeyUsageExtension(ekuExtension.rawData).usages.map(String);
    } catch {
      usages = [];
    }
    for (const type of ['v', 't', 'r'] as const) {
      if (DCC_KEY_USAGE_OIDS[type].some((oid) => usages.includes(oid))) allowedTypes.add(type);
    }
  }
  return {
    kid: kid ?? (await dccKeyId(der)),
    der,
    subject: cert.subject,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    keyKind: keyKindOf(cert.publicKey.algorithm),
    spki: ownBytes(new Uint8Array(cert.publicKey.rawData)),
    allowedTypes,
  };
}

function keyKindOf(algorithm: Algorithm): SignatureKeyKind | undefined {
  const named = algorithm as Algorithm & { namedCurve?: string };
  if (algorithm.name === 'ECDSA' || algorithm.name === 'ECDH') {
    if (named.namedCurve === 'P-256') return 'EC-P256';
    if (named.namedCurve === 'P-384') return 'EC-P384';
    return undefined;
  }
  if (/^RSA/i.test(algorithm.name)) return 'RSA';
  return undefined;
}

const ES256_KEY: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const ES256_SIGN: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/** A P-256 signing key: its private half stays a non-exportable CryptoKey unless asked. */
export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Public JWK carrying its RFC 7638 thumbprint as `kid` (the SMART Health Card key id). */
  publicJwk: JWK & { kid: string };
}

/** A new P-256 signing key. `extractable` lets a demo store the private key (as JWK or PKCS#8). */
export async function generateSigningKey(options: { extractable?: boolean } = {}): Promise<SigningKey> {
  const pair = await crypto.subtle.generateKey(ES256_KEY, options.extractable ?? false, ['sign', 'verify']);
  return signingKeyFromPair(pair);
}

/** Imports a P-256 signing key from its private JWK (which carries the public coordinates). */
export async function importSigningKey(privateJwk: JWK): Promise<SigningKey> {
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || !privateJwk.d)
    throw new TypeError('a signing key is a private P-256 JWK');
  const { kid: _kid, alg: _alg, use: _use, key_ops: _ops, ...jwk } = privateJwk;
  const privateKey = await crypto.subtle.importKey('jwk', jwk, ES256_KEY, false, ['sign']);
  const { d: _d, ...publicOnly } = jwk;
  const publicKey = await crypto.subtle.importKey('jwk', publicOnly, ES256_KEY, true, ['verify']);
  return signingKeyFromPair({ privateKey, publicKey });
}

async function signingKeyFromPair(pair: CryptoKeyPair): Promise<SigningKey> {
  const exported = await exportJWK(pair.publicKey);
  const publicJwk = { kty: exported.kty, crv: exported.crv, x: exported.x, y: exported.y };
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk: { ...publicJwk, kid, use: 'sig', alg: 'ES256' },
  };
}

export interface CertificateAuthority {
  certificate: Uint8Array;
  /** PEM, for publishing. */
  pem: string;
  key: SigningKey;
}

export interface CreateCertificateAuthorityOptions {
  /** ISO 3166-1 alpha-2 country code. */
  country: string;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  key?: SigningKey;
}

/** A self-signed country signing CA for demo mode (ECDSA P-256, CA:true, path length 0). */
export async function createCountrySigningCa(
  options: CreateCertificateAuthorityOptions,
): Promise<CertificateAuthority> {
  const key = options.key ?? (await generateSigningKey());
  const name = distinguishedName(options.country, options.commonName);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: await randomSerial(),
      subject: name,
      issuer: name,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      publicKey: key.publicKey,
      signingKey: key.privateKey,
      signingAlgorithm: ES256_SIGN,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(key.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const der = new Uint8Array(cert.rawData);
  return { certificate: der, pem: cert.toString('pem'), key };
}

export interface IssuedDocumentSigner {
  certificate: Uint8Array;
  pem: string;
  /** The EU DCC key id (base64 of 8 bytes). */
  kid: string;
  key: SigningKey;
}

export interface CreateDocumentSignerOptions {
  ca: CertificateAuthority;
  country: string;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** Certificate types this DSC may sign; default vaccination only. */
  types?: readonly DccCertificateType[];
  key?: SigningKey;
}

/** A document signer certificate issued by `ca`, with the DCC extended key usage for `types`. */
export async function createDocumentSigner(
  options: CreateDocumentSignerOptions,
): Promise<IssuedDocumentSigner> {
  const key = options.key ?? (await generateSigningKey());
  const caCert = new x509.X509Certificate(ownBytes(options.ca.certificate));
  const usages = (options.types ?? ['v']).map((t) => DCC_KEY_USAGE_OIDS[t][0]!);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: await randomSerial(),
      subject: distinguishedName(options.country, options.commonName),
      issuer: caCert.subject,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      publicKey: key.publicKey,
      signingKey: options.ca.key.privateKey,
      signingAlgorithm: ES256_SIGN,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(usages, false),
        await x509.SubjectKeyIdentifierExtension.create(key.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, crypto),
      ],
    },
    crypto,
  );
  const der = new Uint8Array(cert.rawData);
  return { certificate: der, pem: cert.toString('pem'), kid: await dccKeyId(der), key };
}

/** Checks that `dsc` was signed by `ca` (a verifier that holds CSCAs uses it to admit DSCs). */
export async function isIssuedBy(dsc: Uint8Array, ca: Uint8Array): Promise<boolean> {
  try {
    const child = new x509.X509Certificate(ownBytes(dsc));
    const parent = new x509.X509Certificate(ownBytes(ca));
    return await child.verify({ publicKey: parent.publicKey, signatureOnly: true }, crypto);
  } catch {
    return false;
  }
}

function distinguishedName(country: string, commonName: string): string {
  const escape = (s: string) => s.replace(/([,+"\\<>;=])/g, '\\$1');
  return `C=${escape(country)}, CN=${escape(commonName)}`;
}

async function randomSerial(): Promise<string> {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f; // positive
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
