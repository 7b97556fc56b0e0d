import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Type } from '@sinclair/typebox';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { accessRoutes, Grant, SignedIn, StaffUser } from '../access/routes.ts';
import { AuditEvent, auditRoutes } from '../audit/routes.ts';
import { referenceRoutes } from '../reference/routes.ts';
import { registrationRoutes } from '../registration/routes.ts';
import { cardRoutes } from '../cards/routes.ts';
import { availabilityRoutes } from '../availability/routes.ts';
import { schedulingRoutes } from '../scheduling/routes.ts';
import { Appointment, Session } from '../scheduling/schemas.ts';
import { ScheduleRunSchema, scheduleRoutes } from '../scheduling/schedule-routes.ts';
import { Person, PriorityGroupSchema } from '../registration/schemas.ts';
import { createServices, type Services } from '../services.ts';
import { Area, AreaLevel, Facility, ImportReport, Product } from '../reference/schemas.ts';
import { registerAccessHooks } from './access-hooks.ts';
import { AppError, ErrorBody, registerErrorHandler, registerNotFound } from './errors.ts';
import { loggerOptions } from './logging.ts';
import { securityHeadersOnce } from './security-headers.ts';
import type { App } from './types.ts';

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web');
const VERSION = '0.1.0';

export interface AppOptions {
  config: Config;
  database: Database;
  /** Serve the web app: 'static' (built assets), 'vite' (dev server middleware), or 'none' (API only, tests). */
  web?: 'static' | 'vite' | 'none';
  logger?: boolean;
  /** Services made by the caller (the server process shares them with its workers); made here otherwise. */
  services?: Services;
  /** Registry base URL when services are made here (tests pass their simulator's). */
  registryUrl?: string;
}

// Bodies are validated strictly: no type coercion and unknown fields are refused, so a client
// mistake is reported instead of silently repaired. Query strings and params are text and are coerced.
const strictAjv = new Ajv({
  allErrors: false,
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: true,
  strict: false,
});
const coercingAjv = new Ajv({
  allErrors: false,
  coerceTypes: 'array',
  removeAdditional: false,
  useDefaults: true,
  strict: false,
});
// Schemas with an $id, referenced from routes with Type.Ref; they become OpenAPI components.
const SHARED_SCHEMAS = [
  ErrorBody,
  AreaLevel,
  Area,
  Facility,
  Product,
  ImportReport,
  Grant,
  SignedIn,
  StaffUser,
  AuditEvent,
  Person,
  PriorityGroupSchema,
  Session,
  Appointment,
  ScheduleRunSchema,
];
addFormats.default(strictAjv);
addFormats.default(coercingAjv);
for (const s of SHARED_SCHEMAS) {
  strictAjv.addSchema(s);
  coercingAjv.addSchema(s);
}

