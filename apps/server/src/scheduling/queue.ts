import { sql } from 'kysely';
import { nextDose, type DoseProduct, type DoseReceived } from '@dosewise/domain';
import type { Queryable } from '../db/database.ts';
import { formatIn } from '../registration/calendar.ts';
import type { WaitingReason } from '../db/schema.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import { enqueueNotification } from '../notifications/outbox.ts';
import type { TemplateName, TemplateParams } from '../notifications/templates.ts';

/** Products as the dose rules see them, from the product table. */
export async function doseProducts(db: Queryable): Promise<DoseProduct[]> {
  const rows = await db
    .selectFrom('vaccine_product')
    .select([
      'id',
      'code',
      'primary_doses',
      'min_interval_days',
      'recommended_interval_days',
      'booster_allowed',
      'booster_min_interval_days',
      'min_age_years',
      'active',
    ])
    .execute();
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    primaryDoses: r.primary_doses,
    minIntervalDays: r.min_interval_days,
    recommendedIntervalDays: r.recommended_interval_days,
    boosterAllowed: r.booster_allowed,
    boosterMinIntervalDays: r.booster_min_interval_days,
    minAgeYears: r.min_age_years,
    active: r.active,
  }));
}

/** The doses a person has received (voided ones do not count), oldest first, with where they were given. */
export async function dosesOf(
  db: Queryable,
  personId: number,
): Promise<(DoseReceived & { facilityId: number | null })[]> {
  const rows = await db
    .selectFrom('dose')
    .select(['dose_number', 'product_id', 'administered_on', 'facility_id'])
    .where('person_id', '=', personId)
    .where('voided_at', 'is', null)
    .orderBy('dose_number')
    .execute();
  return rows.map((r) => ({
    doseNumber: r.dose_number,
    productId: r.product_id,
    date: r.administered_on,
    facilityId: r.facility_id,
  }));
}

/**
 * Puts a person back in the waiting queue for their next dose (after a cancellation, a cancelled
 * session, a missed appointment). Nothing happens when they need no further dose, are no longer
 * eligible, or already hold an appointment for it.
 */
export async function requeue(
  trx: Queryable,
  personId: number,
  reason: WaitingReason,
  products: readonly DoseProduct[],
  today: string,
): Promise<void> {
  const person = await trx
    .selectFrom('person as p')
    .innerJoin('priority_group as g', 'g.id', 'p.priority_group_id')
    .select(['p.registered_at', 'p.removed_at', 'p.priority_status', 'p.verification_status', 'g.rank'])
    .where('p.id', '=', personId)
    .executeTakeFirst();
  if (!person || person.removed_at || person.priority_status !== 'accepted') return;
  if (person.verification_status === 'failed') return;
  const doses = await dosesOf(trx, personId);
  const next = nextDose(doses, products, today);
  if (next.kind === 'complete') return;
  const last = doses[doses.length - 1];
  await trx
    .insertInto('waiting_entry')
    .values({
      person_id: personId,
      dose_number: next.doseNumber,
      product_id: next.seriesProductId,
      facility_id: last?.facilityId ?? null,
      earliest_date: next.earliestDate,
      due_date: next.doseNumber > 1 ? next.dueDate : null,
      priority_rank: person.rank,
      registered_at: person.registered_at,
      reason,
    })
    .onConflict((oc) =>
      oc
        .columns(['person_id', 'dose_number'])
        .doUpdateSet({ reason, since: sql`now()`, unplaced_reason: null }),
    )
    .execute();
  // An appointment for that dose may exist already (booked meanwhile): then the person is not waiting.
  await trx
    .deleteFrom('waiting_entry')
    .where('person_id', '=', personId)
    .where('dose_number', '=', next.doseNumber)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('appointment')
          .select(sql`1`.as('x'))
          .where('person_id', '=', personId)
          .where('dose_number', '=', next.doseNumber)
          .where('status', '=', 'booked'),
      ),
    )
    .execute();
}

/** One SMS to a person, in the caller's transaction; people registered without a phone get none. */
export async function notifyPerson<T extends TemplateName>(
  trx: Queryable,
  vault: IdentifierVault,
  person: { id: number; phone_enc: string | null; locale: 'en' | 'bn' },
  template: T,
  params: TemplateParams<T>,
): Promise<void> {
  if (!person.phone_enc) return;
  await enqueueNotification(
    trx,
    { to: { encrypted: person.phone_enc }, template, locale: person.locale, params, personId: person.id },
    vault,
  );
}

/**
 * An appointment message's parameters as SQL over `p` (person), `f` (facility), `sl` (slot) and
 * the appointment row `alias` (its `session_date` and `code`): the name by nameFor's rule, the
 * facility's name in the person's language, date and time as messages show them. The outbox
 * compares `code` and `date` with the appointment before it sends (whileBooked templates).
 */
export const appointmentSmsParams = (alias: string) => sql`jsonb_build_object(
  'name', case when p.locale = 'bn' and p.name_bn is not null then p.name_bn else p.name_en end,
  'centre', case when p.locale = 'bn' then f.name_bn else f.name_en end,
  'date', ${sql.ref(`${alias}.session_date`)}::text,
  'time', to_char(sl.starts_at, 'HH24:MI'),
  'code', ${sql.ref(`${alias}.code`)})`;

/** '09:30:00' → '09:30'. */
export const hhmm = (t: string) => t.slice(0, 5);

/** The name to use in a message in the person's language. */
export const nameFor = (p: { name_en: string; name_bn: string | null; locale: 'en' | 'bn' }) =>
  p.locale === 'bn' && p.name_bn ? p.name_bn : p.name_en;

/** The time of day 'HH:MM' in the programme's time zone. */
export function clockIn(timeZone: string, now: Date = new Date()): string {
  return formatIn(timeZone, 'clock', {
    locale: 'en-GB',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(now);
}
