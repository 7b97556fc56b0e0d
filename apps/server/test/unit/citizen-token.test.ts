import { createHmac } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { citizenTokens } from '../../src/registration/otp.ts';

const SECRET = 'test-token-secret-that-is-long-enough-123';
const key = new TextEncoder().encode(SECRET);
const tokens = citizenTokens(SECRET);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token with any header and payload, signed with `secret`. */
function forged(header: unknown, payload: unknown, secret = SECRET) {
  const signed = `${b64(header)}.${b64(payload)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}
const claims = (over: Record<string, unknown> = {}) => ({
  sub: '42',
  iss: 'dosewise',
  aud: 'dosewise-citizen',
  iat: now(),
  exp: now() + 3600,
  ...over,
});

describe('citizen session tokens', () => {
  it("are standard HS256 JWTs: a JWT library reads ours, and ours reads the library's", async () => {
    const ours = tokens.issue(42, 3600);
    const { payload, protectedHeader } = await jwtVerify(ours, key, {
      issuer: 'dosewise',
      audience: 'dosewise-citizen',
      algorithms: ['HS256'],
    });
    expect(protectedHeader).toEqual({ alg: 'HS256' });
    expect(payload).toMatchObject({ sub: '42' });
    expect(payload.exp! - payload.iat!).toBe(3600);

    const theirs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('7')
      .setIssuer('dosewise')
      .setAudience('dosewise-citizen')
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(key);
    expect(tokens.verify(theirs)).toBe(7);
    expect(tokens.verify(ours)).toBe(42);
  });

  it('refuses a token changed, signed with another secret, or not a token at all', () => {
    const [header, payload, signature] = tokens.issue(42, 3600).split('.');
    const otherPayload = b64(claims({ sub: '43' }));
    expect(tokens.verify(`${header}.${otherPayload}.${signature}`)).toBeNull();
    expect(tokens.verify(`${header}.${payload}.${signature!.slice(0, -2)}`)).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256' }, claims(), `${SECRET}x`))).toBeNull();
    for (const junk of ['', 'not-a-token', 'a.b', 'a.b.c.d', `${header}.${payload}.`])
      expect(tokens.verify(junk), junk).toBeNull();
  });

  it('refuses other algorithms, critical headers, other issuers and audiences, bad subjects', () => {
    expect(tokens.verify(forged({ alg: 'HS256' }, claims()))).toBe(42);
    expect(tokens.verify(forged({ alg: 'none' }, claims()))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS512' }, claims()))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256', crit: ['exp'] }, claims()))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256', b64: false }, claims()))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256' }, claims({ iss: 'someone' })))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256' }, claims({ aud: 'dosewise-staff' })))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256' }, claims({ aud: ['x', 'dosewise-citizen'] })))).toBe(42);
    for (const sub of [undefined, 42, '0', '-1', '4.2', '42abc', '99999999999999999'])
      expect(tokens.verify(forged({ alg: 'HS256' }, claims({ sub }))), String(sub)).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256' }, ['not', 'an', 'object']))).toBeNull();
  });

  it('refuses an expired token, one without expiry, and one not valid yet', () => {
    expect(tokens.verify(forged({ alg: 'HS256' }, claims({ exp: now() })))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256' }, claims({ exp: undefined })))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256' }, claims({ exp: String(now() + 60) })))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256' }, claims({ nbf: now() + 60 })))).toBeNull();
    expect(tokens.verify(forged({ alg: 'HS256' }, claims({ nbf: now() })))).toBe(42);
    const issued = tokens.issue(42, 60, 1_000_000);
    expect(tokens.verify(issued, 1_000_059)).toBe(42);
    expect(tokens.verify(issued, 1_000_060)).toBeNull();
  });
});
