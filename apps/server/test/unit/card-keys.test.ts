import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCardKey, signCardToken, verifyCardToken } from '@dosewise/certificates';
import { describe, expect, it } from 'vitest';
import { CardKeyError, GENERATED_KEY_FILE, loadCardKeys } from '../../src/cards/keys.ts';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'card-keys-'));
const claims = {
  rn: 'BD-2026-4821-7390-68',
  pid: '42',
  n: 'Fatema Begum',
  yb: 1990,
  iat: 1_772_000_000,
  v: 1,
};

describe('card signing keys', () => {
  it('generates the demo key once, private to the owner, and reuses it', async () => {
    const dataDir = tempDir();
    const first = await loadCardKeys({ dataDir, mode: 'demo' });
    const again = await loadCardKeys({ dataDir, mode: 'development' });
    expect(again.kid).toBe(first.kid);
    expect(statSync(path.join(dataDir, GENERATED_KEY_FILE)).mode & 0o777).toBe(0o600);
    // A card signed by yesterday's process verifies with today's published keys.
    const token = await signCardToken(claims, first.privateKey, first.kid);
    expect((await verifyCardToken(token, again.publicJwks, { now: new Date(claims.iat * 1000) })).valid).toBe(
      true,
    );
  });

  it('agrees on one key when several processes start at once', async () => {
    const dataDir = tempDir();
    const loaded = await Promise.all([1, 2, 3, 4].map(() => loadCardKeys({ dataDir, mode: 'demo' })));
    expect(new Set(loaded.map((k) => k.kid)).size).toBe(1);
  });

  it('publishes public keys only', async () => {
    const keys = await loadCardKeys({ dataDir: tempDir(), mode: 'test' });
    expect(keys.publicJwks).toHaveLength(1);
    const [published] = keys.publicJwks;
    expect(Object.keys(published ?? {}).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(published).toMatchObject({ kty: 'EC', crv: 'P-256', kid: keys.kid, alg: 'ES256', use: 'sig' });
    expect(keys.privateKey.extractable).toBe(false);
  });

  it('refuses to start in production without a key file, or with a missing or wrong one', async () => {
    const dataDir = tempDir();
    await expect(loadCardKeys({ dataDir, mode: 'production' })).rejects.toThrow(CardKeyError);
    await expect(
      loadCardKeys({ dataDir, mode: 'production', keyFile: path.join(dataDir, 'absent.json') }),
    ).rejects.toThrow(/cannot be read: ENOENT/);
    const publicOnly = path.join(dataDir, 'public.json');
    writeFileSync(publicOnly, JSON.stringify((await generateCardKey()).publicJwk));
    await expect(loadCardKeys({ dataDir, mode: 'production', keyFile: publicOnly })).rejects.toThrow(
      /not a private EC P-256 JWK/,
    );
  });

  it('uses the production key file, and refuses one whose kid does not match its key', async () => {
    const dataDir = tempDir();
    const key = await generateCardKey();
    const keyFile = path.join(dataDir, 'card-key.json');
    writeFileSync(keyFile, JSON.stringify(key.privateJwk));
    const loaded = await loadCardKeys({ dataDir, mode: 'production', keyFile });
    expect(loaded.kid).toBe(key.kid);
    expect(loaded.publicJwks).toEqual([key.publicJwk]);

    writeFileSync(keyFile, JSON.stringify({ ...key.privateJwk, kid: 'someone-elses' }));
    await expect(loadCardKeys({ dataDir, mode: 'production', keyFile })).rejects.toThrow(
      /names kid "someone-elses"/,
    );
  });
});