export async function buildApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const app = Fastify({
    logger: opts.logger === false ? false : loggerOptions(config),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{8,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema),
  );
  for (const s of SHARED_SCHEMAS) app.addSchema(s);
  app.addHook('onSend', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  // Plain text is not accepted anywhere (JSON sent as text/plain is a 415, not a puzzle);
  // CSV only where a route says it consumes it.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (req, body, done) => {
    const consumes = (req.routeOptions.schema as { consumes?: string[] } | undefined)?.consumes ?? [];
    if (!consumes.includes('text/csv'))
      return done(
        new AppError(
          415,
          'unsupported_media_type',
          'This content type is not accepted here; send application/json.',
        ),
        undefined,
      );
    done(null, body);
  });

  registerErrorHandler(app);
  await app.register(helmet, {
    global: false,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // The Vite dev server injects an inline preamble and talks over a websocket; only in development.
        scriptSrc: opts.web === 'vite' ? ["'self'", "'unsafe-inline'"] : ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: opts.web === 'vite' ? ["'self'", 'ws:', 'wss:'] : ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
    hsts: config.PUBLIC_URL.startsWith('https://'),
  });
  app.addHook('onRequest', securityHeadersOnce());
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  await app.register(cors, { origin: origins.length ? origins : false, credentials: true });
  await app.register(cookie);
  // Off by default; routes opt in with config.rateLimit (per-route limits keyed by client address).
  await app.register(rateLimit, {
    global: false,
    max: config.RATE_LIMIT_MAX,
    timeWindow: '1 minute',
    errorResponseBuilder: (req, ctx) => ({
      statusCode: 429,
      error: {
        code: 'rate_limited',
        message: `Too many requests. Try again in ${Math.ceil(ctx.ttl / 1000)} seconds.`,
        requestId: String(req.id),
      },
    }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Dosewise API',
        version: VERSION,
        description: 'National vaccination management platform.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  registerApi(
    app,
    opts,
    opts.services ?? (await createServices(config, opts.database, { registryUrl: opts.registryUrl })),
  );

  const web = opts.web ?? 'none';
  let shell = false;
  if (web === 'vite') await registerViteDev(app);
  else if (web === 'static') shell = await registerStaticWeb(app);
  registerNotFound(app, shell);
  return app;
}

function registerApi(app: App, { config, database }: AppOptions, services: Services) {
  const { access, reference } = services;
  registerAccessHooks(app, access, services.otp);

  app.get(
    '/health/live',
    {
      schema: {
        operationId: 'live',
        tags: ['health'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
      config: { public: true },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'ready',
        tags: ['health'],
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }),
          503: Type.Object({ status: Type.Literal('not_ready'), reason: Type.String() }),
        },
      },
      config: { public: true },
    },
    async (_req, reply) => {
      try {
        const pending = await pendingMigrations(database.db);
        if (pending.length)
          return reply
            .status(503)
            .send({ status: 'not_ready', reason: `migrations pending: ${pending.join(', ')}` });
        return { status: 'ready' as const, database: database.kind };
      } catch {
        return reply.status(503).send({ status: 'not_ready', reason: 'database unreachable' });
      }
    },
  );

  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, () => app.swagger());

  accessRoutes(app, access, {
    db: database.db,
    secureCookies: config.PUBLIC_URL.startsWith('https://'),
    refreshTtlS: config.REFRESH_TOKEN_TTL_S,
    signInPerIpMinute: config.SIGN_IN_PER_IP_MINUTE,
  });
  referenceRoutes(app, reference, config.IMPORT_BODY_LIMIT_BYTES);
  auditRoutes(app, { read: database.read });
  registrationRoutes(app, {
    otp: services.otp,
    registration: services.registration,
    groups: services.groups,
    reference,
    nudgeSms: services.nudgeSms,
    settings: {
      consentVersion: config.CONSENT_NOTICE_VERSION,
      peoplePerPhone: config.PEOPLE_PER_PHONE,
      otpTtlS: config.OTP_TTL_S,
      verifyPerIpMinute: config.OTP_VERIFY_PER_IP_MINUTE,
    },
  });
  cardRoutes(app, { cards: services.cards, registration: services.registration });
  availabilityRoutes(app, {
    availability: services.availability,
    searchPerIpMinute: config.SEARCH_PER_IP_MINUTE,
  });
  schedulingRoutes(app, {
    sessions: services.sessions,
    booking: services.booking,
    reference,
    settings: { bookingPerIpMinute: config.BOOKING_PER_IP_MINUTE },
  });
  scheduleRoutes(app, { autoschedule: services.autoschedule, reference });
  services.stock.registerRoutes(app, { reference });
  services.vaccination.registerRoutes(app, { reference, registration: services.registration });
  services.certificates.registerRoutes(app, { reference, registration: services.registration });
  services.reports.registerRoutes(app, { reference });
}

async function registerStaticWeb(app: App): Promise<boolean> {
  const dist = path.join(WEB_ROOT, 'dist');
  if (!existsSync(path.join(dist, 'index.html'))) {
    app.log.warn('web app is not built (apps/web/dist); run `npm run build:web`');
    return false;
  }
  await app.register(fastifyStatic, {
    root: dist,
    wildcard: false,
    index: ['index.html'],
    maxAge: '1h',
    immutable: false,
  });
  return true;
}

async function registerViteDev(app: App) {
  const { createServer } = await import('vite');
  const middie = (await import('@fastify/middie')).default;
  const vite = await createServer({
    root: WEB_ROOT,
    server: { middlewareMode: true, hmr: { server: app.server } },
    appType: 'spa',
  });
  await app.register(middie);
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = req.url ?? '';
    if (url.startsWith('/api/') || url.startsWith('/health/')) return next();
    vite.middlewares(req, res, next);
  });
  app.addHook('onClose', () => vite.close());
}
