import type { BackoffSettings } from '../jobs/backoff.ts';

/** Settings of the SMS outbox; config.ts maps environment variables onto them. */
export type SmsProviderKind = 'file' | 'console' | 'http';
export type HttpBodyContentType = 'application/json' | 'application/x-www-form-urlencoded';

export interface HttpGatewaySettings {
  /** Gateway endpoint; may hold `{to}`, `{text}`, `{ref}` (URL-encoded) for gateways that take a query string. */
  url: string;
  /** HTTP method; GET and HEAD send no body. */
  method: string;
  /** Header that carries the gateway credential, e.g. `Authorization` or `X-API-Key`; empty for none. */
  authHeaderName: string;
  authHeaderValue: string;
  /**
   * Request body with `{to}`, `{text}`, `{ref}` placeholders: a JSON document when contentType is
   * JSON (placeholders inside its string values), else `a={to}&b={text}` form fields.
   */
  bodyTemplate: string;
  contentType: HttpBodyContentType;
  timeoutMs: number;
  /** Dotted path of the gateway's message id in a JSON response (`data.messageId`); empty: our own ref. */
  responseRefField: string;
}

export interface SmsProviderSettings {
  provider: SmsProviderKind;
  /** JSON-lines file of the file sink. It holds phone numbers and texts: demo and tests only. */
  filePath: string;
  /** Console sink only: also print recipient and text to stdout (local demo; never in production). */
  consolePrintMessages: boolean;
  http?: HttpGatewaySettings | undefined;
}

export interface DeliverySettings extends BackoffSettings {
  /** Attempts in all, the first included; a temporary failure on the last one fails the message. */
  maxAttempts: number;
  /**
   * How long a claimed row stays reserved to the worker that claimed it. Must comfortably exceed
   * batchSize x gateway timeout: a lease that runs out while its batch is still sending lets
   * another worker claim and send the same message again.
   */
  leaseMs: number;
  /** Pause between polls when idle; 0 disables polling (drain() only: CLI and tests). */
  pollMs: number;
  batchSize: number;
  /** Messages of a batch in flight to the gateway at once. */
  concurrency: number;
}

export interface NotificationSettings extends SmsProviderSettings, DeliverySettings {}

export const DEFAULT_HTTP_BODY_TEMPLATE = '{"to":"{to}","text":"{text}","ref":"{ref}"}';

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = {
  maxAttempts: 6,
  baseBackoffMs: 5_000,
  maxBackoffMs: 10 * 60_000,
  leaseMs: 5 * 60_000,
  // Sign-in codes wait for this when the outbox is idle: keep it short.
  pollMs: 250,
  batchSize: 50,
  concurrency: 16,
};
