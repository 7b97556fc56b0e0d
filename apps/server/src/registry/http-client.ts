import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  BrokenCircuitError,
  TaskCancelledError,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import http from 'node:http';
import https from 'node:https';
import type {
  RegistryAdapter,
  RegistryAnswer,
  RegistryIdType,
  RegistryUnavailableReason,
} from './adapter.ts';
import { VERIFY_PATH, verifyResponseCheck, type VerifyRequest } from './protocol.ts';

/**
 * HTTP client of a national ID registry, speaking the protocol in protocol.ts.
 *
 * Resilience policy, per look-up (innermost first):
 * - every attempt has its own timeout (`timeoutMs`) and is aborted when it runs out;
 * - an attempt that fails transiently (timeout, 5xx, no connection) is retried up to `retries`
 *   times with exponential back-off and jitter; a look-up changes nothing, so repeating it is safe.
 *   A 4xx is never retried: the same request would be refused again;
 * - the circuit breaker counts attempts, not look-ups: after `breakerFailures` transient failures
 *   in a row it opens and look-ups answer `unavailable` at once, without a request, for
 *   `breakerCooldownMs`; then one trial request decides whether it closes or opens again. 4xx
 *   answers neither open nor close it: the registry is up, our request is wrong.
 *
 * Personal data never leaves this module except in the request body: logs carry the failure
 * reason, HTTP status and error code only, never the number or the date of birth.
 */

/** Credentials sent with every request: an API key in a header of the registry's choosing, or HTTP basic auth. */
export type RegistryCredentials =
  { kind: 'api_key'; header: string; value: string } | { kind: 'basic'; username: string; password: string };

/** pino-compatible: the server's logger fits as is. */
export interface RegistryLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  debug(details: object, message: string): void;
}

export interface RegistryHttpSettings {
  /** Base URL of the registry (or the gateway in front of it); `/v1/verify` is resolved against it. */
  baseUrl: string;
  credentials?: RegistryCredentials;
  /** Time limit of one attempt (connect, request and response body), in milliseconds. */
  timeoutMs: number;
  /** Further attempts after a transient failure (0: none). */
  retries: number;
  /** First back-off delay before a retry, in milliseconds; later ones grow exponentially, with jitter. */
  retryBaseDelayMs: number;
  /** Longest back-off delay, in milliseconds. */
  retryMaxDelayMs: number;
  /** Transient failures in a row (attempts, not look-ups) that open the circuit. */
  breakerFailures: number;
  /** How long the circuit stays open before one trial request, in milliseconds. */
  breakerCooldownMs: number;
  /** Most connections open to the registry at once; further look-ups wait (within their timeout) for one. */
  maxConnections: number;
  log?: RegistryLog;
}

/** Defaults sized for an interactive registration: worst case about 10 s before `unavailable`. */
export const DEFAULT_REGISTRY_HTTP_SETTINGS = {
  timeoutMs: 3000,
  retries: 2,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 1000,
  breakerFailures: 5,
  breakerCooldownMs: 30_000,
  maxConnections: 64,
} as const satisfies Partial<RegistryHttpSettings>;

export type RegistryCircuit = 'closed' | 'open' | 'half_open';

export interface RegistryHttpClient extends RegistryAdapter {
  /** State of the circuit breaker, for health checks and operators. */
  circuit(): RegistryCircuit;
  /** Closes the kept-alive connections (at shutdown). */
  close(): void;
}

/** A verify answer is a few hundred bytes; anything near this is not one. */
const MAX_RESPONSE_CHARS = 64 * 1024;

/** A failed attempt, classified. Its message carries no personal data. */
class RegistryCallError extends Error {
  override name = 'RegistryCallError';
  constructor(
    readonly reason: RegistryUnavailableReason,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(`registry call failed: ${reason}${status === undefined ? '' : ` (HTTP ${status})`}`);
  }

  get transient(): boolean {
    return this.reason === 'timeout' || this.reason === 'server_error' || this.reason === 'network_error';
  }
}

// instanceof, not cockatiel's isTaskCancelledError: in 3.2.1 that guard tests for the bulkhead
// error's marker and never recognises a timeout.
const isTransient = (err: unknown): boolean =>
  err instanceof TaskCancelledError || (err instanceof RegistryCallError && err.transient);

function reasonOf(err: unknown): RegistryUnavailableReason {
  if (err instanceof BrokenCircuitError) return 'circuit_open';
  if (err instanceof TaskCancelledError) return 'timeout';
  if (err instanceof RegistryCallError) return err.reason;
  return 'network_error';
}

/** What a log may say about a failure: reason, status and system error code. */
function failureDetails(failure: unknown) {
  // Breaker events carry { error } or { value }; a caught error comes as itself.
  const err = typeof failure === 'object' && failure !== null && 'error' in failure ? failure.error : failure;
  return {
    reason: reasonOf(err),
    status: err instanceof RegistryCallError ? err.status : undefined,
    code: err instanceof RegistryCallError ? err.code : undefined,
  };
}

