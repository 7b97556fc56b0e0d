import type { Queryable } from '../db/database.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { Locale, NotificationTables } from './tables.ts';
import { renderMessage, templateDefinition, type TemplateName, type TemplateParams } from './templates.ts';

/**
 * A phone as a person's record keeps it: checked when it was stored, and encrypted under the same
 * key as the outbox's recipients, so it is copied into the row as it is (no decryption and
 * encryption again for every message).
 */
export interface StoredPhone {
  encrypted: string;
}

export interface NotificationRequest<T extends TemplateName = TemplateName> {
  /** Recipient in E.164, e.g. +8801712345678, or as a person's record stores it. */
  to: string | StoredPhone;
  template: T;
  locale: Locale;
  params: TemplateParams<T>;
  personId?: number | null | undefined;
}

export class NotificationRequestError extends Error {
  override name = 'NotificationRequestError';
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** The recipient column: a phone checked and encrypted, or a stored one as it is. */
function recipientOf(to: string | StoredPhone, vault: Pick<IdentifierVault, 'encrypt'>): string {
  if (typeof to !== 'string') {
    if (!/^v\d+\.[\w-]+\.[\w-]+\.[\w-]+$/.test(to.encrypted))
      throw new NotificationRequestError('the stored recipient is not an encrypted phone');
    return to.encrypted;
  }
  if (!E164.test(to)) throw new NotificationRequestError('the recipient is not a phone number in E.164 form');
  return vault.encrypt(to);
}

/** Key under which a row's secret parameters are kept, encrypted as one JSON object. */
const SECRET_KEY = '$secret';

/** The columns of one outbox row, ready to insert (the repository of a fact may write it in its own statement). */
export interface NotificationRow {
  recipient_enc: string;
  template: string;
  locale: Locale;
  /** JSON text of the stored parameters, secret ones encrypted under one key. */
  params: string;
  person_id: number | null;
}

/**
 * One SMS as the row the outbox keeps. The text is rendered once here so a missing parameter fails
 * the caller, not the worker minutes later; the row keeps template and parameters, not the text.
 * The phone is stored encrypted, and so are secret parameters (the OTP code): plain values never
 * reach a column.
 */
export function notificationRow<T extends TemplateName>(
  n: NotificationRequest<T>,
  vault: Pick<IdentifierVault, 'encrypt'>,
): NotificationRow {
  const recipient = recipientOf(n.to, vault);
  const params = n.params as Readonly<Record<string, string | number>>;
  renderMessage(n.template, n.locale, params);
  const secretNames = new Set<string>(templateDefinition(n.template).secret ?? []);
  const stored: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) (secretNames.has(key) ? secret : stored)[key] = value;
  if (Object.keys(secret).length) stored[SECRET_KEY] = vault.encrypt(JSON.stringify(secret));
  return {
    recipient_enc: recipient,
    template: n.template,
    locale: n.locale,
    params: JSON.stringify(stored),
    person_id: n.personId ?? null,
  };
}

/**
 * Queues one SMS in the caller's transaction: the message exists if and only if the fact that
 * causes it commits, and nothing is sent from inside a request.
 */
export async function enqueueNotification<T extends TemplateName>(
  trx: Queryable,
  n: NotificationRequest<T>,
  vault: Pick<IdentifierVault, 'encrypt'>,
): Promise<{ id: number }> {
  const row = await trx
    .$extendTables<NotificationTables>()
    .insertInto('notification')
    .values(notificationRow(n, vault))
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id };
}

/** The parameters of a stored row, secret ones decrypted, ready for renderMessage. */
export function storedParams(
  params: Readonly<Record<string, unknown>>,
  vault: Pick<IdentifierVault, 'decrypt'>,
): Record<string, unknown> {
  const { [SECRET_KEY]: secret, ...plain } = params;
  if (typeof secret !== 'string') return plain;
  return { ...plain, ...(JSON.parse(vault.decrypt(secret)) as Record<string, unknown>) };
}

/**
 * The column values of one outbox row, for a caller that writes the row inside a larger statement
 * of its own (a booking's single-statement write). Same checks and encryption as enqueueNotification;
 * templates with secret parameters must go through enqueueNotification.
 */
export function notificationValues<T extends TemplateName>(
  n: NotificationRequest<T>,
  vault: Pick<IdentifierVault, 'encrypt'>,
): { recipient_enc: string; template: string; locale: Locale; params: string; person_id: number | null } {
  const recipient = recipientOf(n.to, vault);
  if (templateDefinition(n.template).secret?.length)
    throw new NotificationRequestError(`template "${n.template}" has secret parameters`);
  const params = n.params as Readonly<Record<string, string | number>>;
  renderMessage(n.template, n.locale, params);
  return {
    recipient_enc: recipient,
    template: n.template,
    locale: n.locale,
    params: JSON.stringify(params),
    person_id: n.personId ?? null,
  };
}
