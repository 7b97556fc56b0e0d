import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Db } from '../db/database.ts';
import { withTransaction } from '../db/database.ts';
import type { Role } from '../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError, conflict, forbidden, notFound, unauthorized } from '../http/errors.ts';
import { accessRepository } from './repository.ts';
import { decoyHash, hashPassword, verifyPassword } from './passwords.ts';
import type { Principal, Scope } from './policy.ts';
import { authorize } from './policy.ts';

export interface AccessSettings {
  tokenSecret: string;
  accessTtlS: number;
  refreshTtlS: number;
  maxFailures: number;
  lockoutS: number;
}

export interface RequestContext {
  requestId: string;
  ip: string;
  userAgent?: string | undefined;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const ISSUER = 'dosewise';
const AUDIENCE = 'dosewise-staff';
// Principals are cached per process for a few seconds; a sign-out or grant change on this process
// drops the entry at once, other processes see it within PRINCIPAL_TTL_MS.
const PRINCIPAL_TTL_MS = 5000;

export function accessService(deps: { db: Db; settings: AccessSettings; resolveScope: ScopeResolver }) {
  const { db, settings } = deps;
  const key = new TextEncoder().encode(settings.tokenSecret);
  const cache = new Map<string, { principal: Principal; until: number }>();

  async function mintAccess(userId: number, sessionId: string) {
    const token = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(userId))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${settings.accessTtlS}s`)
      .sign(key);
    return { accessToken: token, expiresIn: settings.accessTtlS };
  }

  async function loadPrincipal(userId: number, sessionId: string): Promise<Principal> {
    const cached = cache.get(sessionId);
    if (cached && cached.until > Date.now()) return cached.principal;
    const repo = accessRepository(db);
    const [session, user] = await Promise.all([repo.findSession(sessionId), repo.findUser(userId)]);
    if (!session || session.user_id !== userId || session.revoked_at || session.expires_at < new Date()) {
      throw unauthorized('session_ended', 'Your sign-in has ended. Sign in again.');
    }
    if (!user?.active) throw unauthorized('account_inactive', 'This account is not active.');
    const principal: Principal = {
      userId,
      username: user.username,
      sessionId,
      grants: await repo.activeGrants(userId),
    };
    if (cache.size > 50_000) cache.clear();
    cache.set(sessionId, { principal, until: Date.now() + PRINCIPAL_TTL_MS });
    return principal;
  }

  function forgetUser(userId: number) {
    for (const [sid, entry] of cache) if (entry.principal.userId === userId) cache.delete(sid);
  }

  return {
    async signIn(username: string, password: string, ctx: RequestContext) {
      const repo = accessRepository(db);
      const user = await repo.findUserByUsername(username.trim().toLowerCase());
      const invalid = new AppError(401, 'invalid_credentials', 'The username or password is not right.');
      if (!user) {
        await verifyPassword(await decoyHash(), password);
        await recordAudit(db, {
          actorKind: 'anonymous',
          actorId: null,
          action: 'sign_in.failed',
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { reason: 'unknown_user' },
        });
        throw invalid;
      }
      if (user.locked_until && user.locked_until > new Date()) {
        await recordAudit(db, {
          actorKind: 'staff',
          actorId: user.id,
          action: 'sign_in.refused_locked',
          entityType: 'staff_user',
          entityId: user.id,
          requestId: ctx.requestId,
          ip: ctx.ip,
        });
        const retry = Math.ceil((user.locked_until.getTime() - Date.now()) / 1000);
        throw new AppError(
          423,
          'account_locked',
          `This account is locked after too many failed sign-ins. Try again in ${Math.ceil(retry / 60)} minutes or ask an administrator.`,
          { retryAfterSeconds: retry },
          { 'retry-after': String(retry) },
        );
      }
      const ok = user.active && (await verifyPassword(user.password_hash, password));
      if (!ok) {
        const after = await repo.recordFailure(user.id, settings.maxFailures, settings.lockoutS);
        const locked = after.locked_until !== null && after.locked_until > new Date();
        await recordAudit(db, {
          actorKind: 'staff',
          actorId: user.id,
          action: locked ? 'sign_in.locked' : 'sign_in.failed',
          entityType: 'staff_user',
          entityId: user.id,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { failures: after.failed_sign_ins },
        });
        throw invalid;
      }
      const sessionId = randomUUID();
      const refreshToken = randomBytes(32).toString('base64url');
      await withTransaction(db, async (trx) => {
        const r = accessRepository(trx);
        await r.resetFailures(user.id);
        await r.createSession({
          id: sessionId,
          userId: user.id,
          refreshHash: sha256(refreshToken),
          expiresAt: new Date(Date.now() + settings.refreshTtlS * 1000),
          userAgent: ctx.userAgent?.slice(0, 200) ?? null,
        });
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: user.id,
          action: 'sign_in.succeeded',
          entityType: 'staff_session',
          entityId: sessionId,
          requestId: ctx.requestId,
          ip: ctx.ip,
        });
      });
      const principal = await loadPrincipal(user.id, sessionId);
      return {
        ...(await mintAccess(user.id, sessionId)),
        refreshToken,
        principal,
        displayName: user.display_name,
      };
    },

    async refresh(refreshToken: string) {
      const repo = accessRepository(db);
      const session = await repo.findSessionByRefresh(sha256(refreshToken));
      if (!session || session.revoked_at || session.expires_at < new Date()) {
        throw unauthorized('session_ended', 'Your sign-in has ended. Sign in again.');
      }
      const next = randomBytes(32).toString('base64url');
      if (!(await repo.rotateRefresh(session.id, session.refresh_hash, sha256(next)))) {
        throw unauthorized('session_ended', 'Your sign-in has ended. Sign in again.');
      }
      const principal = await loadPrincipal(session.user_id, session.id);
      const user = await repo.findUser(session.user_id);
      return {
        ...(await mintAccess(session.user_id, session.id)),
        refreshToken: next,
        principal,
        displayName: user?.display_name ?? '',
      };
    },

    async signOut(sessionId: string, userId: number, ctx: RequestContext) {
      await withTransaction(db, async (trx) => {
        await accessRepository(trx).revokeSession(sessionId);
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: userId,
          action: 'sign_out',
          entityType: 'staff_session',
          entityId: sessionId,
          requestId: ctx.requestId,
          ip: ctx.ip,
        });
      });
      cache.delete(sessionId);
    },

    /** Access token -> principal; throws 401 for anything not a live session. */
    async authenticate(token: string): Promise<Principal> {
      let sub: string | undefined;
      let sid: unknown;
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
        });
        sub = payload.sub;
        sid = payload.sid;
      } catch {
        throw unauthorized('invalid_token', 'Your sign-in has expired or is not valid. Sign in again.');
      }
      if (!sub || typeof sid !== 'string')
        throw unauthorized('invalid_token', 'Your sign-in is not valid. Sign in again.');
      return loadPrincipal(Number(sub), sid);
    },

    async createUser(
      actor: Principal,
      input: {
        username: string;
        displayName: string;
        password: string;
        role: Role;
        areaId?: number | undefined;
        facilityId?: number | undefined;
      },
      ctx: RequestContext,
    ) {
      const scope = await deps.resolveScope(input.areaId, input.facilityId);
      assertMayGrant(actor, input.role, scope);
      const passwordHash = await hashPassword(input.password);
      return withTransaction(db, async (trx) => {
        const repo = accessRepository(trx);
        const created = await repo.createUser({
          username: input.username,
          displayName: input.displayName,
          passwordHash,
          createdBy: actor.userId,
        });
        if (!created) throw conflict('username_taken', `The username "${input.username}" is already in use.`);
        const grant = await repo.addGrant({
          userId: created.id,
          role: input.role,
          areaId: input.areaId ?? null,
          facilityId: input.facilityId ?? null,
          grantedBy: actor.userId,
        });
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: actor.userId,
          action: 'user.created',
          entityType: 'staff_user',
          entityId: created.id,
          areaId: input.areaId ?? null,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { username: input.username },
        });
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: actor.userId,
          action: 'grant.added',
          entityType: 'role_grant',
          entityId: grant.id,
          areaId: input.areaId ?? null,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { userId: created.id, role: input.role, facilityId: input.facilityId ?? null },
        });
        return { id: created.id, grantId: grant.id };
      });
    },

    async addGrant(
      actor: Principal,
      userId: number,
      input: { role: Role; areaId?: number | undefined; facilityId?: number | undefined },
      ctx: RequestContext,
    ) {
      const scope = await deps.resolveScope(input.areaId, input.facilityId);
      assertMayGrant(actor, input.role, scope);
      const id = await withTransaction(db, async (trx) => {
        const repo = accessRepository(trx);
        if (!(await repo.findUser(userId))) throw notFound('The staff user');
        const grant = await repo.addGrant({
          userId,
          role: input.role,
          areaId: input.areaId ?? null,
          facilityId: input.facilityId ?? null,
          grantedBy: actor.userId,
        });
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: actor.userId,
          action: 'grant.added',
          entityType: 'role_grant',
          entityId: grant.id,
          areaId: input.areaId ?? null,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { userId, role: input.role, facilityId: input.facilityId ?? null },
        });
        return grant.id;
      });
      forgetUser(userId);
      return id;
    },

    async revokeGrant(actor: Principal, userId: number, grantId: number, ctx: RequestContext) {
      const grant = await accessRepository(db).findGrant(grantId);
      if (!grant || grant.user_id !== userId || grant.revoked_at) throw notFound('The role grant');
      const scope = await deps.resolveScope(grant.area_id ?? undefined, grant.facility_id ?? undefined);
      assertMayGrant(actor, grant.role, scope);
      await withTransaction(db, async (trx) => {
        await accessRepository(trx).revokeGrant(grantId, actor.userId);
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: actor.userId,
          action: 'grant.revoked',
          entityType: 'role_grant',
          entityId: grantId,
          areaId: grant.area_id,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { userId, role: grant.role },
        });
      });
      forgetUser(userId);
    },
  };
}

export type ScopeResolver = (areaId: number | undefined, facilityId: number | undefined) => Promise<Scope>;

/** Granting is itself scoped: you can hand out only what lies inside your own user.write scope. */
function assertMayGrant(actor: Principal, role: Role, scope: Scope) {
  if (!authorize(actor, 'user.write', scope))
    throw forbidden('You can grant roles only inside your own area.');
  if (role === 'national_admin' && scope.kind !== 'national') {
    throw new AppError(
      400,
      'invalid_grant',
      'A national admin role is granted for the whole country, without an area or facility.',
    );
  }
  if (role === 'national_admin' && !authorize(actor, 'product.write', { kind: 'national' }))
    throw forbidden('Only a national admin can grant that role.');
}

export type AccessService = ReturnType<typeof accessService>;
