import type { Tx } from '../db/database.ts';

/** What registration needs from the outbox and the job queue, and nothing more. */
export interface OutboundMessage {
  to: string;
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
