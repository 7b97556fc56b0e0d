import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { principalOf } from '../http/access-hooks.ts';
import { AppError } from '../http/errors.ts';
import { ctxOf, errors, IdParams, Limit, type App } from '../http/types.ts';
import { listScope, ROLES } from './policy.ts';
import type { Principal } from './policy.ts';
import { PASSWORD_RULE } from './passwords.ts';
import { accessRepository } from './repository.ts';
import type { AccessService } from './service.ts';
import type { Db } from '../db/database.ts';

const REFRESH_COOKIE = 'dw_refresh';
const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
export const Grant = Type.Object(
  {
    id: Type.Integer(),
    role: Role,
    areaId: Type.Union([Type.Integer(), Type.Null()]),
    facilityId: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: 'Grant' },
);
export const SignedIn = Type.Object(
  {
    accessToken: Type.String(),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires.' }),
    refreshToken: Type.Optional(
      Type.String({
        description:
          'Only when asked for with tokenDelivery=body (non-browser clients); browsers get an httpOnly cookie.',
      }),
    ),
    user: Type.Object({
      id: Type.Integer(),
      username: Type.String(),
      displayName: Type.String(),
      grants: Type.Array(Type.Ref(Grant)),
    }),
  },
  { $id: 'SignedIn' },
);
export const StaffUser = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    displayName: Type.String(),
    active: Type.Boolean(),
    locked: Type.Boolean(),
    grants: Type.Array(Type.Ref(Grant)),
  },
  { $id: 'StaffUser' },
);
const GrantInput = {
  role: Role,
  areaId: Type.Optional(Type.Integer({ minimum: 1 })),
  facilityId: Type.Optional(Type.Integer({ minimum: 1 })),
};

const grantsOut = (p: Principal) =>
  p.grants.map((g) => ({ id: g.id, role: g.role, areaId: g.areaId, facilityId: g.facilityId }));

