import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import { backoffDelayMs, errorText, sqlAfter, sqlNow, type Clock } from '../jobs/backoff.ts';
import { startPoller, type BatchControl, type Worker, type WorkerLog } from '../jobs/poller.ts';
import { storedParams } from './outbox.ts';
import { notificationRef, SmsSendError, type SmsProvider } from './providers.ts';
import { UNLIMITED, type SendRates } from './rate.ts';
import type { DeliverySettings } from './settings.ts';
import type { NotificationTables } from './tables.ts';
import { isTemplateName, renderMessage, templateDefinition, TEMPLATE_NAMES } from './templates.ts';

/** Templates sent only while their appointment is booked (see TemplateDefinition.whileBooked). */
const WHILE_BOOKED = TEMPLATE_NAMES.filter((t) => templateDefinition(t).whileBooked);

export interface NotificationWorkerOptions {
  db: Db;
  vault: Pick<IdentifierVault, 'decrypt'>;
  provider: SmsProvider;
  settings: DeliverySettings;
  /** The gateway's send rates, shared by the process's loops. By default none. */
  rates?: SendRates;
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
  priority: number;
  /** An appointment's message whose appointment was cancelled or moved since it was queued. */
  withdrawn: boolean;
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
 *
 * One-time codes go first, then what a person has just done, then bulk messages (the priority the
 * database gives each template, migrations/0010_outbox_order.sql); each in the order it fell due.
 * A claim takes no more messages than the gateway's send rate allows, and no more bulk messages
 * than the bulk rate allows: a national auto-scheduler run's SMS go out over the following hours
 * rather than all at once, leaving the gateway and the database to what people are doing now.
 */
/**
 * A CTE that makes the statement's own transaction commit without waiting for its WAL to reach the
 * disk (synchronous_commit off, for that transaction only). Claims and "sent" marks use it: delivery
 * is at least once anyway, and all a database crash can take from them is a claim or a mark of the
 * last moment before it, that is a message sent again (the same reference goes with it). A code
 * then reaches the gateway without waiting for a disk flush.
 */
const ASYNC_COMMIT = sql`async_commit as materialized (select set_config('synchronous_commit', 'off', true))`;

export function startNotificationWorker(opts: NotificationWorkerOptions): Worker {
  const { provider, settings, log, vault, clock } = opts;
  const rates = opts.rates ?? UNLIMITED;
  const db = opts.db.$extendTables<NotificationTables>();
  const nowMs = () => (clock ? clock().getTime() : Date.now());

  /**
   * The claim and the "sent" mark are planned on every execution, not kept prepared: the outbox
   * grows from a few rows to hundreds of thousands within one national auto-scheduler run, and a
   * plan made while it was small (a scan of the whole table to find the claimed rows) was kept
   * for the whole run: 150-900 ms a claim, the largest load on the database during the run.
   */
  const claim = async (): Promise<ClaimedNotification[]> => {
    const wanted = rates.all.take(settings.batchSize);
    if (wanted === 0) return [];
    const bulk = rates.bulk.take(wanted, rates.bulk.chunk);
    const now = sqlNow(clock);
    let rows: ClaimedNotification[];
    try {
      ({ rows } = await sql<ClaimedNotification>`
      with ${ASYNC_COMMIT},
      -- The earliest due rows, highest priority first: each priority's range is read in index
      -- order and locked as it is read, passing over rows another loop holds, until the batch is
      -- full. A plain index scan (not index-only) marks the entries of rows already claimed or
      -- sent as dead as it passes them, so later claims skip them.
      p0 as materialized (
        select id from notification
        where priority = 0 and status in ('queued', 'sending') and next_attempt_at <= ${now}
        order by next_attempt_at, id
        limit ${wanted}::int
        for update skip locked
      ),
      p1 as materialized (
        select id from notification
        where priority = 1 and status in ('queued', 'sending') and next_attempt_at <= ${now}
        order by next_attempt_at, id
        limit ${wanted}::int - (select count(*) from p0)
        for update skip locked
      ),
      p2 as materialized (
        select id from notification
        where priority = 2 and status in ('queued', 'sending') and next_attempt_at <= ${now}
        order by next_attempt_at, id
        limit least(${bulk}::int, ${wanted}::int - (select count(*) from p0) - (select count(*) from p1))
        for update skip locked
      ),
      due as (select id from p0 union all select id from p1 union all select id from p2)
      -- The claimed rows by key, never a join that could scan the whole outbox.
      update notification n
      set status = 'sending', attempts = n.attempts + 1, next_attempt_at = ${sqlAfter(now, settings.leaseMs)}
      from async_commit
      where n.id = any(array(select id from due))
      returning n.id, n.recipient_enc, n.template, n.locale, n.params, n.attempts, n.created_at, n.priority,
        (n.template = any(${WHILE_BOOKED}::text[]) and n.person_id is not null and not exists (
          select 1 from appointment a
          where a.person_id = n.person_id and a.status = 'booked'
            and a.code = n.params->>'code' and a.session_date::text = n.params->>'date')) as withdrawn`.execute(
        db,
      ));
    } catch (err) {
      rates.all.giveBack(wanted);
      rates.bulk.giveBack(bulk);
      throw err;
    }
    // Withdrawn messages never reach the gateway: their share of the rates goes back.
    const going = rows.filter((r) => !r.withdrawn);
    rates.all.giveBack(wanted - going.length);
    rates.bulk.giveBack(bulk - going.filter((r) => r.priority === 2).length);
    // The update returns its rows in no particular order: the batch goes out highest priority first.
    return rows.sort((a, b) => a.priority - b.priority || a.id - b.id);
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

  /** Records the messages that went out, in one statement for the lot. */
  const settleSent = async (sent: { row: ClaimedNotification; providerRef: string }[]): Promise<void> => {
    if (sent.length === 0) return;
    // The rows by key, planned afresh (see the claim).
    const ids = sent.map((x) => x.row.id);
    await sql`
      with ${ASYNC_COMMIT}
      update notification n
      set status = 'sent', provider_ref = v.ref, sent_at = ${sqlNow(clock)}, last_error = null
      from unnest(${ids}::bigint[], ${sent.map((x) => x.providerRef)}::text[]) as v(id, ref),
        async_commit
      where n.id = any(${ids}::bigint[]) and n.id = v.id and n.status <> 'sent'`.execute(db);
    for (const { row } of sent)
      log.debug(
        { notificationId: row.id, template: row.template, attempt: row.attempts, provider: provider.name },
        'sms sent',
      );
  };

  /** Marks the messages whose appointment no longer stands, in one statement. */
  const settleWithdrawn = async (rows: ClaimedNotification[]): Promise<void> => {
    if (rows.length === 0) return;
    const ids = rows.map((r) => r.id);
    await sql`
      with ${ASYNC_COMMIT}
      update notification n
      set status = 'withdrawn', last_error = 'the appointment was cancelled or moved before the message went out'
      from async_commit
      where n.id = any(${ids}::bigint[]) and n.status = 'sending'`.execute(db);
    for (const row of rows)
      log.debug(
        { notificationId: row.id, template: row.template },
        'sms withdrawn: its appointment no longer stands',
      );
  };

  /** Reschedules or fails a message that did not go out (one at a time: the exception, not the rule). */
  const settle = async (
    row: ClaimedNotification,
    outcome: Exclude<Outcome, { kind: 'sent' }>,
  ): Promise<void> => {
    const now = sqlNow(clock);
    const meta = {
      notificationId: row.id,
      template: row.template,
      attempt: row.attempts,
      provider: provider.name,
    };
    switch (outcome.kind) {
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
  // one by one, a national campaign's codes would queue behind each other). The messages that went
  // out are recorded together once the batch is through, in one statement; a failure is recorded
  // at once. Rows not started when the worker stops go back to the queue.
  const runBatch = async (control: BatchControl): Promise<number> => {
    const claimed = await claim();
    if (claimed.length === 0) return 0;
    const withdrawn = claimed.filter((r) => r.withdrawn);
    await settleWithdrawn(withdrawn);
    const rows = withdrawn.length ? claimed.filter((r) => !r.withdrawn) : claimed;
    let next = 0;
    let done = 0;
    const sent: { row: ClaimedNotification; providerRef: string }[] = [];
    const lane = async () => {
      while (next < rows.length && !control.stopping) {
        const row = rows[next++]!;
        const outcome = await attempt(row);
        if (outcome.kind === 'sent') sent.push({ row, providerRef: outcome.providerRef });
        else await settle(row, outcome);
        done++;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(settings.concurrency, rows.length) }, lane));
    } finally {
      await settleSent(sent);
    }
    if (next < rows.length) await release(rows.slice(next));
    return done + withdrawn.length;
  };

  return startPoller({ name: 'notification worker', pollMs: settings.pollMs, runBatch, log });
}