/** The system error code of a failed connection (ECONNREFUSED, ECONNRESET, ...). */
function systemCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** An exchange that failed: cut short by the per-attempt timeout (the abort is reported first), or a connection failure. */
function connectionFailure(err: unknown, signal: AbortSignal): RegistryCallError {
  if (signal.aborted) return new RegistryCallError('timeout');
  return new RegistryCallError('network_error', undefined, systemCode(err));
}

function authorizationHeaders(credentials: RegistryCredentials | undefined): Record<string, string> {
  if (!credentials) return {};
  switch (credentials.kind) {
    case 'api_key':
      return { [credentials.header.toLowerCase()]: credentials.value };
    case 'basic':
      return {
        authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
      };
  }
}

export function createRegistryHttpClient(settings: RegistryHttpSettings): RegistryHttpClient {
  const base = settings.baseUrl.endsWith('/') ? settings.baseUrl : `${settings.baseUrl}/`;
  const url = new URL(VERIFY_PATH.slice(1), base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`the registry URL must be http or https, not ${url.protocol}`);
  }
  const secure = url.protocol === 'https:';
  // Connections are kept open and reused: a TLS handshake per look-up would cost more than the look-up.
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: settings.maxConnections })
    : new http.Agent({ keepAlive: true, maxSockets: settings.maxConnections });
  const send = secure ? https.request : http.request;
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...authorizationHeaders(settings.credentials),
  };
  const log = settings.log;

  const transient = handleWhen(isTransient);
  const retryPolicy = retry(transient, {
    maxAttempts: settings.retries,
    backoff: new ExponentialBackoff({
      initialDelay: settings.retryBaseDelayMs,
      maxDelay: settings.retryMaxDelayMs,
    }),
  });
  const breaker = circuitBreaker(transient, {
    halfOpenAfter: settings.breakerCooldownMs,
    breaker: new ConsecutiveBreaker(settings.breakerFailures),
  });
  const perAttempt = timeout(settings.timeoutMs, TimeoutStrategy.Aggressive);
  const policy = wrap(retryPolicy, breaker, perAttempt);

  breaker.onBreak((failure) =>
    log?.warn(
      { ...failureDetails(failure), cooldownMs: settings.breakerCooldownMs },
      'national ID registry circuit opened',
    ),
  );
  breaker.onHalfOpen(() => log?.info({}, 'national ID registry circuit half-open: sending a trial request'));
  breaker.onReset(() => log?.info({}, 'national ID registry circuit closed'));

  /**
   * One HTTP exchange on node:http rather than fetch: fetch costs about ten times the CPU per
   * call, which matters at thousands of look-ups a second. Redirects are not followed (a registry
   * that redirects is misconfigured, and following one would send the identity number to an
   * address nobody configured). Rejects with RegistryCallError only.
   */
  function exchange(body: string, signal: AbortSignal): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const fail = (err: unknown) => reject(connectionFailure(err, signal));
      const req = send(
        url,
        { method: 'POST', agent, signal, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const status = res.statusCode ?? 0;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (text.length > MAX_RESPONSE_CHARS) {
              res.destroy();
              reject(new RegistryCallError('bad_response', status));
            }
          });
          res.on('end', () => resolve({ status, text }));
          res.on('error', fail);
          res.on('close', () => {
            if (!res.complete) fail(new Error('response cut off'));
          });
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  async function attempt(body: string, signal: AbortSignal): Promise<RegistryAnswer> {
    const { status, text } = await exchange(body, signal);
    if (status >= 500) throw new RegistryCallError('server_error', status);
    if (status >= 400) throw new RegistryCallError('rejected', status);
    if (status !== 200) throw new RegistryCallError('bad_response', status);
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new RegistryCallError('bad_response', status);
    }
    if (!verifyResponseCheck.Check(payload)) throw new RegistryCallError('bad_response', status);
    switch (payload.result) {
      case 'matched':
        return { status: 'matched', person: payload.person };
      case 'not_found':
        return { status: 'not_found' };
      case 'mismatch':
        return { status: 'mismatch', field: payload.field };
    }
  }

  return {
    async verify(idType: RegistryIdType, number: string, dateOfBirth: string): Promise<RegistryAnswer> {
      const request: VerifyRequest = { idType, number, dateOfBirth };
      const body = JSON.stringify(request);
      try {
        // A signal per look-up: cockatiel hangs each policy's abort listener on it, and one shared
        // default signal would collect a listener per concurrent look-up.
        return await policy.execute(({ signal }) => attempt(body, signal), new AbortController().signal);
      } catch (err) {
        const details = failureDetails(err);
        log?.debug({ ...details, idType }, 'national ID registry unavailable');
        return { status: 'unavailable', reason: details.reason };
      }
    },
    close() {
      agent.destroy();
    },
    circuit() {
      switch (breaker.state) {
        case CircuitState.Closed:
          return 'closed';
        case CircuitState.HalfOpen:
          return 'half_open';
        case CircuitState.Open:
        case CircuitState.Isolated:
          return 'open';
      }
    },
  };
}
