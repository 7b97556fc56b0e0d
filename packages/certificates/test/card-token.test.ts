import { base64url, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { cardKeyId, generateCardKey, signCardToken, verifyCardToken, type CardClaims } from '../src/index.ts';

const ISSUED = new Date('2026-03-01T09:00:00Z');
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

const claims = (over: Partial<CardClaims> = {}): CardClaims => ({
  rn: 'BD-2026-4821-7390-68',
  pid: '1234567',
  n: 'Mohammad Abdullah Al Mamun Chowdhury',
  yb: 1987,
  iat: seconds(ISSUED),
  v: 1,
  ...over,
});

/** Replaces the payload part of a token with `payload`, keeping header and signature. */
function withPayload(token: string, payload: object): string {
  const [prefixAndHeader, , signature] = token.split('.') as [string, string, string];
  return `${prefixAndHeader}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
}

describe('card token', () => {
  it('round-trips the claims with a CryptoKey or a JWK', async () => {
    const key = await generateCardKey();
    const privateKey = await importJWK(key.privateJwk, 'ES256');
    if (privateKey instanceof Uint8Array) throw new Error('expected a CryptoKey');
    for (const signer of [privateKey, key.privateJwk]) {
      const token = await signCardToken(claims(), signer, key.kid);
      expect(token.startsWith('DWC1:')).toBe(true);
      const result = await verifyCardToken(token, [key.publicJwk], { now: ISSUED });
      expect(result).toEqual({ valid: true, claims: claims(), kid: key.kid });
    }
  });

  it('fits a version 14 QR code at error correction M (362 bytes) even with a 60-character name', async () => {
    const key = await generateCardKey();
    const token = await signCardToken(
      claims({ n: 'A'.repeat(60), pid: '999999999999' }),
      key.privateJwk,
      key.kid,
    );
    expect(new TextEncoder().encode(token).length).toBeLessThanOrEqual(362);
  });

  it('derives the kid from the public key thumbprint, and the public JWK holds no private part', async () => {
    const key = await generateCardKey();
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{11}$/);
    const { kid: _kid, alg: _alg, use: _use, ...bare } = key.publicJwk;
    expect(await cardKeyId(bare)).toBe(key.kid);
    expect(key.publicJwk.d).toBeUndefined();
    expect(key.privateJwk.d).toBeDefined();
  });

  it('picks the key by kid from a key set and also finds a published key without a kid', async () => {
    const [old, current] = [await generateCardKey(), await generateCardKey()];
    const token = await signCardToken(claims(), old.privateJwk, old.kid);
    const { kid: _kid, ...oldWithoutKid } = old.publicJwk;
    expect((await verifyCardToken(token, [current.publicJwk, old.publicJwk], { now: ISSUED })).valid).toBe(
      true,
    );
    expect((await verifyCardToken(token, [current.publicJwk, oldWithoutKid], { now: ISSUED })).valid).toBe(
      true,
    );
  });

  it('rejects a tampered payload as bad_signature', async () => {
    const key = await generateCardKey();
    const token = await signCardToken(claims(), key.privateJwk, key.kid);
    const forged = withPayload(token, claims({ n: 'Someone Else' }));
    expect(await verifyCardToken(forged, [key.publicJwk], { now: ISSUED })).toEqual({
      valid: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a token whose kid is not in the key set as unknown_key', async () => {
    const [signer, other] = [await generateCardKey(), await generateCardKey()];
    const token = await signCardToken(claims(), signer.privateJwk, signer.kid);
    expect(await verifyCardToken(token, [other.publicJwk], { now: ISSUED })).toEqual({
      valid: false,
      reason: 'unknown_key',
    });
    expect(await verifyCardToken(token, [], { now: ISSUED })).toEqual({
      valid: false,
      reason: 'unknown_key',
    });
  });

  it('rejects a token signed by another key that claims a published kid as bad_signature', async () => {
    const [genuine, impostor] = [await generateCardKey(), await generateCardKey()];
    const token = await signCardToken(claims(), impostor.privateJwk, genuine.kid);
    expect(await verifyCardToken(token, [genuine.publicJwk], { now: ISSUED })).toEqual({
      valid: false,
      reason: 'bad_signature',
    });
  });

  it('rejects an expired card, and a card issued in the future beyond the clock tolerance', async () => {
    const key = await generateCardKey();
    const exp = seconds(ISSUED) + 3600;
    const token = await signCardToken(claims({ exp }), key.privateJwk, key.kid);
    const at = (s: number) => ({ now: new Date(s * 1000) });
    expect((await verifyCardToken(token, [key.publicJwk], at(exp - 1))).valid).toBe(true);
    expect(await verifyCardToken(token, [key.publicJwk], at(exp + 301))).toEqual({
      valid: false,
      reason: 'expired',
    });
    expect(await verifyCardToken(token, [key.publicJwk], { ...at(exp), clockToleranceSeconds: 0 })).toEqual({
      valid: false,
      reason: 'expired',
    });
    expect(await verifyCardToken(token, [key.publicJwk], at(seconds(ISSUED) - 600))).toEqual({
      valid: false,
      reason: 'not_yet_valid',
    });
    expect((await verifyCardToken(token, [key.publicJwk], at(seconds(ISSUED) - 60))).valid).toBe(true);
  });

  it('rejects truncated and otherwise malformed input as malformed', async () => {
    const key = await generateCardKey();
    const token = await signCardToken(claims(), key.privateJwk, key.kid);
    const keys = [key.publicJwk];
    // Every cut of the token (a QR code read half-way, a copy that lost its end) is malformed.
    for (let cut = 1; cut < token.length; cut += 7) {
      expect(await verifyCardToken(token.slice(0, cut), keys, { now: ISSUED })).toEqual({
        valid: false,
        reason: 'malformed',
      });
    }
    for (const junk of [
      '',
      'DWC1:',
      token.slice(5),
      `HC1:${token.slice(5)}`,
      `${token}.x`,
      token.replace('.', '.!'),
    ]) {
      expect(await verifyCardToken(junk, keys, { now: ISSUED })).toEqual({
        valid: false,
        reason: 'malformed',
      });
    }
  });

  it('refuses to sign claims that are not well formed', async () => {
    const key = await generateCardKey();
    await expect(signCardToken(claims({ rn: '' }), key.privateJwk, key.kid)).rejects.toThrow(TypeError);
    await expect(signCardToken(claims({ yb: 1987.5 }), key.privateJwk, key.kid)).rejects.toThrow(TypeError);
  });
});
