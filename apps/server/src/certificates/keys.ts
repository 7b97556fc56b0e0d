/**
 * The keys certificates are signed with, and the trust list made of them.
 *
 * Policy:
 * - Three kinds of key, all ECDSA P-256: the country signing CA (CSCA), which certifies document
 *   signers; the document signer (DSC), an X.509 certificate with the EU DCC extended key usage
 *   for vaccination, which signs EU DCCs and native certificates; the SMART Health Card key,
 *   published as a JWK under the issuer URL.
 * - Production: the private keys come from a file the operator provides (`keyFile`), made by the
 *   national PKI. A missing or unreadable file stops the start: certificates signed by a throw-away
 *   key would be refused at every border.
 * - Demo, development and test: the keys are made once, on first use, and kept in the database
 *   with their private halves encrypted under the data key, so that every server process and
 *   worker signs with the same keys and certificates issued yesterday verify today.
 * - Every public half is kept for ever (`certificate_signing_key`); rotation retires a key from
 *   signing and leaves it in the trust list, so what it signed keeps verifying.
 * - Private keys never leave this module: they are non-extractable CryptoKeys once imported, and
 *   only public certificates and JWKs are ever read back for the trust list.
 */
import { readFileSync } from 'node:fs';
import {
  createCountrySigningCa,
  createDccIssuer,
  createDocumentSigner,
  createNativeIssuer,
  createShcIssuer,
  dccKeyId,
  fromBase64,
  generateSigningKey,
  importSigningKey,
  parseDocumentSigner,
  toBase64,
  type CertificateAuthority,
  type DccIssuer,
  type NativeIssuer,
  type ShcIssuer,
  type SigningKey,
} from '@dosewise/certificates';
import { exportJWK, type JWK } from 'jose';
import { withTransaction, type Db } from '../db/database.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';

export interface CertificateKeySettings {
  mode: 'demo' | 'development' | 'production' | 'test';
  /** Path of the key file (see `CertificateKeyFile`). Required in production. */
  keyFile?: string | undefined;
  /** ISO 3166-1 alpha-2 country that issues (the CWT `iss` of EU DCCs and native certificates). */
  country: string;
  /** The SMART Health Card issuer URL: the deployment's public URL, without a trailing slash. */
  issuerUrl: string;
}

/**
 * The key file a production deployment provides: the document signer certificate (DER, base64)
 * with its private JWK, the SMART Health Card private JWK, and optionally the CSCA certificate.
 */
export interface CertificateKeyFile {
  csca?: { certificate: string };
  dsc: { certificate: string; privateJwk: JWK };
  shc: { privateJwk: JWK };
}

/** What signing needs: one issuer per format, for the current keys. */
export interface SigningKeys {
  dcc: DccIssuer;
  native: NativeIssuer;
  shc: ShcIssuer;
  dscKid: string;
  shcKid: string;
  iss: string;
  /** The document signer's validity: a certificate may not outlive it. */
  dscNotBefore: Date;
  dscNotAfter: Date;
}

/** A public EC key as published: nothing else (no private member) can be in it. */
export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  use: string;
  alg: string;
}

/** The trust list as published (the shape of the verifier's `--trust` file). */
export interface PublishedTrustList {
  dcc: { kid: string; certificate: string }[];
  shc: { iss: string; jwks: { keys: PublicJwk[] } }[];
}

export class CertificateKeyError extends Error {
  override name = 'CertificateKeyError';
}

const DAY_MS = 86_400_000;
/** Demo CSCA and DSC validity. */
const CSCA_YEARS = 10;
const DSC_YEARS = 2;
/** A DSC's validity starts a little in the past: clocks of the processes that sign differ. */
const NOT_BEFORE_SLACK_MS = 3_600_000;

