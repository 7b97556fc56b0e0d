import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { WorkerLog } from '../jobs/poller.ts';
import type { Locale } from './tables.ts';
import type { HttpGatewaySettings, SmsProviderSettings } from './settings.ts';

/** What a provider is told about a message besides its recipient and text. */
export interface SmsMessageMeta {
  notificationId: number;
  template: string;
  locale: Locale;
  /** Our reference for the message, the same on every attempt: a gateway may de-duplicate on it. */
  ref: string;
}

/**
 * One way out for every SMS. A provider resolves once the message is accepted for delivery and
 * throws SmsSendError to say whether trying again may help; any other error counts as temporary.
 * What it throws is stored and logged, so it must never quote the recipient or the text.
 */
export interface SmsProvider {
  readonly name: string;
  send(to: string, text: string, meta: SmsMessageMeta): Promise<{ providerRef: string }>;
}

export type SmsFailure = 'temporary' | 'permanent';

/** Its message is stored on the row and logged: it must never quote the recipient or the text. */
export class SmsSendError extends Error {
  override name = 'SmsSendError';
  constructor(
    readonly failure: SmsFailure,
    message: string,
  ) {
    super(message);
  }
  get temporary(): boolean {
    return this.failure === 'temporary';
  }
}

export function notificationRef(notificationId: number): string {
  return `dosewise-${notificationId}`;
}

/**
 * Appends one JSON line per message: the demo's "phone", and where tests read an OTP from.
 * The file holds phone numbers and texts, so it belongs to demo and test set-ups only.
 */
export function fileSmsProvider(filePath: string): SmsProvider {
  let ready: Promise<unknown> | undefined;
  return {
    name: 'file',
    async send(to, text, meta) {
      ready ??= mkdir(path.dirname(filePath), { recursive: true });
      await ready;
      const line = {
        at: new Date().toISOString(),
        to,
        text,
        template: meta.template,
        locale: meta.locale,
        notificationId: meta.notificationId,
      };
      await appendFile(filePath, `${JSON.stringify(line)}\n`, 'utf8');
      return { providerRef: `file-${randomUUID()}` };
    },
  };
}

/**
 * Logs that a message would go out: ids and template only, since logs never hold personal data.
 * Printing recipient and text to stdout is a separate, explicit switch for a local demo.
 */
export function consoleSmsProvider(
  log: WorkerLog,
  opts: { printMessages?: boolean; stdout?: { write(chunk: string): unknown } } = {},
): SmsProvider {
  const stdout = opts.stdout ?? process.stdout;
  return {
    name: 'console',
    async send(to, text, meta) {
      log.info(
        { notificationId: meta.notificationId, template: meta.template, locale: meta.locale },
        'sms (console sink)',
      );
      if (opts.printMessages) stdout.write(`[sms ${meta.notificationId} to ${to}] ${text}\n`);
      return { providerRef: `console-${meta.notificationId}` };
    },
  };
}

type Placeholders = Record<'to' | 'text' | 'ref', string>;

function fill(template: string, values: Placeholders, encode: (s: string) => string = (s) => s): string {
  return template.replace(/\{(to|text|ref)\}/g, (_, key: keyof Placeholders) => encode(values[key]));
}

function fillJson(node: unknown, values: Placeholders): unknown {
  if (typeof node === 'string') return fill(node, values);
  if (Array.isArray(node)) return node.map((n) => fillJson(n, values));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fillJson(v, values)]));
  }
  return node;
}

