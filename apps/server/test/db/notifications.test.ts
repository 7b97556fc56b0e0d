import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { withTransaction, type Database } from '../../src/db/database.ts';
import type { WorkerLog } from '../../src/jobs/poller.ts';
import { enqueueNotification, NotificationRequestError } from '../../src/notifications/outbox.ts';
import {
  consoleSmsProvider,
  fileSmsProvider,
  httpSmsProvider,
  SmsSendError,
  type SmsProvider,
} from '../../src/notifications/providers.ts';
import {
  DEFAULT_HTTP_BODY_TEMPLATE,
  type DeliverySettings,
  type HttpGatewaySettings,
} from '../../src/notifications/settings.ts';
import type { NotificationTables } from '../../src/notifications/tables.ts';
import {
  renderMessage,
  TEMPLATE_NAMES,
  TemplateError,
  type TemplateName,
} from '../../src/notifications/templates.ts';
import { SendRate } from '../../src/notifications/rate.ts';
import { startNotificationWorker } from '../../src/notifications/worker.ts';
import { identifierVault } from '../../src/privacy/identifiers.ts';
import { testDatabase } from '../support/db.ts';

const vault = identifierVault(randomBytes(32).toString('hex'), randomBytes(32).toString('hex'));
const PHONE = '+8801712345678';
const SETTINGS: DeliverySettings = {
  maxAttempts: 5,
  baseBackoffMs: 1_000,
  maxBackoffMs: 8_000,
  leaseMs: 60_000,
  pollMs: 0,
  batchSize: 10,
  concurrency: 4,
};

/** A log that keeps every line, to check that no phone number or message text reaches it. */
function recordingLog(): { log: WorkerLog; lines: string[] } {
  const lines: string[] = [];
  const record = (...args: unknown[]) => {
    lines.push(JSON.stringify(args));
  };
  return { log: { debug: record, info: record, warn: record, error: record }, lines };
}

/**
 * Closes this file's database once every server connection has really ended. The harness drops
 * the database WITH (FORCE) as soon as the pool's end() resolves, which is before the sockets
 * close; a connection killed while closing surfaces as an unhandled error and fails the run.
 */
async function closeDatabase(database: Database): Promise<void> {
  if (database.kind === 'postgres') {
    const pool = database.pool;
    let open = pool.totalCount;
    const ended = new Promise<void>((resolve) => {
      if (open === 0) resolve();
      pool.on('remove', () => {
        if (--open <= 0) resolve();
      });
    });
    await database.db.destroy();
    await ended;
  }
  await database.close();
}