export function certificateKeyStore(deps: {
  db: Db;
  vault: IdentifierVault;
  settings: CertificateKeySettings;
}) {
  const { db, vault, settings } = deps;
  let current: Promise<SigningKeys> | undefined;
  /** Counts key changes made by this process: a trust list built before a change is stale. */
  let generation = 0;

  async function privateKeyOf(kind: 'csca' | 'dsc' | 'shc') {
    return db
      .selectFrom('certificate_signing_key')
      .select(['kid', 'certificate', 'private_key_enc'])
      .where('kind', '=', kind)
      .where('retired_at', 'is', null)
      .executeTakeFirst();
  }

  async function signingKey(stored: string | null, kind: string): Promise<SigningKey> {
    if (!stored) throw new CertificateKeyError(`The current ${kind} key has no private half here.`);
    return importSigningKey(JSON.parse(vault.decrypt(stored)) as JWK);
  }

  async function encryptedPrivate(key: SigningKey): Promise<string> {
    return vault.encrypt(JSON.stringify(await exportJWK(key.privateKey)));
  }

  async function newDocumentSigner(ca: CertificateAuthority, now: Date) {
    const key = await generateSigningKey({ extractable: true });
    return createDocumentSigner({
      ca,
      country: settings.country,
      commonName: `Dosewise Document Signer ${now.toISOString().slice(0, 10)}`,
      notBefore: new Date(now.getTime() - NOT_BEFORE_SLACK_MS),
      notAfter: new Date(now.getTime() + DSC_YEARS * 365 * DAY_MS),
      types: ['v'],
      key,
    });
  }

  /** Demo mode: makes the CSCA, DSC and SHC key unless another process made them first. */
  async function createGenerated(): Promise<void> {
    const now = new Date();
    const caKey = await generateSigningKey({ extractable: true });
    const ca = await createCountrySigningCa({
      country: settings.country,
      commonName: 'Dosewise Country Signing CA (demo)',
      notBefore: new Date(now.getTime() - NOT_BEFORE_SLACK_MS),
      notAfter: new Date(now.getTime() + CSCA_YEARS * 365 * DAY_MS),
      key: caKey,
    });
    const dsc = await newDocumentSigner(ca, now);
    const shcKey = await generateSigningKey({ extractable: true });
    try {
      await withTransaction(db, async (trx) => {
        await trx
          .insertInto('certificate_signing_key')
          .values([
            {
              kid: await dccKeyId(ca.certificate),
              kind: 'csca',
              certificate: ca.certificate,
              public_jwk: JSON.stringify(caKey.publicJwk),
              private_key_enc: await encryptedPrivate(caKey),
              source: 'generated',
              retired_at: null,
            },
            {
              kid: dsc.kid,
              kind: 'dsc',
              certificate: dsc.certificate,
              public_jwk: JSON.stringify(dsc.key.publicJwk),
              private_key_enc: await encryptedPrivate(dsc.key),
              source: 'generated',
              retired_at: null,
            },
            {
              kid: shcKey.publicJwk.kid,
              kind: 'shc',
              certificate: null,
              public_jwk: JSON.stringify(shcKey.publicJwk),
              private_key_enc: await encryptedPrivate(shcKey),
              source: 'generated',
              retired_at: null,
            },
          ])
          .execute();
      });
    } catch (e) {
      // Another process made them at the same moment: use theirs.
      if (!isUniqueViolation(e)) throw e;
    }
  }

  async function loadGenerated(): Promise<SigningKeys> {
    let dsc = await privateKeyOf('dsc');
    let shc = await privateKeyOf('shc');
    if (!dsc || !shc) {
      await createGenerated();
      dsc = await privateKeyOf('dsc');
      shc = await privateKeyOf('shc');
    }
    if (!dsc?.certificate || !shc)
      throw new CertificateKeyError('The certificate signing keys could not be made.');
    return issuers(
      dsc.certificate,
      await signingKey(dsc.private_key_enc, 'document signer'),
      await signingKey(shc.private_key_enc, 'SMART Health Card'),
    );
  }

  async function loadFromFile(file: string): Promise<SigningKeys> {
    const content = readKeyFile(file);
    const dscDer = fromBase64(content.dsc.certificate);
    const signer = dscDer ? await parseDocumentSigner(dscDer) : undefined;
    if (!dscDer || !signer)
      throw new CertificateKeyError(
        `Certificate key file ${file}: dsc.certificate is not an X.509 certificate (base64 DER).`,
      );
    let dscKey: SigningKey;
    let shcKey: SigningKey;
    try {
      dscKey = await importSigningKey(content.dsc.privateJwk);
      shcKey = await importSigningKey(content.shc.privateJwk);
    } catch (e) {
      throw new CertificateKeyError(
        `Certificate key file ${file}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', dscKey.publicKey));
    if (toBase64(spki) !== toBase64(signer.spki))
      throw new CertificateKeyError(
        `Certificate key file ${file}: dsc.privateJwk is not the key of dsc.certificate.`,
      );
    // The public halves join the trust list for good; keys of earlier files stay in it, retired.
    const cscaDer = content.csca ? fromBase64(content.csca.certificate) : undefined;
    await withTransaction(db, async (trx) => {
      const rows = [
        { kid: signer.kid, kind: 'dsc' as const, certificate: dscDer, public_jwk: dscKey.publicJwk },
        { kid: shcKey.publicJwk.kid, kind: 'shc' as const, certificate: null, public_jwk: shcKey.publicJwk },
        ...(cscaDer
          ? [{ kid: await dccKeyId(cscaDer), kind: 'csca' as const, certificate: cscaDer, public_jwk: {} }]
          : []),
      ];
      for (const r of rows) {
        await trx
          .updateTable('certificate_signing_key')
          .set({ retired_at: new Date() })
          .where('kind', '=', r.kind)
          .where('kid', '<>', r.kid)
          .where('retired_at', 'is', null)
          .execute();
        await trx
          .insertInto('certificate_signing_key')
          .values({
            kid: r.kid,
            kind: r.kind,
            certificate: r.certificate,
            public_jwk: JSON.stringify(r.public_jwk),
            private_key_enc: null,
            source: 'file',
            retired_at: null,
          })
          .onConflict((oc) => oc.column('kid').doUpdateSet({ retired_at: null }))
          .execute();
      }
    });
    return issuers(dscDer, dscKey, shcKey);
  }

  async function issuers(dscDer: Uint8Array, dscKey: SigningKey, shcKey: SigningKey): Promise<SigningKeys> {
    const signer = await parseDocumentSigner(dscDer);
    if (!signer) throw new CertificateKeyError('The document signer certificate cannot be read.');
    return {
      dcc: createDccIssuer(dscKey.privateKey, signer.kid, settings.country),
      native: createNativeIssuer(dscKey.privateKey, signer.kid, settings.country),
      shc: createShcIssuer(settings.issuerUrl, shcKey),
      dscKid: signer.kid,
      shcKid: shcKey.publicJwk.kid,
      iss: settings.issuerUrl,
      dscNotBefore: signer.notBefore,
      dscNotAfter: signer.notAfter,
    };
  }

  function load(): Promise<SigningKeys> {
    if (settings.keyFile) return loadFromFile(settings.keyFile);
    if (settings.mode === 'production')
      return Promise.reject(
        new CertificateKeyError(
          'No certificate signing keys: production mode needs the path of the certificate key file.',
        ),
      );
    return loadGenerated();
  }

  return {
    get generation() {
      return generation;
    },

    /** The current signing keys, loaded (or, in demo mode, made) once. */
    signing(): Promise<SigningKeys> {
      if (!current) {
        current = load();
        current.catch(() => {
          current = undefined;
        });
      }
      return current;
    },

    /**
     * Demo mode: a new document signer (under the same CSCA) and a new SMART Health Card key take
     * over signing; the old ones are retired and stay in the trust list.
     */
    async rotate(): Promise<{ dscKid: string; shcKid: string }> {
      if (settings.keyFile || settings.mode === 'production')
        throw new CertificateKeyError('Keys from a key file are rotated by replacing the file.');
      await this.signing();
      const cscaRow = await privateKeyOf('csca');
      if (!cscaRow?.certificate) throw new CertificateKeyError('The country signing CA is missing.');
      const ca: CertificateAuthority = {
        certificate: cscaRow.certificate,
        pem: '',
        key: await signingKey(cscaRow.private_key_enc, 'country signing CA'),
      };
      const dsc = await newDocumentSigner(ca, new Date());
      const shcKey = await generateSigningKey({ extractable: true });
      await withTransaction(db, async (trx) => {
        await trx
          .updateTable('certificate_signing_key')
          .set({ retired_at: new Date() })
          .where('kind', 'in', ['dsc', 'shc'])
          .where('retired_at', 'is', null)
          .execute();
        await trx
          .insertInto('certificate_signing_key')
          .values([
            {
              kid: dsc.kid,
              kind: 'dsc',
              certificate: dsc.certificate,
              public_jwk: JSON.stringify(dsc.key.publicJwk),
              private_key_enc: await encryptedPrivate(dsc.key),
              source: 'generated',
              retired_at: null,
            },
            {
              kid: shcKey.publicJwk.kid,
              kind: 'shc',
              certificate: null,
              public_jwk: JSON.stringify(shcKey.publicJwk),
              private_key_enc: await encryptedPrivate(shcKey),
              source: 'generated',
              retired_at: null,
            },
          ])
          .execute();
      });
      current = undefined;
      generation++;
      return { dscKid: dsc.kid, shcKid: shcKey.publicJwk.kid };
    },

    /** Every document signer and SMART Health Card key ever used, current and retired: public halves only. */
    async trustList(): Promise<PublishedTrustList> {
      await this.signing();
      const rows = await db
        .selectFrom('certificate_signing_key')
        .select(['kid', 'kind', 'certificate', 'public_jwk'])
        .where('kind', 'in', ['dsc', 'shc'])
        .orderBy('created_at')
        .orderBy('kid')
        .execute();
      return {
        dcc: rows
          .filter((r) => r.kind === 'dsc' && r.certificate)
          .map((r) => ({ kid: r.kid, certificate: toBase64(r.certificate!) })),
        shc: [
          {
            iss: settings.issuerUrl,
            jwks: {
              keys: rows.filter((r) => r.kind === 'shc').map((r) => publicOnly(r.public_jwk as JWK)),
            },
          },
        ],
      };
    },
  };
}

export type CertificateKeyStore = ReturnType<typeof certificateKeyStore>;

/** The public members of an EC JWK, whatever else a stored one carries. */
function publicOnly(jwk: JWK): PublicJwk {
  return {
    kty: String(jwk.kty),
    crv: String(jwk.crv),
    x: String(jwk.x),
    y: String(jwk.y),
    kid: String(jwk.kid),
    use: jwk.use ?? 'sig',
    alg: jwk.alg ?? 'ES256',
  };
}

function readKeyFile(file: string): CertificateKeyFile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CertificateKeyError(
      `Certificate key file ${file} cannot be read as JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const v = value as Partial<CertificateKeyFile> | null;
  if (
    !v ||
    typeof v.dsc?.certificate !== 'string' ||
    typeof v.dsc.privateJwk !== 'object' ||
    typeof v.shc?.privateJwk !== 'object'
  )
    throw new CertificateKeyError(
      `Certificate key file ${file}: expected { "dsc": { "certificate", "privateJwk" }, "shc": { "privateJwk" }, "csca"?: { "certificate" } }.`,
    );
  return v as CertificateKeyFile;
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}
