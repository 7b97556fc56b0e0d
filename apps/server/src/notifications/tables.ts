import type { ColumnType, Generated } from 'kysely';

/**
 * Kysely type of the `notification` table (migrations/0002_registration.sql). Kept here until it
 * is merged into db/schema.ts; queries reach it through `db.$extendTables<NotificationTables>()`.
 */
export type NotificationStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'withdrawn';
export type Locale = 'en' | 'bn';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface NotificationTable {
  id: Generated<number>;
  channel: ColumnType<'sms', 'sms' | undefined, 'sms'>;
  recipient_enc: string;
  template: string;
  locale: Locale;
  params: ColumnType<Record<string, unknown>, string | undefined, string>;
  person_id: number | null;
  status: ColumnType<NotificationStatus, NotificationStatus | undefined, NotificationStatus>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  provider_ref: string | null;
  created_at: Generated<Date>;
  sent_at: Timestamp | null;
  /** Kept by the database from the template: 0 codes, 1 a person's own action, 2 bulk (0010_outbox_order.sql). */
  priority: ColumnType<0 | 1 | 2, never, never>;
}

// A type alias, not an interface: $extendTables wants a type with an implicit index signature.
export type NotificationTables = {
  notification: NotificationTable;
};
