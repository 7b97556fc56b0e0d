import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/seed/demo.ts';
import { testApp, testConfig, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { areaId, expectError, facilityId, freshAddress, signIn, userId } from './helpers.ts';

const REFRESH_COOKIE = 'dw_refresh';
const MAX_FAILURES = testConfig().LOGIN_MAX_FAILURES;

interface SignedIn {
  accessToken: string;
  expiresIn: number;
  refreshToken?: string;
  user: {
    id: number;
    username: string;
    displayName: string;
    grants: { id: number; role: string; areaId: number | null; facilityId: number | null }[];
  };
}

const refreshCookieOf = (res: LightMyRequestResponse) => res.cookies.find((c) => c.name === REFRESH_COOKIE);
const setCookieHeader = (res: LightMyRequestResponse) => {
  const h = res.headers['set-cookie'];
  return (Array.isArray(h) ? h : [h ?? '']).find((c) => c.startsWith(`${REFRESH_COOKIE}=`)) ?? '';
};

describe('staff sign-in, refresh and sign-out', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  const me = (accessToken: string) =>
    t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${accessToken}` } });
  // As the web app calls it: the cookie, and an empty JSON object as the body.
  const refresh = (token: string | undefined, payload: Record<string, unknown> | null = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      remoteAddress: freshAddress(),
      ...(token === undefined ? {} : { cookies: { [REFRESH_COOKIE]: token } }),
      ...(payload === null ? {} : { payload }),
    });
  const auditOf = (action: string, entityId: number | string) =>
    t.database.db
      .selectFrom('audit_event')
      .selectAll()
      .where('action', '=', action)
      .where('entity_id', '=', String(entityId))
      .orderBy('id')
      .execute();
  const sessionsOf = async (username: string) =>
    Number(
      (
        await t.database.db
          .selectFrom('staff_session')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('user_id', '=', await userId(t.database.db, username))
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe('sign-in', () => {
    it('returns an access token and sets the refresh token as an httpOnly, strict, /api/auth cookie', async () => {
      const res = await signIn(t.app, 'dhaka.admin');
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<SignedIn>();
      expect(body.accessToken.split('.')).toHaveLength(3);
      expect(body.expiresIn).toBe(testConfig().ACCESS_TOKEN_TTL_S);
      expect(body.refreshToken, 'a browser gets the refresh token only as a cookie').toBeUndefined();
      expect(body.user).toMatchObject({
        username: 'dhaka.admin',
        displayName: 'Dhaka Division Administrator',
      });
      expect(body.user.grants).toEqual([
        {
          id: expect.any(Number) as number,
          role: 'area_admin',
          areaId: await areaId(t.database.db, 'DIV6'),
          facilityId: null,
        },
      ]);

      const header = setCookieHeader(res);
      expect(header).toMatch(/; HttpOnly(;|$)/);
      expect(header).toMatch(/; SameSite=Strict(;|$)/);
      expect(header).toMatch(/; Path=\/api\/auth(;|$)/);
      const cookie = refreshCookieOf(res);
      expect(cookie?.value.length).toBeGreaterThanOrEqual(40);
      expect(body.accessToken).not.toContain(cookie!.value);

      expect((await me(body.accessToken)).statusCode).toBe(200);
      const audit = await auditOf('sign_in.succeeded', decodeJwt(body.accessToken).sid as string);
      expect(audit).toHaveLength(1);
      expect(audit[0]!.actor_id).toBe(body.user.id);
    });

    it('takes the username in any case and with spaces around it', async () => {
      const res = await signIn(t.app, '  Admin ');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<SignedIn>().user.username).toBe('admin');
    });

    it('hands the refresh token over in the body only when asked (non-browser clients)', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        remoteAddress: freshAddress(),
        payload: { username: 'auditor', password: DEMO_PASSWORD, tokenDelivery: 'body' },
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<SignedIn>();
      expect(body.refreshToken).toBe(refreshCookieOf(res)?.value);
      const next = await t.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        remoteAddress: freshAddress(),
        payload: { refreshToken: body.refreshToken },
      });
      expect(next.statusCode, next.body).toBe(200);
      const rotated = next.json<SignedIn>().refreshToken;
      expect(rotated).toBeDefined();
      expect(rotated).not.toBe(body.refreshToken);
    });

    it('answers a wrong password exactly as an unknown username, and records both', async () => {
      const helpdesk = await userId(t.database.db, 'helpdesk');
      const wrong = await signIn(t.app, 'helpdesk', 'not-the-password');
      const unknown = await signIn(t.app, 'no.such.user', 'not-the-password');
      const wrongError = expectError(wrong, 401, 'invalid_credentials');
      const unknownError = expectError(unknown, 401, 'invalid_credentials');
      expect(wrongError.message).toBe(unknownError.message);
      expect(wrong.headers['set-cookie']).toBeUndefined();
      expect(unknown.headers['set-cookie']).toBeUndefined();

      const failed = await auditOf('sign_in.failed', helpdesk);
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({
        actor_kind: 'staff',
        actor_id: helpdesk,
        request_id: wrongError.requestId,
      });
      const anonymous = await t.database.db
        .selectFrom('audit_event')
        .selectAll()
        .where('request_id', '=', unknownError.requestId)
        .execute();
      expect(anonymous).toHaveLength(1);
      expect(anonymous[0]).toMatchObject({
        action: 'sign_in.failed',
        actor_kind: 'anonymous',
        actor_id: null,
      });
      expect(JSON.stringify(anonymous[0]!.details)).not.toContain('not-the-password');

      // A good sign-in clears the count of failures.
      expect((await signIn(t.app, 'helpdesk')).statusCode).toBe(200);
      const row = await t.database.db
        .selectFrom('staff_user')
        .select('failed_sign_ins')
        .where('id', '=', helpdesk)
        .executeTakeFirstOrThrow();
      expect(row.failed_sign_ins).toBe(0);
    });

    it('refuses a deactivated account with the same answer as a wrong password', async () => {
      await t.database.db
        .updateTable('staff_user')
        .set({ active: false })
        .where('username', '=', 'vaccinator')
        .execute();
      try {
        expectError(await signIn(t.app, 'vaccinator'), 401, 'invalid_credentials');
      } finally {
        await t.database.db
          .updateTable('staff_user')
          .set({ active: true, failed_sign_ins: 0 })
          .where('username', '=', 'vaccinator')
          .execute();
      }
    });
  });

  describe('lock-out', () => {
    it(`locks an account after ${MAX_FAILURES} failures in a row: 423 even with the right password`, async () => {
      const storekeeper = await userId(t.database.db, 'storekeeper');
      const sessionsBefore = await sessionsOf('storekeeper');
      for (let i = 1; i <= MAX_FAILURES; i++) {
        expectError(await signIn(t.app, 'storekeeper', `wrong-password-${i}`), 401, 'invalid_credentials');
      }
      const locked = await signIn(t.app, 'storekeeper');
      const error = expectError(locked, 423, 'account_locked');
      const retry = Number(locked.headers['retry-after']);
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(testConfig().LOGIN_LOCKOUT_S);
      expect(error.details).toEqual({ retryAfterSeconds: retry });
      expect(locked.headers['set-cookie']).toBeUndefined();
      expect(await sessionsOf('storekeeper')).toBe(sessionsBefore);

      expect(await auditOf('sign_in.failed', storekeeper)).toHaveLength(MAX_FAILURES - 1);
      expect(await auditOf('sign_in.locked', storekeeper)).toHaveLength(1);
      expect(await auditOf('sign_in.refused_locked', storekeeper)).toHaveLength(1);

      // The admin sees the account as locked; other accounts are not affected.
      const users = await t.app.inject({
        method: 'GET',
        url: '/api/users?limit=500',
        headers: { authorization: await t.auth('admin') },
      });
      const listed = users
        .json<{ username: string; locked: boolean }[]>()
        .filter((u) => ['storekeeper', 'manager'].includes(u.username));
      expect(listed).toEqual([
        expect.objectContaining({ username: 'manager', locked: false }),
        expect.objectContaining({ username: 'storekeeper', locked: true }),
      ]);
      expect((await signIn(t.app, 'manager')).statusCode).toBe(200);
    });

    it('lets the account in again once the lock has run out, and starts the count afresh', async () => {
      // The lock runs out: move it into the past rather than wait for it.
      await t.database.db
        .updateTable('staff_user')
        .set({ locked_until: new Date(Date.now() - 1000) })
        .where('username', '=', 'storekeeper')
        .execute();
      const res = await signIn(t.app, 'storekeeper');
      expect(res.statusCode, res.body).toBe(200);
      const row = await t.database.db
        .selectFrom('staff_user')
        .select(['failed_sign_ins', 'locked_until'])
        .where('username', '=', 'storekeeper')
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ failed_sign_ins: 0, locked_until: null });
    });
  });

  describe('refresh', () => {
    it('gives a new access token and rotates the cookie; the old refresh token stops working', async () => {
      const signedIn = await signIn(t.app, 'manager');
      const first = refreshCookieOf(signedIn)!.value;

      const res = await refresh(first);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<SignedIn>();
      expect(body.user.username).toBe('manager');
      expect(body.refreshToken, 'a cookie client gets no refresh token in the body').toBeUndefined();
      expect((await me(body.accessToken)).statusCode).toBe(200);
      const header = setCookieHeader(res);
      expect(header).toMatch(/; HttpOnly(;|$)/);
      expect(header).toMatch(/; SameSite=Strict(;|$)/);
      expect(header).toMatch(/; Path=\/api\/auth(;|$)/);
      const second = refreshCookieOf(res)!.value;
      expect(second).not.toBe(first);
      expect(decodeJwt(body.accessToken).sid).toBe(decodeJwt(signedIn.json<SignedIn>().accessToken).sid);

      expectError(await refresh(first), 401, 'session_ended');
      const again = await refresh(second);
      expect(again.statusCode, again.body).toBe(200);
    });

    it('works with the cookie alone, without a request body (the body is optional)', async () => {
      const signedIn = await signIn(t.app, 'manager');
      const res = await refresh(refreshCookieOf(signedIn)!.value, null);
      expect(res.statusCode, res.body).toBe(200);
      expect(refreshCookieOf(res)?.value).toBeDefined();
    });

    it('without a refresh token, or with an unknown one, is a 401', async () => {
      expectError(await refresh(undefined), 401, 'session_ended');
      expectError(await refresh('not-a-refresh-token'), 401, 'session_ended');
      expectError(await refresh(undefined, { refreshToken: 'not-a-refresh-token' }), 401, 'session_ended');
    });
  });

  describe('sign-out', () => {
    it('ends the session: its access token and its refresh token stop working, other sessions go on', async () => {
      const mine = await signIn(t.app, 'auditor');
      const other = await signIn(t.app, 'auditor');
      const accessToken = mine.json<SignedIn>().accessToken;
      const refreshToken = refreshCookieOf(mine)!.value;
      expect((await me(accessToken)).statusCode).toBe(200);

      const out = await t.app.inject({
        method: 'POST',
        url: '/api/auth/sign-out',
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(out.statusCode, out.body).toBe(204);
      expect(out.body).toBe('');
      const cleared = setCookieHeader(out);
      expect(cleared).toMatch(new RegExp(`^${REFRESH_COOKIE}=;`));
      expect(cleared).toMatch(/; Path=\/api\/auth(;|$)/);

      expectError(await me(accessToken), 401, 'session_ended');
      expectError(
        await t.app.inject({
          method: 'GET',
          url: '/api/products',
          headers: { authorization: `Bearer ${accessToken}` },
        }),
        401,
        'session_ended',
      );
      expectError(await refresh(refreshToken), 401, 'session_ended');
      expectError(
        await t.app.inject({
          method: 'POST',
          url: '/api/auth/sign-out',
          headers: { authorization: `Bearer ${accessToken}` },
        }),
        401,
        'session_ended',
      );

      expect((await me(other.json<SignedIn>().accessToken)).statusCode).toBe(200);
      const sid = decodeJwt(accessToken).sid as string;
      expect(await auditOf('sign_out', sid)).toHaveLength(1);
    });

    it('an access token past its expiry is refused even while its session lives', async () => {
      const res = await signIn(t.app, 'helpdesk');
      const claims = decodeJwt(res.json<SignedIn>().accessToken);
      const now = Math.floor(Date.now() / 1000);
      const expired = await new SignJWT({ sid: claims.sid })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(claims.sub))
        .setIssuer('dosewise')
        .setAudience('dosewise-staff')
        .setIssuedAt(now - 3600)
        .setExpirationTime(now - 1800)
        .sign(new TextEncoder().encode(TEST_SECRETS.DOSEWISE_TOKEN_SECRET));
      expectError(await me(expired), 401, 'invalid_token');
      expect((await me(res.json<SignedIn>().accessToken)).statusCode).toBe(200);
    });
  });

  describe('who am I', () => {
    it('returns the user with its grants', async () => {
      const res = await signIn(t.app, 'vaccinator');
      const r = await me(res.json<SignedIn>().accessToken);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toEqual({
        id: await userId(t.database.db, 'vaccinator'),
        username: 'vaccinator',
        displayName: 'Savar Vaccinator',
        active: true,
        locked: false,
        grants: [
          {
            id: expect.any(Number) as number,
            role: 'vaccinator',
            areaId: null,
            facilityId: await facilityId(t.database.db, 'UHC-UPA365'),
          },
        ],
      });
      const admin = await me((await t.auth('admin')).slice('Bearer '.length));
      expect(admin.json<{ grants: unknown }>().grants).toEqual([
        { id: expect.any(Number) as number, role: 'national_admin', areaId: null, facilityId: null },
      ]);
    });

    it('answers 401 with the error shape without a sign-in', async () => {
      expectError(await t.app.inject({ method: 'GET', url: '/api/auth/me' }), 401, 'not_signed_in');
    });
  });

  describe('rate limit', () => {
    it('refuses more than SIGN_IN_PER_IP_MINUTE (30) sign-ins a minute from one address with 429 and the error shape', async () => {
      const remoteAddress = freshAddress();
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/auth/sign-in',
          remoteAddress,
          payload: { username: 'nobody.at.all', password: 'whatever-it-is' },
        });
        statuses.push(res.statusCode);
      }
      expect(new Set(statuses)).toEqual(new Set([401]));
      const limited = await t.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        remoteAddress,
        payload: { username: 'admin', password: DEMO_PASSWORD },
      });
      expectError(limited, 429, 'rate_limited');
      // Another address is not affected.
      expect((await signIn(t.app, 'admin')).statusCode).toBe(200);
    });
  });
});
