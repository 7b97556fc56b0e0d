/**
 * The key that signs vaccination card tokens (the QR code on the card).
 *
 * Policy:
 * - Production: the private key is a JWK (EC P-256) in a file the operator provides
 *   (`keyFile`), kept outside the data directory and backed up like any signing key. A missing or
 *   unreadable file stops the start: cards signed by a throw-away key would fail at every centre.
 * - Demo, development and test: the key pair is generated once into
 *   `<dataDir>/card-signing-key.json` (mode 0600) and reused, so cards printed yesterday still
 *   scan today. A `keyFile`, when given, wins in every mode.
 * - The kid is always derived from the public key (`cardKeyId`); a file that names another kid is
 *   refused rather than silently re-labelled, since the kid is what vaccinator devices look up.
 * - Only `publicJwks` ever leave the server (the vaccinator app downloads them to verify cards
 *   offline). The private key stays a non-extractable CryptoKey in this process.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cardKeyId, generateCardKey } from '@dosewise/certificates';
import { importJWK, type CryptoKey, type JWK } from 'jose';

export interface CardKeySettings {
  dataDir: string;
  mode: 'demo' | 'development' | 'production' | 'test';
  /** Path of the private signing JWK. Required in production. */
  keyFile?: string | undefined;
}

export interface CardKeys {
  kid: string;
  privateKey: CryptoKey;
  /** Public keys that verify cards, each with its `kid`: the current key first. */
  publicJwks: JWK[];
}

export class CardKeyError extends Error {
  override name = 'CardKeyError';
}

export const GENERATED_KEY_FILE = 'card-signing-key.json';

export async function loadCardKeys(settings: CardKeySettings): Promise<CardKeys> {
  if (settings.keyFile) return fromPrivateJwk(readKeyFile(settings.keyFile), settings.keyFile);
  if (settings.mode === 'production') {
    throw new CardKeyError(
      'No card signing key: production mode needs the path of a private EC P-256 JWK (card signing key file).',
    );
  }
  const file = path.join(settings.dataDir, GENERATED_KEY_FILE);
  return fromPrivateJwk((await readOrCreateGenerated(file)) ?? readKeyFile(file), file);
}

/**
 * Creates the demo key unless it exists. Several server processes may start at once on one data
 * directory: the key is written to a private temporary file and linked into place, which fails
 * if another process got there first; then everyone reads the one that won.
 */
async function readOrCreateGenerated(file: string): Promise<unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    if (!isNodeError(e) || e.code !== 'ENOENT')
      throw new CardKeyError(`Card signing key ${file} cannot be read: ${describe(e)}`);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = await generateCardKey();
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
    return key.privateJwk;
  } catch (e) {
    if (isNodeError(e) && e.code === 'EEXIST') return undefined;
    throw e;
  } finally {
    unlinkSync(temporary);
  }
}

function readKeyFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CardKeyError(`Card signing key ${file} cannot be read: ${describe(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CardKeyError(`Card signing key ${file} is not JSON (expected a private EC P-256 JWK).`);
  }
}

async function fromPrivateJwk(value: unknown, source: string): Promise<CardKeys> {
  if (!isPrivateP256Jwk(value))
    throw new CardKeyError(
      `Card signing key ${source} is not a private EC P-256 JWK (kty "EC", crv "P-256", x, y, d).`,
    );
  const publicOnly: JWK = { kty: 'EC', crv: 'P-256', x: value.x, y: value.y };
  const kid = await cardKeyId(publicOnly);
  if (value.kid !== undefined && value.kid !== kid) {
    throw new CardKeyError(
      `Card signing key ${source} names kid "${value.kid}" but its public key gives "${kid}".`,
    );
  }
  let privateKey: CryptoKey;
  try {
    const imported = await importJWK(
      { kty: 'EC', crv: 'P-256', x: value.x, y: value.y, d: value.d },
      'ES256',
      { extractable: false },
    );
    if (imported instanceof Uint8Array) throw new Error('not an asymmetric key');
    privateKey = imported;
  } catch (e) {
    throw new CardKeyError(`Card signing key ${source} cannot be used: ${describe(e)}`);
  }
  return { kid, privateKey, publicJwks: [{ ...publicOnly, kid, alg: 'ES256', use: 'sig' }] };
}

function isPrivateP256Jwk(
  x: unknown,
): x is { kty: 'EC'; crv: 'P-256'; x: string; y: string; d: string; kid?: string } {
  if (typeof x !== 'object' || x === null) return false;
  const j = x as Record<string, unknown>;
  const str = (v: unknown) => typeof v === 'string' && v.length > 0;
  return (
    j.kty === 'EC' &&
    j.crv === 'P-256' &&
    str(j.x) &&
    str(j.y) &&
    str(j.d) &&
    (j.kid === undefined || typeof j.kid === 'string')
  );
}

function isNodeError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && 'code' in e;
}

function describe(e: unknown): string {
  return isNodeError(e) && e.code ? e.code : e instanceof Error ? e.message : String(e);
}