/** A clock that moves only when told: back-off and leases are stepped over, not waited for. */
function fakeClock() {
  let now = new Date(Date.now() + 1_000);
  return {
    clock: () => now,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

interface GatewayRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A tiny SMS gateway on 127.0.0.1: answers the n-th request (from 1) with the status `answer` gives. */
async function gateway(answer: (n: number) => number | 'hang', responseBody = '{}') {
  const requests: GatewayRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const status = answer(requests.length);
      if (status === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(responseBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no gateway address');
  return {
    url: `http://127.0.0.1:${address.port}/sms`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function gatewaySettings(url: string, over: Partial<HttpGatewaySettings> = {}): HttpGatewaySettings {
  return {
    url,
    method: 'POST',
    authHeaderName: 'X-API-Key',
    authHeaderValue: 'test-gateway-key',
    bodyTemplate: DEFAULT_HTTP_BODY_TEMPLATE,
    contentType: 'application/json',
    timeoutMs: 5_000,
    responseRefField: '',
    ...over,
  };
}

describe('SMS outbox', () => {
  let database: Database;
  let dir: string;
  const closers: (() => Promise<void>)[] = [];

  const rows = () =>
    database.db
      .$extendTables<NotificationTables>()
      .selectFrom('notification')
      .selectAll()
      .orderBy('id')
      .execute();
  const row = async (id: number) => {
    const found = (await rows()).find((r) => r.id === id);
    if (!found) throw new Error(`no notification ${id}`);
    return found;
  };
  const enqueue = (template: 'registration_confirmed' | 'otp' = 'registration_confirmed', to = PHONE) =>
    withTransaction(database.db, (trx) =>
      template === 'otp'
        ? enqueueNotification(
            trx,
            { to, template, locale: 'en', params: { code: '482913', minutes: 10 } },
            vault,
          )
        : enqueueNotification(
            trx,
            {
              to,
              template,
              locale: 'bn',
              params: { name: 'রহিমা খাতুন', registrationNumber: 'DW-000123' },
              personId: 17,
            },
            vault,
          ),
    );

  /** `count` bulk messages (missed appointments) queued by one statement, as a run queues its batch. */
  const queueBulk = (count: number, firstPersonId: number) =>
    database.db
      .$extendTables<NotificationTables>()
      .insertInto('notification')
      .values(
        Array.from({ length: count }, (_, i) => ({
          recipient_enc: vault.encrypt(PHONE),
          // Bulk, and about no appointment that could have been cancelled meanwhile.
          template: 'appointment_missed',
          locale: 'en' as const,
          params: JSON.stringify({ name: `Person ${i}`, date: '2026-12-01' }),
          person_id: firstPersonId + i,
        })),
      )
      .returning('id')
      .execute();
  /** The ids of the messages the file sink received, in the order they went out. */
  const sentIds = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { notificationId: number }).notificationId);

  beforeAll(async () => {
    database = await testDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-sms-'));
  });
  afterAll(() => closeDatabase(database));
  beforeEach(async () => {
    await database.db.$extendTables<NotificationTables>().deleteFrom('notification').execute();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('never sends a notification whose transaction rolled back', async () => {
    const file = path.join(dir, 'rolled-back.jsonl');
    await expect(
      withTransaction(database.db, async (trx) => {
        await enqueueNotification(
          trx,
          { to: PHONE, template: 'otp', locale: 'en', params: { code: '111111', minutes: 5 } },
          vault,
        );
        throw new Error('the registration failed');
      }),
    ).rejects.toThrow('the registration failed');
    const { log } = recordingLog();
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: fileSmsProvider(file),
      settings: SETTINGS,
      log,
    });
    expect(await worker.drain()).toBe(0);
    await worker.stop();
    expect(existsSync(file)).toBe(false);
    expect(await rows()).toHaveLength(0);
  });

  it('delivers through the file sink: one JSON line per message with the rendered text, row marked sent', async () => {
    const file = path.join(dir, 'outbox.jsonl');
    const bn = await enqueue('registration_confirmed');
    const otp = await enqueue('otp', '+8801898765432');
    const { log, lines: logLines } = recordingLog();
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: fileSmsProvider(file),
      settings: SETTINGS,
      log,
    });
    expect(await worker.drain()).toBe(2);
    await worker.stop();

    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    const bnLine = lines.find((l) => l.notificationId === bn.id)!;
    expect(bnLine).toMatchObject({ to: PHONE, template: 'registration_confirmed', locale: 'bn' });
    expect(bnLine.text).toBe(
      renderMessage('registration_confirmed', 'bn', { name: 'রহিমা খাতুন', registrationNumber: 'DW-000123' }),
    );
    expect(bnLine.text).toContain('নিবন্ধন নম্বর: DW-000123');
    expect(typeof bnLine.at).toBe('string');
    // A test (or the demo) reads the code from the sink, as a citizen reads it from the phone.
    const otpLine = lines.find((l) => l.notificationId === otp.id)!;
    expect(otpLine.to).toBe('+8801898765432');
    expect(String(otpLine.text).match(/code is (\d+)/)?.[1]).toBe('482913');

    for (const id of [bn.id, otp.id]) {
      const r = await row(id);
      expect(r.status).toBe('sent');
      expect(r.attempts).toBe(1);
      expect(r.sent_at).toBeInstanceOf(Date);
      expect(r.provider_ref).toMatch(/^file-/);
    }
    // Neither the phone nor the code is stored in plain text, and neither reaches the log.
    const stored = JSON.stringify(await rows());
    for (const secret of [PHONE, '+8801898765432', '482913']) {
      expect(stored).not.toContain(secret);
      expect(logLines.join('\n')).not.toContain(secret);
    }
    expect((await row(bn.id)).person_id).toBe(17);
  });

  it("sends a one-time code before a bulk run queued ahead of it, then the person's own messages, then the bulk in order", async () => {
    const file = path.join(dir, 'priority.jsonl');
    // An auto-scheduler batch: 25 messages in one statement, all with the same time.
    const queued = await queueBulk(25, 100);
    const own = await enqueue('registration_confirmed');
    const otp = await enqueue('otp', '+8801898765432');
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: fileSmsProvider(file),
      // One at a time: the sink's lines are in the order the messages went out.
      settings: { ...SETTINGS, batchSize: 10, concurrency: 1 },
      log: recordingLog().log,
    });
    expect(await worker.drain()).toBe(27);
    await worker.stop();
    expect(sentIds(file)).toEqual([otp.id, own.id, ...queued.map((r) => r.id)]);
  });

  it('sends bulk messages no faster than the bulk rate, and codes and own messages without waiting for it', async () => {
    const file = path.join(dir, 'bulk-rate.jsonl');
    const queued = await queueBulk(25, 200);
    let nowMs = 0;
    const rates = { all: new SendRate(0), bulk: new SendRate(10, () => nowMs) };
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: fileSmsProvider(file),
      settings: { ...SETTINGS, batchSize: 50, concurrency: 1 },
      rates,
      log: recordingLog().log,
    });
    // A second's worth of bulk goes out; the rest waits although it is due.
    expect(await worker.drain()).toBe(10);
    // A code and a registration message queued now go out at once, the bulk rate spent or not.
    const otp = await enqueue('otp', '+8801898765432');
    const own = await enqueue('registration_confirmed');
    expect(await worker.drain()).toBe(2);
    expect(sentIds(file).slice(10)).toEqual([otp.id, own.id]);
    // Half a second later, half a second's worth.
    nowMs += 500;
    expect(await worker.drain()).toBe(5);
    nowMs += 60_000;
    // After a long pause, no more than one second's worth at once.
    expect(await worker.drain()).toBe(10);
    await worker.stop();
    const bulkSent = sentIds(file).filter((id) => id !== otp.id && id !== own.id);
    expect(bulkSent).toEqual(queued.slice(0, 25).map((r) => r.id));
    const waiting = (await rows()).filter((r) => r.status === 'queued');
    expect(waiting).toHaveLength(0);
  });

  it('takes no more messages in all than the gateway rate allows, codes first', async () => {
    const file = path.join(dir, 'send-rate.jsonl');
    for (let i = 0; i < 4; i++) await enqueue('registration_confirmed');
    const otp = await enqueue('otp', '+8801898765432');
    let nowMs = 0;
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: fileSmsProvider(file),
      settings: { ...SETTINGS, batchSize: 50, concurrency: 1 },
      rates: { all: new SendRate(2, () => nowMs), bulk: new SendRate(0) },
      log: recordingLog().log,
    });
    expect(await worker.drain()).toBe(2);
    expect(sentIds(file)[0]).toBe(otp.id);
    expect((await rows()).filter((r) => r.status === 'queued')).toHaveLength(3);
    nowMs += 1_000;
    expect(await worker.drain()).toBe(2);
    nowMs += 1_000;
    expect(await worker.drain()).toBe(1);
    await worker.stop();
  });

  it('gives every template a priority: codes first, bulk last', async () => {
    const expected: Record<TemplateName, 0 | 1 | 2> = {
      otp: 0,
      registration_confirmed: 1,
      registration_pending: 1,
      registration_verified: 1,
      registration_failed_verification: 1,
      appointment_booked: 1,
      appointment_assigned: 2,
      appointment_rescheduled: 1,
      appointment_cancelled: 1,
      session_cancelled: 1,
      appointment_missed: 2,
      appointment_reminder: 2,
      dose_recorded: 1,
      dose_recorded_next: 1,
    };
    expect(Object.keys(expected).sort()).toEqual([...TEMPLATE_NAMES].sort());
    const written = await database.db
      .$extendTables<NotificationTables>()
      .insertInto('notification')
      .values(
        TEMPLATE_NAMES.map((template) => ({
          recipient_enc: vault.encrypt(PHONE),
          template,
          locale: 'en' as const,
          params: '{}',
          person_id: null,
        })),
      )
      .returning(['template', 'priority'])
      .execute();
    expect(Object.fromEntries(written.map((r) => [r.template, r.priority]))).toEqual(expected);
  });

  it('refuses a message it could not render, and a recipient that is not an E.164 phone', async () => {
    await expect(
      withTransaction(database.db, (trx) =>
        enqueueNotification(
          trx,
          // A caller that gets around the types still fails here, not in the worker later.
          { to: PHONE, template: 'appointment_booked', locale: 'en', params: { name: 'A' } as never },
          vault,
        ),
      ),
    ).rejects.toThrow(TemplateError);
    await expect(
      withTransaction(database.db, (trx) =>
        enqueueNotification(
          trx,
          { to: '01712345678', template: 'otp', locale: 'en', params: { code: '1', minutes: 5 } },
          vault,
        ),
      ),
    ).rejects.toThrow(NotificationRequestError);
    expect(await rows()).toHaveLength(0);
  });

  it("sends to a person's phone as their record stores it, and refuses a stored value that is not one", async () => {
    const file = path.join(dir, 'stored-phone.jsonl');
    const other = '+8801811122233';
    const queued = await withTransaction(database.db, (trx) =>
      enqueueNotification(
        trx,
        {
          to: { encrypted: vault.encrypt(other) },
          template: 'registration_confirmed',
          locale: 'en',
          params: { name: 'Rahima Khatun', registrationNumber: 'DW-000124' },
        },
        vault,
      ),
    );
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: fileSmsProvider(file),
      settings: SETTINGS,
      log: recordingLog().log,
    });
    await worker.drain();
    await worker.stop();
    const line = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.notificationId === queued.id);
    expect(line).toMatchObject({ to: other, template: 'registration_confirmed' });
    const before = (await rows()).length;
    await expect(
      withTransaction(database.db, (trx) =>
        enqueueNotification(
          trx,
          {
            to: { encrypted: other },
            template: 'registration_confirmed',
            locale: 'en',
            params: { name: 'A', registrationNumber: 'DW-1' },
          },
          vault,
        ),
      ),
    ).rejects.toThrow(NotificationRequestError);
    expect(await rows()).toHaveLength(before);
  });

  it('logs only ids and the template from the console sink, and prints the text only when told to', async () => {
    const { log, lines } = recordingLog();
    const printed: string[] = [];
    const stdout = { write: (s: string) => printed.push(s) };
    const meta = { notificationId: 9, template: 'otp', locale: 'en' as const, ref: 'dosewise-9' };
    await consoleSmsProvider(log, { stdout }).send(PHONE, 'Your Dosewise code is 123456.', meta);
    expect(lines.join('\n')).toContain('"notificationId":9');
    expect(lines.join('\n')).not.toMatch(/8801712345678|123456\./);
    expect(printed).toHaveLength(0);
    await consoleSmsProvider(log, { stdout, printMessages: true }).send(
      PHONE,
      'Your Dosewise code is 123456.',
      meta,
    );
    expect(printed.join('')).toContain('Your Dosewise code is 123456.');
  });

  it('retries a gateway 5xx with back-off and sends on the third attempt', async () => {
    const gw = await gateway((n) => (n <= 2 ? 500 : 200));
    closers.push(gw.close);
    const { clock, advance } = fakeClock();
    const { id } = await enqueue('registration_confirmed');
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: httpSmsProvider(gatewaySettings(gw.url)),
      settings: SETTINGS,
      log: recordingLog().log,
      clock,
    });

    expect(await worker.drain()).toBe(1);
    let r = await row(id);
    expect(r).toMatchObject({
      status: 'queued',
      attempts: 1,
      last_error: 'SmsSendError: gateway answered HTTP 500',
    });
    // Back-off: not due again before half the base delay has passed.
    expect(r.next_attempt_at.getTime()).toBeGreaterThanOrEqual(
      clock().getTime() + SETTINGS.baseBackoffMs / 2,
    );
    expect(await worker.drain()).toBe(0);

    advance(SETTINGS.baseBackoffMs);
    expect(await worker.drain()).toBe(1);
    r = await row(id);
    expect(r).toMatchObject({ status: 'queued', attempts: 2 });
    expect(r.next_attempt_at.getTime()).toBeGreaterThanOrEqual(clock().getTime() + SETTINGS.baseBackoffMs);

    advance(2 * SETTINGS.baseBackoffMs);
    expect(await worker.drain()).toBe(1);
    r = await row(id);
    expect(r).toMatchObject({
      status: 'sent',
      attempts: 3,
      last_error: null,
      provider_ref: `dosewise-${id}`,
    });
    await worker.stop();

    expect(gw.requests).toHaveLength(3);
    const text = renderMessage('registration_confirmed', 'bn', {
      name: 'রহিমা খাতুন',
      registrationNumber: 'DW-000123',
    });
    for (const req of gw.requests) {
      expect(req.method).toBe('POST');
      expect(req.headers['x-api-key']).toBe('test-gateway-key');
      expect(req.headers['content-type']).toMatch(/^application\/json/);
      // The same reference on every attempt, so a gateway can drop a duplicate.
      expect(JSON.parse(req.body)).toEqual({ to: PHONE, text, ref: `dosewise-${id}` });
    }
  });

  it('fails at once on a gateway 4xx', async () => {
    const gw = await gateway(() => 400);
    closers.push(gw.close);
    const { id } = await enqueue('registration_confirmed');
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: httpSmsProvider(gatewaySettings(gw.url)),
      settings: SETTINGS,
      log: recordingLog().log,
      clock: fakeClock().clock,
    });
    expect(await worker.drain()).toBe(1);
    await worker.stop();
    expect(await row(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'SmsSendError: gateway answered HTTP 400',
      sent_at: null,
    });
    expect(gw.requests).toHaveLength(1);
  });

  it('retries a gateway that does not answer in time', async () => {
    const gw = await gateway((n) => (n === 1 ? 'hang' : 200));
    closers.push(gw.close);
    const { clock, advance } = fakeClock();
    const { id } = await enqueue('otp');
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      // Generous, so that the attempt the gateway does answer never times out on a busy machine.
      provider: httpSmsProvider(gatewaySettings(gw.url, { timeoutMs: 1_500 })),
      settings: SETTINGS,
      log: recordingLog().log,
      clock,
    });
    expect(await worker.drain()).toBe(1);
    expect(await row(id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      last_error: expect.stringMatching(/did not answer within 1500 ms/) as unknown,
    });
    advance(SETTINGS.baseBackoffMs);
    expect(await worker.drain()).toBe(1);
    await worker.stop();
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(gw.requests).toHaveLength(2);
  });

  it('gives up after the configured number of attempts', async () => {
    const gw = await gateway(() => 503);
    closers.push(gw.close);
    const { clock, advance } = fakeClock();
    const { id } = await enqueue('registration_confirmed');
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: httpSmsProvider(gatewaySettings(gw.url)),
      settings: { ...SETTINGS, maxAttempts: 3 },
      log: recordingLog().log,
      clock,
    });
    for (let i = 0; i < 5; i++) {
      await worker.drain();
      advance(SETTINGS.maxBackoffMs);
    }
    await worker.stop();
    expect(await row(id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      last_error: 'gave up after 3 attempts: SmsSendError: gateway answered HTTP 503',
    });
    expect(gw.requests).toHaveLength(3);
  });

  it('speaks form-encoded gateways, fills the URL, and keeps the gateway message id', async () => {
    const gw = await gateway(() => 202, '{"data":{"messageId":"gw-778"}}');
    closers.push(gw.close);
    const provider = httpSmsProvider(
      gatewaySettings(`${gw.url}?sender=Dosewise&to={to}`, {
        method: 'post',
        contentType: 'application/x-www-form-urlencoded',
        bodyTemplate: 'msisdn={to}&message={text}&client_ref={ref}&type=unicode',
        authHeaderName: 'Authorization',
        authHeaderValue: 'Bearer gw-token',
        responseRefField: 'data.messageId',
      }),
    );
    const text = 'Name & more: রহিমা = "A+B" {to}';
    const result = await provider.send(PHONE, text, {
      notificationId: 5,
      template: 'otp',
      locale: 'bn',
      ref: 'dosewise-5',
    });
    expect(result.providerRef).toBe('gw-778');
    const [req] = gw.requests;
    expect(req?.headers.authorization).toBe('Bearer gw-token');
    expect(req?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(new URL(req!.url, 'http://x').searchParams.get('to')).toBe(PHONE);
    const form = new URLSearchParams(req!.body);
    expect(form.get('msisdn')).toBe(PHONE);
    expect(form.get('message')).toBe(text);
    expect(form.get('client_ref')).toBe('dosewise-5');
    expect(form.get('type')).toBe('unicode');
  });

  it('reports gateway failures as temporary or permanent, naming the status only', async () => {
    const statuses = [429, 408, 502, 401, 404, 301];
    const gw = await gateway((n) => statuses[n - 1]!, '{"error":"bad number +8801712345678"}');
    closers.push(gw.close);
    const provider = httpSmsProvider(gatewaySettings(gw.url));
    const failures: string[] = [];
    for (const status of statuses) {
      const err = await provider
        .send(PHONE, 'x', { notificationId: 1, template: 'otp', locale: 'en', ref: 'r' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err, String(status)).toBeInstanceOf(SmsSendError);
      const e = err as SmsSendError;
      expect(e.message).not.toContain('8801712345678');
      failures.push(`${status}:${e.failure}`);
    }
    expect(failures).toEqual([
      '429:temporary',
      '408:temporary',
      '502:temporary',
      '401:permanent',
      '404:permanent',
      '301:permanent',
    ]);
    const closed = await gateway(() => 200);
    await closed.close();
    const unreachable = await httpSmsProvider(gatewaySettings(closed.url))
      .send(PHONE, 'x', { notificationId: 1, template: 'otp', locale: 'en', ref: 'r' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(unreachable).toMatchObject({ failure: 'temporary' });
  });

  it('claims again a message whose lease ran out, and leaves one whose lease holds', async () => {
    const { clock, advance } = fakeClock();
    const a = await enqueue('registration_confirmed');
    const b = await enqueue('registration_confirmed');
    const q = database.db.$extendTables<NotificationTables>();
    // A worker died holding `a`; another is still busy with `b`.
    await q
      .updateTable('notification')
      .set({ status: 'sending', attempts: 1, next_attempt_at: new Date(clock().getTime() - 1) })
      .where('id', '=', a.id)
      .execute();
    await q
      .updateTable('notification')
      .set({ status: 'sending', attempts: 1, next_attempt_at: new Date(clock().getTime() + 30_000) })
      .where('id', '=', b.id)
      .execute();
    const sent: number[] = [];
    const provider: SmsProvider = {
      name: 'memory',
      async send(_to, _text, meta) {
        sent.push(meta.notificationId);
        return { providerRef: 'm' };
      },
    };
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider,
      settings: SETTINGS,
      log: recordingLog().log,
      clock,
    });
    expect(await worker.drain()).toBe(1);
    expect(sent).toEqual([a.id]);
    expect(await row(a.id)).toMatchObject({ status: 'sent', attempts: 2 });
    advance(60_000);
    expect(await worker.drain()).toBe(1);
    await worker.stop();
    expect(sent).toEqual([a.id, b.id]);
  });

  it('does not send a code that expired while it waited', async () => {
    const { clock, advance } = fakeClock();
    const { id } = await enqueue('otp');
    const sent: number[] = [];
    const provider: SmsProvider = {
      name: 'memory',
      async send(_to, _text, meta) {
        sent.push(meta.notificationId);
        return { providerRef: 'm' };
      },
    };
    advance(11 * 60_000);
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider,
      settings: SETTINGS,
      log: recordingLog().log,
      clock,
    });
    expect(await worker.drain()).toBe(1);
    await worker.stop();
    expect(sent).toEqual([]);
    expect(await row(id)).toMatchObject({
      status: 'failed',
      last_error: 'expired before it could be delivered',
    });
  });

  it('polls in the background, and on stop hands back the messages it had not started', async () => {
    const file = path.join(dir, 'polled.jsonl');
    const { id } = await enqueue('registration_confirmed');
    const worker = startNotificationWorker({
      db: database.db,
      vault,
      provider: fileSmsProvider(file),
      settings: { ...SETTINGS, pollMs: 10 },
      log: recordingLog().log,
    });
    await vi.waitFor(async () => expect((await row(id)).status).toBe('sent'), {
      timeout: 10_000,
      interval: 20,
    });
    await worker.stop();

    const ids = await Promise.all([1, 2, 3, 4].map(() => enqueue('registration_confirmed')));
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const provider: SmsProvider = {
      name: 'gated',
      async send() {
        started++;
        await gate;
        return { providerRef: 'g' };
      },
    };
    const slow = startNotificationWorker({
      db: database.db,
      vault,
      provider,
      // One message in flight at a time, so three are still unstarted when the worker stops.
      settings: { ...SETTINGS, pollMs: 10, concurrency: 1 },
      log: recordingLog().log,
    });
    await vi.waitFor(() => expect(started).toBe(1), { timeout: 10_000, interval: 10 });
    const stopped = slow.stop();
    release();
    await stopped;
    const after = await Promise.all(ids.map((n) => row(n.id)));
    expect(after.map((r) => r.status).sort()).toEqual(['queued', 'queued', 'queued', 'sent']);
    for (const r of after.filter((x) => x.status === 'queued')) expect(r.attempts).toBe(0);
    await expect(slow.drain()).rejects.toThrow(/stopped/);
  });

  it.skipIf(inject('dbKind') !== 'postgres')(
    'never sends a message twice when two workers drain at once',
    async () => {
      const count = 200;
      await withTransaction(database.db, async (trx) => {
        for (let i = 0; i < count; i++) {
          await enqueueNotification(
            trx,
            {
              to: `+88017${String(i).padStart(8, '0')}`,
              template: 'otp',
              locale: 'bn',
              params: { code: String(100000 + i), minutes: 10 },
            },
            vault,
          );
        }
      });
      const sent: number[] = [];
      const provider: SmsProvider = {
        name: 'memory',
        async send(_to, _text, meta) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          sent.push(meta.notificationId);
          return { providerRef: 'm' };
        },
      };
      const settings = { ...SETTINGS, batchSize: 5 };
      const workers = [1, 2].map(() =>
        startNotificationWorker({ db: database.db, vault, provider, settings, log: recordingLog().log }),
      );
      const done = await Promise.all(workers.map((w) => w.drain()));
      await Promise.all(workers.map((w) => w.stop()));
      expect(done[0]! + done[1]!).toBe(count);
      expect(done[0], 'both workers took a share').toBeGreaterThan(0);
      expect(done[1], 'both workers took a share').toBeGreaterThan(0);
      expect(sent).toHaveLength(count);
      expect(new Set(sent).size).toBe(count);
      expect((await rows()).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    },
  );
});
