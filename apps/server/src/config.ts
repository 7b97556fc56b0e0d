import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * The one configuration schema. Every variable carries a description; `docs/configuration.md` is
 * generated from it (`npx dosewise config-doc`) and a test keeps the two in step.
 * Secrets have no defaults: in production mode a missing secret stops the start; in demo and
 * development modes they are generated once into the data directory and reused.
 */
const Mode = Type.Union([
  Type.Literal('demo'),
  Type.Literal('development'),
  Type.Literal('production'),
  Type.Literal('test'),
]);

const IntString = (description: string, def: number, min = 0) =>
  Type.Integer({ description, default: def, minimum: min });

export const ConfigSchema = Type.Object({
  DOSEWISE_MODE: Type.Optional(
    Type.Union([Mode], {
      description:
        'Run mode: `demo` (embedded database, demo dataset seeded on first start), `development` (Vite dev server, generated keys), `production` (every secret must be given), `test`. Default: `production` when NODE_ENV=production, else `demo`.',
    }),
  ),
  PORT: IntString('TCP port of the HTTP server (API and web app on one port).', 3000, 0),
  HOST: Type.String({ description: 'Address the HTTP server listens on.', default: '0.0.0.0' }),
  WEB_CONCURRENCY: IntString(
    'API processes `dosewise start` runs on the one port (node:cluster), for a machine with several cores: a Node process uses one. With a PostgreSQL server only (the embedded database lives in one process). Each process has its own DATABASE_POOL_SIZE connections and, with RUN_WORKERS, its own SMS and job loops.',
    1,
    1,
  ),
  PUBLIC_URL: Type.Optional(
    Type.String({
      description:
        'External base URL of this deployment (used in links and certificate issuer URLs). Default: http://localhost:PORT.',
    }),
  ),
  DOSEWISE_DATA_DIR: Type.String({
    description: 'Directory for the embedded database, generated keys and caches.',
    default: './data',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      description:
        'PostgreSQL server connection string (15 or newer). When unset, the embedded PGlite database under DOSEWISE_DATA_DIR is used.',
    }),
  ),
  DATABASE_READ_URL: Type.Optional(
    Type.String({
      description:
        'Optional read replica for read-only queries (reports, availability, reference data reads).',
    }),
  ),
  DATABASE_POOL_SIZE: IntString('Connections per pool to a PostgreSQL server.', 20, 1),
  REFERENCE_CACHE_TTL_MS: IntString(
    'How long a process keeps the priority groups (and the lowest area level) that every registration checks before reading them again, in milliseconds: a group edited through another API process is seen within this time, through this one at once. 0: read every time.',
    5000,
    0,
  ),
  DATABASE_STATEMENT_TIMEOUT_MS: IntString(
    'statement_timeout set on every server connection, in milliseconds.',
    15000,
    100,
  ),
  DOSEWISE_TOKEN_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description: 'Secret (at least 32 characters) that signs staff access tokens. Required in production.',
    }),
  ),
  DOSEWISE_DATA_KEY: Type.Optional(
    Type.String({
      pattern: '^[0-9a-fA-F]{64}$',
      description:
        'AES-256-GCM key (64 hex characters) that encrypts national ID numbers and phone numbers at rest. Required in production.',
    }),
  ),
  DOSEWISE_INDEX_KEY: Type.Optional(
    Type.String({
      pattern: '^[0-9a-fA-F]{64}$',
      description:
        'HMAC-SHA-256 key (64 hex characters) for the blind indexes used to look up and de-duplicate identifiers. Required in production.',
    }),
  ),
  ACCESS_TOKEN_TTL_S: IntString('Lifetime of a staff access token, in seconds.', 900, 30),
  REFRESH_TOKEN_TTL_S: IntString(
    'Lifetime of a staff refresh token (the sign-in session), in seconds.',
    12 * 3600,
    60,
  ),
  LOGIN_MAX_FAILURES: IntString('Failed sign-ins in a row after which a staff account is locked.', 5, 1),
  LOGIN_LOCKOUT_S: IntString('How long a locked staff account stays locked, in seconds.', 900, 1),
  CORS_ORIGINS: Type.String({
    description:
      'Comma-separated list of origins allowed to call the API from a browser (empty: same origin only).',
    default: '',
  }),
  RATE_LIMIT_MAX: IntString(
    'Default requests per minute per client address on routes that opt in to rate limiting.',
    600,
    1,
  ),
  BODY_LIMIT_BYTES: IntString('Largest request body accepted, in bytes.', 1_048_576, 1024),
  IMPORT_BODY_LIMIT_BYTES: IntString('Largest CSV import body accepted, in bytes.', 20 * 1_048_576, 1024),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { description: 'pino log level.', default: 'info' },
  ),
  TRUST_PROXY: Type.Boolean({
    description: 'Trust X-Forwarded-* headers from a load balancer.',
    default: false,
  }),
  OTP_TTL_S: IntString('How long a sign-in code sent by SMS stays valid, in seconds.', 180, 30),
  OTP_MAX_TRIES: IntString('Wrong entries allowed per sign-in code before it is locked.', 5, 1),
  OTP_MAX_PER_PHONE_HOUR: IntString('Sign-in codes one phone number may request per hour.', 5, 1),
  OTP_MAX_PER_PHONE_DAY: IntString('Sign-in codes one phone number may request per day.', 10, 1),
  OTP_MAX_PER_IP_HOUR: IntString(
    'Sign-in codes one client address may request per hour (help desks and shared networks need headroom).',
    200,
    1,
  ),
  OTP_VERIFY_PER_IP_MINUTE: IntString(
    'Code entries one client address may make per minute (each code also allows only OTP_MAX_TRIES).',
    600,
    1,
  ),
  SIGN_IN_PER_IP_MINUTE: IntString('Staff sign-in attempts one client address may make per minute.', 30, 1),
  CITIZEN_TOKEN_TTL_S: IntString(
    'Lifetime of a citizen session after OTP verification, in seconds.',
    3600,
    60,
  ),
  SEARCH_PER_IP_MINUTE: IntString(
    'Availability searches one client address may make per minute (public and citizen searches alike).',
    600,
    1,
  ),
  BOOKING_PER_IP_MINUTE: IntString(
    'Bookings, reschedules and cancellations one client address may make per minute.',
    120,
    1,
  ),
  BOOKING_PER_PHONE_DAY: IntString(
    'Bookings, reschedules and cancellations one citizen phone may make per day (for the whole family).',
    20,
    1,
  ),
  BOOKING_PER_PERSON_DAY: IntString('Bookings, reschedules and cancellations per person per day.', 6, 1),
  MAX_RESCHEDULES: IntString('How many times one appointment may be rescheduled.', 3, 0),
  BOOKING_DAYS_AHEAD: IntString('How far ahead citizens may book, in days.', 60, 1),
  SCHEDULER_DAYS_AHEAD: IntString('How many days ahead the auto-scheduler fills, from tomorrow.', 7, 1),
  SCHEDULER_FALLBACK_KM: IntString(
    'How far from the preferred facility the auto-scheduler may place someone when it is full, in km.',
    15,
    0,
  ),
  NATIONAL_STORE_CODE: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,40}$',
    default: 'STORE-NATIONAL',
    description:
      'Code of the facility that is the national vaccine store (receipts from suppliers arrive there; every other store hangs below it).',
  }),
  STOCK_LOW_DAYS: IntString(
    "A store is low on a product when its stock would last fewer days than this at the last 14 days' use.",
    7,
    1,
  ),
  LOT_EXPIRY_ALERT_DAYS: IntString(
    'Lots that expire within this many days are shown as expiring soon.',
    60,
    1,
  ),
  DEVICE_CLOCK_TOLERANCE_S: IntString(
    "How far (seconds) a vaccinator device's clock may differ from the server's before its records are flagged.",
    300,
    10,
  ),
  SYNC_BATCH_MAX: IntString('The most offline records one upload may carry.', 500, 1),
  ROLLUP_INTERVAL_MS: IntString(
    'How often (milliseconds) the report rollups take in the facts recorded since their last pass.',
    1000,
    50,
  ),
  PUBLIC_DASHBOARD_REFRESH_S: IntString(
    'How often (seconds) the public dashboard is recomputed; readers in between get the cached figures.',
    5,
    1,
  ),
  REPORT_SUPPRESS_BELOW: IntString(
    'Public figures smaller than this (but above zero) are shown as suppressed, so nobody can be singled out.',
    10,
    1,
  ),
  PEOPLE_PER_PHONE: IntString('People one phone number may register (self and family).', 4, 1),
  REGISTRATION_NUMBER_PREFIX: Type.String({
    pattern: '^[A-Z]{2,4}$',
    default: 'BD',
    description: 'Prefix of registration numbers (letters, e.g. the country code).',
  }),
  ID_RULES: Type.Optional(
    Type.String({
      description:
        "JSON with the format and check rules per identity document type (national ID lengths and check digit, birth registration number, passport pattern); default: Bangladesh's rules in packages/domain (DEFAULT_ID_RULES).",
    }),
  ),
  TIME_ZONE: Type.String({
    default: 'Asia/Dhaka',
    description:
      "Time zone of the programme: today's date for ages, opening dates and intervals is taken in it.",
  }),
  REMINDERS_FROM: Type.String({
    default: '09:00',
    pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
    description:
      "Time of day (HH:MM, in TIME_ZONE) from which the day-before reminders of tomorrow's appointments go out; before it none is queued, so nobody is woken at night. 00:00: as soon as the day begins.",
  }),
  CONSENT_NOTICE_VERSION: Type.String({
    default: '2026-01',
    description: 'Version of the data-processing notice a citizen consents to at registration.',
  }),
  NID_REGISTRY_URL: Type.Optional(
    Type.String({
      description:
        'Base URL of the national ID registry. Unset in demo and development mode: `dosewise start` runs the registry simulator (`dosewise nid-sim`) and uses it.',
    }),
  ),
  NID_REGISTRY_API_KEY: Type.Optional(
    Type.String({ description: 'Credential sent to the registry in NID_REGISTRY_API_KEY_HEADER.' }),
  ),
  NID_REGISTRY_API_KEY_HEADER: Type.String({
    default: 'x-api-key',
    description: 'Header that carries NID_REGISTRY_API_KEY.',
  }),
  NID_REGISTRY_USERNAME: Type.Optional(
    Type.String({ description: 'Basic-auth user for the registry (when it takes no API key).' }),
  ),
  NID_REGISTRY_PASSWORD: Type.Optional(Type.String({ description: 'Basic-auth password for the registry.' })),
  NID_REGISTRY_TIMEOUT_MS: IntString(
    'Time allowed for one registry look-up attempt, in milliseconds.',
    2000,
    50,
  ),
  NID_REGISTRY_RETRIES: IntString(
    'Retries of a registry look-up after a timeout, network error or 5xx (not after a 4xx).',
    2,
    0,
  ),
  NID_REGISTRY_RETRY_DELAY_MS: IntString(
    'First back-off between registry retries, in milliseconds (doubles each time).',
    100,
    0,
  ),
  NID_REGISTRY_BREAKER_FAILURES: IntString(
    'Consecutive failed look-ups after which calls to the registry stop for a cool-down (circuit breaker).',
    5,
    1,
  ),
  NID_REGISTRY_BREAKER_COOLDOWN_MS: IntString(
    'How long the circuit stays open before one trial call, in milliseconds.',
    30000,
    100,
  ),
  NID_REGISTRY_MAX_CONNECTIONS: IntString('Most open connections to the registry.', 64, 1),
  NID_SIM_PORT: IntString('Port of the registry simulator that demo mode starts (0: any free port).', 0, 0),
  SMS_PROVIDER: Type.Optional(
    Type.Union([Type.Literal('file'), Type.Literal('console'), Type.Literal('http')], {
      description:
        'Where SMS go: `file` (JSON lines in SMS_FILE_PATH; demo and tests), `console` (ids only in the log), `http` (an SMS gateway). Default: `file`, and required to be `http` in production.',
    }),
  ),
  SMS_FILE_PATH: Type.Optional(
    Type.String({
      description:
        'File of the `file` SMS sink. Default: DOSEWISE_DATA_DIR/sms-outbox.jsonl. It holds phone numbers and texts: demo and tests only.',
    }),
  ),
  SMS_CONSOLE_PRINT: Type.Boolean({
    default: false,
    description: 'With SMS_PROVIDER=console, also print recipient and text to stdout (local demo only).',
  }),
  SMS_HTTP_URL: Type.Optional(
    Type.String({
      description:
        'SMS gateway endpoint (may hold {to}, {text}, {ref} for gateways that take a query string).',
    }),
  ),
  SMS_HTTP_METHOD: Type.String({ default: 'POST', description: 'HTTP method of the gateway call.' }),
  SMS_HTTP_AUTH_HEADER: Type.String({
    default: 'Authorization',
    description: 'Header that carries the gateway credential (empty for none).',
  }),
  SMS_HTTP_AUTH_VALUE: Type.Optional(Type.String({ description: 'Gateway credential, e.g. `Bearer ...`.' })),
  SMS_HTTP_BODY_TEMPLATE: Type.String({
    default: '{"to":"{to}","text":"{text}","ref":"{ref}"}',
    description: 'Request body with {to}, {text}, {ref} placeholders.',
  }),
  SMS_HTTP_CONTENT_TYPE: Type.Union(
    [Type.Literal('application/json'), Type.Literal('application/x-www-form-urlencoded')],
    { default: 'application/json', description: 'Content type of the gateway request body.' },
  ),
  SMS_HTTP_TIMEOUT_MS: IntString('Time allowed for one gateway call, in milliseconds.', 10000, 100),
  SMS_HTTP_RESPONSE_REF_FIELD: Type.String({
    default: '',
    description: "Dotted path of the gateway's message id in its JSON answer (empty: our own reference).",
  }),
  SMS_WORKERS: IntString(
    'SMS delivery loops per process on a server database (the embedded database has one).',
    4,
    1,
  ),
  SMS_SEND_RATE: IntString(
    "Messages per second the SMS gateway takes from the whole deployment (the contract's throughput); API processes share it. 0: as fast as the gateway answers.",
    0,
    0,
  ),
  SMS_BULK_RATE: IntString(
    "Bulk messages per second (auto-scheduler assignments, day-before reminders, missed appointments) for the whole deployment, within SMS_SEND_RATE; API processes share it. Sign-in codes and answers to what a person has just done are not held back by it. A national run's assignments then go out over the following hours instead of competing with sign-ins and bookings for the gateway and the database. 0: no separate limit.",
    100,
    0,
  ),
  SMS_MAX_ATTEMPTS: IntString('Delivery attempts per SMS before it is marked failed.', 6, 1),
  RUN_WORKERS: Type.Boolean({
    default: true,
    description:
      'Run the background workers (SMS delivery, jobs) inside the server process. With a server database they can run as separate processes instead (`dosewise worker`).',
  }),
  CARD_SIGNING_KEY_FILE: Type.Optional(
    Type.String({
      description:
        'Path of the private EC P-256 JWK that signs vaccination cards. Required in production; generated into DOSEWISE_DATA_DIR in demo mode.',
    }),
  ),
  CERTIFICATE_KEY_FILE: Type.Optional(
    Type.String({
      description:
        'Path of the certificate signing keys: JSON {dsc:{certificate (base64 DER), privateJwk}, shc:{privateJwk}, csca?:{certificate}}. Required in production; made once and kept encrypted in the database in demo mode.',
    }),
  ),
  CERTIFICATE_VALIDITY_DAYS: IntString('How long a vaccination certificate is valid, in days.', 365, 1),
  CERTIFICATE_ISSUER_NAME: Type.String({
    minLength: 1,
    default: 'Directorate General of Health Services, Bangladesh',
    description: 'The issuing authority named on certificates.',
  }),
  CERTIFICATE_COUNTRY: Type.String({
    pattern: '^[A-Z]{2}$',
    default: 'BD',
    description: 'ISO 3166-1 alpha-2 code of the issuing country (EU DCC `co` and `is` country).',
  }),
  CERTIFICATE_DCC_SCHEMA_FILE: Type.Optional(
    Type.String({
      description:
        'Path of the EU DCC JSON schema (DCC.combined-schema.json, 1.3.x) used to check EU certificates on verification.',
    }),
  ),
  CERTIFICATE_VERIFY_PER_IP_MINUTE: IntString(
    'Certificate verifications per client address per minute (public API).',
    120,
    1,
  ),
  SEED_PEOPLE: IntString(
    'People in the demo national ID registry stand-in seeded on the first demo start.',
    20000,
    0,
  ),
  SEED_RANDOM: IntString('Random seed of the demo dataset (the same seed gives the same dataset).', 1, 0),
});

