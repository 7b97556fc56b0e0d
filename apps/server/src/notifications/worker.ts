import type { Db } from '../db/database.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import { backoffDelayMs, errorText, sqlAfter, sqlNow, type Clock } from '../jobs/backoff.ts';
import { startPoller, type BatchControl, type Worker, type WorkerLog } from '../jobs/poller.ts';
import { storedParams } from './outbox.ts';
import { notificationRef, SmsSendError, type SmsProvider } from './providers.ts';
import type { DeliverySettings } from './settings.ts';
import type { NotificationTables } from './tables.ts';
import { isTemplateName, renderMessage, templateDefinition } from './templates.ts';

export interface NotificationWorkerOptions {
  db: Db;
  vault: Pick<IdentifierVault, 'decrypt'>;
  provider: SmsProvider;
  settings: DeliverySettings;
  log: WorkerLog;
  /** Tests only: a fake clock. By default every time comes from the database. */
  clock?: Clock;
  random?: () => number;
}

interface ClaimedNotification {
  id: number;
  recipient_enc: string;
  template: string;
  locale: 'en' | 'bn';
  params: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

type Outcome =
  | { kind: 'sent'; providerRef: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'failed'; reason: string };

/**
 * Delivers the SMS outbox. Delivery is at least once: a row is claimed with a lease (status
 * 'sending', next_attempt_at moved to the lease's end) in one short statement, sent with no
 * connection held, then settled. A worker that dies mid-send leaves its rows to be claimed again
 * when the lease runs out, so a message can, rarely, go out twice; it is never lost. The same
 * reference goes with every attempt so a gateway that de-duplicates can drop the copy.
 *
 * Only the worker holding the current lease may reschedule or fail a row; a successful send is
 * recorded whoever holds it, because the message has gone out.
 */
export function startNotificationWorker(opts: NotificationWorkerOptions): Worker {
  const { provider, settings, log, vault, clock } = opts;
  const db = opts.db.$extendTables<NotificationTables>();
  const nowMs = () => (clock ? clock().getTime() : Date.now());

  const claim = async (): Promise<ClaimedNotification[]> => {
    const now = sqlNow(clock);
    return db
      .with(
        (cte) => cte('due').materialized(),
        (q) =>
          q
            .selectFrom('notification')
            .select('id')
            .where('status', 'in', ['queued', 'sending'])
            .where('next_attempt_at', '<=', now)
            .orderBy('next_attempt_at')
            .orderBy('id')
            .limit(settings.batchSize)
            .forUpdate()
            .skipLocked(),
      )
      .updateTable('notification')
      .from('due')
      .set((eb) => ({
        status: 'sending',
        attempts: eb('notification.attempts', '+', 1),
        next_attempt_at: sqlAfter(now, settings.leaseMs),
      }))
      .whereRef('notification.id', '=', 'due.id')
      .returning([
        'notification.id',
        'notification.recipient_enc',
        'notification.template',
        'notification.locale',
        'notification.params',
        'notification.attempts',
        'notification.created_at',
      ])
      .execute();
  };

  const attempt = async (row: ClaimedNotification): Promise<Outcome> => {
    let to: string;
    let text: string;
    try {
      to = vault.decrypt(row.recipient_enc);
    } catch {
      return { kind: 'failed', reason: 'recipient cannot be decrypted' };
    }
    try {
      const params = storedParams(row.params, vault);
      const expiryParam = isTemplateName(row.template)
        ? templateDefinition(row.template).expiresAfterMinutesParam
        : undefined;
      if (expiryParam !== undefined) {
        const minutes = Number(params[expiryParam]);
        if (Number.isFinite(minutes) && nowMs() > row.created_at.getTime() + minutes * 60_000) {
          return { kind: 'failed', reason: 'expired before it could be delivered' };
        }
      }
      text = renderMessage(row.template, row.locale, params);
    } catch (err) {
      return { kind: 'failed', reason: errorText(err) };
    }
    try {
      const { providerRef } = await provider.send(to, text, {
        notificationId: row.id,
        template: row.template,
        locale: row.locale,
        ref: notificationRef(row.id),
      });
      return { kind: 'sent', providerRef };
    } catch (err) {
      const reason = errorText(err);
      if (err instanceof SmsSendError && !err.temporary) return { kind: 'failed', reason };
      if (row.attempts >= settings.maxAttempts) {
        return { kind: 'failed', reason: `gave up after ${row.attempts} attempts: ${reason}` };
      }
      return { kind: 'retry', reason };
    }
  };

  const settle = async (row: ClaimedNotification, outcome: Outcome): Promise<void> => {
    const now = sqlNow(clock);
    const meta = {
      notificationId: row.id,
      template: row.template,
      attempt: row.attempts,
      provider: provider.name,
    };
    switch (outcome.kind) {
      case 'sent':
        await db
          .updateTable('notification')
          .set({ status: 'sent', provider_ref: outcome.providerRef, sent_at: now, last_error: null })
          .where('id', '=', row.id)
          .where('status', '<>', 'sent')
          .execute();
        log.debug(meta, 'sms sent');
        return;
      case 'retry': {
        const delay = backoffDelayMs(row.attempts, settings, opts.random);
        await db
          .updateTable('notification')
          .set({ status: 'queued', next_attempt_at: sqlAfter(now, delay), last_error: outcome.reason })
          .where('id', '=', row.id)
          .where('status', '=', 'sending')
          .where('attempts', '=', row.attempts)
          .execute();
        log.warn({ ...meta, reason: outcome.reason, retryInMs: delay }, 'sms not sent; will retry');
        return;
      }
      case 'failed':
        await db
          .updateTable('notification')
          .set({ status: 'failed', last_error: outcome.reason })
          .where('id', '=', row.id)
          .where('status', '=', 'sending')
          .where('attempts', '=', row.attempts)
          .execute();
        log.warn({ ...meta, reason: outcome.reason }, 'sms failed');
        return;
    }
  };

  /** Rows claimed but not started when the worker stops go back to the queue, attempt not counted. */
  const release = async (rows: ClaimedNotification[]): Promise<void> => {
    for (const row of rows) {
      await db
        .updateTable('notification')
        .set((eb) => ({ status: 'queued', attempts: eb('attempts', '-', 1), next_attempt_at: sqlNow(clock) }))
        .where('id', '=', row.id)
        .where('status', '=', 'sending')
        .where('attempts', '=', row.attempts)
        .execute();
    }
  };

  // A batch's messages go to the gateway several at a time (gateways take many requests at once;
  // one by one, a national campaign's codes would queue behind each other). Rows not started when
  // the worker stops go back to the queue.
  const runBatch = async (control: BatchControl): Promise<number> => {
    const rows = await claim();
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < rows.length && !control.stopping) {
        const row = rows[next++]!;
        await settle(row, await attempt(row));
        done++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, rows.length)) }, lane));
    if (next < rows.length) await release(rows.slice(next));
    return done;
  };

  return startPoller({ name: 'notification worker', pollMs: settings.pollMs, runBatch, log });
}
