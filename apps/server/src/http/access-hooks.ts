import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Action, Principal, Scope } from '../access/policy.ts';
import { authorize, holdsAction } from '../access/policy.ts';
import type { AccessService } from '../access/service.ts';
import { forbidden, unauthorized } from './errors.ts';

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
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized('not_signed_in', 'Sign in to do this.');
  return req.principal;
}

export function registerAccessHooks(app: FastifyInstance, access: Pick<AccessService, 'authenticate'>): void {
  app.addHook('onRoute', (route) => {
    const cfg = route.config as { access?: AccessRule; public?: boolean; staff?: boolean } | undefined;
    const declared = [cfg?.access, cfg?.public, cfg?.staff].filter(Boolean).length;
    if (declared !== 1 && route.url.startsWith('/api/') && !route.url.startsWith('/api/docs')) {
      throw new Error(`Route ${route.method} ${route.url} must declare exactly one of config.access, config.public, config.staff`);
    }
  });

  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
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
