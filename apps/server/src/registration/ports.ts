import type { Tx } from '../db/database.ts';
import type { NotificationRow, StoredPhone } from '../notifications/outbox.ts';

/** What registration needs from the outbox and the job queue, and nothing more. */
export interface OutboundMessage {
  /** E.164, or a person's stored phone (copied encrypted as it is). */
  to: string | StoredPhone;
  template: string;
  locale: 'en' | 'bn';
  params: Record<string, string | number>;
  personId?: number;
}
export type Notify = (trx: Tx, message: OutboundMessage) => Promise<void>;
export type EnqueueJob = (
  trx: Tx,
  kind: string,
  payload: Record<string, unknown>,
  opts?: { runAt?: Date },
) => Promise<void>;

/**
 * A message turned into its outbox row, for a repository that writes it in the same statement as
 * the fact that causes it (one round trip instead of a transaction of several).
 */
export type PrepareNotification = (message: OutboundMessage) => NotificationRow;
