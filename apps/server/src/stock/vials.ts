import { sql } from 'kysely';
import { withTransaction, type Db, type Queryable } from '../db/database.ts';
import type { VialCloseReason } from '../db/schema.ts';

/**
 * Open vials. A vial of a lot opened at a facility holds the lot's doses per vial; its doses may
 * be given until `usable_until`: the product's open-vial hours after opening, or, for a product
 * with 0 hours (a single-use vial), the end of that calendar day in the programme's time zone;
 * never past the end of the lot's expiry date. When it closes, the doses it still held are wasted:
 * a ledger entry from the facility to `wasted` (at most what the facility still holds of the lot).
 */

/**
 * `usable_until` for a vial of lot `lotId` opened at `openedAt`, as SQL (the product's
 * open_vial_hours; 0 means single use, until the end of that day in `timeZone`). Dose recording
 * that opens a vial itself can use the same expression.
 */
export function usableUntilSql(lotId: number, timeZone: string, openedAt = sql`now()`) {
  return sql<Date>`(
    select least(
      case when p.open_vial_hours > 0 then ${openedAt} + make_interval(hours => p.open_vial_hours)
           else (((${openedAt}) at time zone ${timeZone})::date + 1)::timestamp at time zone ${timeZone} end,
      (l.expires_on + 1)::timestamp at time zone ${timeZone})
    from lot l join vaccine_product p on p.id = l.product_id
    where l.id = ${lotId})`;
}

export function openVialStatement(
  q: Queryable,
  v: { facilityId: number; lotId: number; openedBy: number | null; timeZone: string },
) {
  return sql<{ id: number }>`
    insert into open_vial (facility_id, lot_id, doses_per_vial, usable_until, opened_by)
    select ${v.facilityId}, l.id, l.doses_per_vial, ${usableUntilSql(v.lotId, v.timeZone)}, ${v.openedBy}
    from lot l where l.id = ${v.lotId}
    returning id`.execute(q);
}

/**
 * Closes one open vial and posts its remaining doses as wasted. The vial row is locked first and
 * then the balance, the order dose recording takes them in. Returns undefined when it was closed already.
 */
export async function closeVial(
  q: Queryable,
  vialId: number,
  reason: VialCloseReason,
  recordedBy: number | null,
): Promise<{ wasted: number } | undefined> {
  const v = await q
    .selectFrom('open_vial')
    .select(['id', 'facility_id', 'lot_id', 'doses_per_vial', 'doses_used', 'closed_at'])
    .where('id', '=', vialId)
    .forUpdate()
    .executeTakeFirst();
  if (!v || v.closed_at) return undefined;
  const balance = await q
    .selectFrom('stock_balance')
    .select('quantity')
    .where('store_id', '=', v.facility_id)
    .where('lot_id', '=', v.lot_id)
    .forUpdate()
    .executeTakeFirst();
  const wasted = Math.max(0, Math.min(v.doses_per_vial - v.doses_used, balance?.quantity ?? 0));
  await q
    .updateTable('open_vial')
    .set({ closed_at: sql`now()`, close_reason: reason, doses_wasted: wasted })
    .where('id', '=', vialId)
    .execute();
  if (wasted > 0)
    await q
      .insertInto('stock_entry')
      .values({
        lot_id: v.lot_id,
        quantity: wasted,
        from_store_id: v.facility_id,
        to_party: 'wasted',
        kind: 'vial_wasted',
        vial_id: vialId,
        recorded_by: recordedBy,
      })
      .execute();
  return { wasted };
}

/**
 * Vials that must close now: past `usable_until` ('expired'), or opened before the end of that
 * day's sessions of their product at the facility when every one of those sessions has ended or
 * was closed early ('session_end'). Each closes in a transaction of its own; returns how many closed.
 */
export async function closeDueVials(
  db: Db,
  timeZone: string,
  now: Date = new Date(),
  limit = 200,
): Promise<number> {
  const { rows } = await sql<{ id: number; reason: VialCloseReason }>`
    select v.id, case when v.usable_until <= ${now} then 'expired' else 'session_end' end as reason
    from open_vial v
    join lot l on l.id = v.lot_id
    where v.closed_at is null
      and (v.usable_until <= ${now}
        or exists (
          select 1 from vaccination_session s
          where s.facility_id = v.facility_id and s.product_id = l.product_id and s.status <> 'cancelled'
            and s.session_date = (v.opened_at at time zone ${timeZone})::date
            and (s.session_date + s.ends_at) at time zone ${timeZone} > v.opened_at)
        and not exists (
          select 1 from vaccination_session s
          where s.facility_id = v.facility_id and s.product_id = l.product_id and s.status = 'open'
            and s.session_date = (v.opened_at at time zone ${timeZone})::date
            and (s.session_date + s.ends_at) at time zone ${timeZone} > ${now}))
    order by v.id
    limit ${limit}`.execute(db);
  let closed = 0;
  for (const r of rows) {
    const done = await withTransaction(db, (trx) => closeVial(trx, Number(r.id), r.reason, null));
    if (done) closed++;
  }
  return closed;
}