function pick(body: unknown, dottedPath: string): string | undefined {
  let node = body;
  for (const key of dottedPath.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' || typeof node === 'number' ? String(node) : undefined;
}

/**
 * A generic HTTP SMS gateway. The body is built from a template so most gateways need only
 * configuration. Values are placed by structure (JSON string values, form fields), never pasted
 * into raw text, so a message with quotes or ampersands cannot break the request.
 *
 * Retry policy: timeouts, network errors, 5xx, 408 and 429 are temporary; any other non-2xx
 * (bad number, bad credentials, bad request, a redirect) is permanent: the same request would fail
 * the same way. Errors name the status only: a gateway's error body may quote the recipient.
 */
export function httpSmsProvider(settings: HttpGatewaySettings): SmsProvider {
  if (!settings.url) throw new Error('the HTTP SMS gateway needs a URL');
  const method = settings.method.toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  let jsonTemplate: unknown;
  if (hasBody && settings.contentType === 'application/json') {
    try {
      jsonTemplate = JSON.parse(settings.bodyTemplate);
    } catch {
      throw new Error('the HTTP SMS gateway body template is not valid JSON');
    }
  }
  const formTemplate =
    hasBody && settings.contentType !== 'application/json'
      ? [...new URLSearchParams(settings.bodyTemplate)]
      : [];

  const body = (values: Placeholders): string | undefined => {
    if (!hasBody) return undefined;
    if (settings.contentType === 'application/json') return JSON.stringify(fillJson(jsonTemplate, values));
    return new URLSearchParams(formTemplate.map(([k, v]) => [k, fill(v, values)])).toString();
  };

  const exchange = keptAliveExchange();

  return {
    name: 'http',
    async send(to, text, meta) {
      const values: Placeholders = { to, text, ref: meta.ref };
      const headers: Record<string, string> = {};
      if (hasBody) headers['content-type'] = `${settings.contentType}; charset=utf-8`;
      if (settings.authHeaderName) headers[settings.authHeaderName] = settings.authHeaderValue;
      let res: { status: number; text: string };
      try {
        res = await exchange(fill(settings.url, values, encodeURIComponent), {
          method,
          headers,
          body: body(values),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (err) {
        throw transportError(err, settings.timeoutMs);
      }
      const responseText = res.text;
      if (res.status >= 200 && res.status < 300) {
        let providerRef: string | undefined;
        if (settings.responseRefField) {
          try {
            providerRef = pick(JSON.parse(responseText), settings.responseRefField);
          } catch {
            providerRef = undefined;
          }
        }
        return { providerRef: providerRef ?? meta.ref };
      }
      const temporary = res.status >= 500 || res.status === 408 || res.status === 429;
      throw new SmsSendError(temporary ? 'temporary' : 'permanent', `gateway answered HTTP ${res.status}`);
    },
  };
}

/**
 * One HTTP exchange on node:http(s) over kept-alive connections. fetch costs about three times the
 * CPU per message, which counts when a campaign's sign-in codes go out by the thousand each second.
 * Redirects are not followed (a 3xx is the gateway's answer). Fails as fetch does: an AbortError
 * when the signal fires, else an error whose `cause` is the system error (ECONNREFUSED, ...).
 * A kept-alive connection the gateway had already closed is retried once on a new one.
 */
function keptAliveExchange() {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const once = (
    url: URL,
    init: { method: string; headers: Record<string, string>; body?: string | undefined; signal: AbortSignal },
  ) =>
    new Promise<{ status: number; text: string; staleSocket?: boolean }>((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const headers = { ...init.headers };
      if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
      const req = (secure ? https : http).request(
        url,
        { method: init.method, headers, agent: secure ? agents.https : agents.http, signal: init.signal },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', fail);
          res.on('close', () => {
            if (!res.complete) fail(new Error('response cut off'));
          });
        },
      );
      function fail(err: unknown) {
        if (init.signal.aborted) reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        else if (req.reusedSocket && (err as { code?: unknown }).code === 'ECONNRESET')
          resolve({ status: 0, text: '', staleSocket: true });
        else reject(new Error('gateway request failed', { cause: err }));
      }
      req.on('error', fail);
      req.end(init.body);
    });
  return async (
    target: string,
    init: { method: string; headers: Record<string, string>; body?: string | undefined; signal: AbortSignal },
  ): Promise<{ status: number; text: string }> => {
    const url = new URL(target);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error('gateway request failed', { cause: { code: 'UNSUPPORTED_PROTOCOL' } });
    const first = await once(url, init);
    return first.staleSocket ? once(url, init) : first;
  };
}

function transportError(err: unknown, timeoutMs: number): SmsSendError {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new SmsSendError('temporary', `gateway did not answer within ${timeoutMs} ms`);
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.name : 'unknown';
  return new SmsSendError('temporary', `gateway unreachable (${code})`);
}

/** The provider the settings name. */
export function createSmsProvider(settings: SmsProviderSettings, log: WorkerLog): SmsProvider {
  switch (settings.provider) {
    case 'file':
      return fileSmsProvider(settings.filePath);
    case 'console':
      return consoleSmsProvider(log, { printMessages: settings.consolePrintMessages });
    case 'http':
      if (!settings.http) throw new Error('SMS provider "http" needs the HTTP gateway settings');
      return httpSmsProvider(settings.http);
  }
}
