import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Action, Principal, Scope } from '../access/policy.ts';
import { authorize, holdsAction } from '../access/policy.ts';
import type { AccessService } from '../access/service.ts';
import { forbidden, unauthorized } from './errors.ts';
import type { CitizenPrincipal } from '../registration/otp.ts';

/**
 * Each route states in its `config` either `public: true` or the action it performs and, when it
 * touches one thing, how to find that thing's scope. These hooks are the only place that acts on it.
 */
export interface AccessRule {
  action: Action;
  /** Scope of the target. Omitted on list routes: they filter by the principal's list scope. */
  scope?: (req: FastifyRequest) => Promise<Scope>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule;
    public?: boolean;
    /** Authenticated, any staff role (sign-out, who-am-I). */
    staff?: boolean;
    /** A citizen signed in with a phone code (their own and their family's records). */
    citizen?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
    citizen?: CitizenPrincipal;
  }
}

export function citizenOf(req: FastifyRequest): CitizenPrincipal {
  if (!req.citizen) throw unauthorized('not_signed_in', 'Sign in with your phone to do this.');
  return req.citizen;
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized('not_signed_in', 'Sign in to do this.');
  return req.principal;
}

export function registerAccessHooks(
  app: FastifyInstance,
  access: Pick<AccessService, 'authenticate'>,
  citizens: { authenticate(token: string): Promise<CitizenPrincipal> },
): void {
  app.addHook('onRoute', (route) => {
    const cfg = route.config;
    const declared = [cfg?.access, cfg?.public, cfg?.staff, cfg?.citizen].filter(Boolean).length;
    if (declared !== 1 && route.url.startsWith('/api/') && !route.url.startsWith('/api/docs')) {
      throw new Error(
        `Route ${String(route.method)} ${route.url} must declare exactly one of config.access, config.public, config.staff, config.citizen`,
      );
    }
  });

  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
    if (cfg.citizen) {
      const header = req.headers.authorization;
      if (!header?.startsWith('Bearer '))
        throw unauthorized('not_signed_in', 'Sign in with your phone to do this.');
      req.citizen = await citizens.authenticate(header.slice(7));
      return;
    }
    if (!cfg.access && !cfg.staff) return;
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw unauthorized('not_signed_in', 'Sign in to do this.');
    req.principal = await access.authenticate(header.slice(7));
    if (cfg.access && !holdsAction(req.principal, cfg.access.action)) throw forbidden();
  });

  app.addHook('preHandler', async (req) => {
    const rule = req.routeOptions.config.access;
    if (!rule?.scope) return;
    const target = await rule.scope(req);
    if (!authorize(principalOf(req), rule.action, target)) throw forbidden();
  });
}
