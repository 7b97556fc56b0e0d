import {
  DEFAULT_REGISTRY_HTTP_SETTINGS,
  createRegistryHttpClient,
  type RegistryCredentials,
  type RegistryHttpClient,
  type RegistryHttpSettings,
  type RegistryLog,
} from './http-client.ts';

export type {
  RegistryAdapter,
  RegistryAnswer,
  RegistryGender,
  RegistryIdType,
  RegistryPerson,
  RegistryUnavailableReason,
} from './adapter.ts';
export { REGISTRY_ID_TYPES } from './adapter.ts';
export {
  DEFAULT_REGISTRY_HTTP_SETTINGS,
  type RegistryCircuit,
  type RegistryCredentials,
  type RegistryHttpClient,
  type RegistryHttpSettings,
  type RegistryLog,
} from './http-client.ts';

// The simulator (./simulator.ts) and its people (./demo-people.ts) are not re-exported: they pull
// in the demo dataset generator, which a server talking to the real registry never needs.

/** Settings of createRegistry: a base URL, and whatever differs from DEFAULT_REGISTRY_HTTP_SETTINGS. */
export type RegistrySettings = Pick<RegistryHttpSettings, 'baseUrl'> & Partial<RegistryHttpSettings>;

/**
 * The registry adapter the application uses. There is one implementation, the HTTP client: in
 * demo mode it talks to the simulator process, elsewhere to the registry at NID_REGISTRY_URL, so
 * demos and tests exercise the same timeouts, retries and circuit breaker as production.
 */
export function createRegistry(settings: RegistrySettings): RegistryHttpClient {
  return createRegistryHttpClient({ ...DEFAULT_REGISTRY_HTTP_SETTINGS, ...withoutUndefined(settings) });
}

/** The configuration variables the registry reads (names as in the configuration schema). */
export interface RegistryConfig {
  NID_REGISTRY_URL?: string;
  NID_REGISTRY_API_KEY?: string;
  NID_REGISTRY_API_KEY_HEADER?: string;
  NID_REGISTRY_USERNAME?: string;
  NID_REGISTRY_PASSWORD?: string;
  NID_REGISTRY_TIMEOUT_MS?: number;
  NID_REGISTRY_RETRIES?: number;
  NID_REGISTRY_RETRY_DELAY_MS?: number;
  NID_REGISTRY_BREAKER_FAILURES?: number;
  NID_REGISTRY_BREAKER_COOLDOWN_MS?: number;
  NID_REGISTRY_MAX_CONNECTIONS?: number;
}

/**
 * Settings from the configuration. `baseUrl` overrides NID_REGISTRY_URL: in demo mode it is the
 * URL of the simulator that `dosewise start` spawned. An API key wins over basic credentials.
 */
export function registrySettingsFromConfig(
  config: RegistryConfig,
  extra: { baseUrl?: string; log?: RegistryLog } = {},
): RegistrySettings {
  const baseUrl = extra.baseUrl ?? config.NID_REGISTRY_URL;
  if (!baseUrl) throw new Error('NID_REGISTRY_URL is not set and no registry simulator URL was given');
  let credentials: RegistryCredentials | undefined;
  if (config.NID_REGISTRY_API_KEY) {
    credentials = {
      kind: 'api_key',
      header: config.NID_REGISTRY_API_KEY_HEADER ?? 'x-api-key',
      value: config.NID_REGISTRY_API_KEY,
    };
  } else if (config.NID_REGISTRY_USERNAME && config.NID_REGISTRY_PASSWORD) {
    credentials = {
      kind: 'basic',
      username: config.NID_REGISTRY_USERNAME,
      password: config.NID_REGISTRY_PASSWORD,
    };
  }
  return {
    baseUrl,
    credentials,
    timeoutMs: config.NID_REGISTRY_TIMEOUT_MS,
    retries: config.NID_REGISTRY_RETRIES,
    retryBaseDelayMs: config.NID_REGISTRY_RETRY_DELAY_MS,
    breakerFailures: config.NID_REGISTRY_BREAKER_FAILURES,
    breakerCooldownMs: config.NID_REGISTRY_BREAKER_COOLDOWN_MS,
    maxConnections: config.NID_REGISTRY_MAX_CONNECTIONS,
    log: extra.log,
  };
}

/** Unset settings fall back to the defaults instead of overwriting them with undefined. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