export function accessRoutes(
  app: App,
  svc: AccessService,
  deps: { db: Db; secureCookies: boolean; refreshTtlS: number; signInPerIpMinute: number },
) {
  const setRefreshCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(REFRESH_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.secureCookies,
      path: '/api/auth',
      maxAge: deps.refreshTtlS,
    });

  app.post(
    '/api/auth/sign-in',
    {
      schema: {
        operationId: 'signIn',
        tags: ['auth'],
        summary: 'Staff sign-in: a short-lived access token, and a refresh token in an httpOnly cookie',
        body: Type.Object(
          {
            username: Type.String({ minLength: 1, maxLength: 64 }),
            password: Type.String({ minLength: 1, maxLength: PASSWORD_RULE.maxLength }),
            tokenDelivery: Type.Optional(Type.Union([Type.Literal('cookie'), Type.Literal('body')])),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref(SignedIn), ...errors(400, 401, 423, 429) },
      },
      config: { public: true, rateLimit: { max: deps.signInPerIpMinute, timeWindow: '1 minute' } },
    },
    async (req, reply) => {
      const r = await svc.signIn(req.body.username, req.body.password, ctxOf(req));
      setRefreshCookie(reply, r.refreshToken);
      return {
        accessToken: r.accessToken,
        expiresIn: r.expiresIn,
        ...(req.body.tokenDelivery === 'body' ? { refreshToken: r.refreshToken } : {}),
        user: {
          id: r.principal.userId,
          username: r.principal.username,
          displayName: r.displayName,
          grants: grantsOut(r.principal),
        },
      };
    },
  );

  app.post(
    '/api/auth/refresh',
    {
      schema: {
        operationId: 'refreshSession',
        tags: ['auth'],
        summary:
          'A new access token from the refresh cookie (or a refreshToken in the body); the refresh token rotates',
        body: Type.Optional(
          Type.Object(
            { refreshToken: Type.Optional(Type.String({ maxLength: 200 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: Type.Ref(SignedIn), ...errors(400, 401) },
      },
      config: { public: true, rateLimit: { max: 60, timeWindow: '1 minute' } },
      // A browser refreshes with the cookie alone and sends no body at all.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      const fromBody = req.body?.refreshToken;
      const token = fromBody ?? req.cookies[REFRESH_COOKIE];
      if (!token) throw new AppError(401, 'session_ended', 'There is no sign-in to refresh. Sign in.');
      const r = await svc.refresh(token);
      setRefreshCookie(reply, r.refreshToken);
      return {
        accessToken: r.accessToken,
        expiresIn: r.expiresIn,
        ...(fromBody ? { refreshToken: r.refreshToken } : {}),
        user: {
          id: r.principal.userId,
          username: r.principal.username,
          displayName: r.displayName,
          grants: grantsOut(r.principal),
        },
      };
    },
  );

  app.post(
    '/api/auth/sign-out',
    {
      schema: { operationId: 'signOut', tags: ['auth'], response: { 204: Type.Null(), ...errors(401) } },
      config: { staff: true },
    },
    async (req, reply) => {
      const p = principalOf(req);
      await svc.signOut(p.sessionId, p.userId, ctxOf(req));
      void reply.clearCookie(REFRESH_COOKIE, { path: '/api/auth' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      schema: {
        operationId: 'whoAmI',
        tags: ['auth'],
        response: { 200: Type.Ref(StaffUser), ...errors(401) },
      },
      config: { staff: true },
    },
    async (req) => {
      const p = principalOf(req);
      const user = await accessRepository(deps.db).findUser(p.userId);
      return {
        id: p.userId,
        username: p.username,
        displayName: user?.display_name ?? '',
        active: true,
        locked: false,
        grants: grantsOut(p),
      };
    },
  );

  app.get(
    '/api/users',
    {
      schema: {
        operationId: 'listUsers',
        tags: ['users'],
        summary: "Staff users with a role inside the caller's scope",
        querystring: Type.Object(
          { limit: Limit(500, 100), offset: Type.Integer({ minimum: 0, default: 0 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Type.Ref(StaffUser)), ...errors(400, 401, 403) },
      },
      config: { access: { action: 'user.read' } },
    },
    async (req) => {
      const scope = listScope(principalOf(req), 'user.read');
      const repo = accessRepository(deps.db);
      const users = await repo.listUsers(scope.all ? null : scope, req.query.limit, req.query.offset);
      return Promise.all(
        users.map(async (u) => ({
          id: u.id,
          username: u.username,
          displayName: u.display_name,
          active: u.active,
          locked: u.locked_until !== null && u.locked_until > new Date(),
          grants: (await repo.activeGrants(u.id)).map((g) => ({
            id: g.id,
            role: g.role,
            areaId: g.areaId,
            facilityId: g.facilityId,
          })),
        })),
      );
    },
  );

  app.post(
    '/api/users',
    {
      schema: {
        operationId: 'createUser',
        tags: ['users'],
        summary: "Create a staff user with a first role grant (inside the caller's own scope)",
        body: Type.Object(
          {
            username: Type.String({
              pattern: '^[a-z0-9][a-z0-9._-]{2,63}$',
              description: 'Lower-case letters, digits, dot, dash, underscore; 3 to 64.',
            }),
            displayName: Type.String({ minLength: 1, maxLength: 120 }),
            password: Type.String({ minLength: PASSWORD_RULE.minLength, maxLength: PASSWORD_RULE.maxLength }),
            ...GrantInput,
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ id: Type.Integer(), grantId: Type.Integer() }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
      config: { access: { action: 'user.write' } },
    },
    async (req, reply) =>
      reply.status(201).send(await svc.createUser(principalOf(req), req.body, ctxOf(req))),
  );

  app.post(
    '/api/users/:id/grants',
    {
      schema: {
        operationId: 'addGrant',
        tags: ['users'],
        params: IdParams,
        body: Type.Object(GrantInput, { additionalProperties: false }),
        response: { 201: Type.Object({ id: Type.Integer() }), ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'user.write' } },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send({ id: await svc.addGrant(principalOf(req), req.params.id, req.body, ctxOf(req)) }),
  );

  app.delete(
    '/api/users/:id/grants/:grantId',
    {
      schema: {
        operationId: 'revokeGrant',
        tags: ['users'],
        params: Type.Object({ id: Type.Integer({ minimum: 1 }), grantId: Type.Integer({ minimum: 1 }) }),
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'user.write' } },
    },
    async (req, reply) => {
      await svc.revokeGrant(principalOf(req), req.params.id, req.params.grantId, ctxOf(req));
      return reply.status(204).send(null);
    },
  );
}