export type ConfigInput = Static<typeof ConfigSchema>;
export type RunMode = Static<typeof Mode>;

export interface Config extends Omit<
  ConfigInput,
  'DOSEWISE_MODE' | 'DOSEWISE_TOKEN_SECRET' | 'DOSEWISE_DATA_KEY' | 'DOSEWISE_INDEX_KEY' | 'PUBLIC_URL'
> {
  DOSEWISE_MODE: RunMode;
  DOSEWISE_TOKEN_SECRET: string;
  DOSEWISE_DATA_KEY: string;
  DOSEWISE_INDEX_KEY: string;
  PUBLIC_URL: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const SECRETS = ['DOSEWISE_TOKEN_SECRET', 'DOSEWISE_DATA_KEY', 'DOSEWISE_INDEX_KEY'] as const;

function coerce(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(ConfigSchema.properties) as [string, TSchema][]) {
    const raw = env[key];
    if (raw === undefined || raw === '') continue;
    const type = (schema as { type?: string }).type;
    if (type === 'integer') out[key] = /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    else if (type === 'boolean')
      out[key] = raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    else out[key] = raw;
  }
  return out;
}

/** Reads, validates and completes the configuration. Throws ConfigError with every problem listed. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Value.Default(ConfigSchema, coerce(env)) as Record<string, unknown>;
  const errors = [...Value.Errors(ConfigSchema, input)].map(
    (e) => `${e.path.slice(1) || '(root)'}: ${e.message}`,
  );
  if (errors.length) throw new ConfigError(`Invalid configuration:\n  ${errors.join('\n  ')}`);
  const parsed = input as ConfigInput;
  const mode: RunMode = parsed.DOSEWISE_MODE ?? (env.NODE_ENV === 'production' ? 'production' : 'demo');
  const dataDir = path.resolve(parsed.DOSEWISE_DATA_DIR);
  const secrets: Record<(typeof SECRETS)[number], string | undefined> = {
    DOSEWISE_TOKEN_SECRET: parsed.DOSEWISE_TOKEN_SECRET,
    DOSEWISE_DATA_KEY: parsed.DOSEWISE_DATA_KEY,
    DOSEWISE_INDEX_KEY: parsed.DOSEWISE_INDEX_KEY,
  };
  const missing = SECRETS.filter((s) => !secrets[s]);
  if (missing.length) {
    if (mode === 'production') {
      throw new ConfigError(
        `Production mode needs these secrets, and they are not set: ${missing.join(', ')}. ` +
          'See docs/configuration.md for what each one is and how to make one.',
      );
    }
    Object.assign(secrets, generatedKeys(dataDir));
  }
  if (mode === 'production') {
    const problems: string[] = [];
    if (!parsed.NID_REGISTRY_URL) problems.push('NID_REGISTRY_URL (the national ID registry) is not set');
    if (parsed.SMS_PROVIDER !== 'http' || !parsed.SMS_HTTP_URL)
      problems.push('SMS_PROVIDER=http with SMS_HTTP_URL (the SMS gateway) is not set');
    if (!parsed.CARD_SIGNING_KEY_FILE)
      problems.push('CARD_SIGNING_KEY_FILE (the vaccination card signing key) is not set');
    if (!parsed.CERTIFICATE_KEY_FILE)
      problems.push('CERTIFICATE_KEY_FILE (the certificate signing keys) is not set');
    if (problems.length)
      throw new ConfigError(
        `Production mode cannot start: ${problems.join('; ')}. See docs/configuration.md.`,
      );
  }
  return {
    ...parsed,
    DOSEWISE_MODE: mode,
    DOSEWISE_DATA_DIR: dataDir,
    PUBLIC_URL: (parsed.PUBLIC_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/$/, ''),
    DOSEWISE_TOKEN_SECRET: secrets.DOSEWISE_TOKEN_SECRET!,
    DOSEWISE_DATA_KEY: secrets.DOSEWISE_DATA_KEY!,
    DOSEWISE_INDEX_KEY: secrets.DOSEWISE_INDEX_KEY!,
  };
}

/** Keys for demo and development: made once into the data directory, then reused, so data stays readable. */
function generatedKeys(dataDir: string): Record<(typeof SECRETS)[number], string> {
  const file = path.join(dataDir, 'keys.json');
  if (existsSync(file)) {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<(typeof SECRETS)[number], string>;
  }
  mkdirSync(dataDir, { recursive: true });
  const keys = {
    DOSEWISE_TOKEN_SECRET: randomBytes(32).toString('base64url'),
    DOSEWISE_DATA_KEY: randomBytes(32).toString('hex'),
    DOSEWISE_INDEX_KEY: randomBytes(32).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return keys;
}

/** Markdown table of every variable, for docs/configuration.md. */
export function configurationMarkdown(): string {
  const rows = Object.entries(ConfigSchema.properties).map(([key, schema]) => {
    const s = schema as { description?: string; default?: unknown };
    const def = s.default === undefined ? '' : `\`${JSON.stringify(s.default).replace(/^"|"$/g, '')}\``;
    return `| \`${key}\` | ${def} | ${s.description ?? ''} |`;
  });
  return [
    '# Configuration',
    '',
    'Every setting is an environment variable, validated at start-up against one schema',
    '(`apps/server/src/config.ts`); a bad value stops the start with a message naming it.',
    'This page is generated from that schema by `npx dosewise config-doc`; a test keeps it in step.',
    '',
    'In `production` mode the three secrets must be given; in `demo` and `development` mode they are',
    'generated once into `DOSEWISE_DATA_DIR/keys.json` and reused. Make one with',
    "`node -e \"console.log(require('crypto').randomBytes(32).toString('hex'))\"`.",
    '',
    '| variable | default | description |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
