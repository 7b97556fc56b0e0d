import { sql } from 'kysely';
import { addDays } from '@dosewise/domain';
import type { Db } from '../../src/db/database.ts';
import { todayIn } from '../../src/registration/calendar.ts';
import { addSession, productId } from './sessions.ts';

/**
 * Stock, appointments and earlier doses for the vaccination tests, written straight into the
 * tables as the stock and scheduling modules keep them, so that each test states only what it needs.
 */

export const today = () => todayIn('Asia/Dhaka');

export async function storeFor(db: Db, facilityId: number): Promise<void> {
  const national = await db
    .selectFrom('store')
    .select('facility_id')
    .where('level', '=', 'national')
    .executeTakeFirst();
  let nationalId = national?.facility_id;
  if (!nationalId) {
    const f = await db
      .selectFrom('facility')
      .select('id')
      .where('type', '=', 'store')
      .where('id', '<>', facilityId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('store')
      .values({ facility_id: f.id, level: 'national', parent_facility_id: null })
      .execute();
    nationalId = f.id;
  }
  if (nationalId === facilityId) return;
  await db
    .insertInto('store')
    .values({ facility_id: facilityId, level: 'facility', parent_facility_id: nationalId })
    .onConflict((oc) => oc.column('facility_id').doNothing())
    .execute();
}

let lotSeq = 0;
export async function lotAt(
  db: Db,
  o: {
    facilityId: number | null;
    productCode: string;
    doses?: number;
    expiresOn?: string;
    dosesPerVial?: number;
  },
): Promise<number> {
  const product = await productId(db, o.productCode);
  const lot = await db
    .insertInto('lot')
    .values({
      product_id: product,
      lot_number: `T${process.pid}-${Date.now() % 100000}-${++lotSeq}`,
      manufacturer: 'Test Manufacturer',
      expires_on: o.expiresOn ?? addDays(today(), 200),
      doses_per_vial: o.dosesPerVial ?? 6,
      created_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (o.facilityId !== null && (o.doses ?? 60) > 0) {
    await storeFor(db, o.facilityId);
    await db
      .insertInto('stock_entry')
      .values({
        lot_id: lot.id,
        quantity: o.doses ?? 60,
        from_party: 'supplier',
        to_store_id: o.facilityId,
        kind: 'receipt',
      })
      .execute();
  }
  return lot.id;
}

export async function balance(db: Db, storeId: number, lotId: number): Promise<number> {
  const r = await db
    .selectFrom('stock_balance')
    .select('quantity')
    .where('store_id', '=', storeId)
    .where('lot_id', '=', lotId)
    .executeTakeFirst();
  return r?.quantity ?? 0;
}

export async function appointmentToday(
  db: Db,
  personId: number,
  facilityId: number,
  productCode = 'COMIRNATY',
  doseNumber = 1,
) {
  // All day: the session upkeep marks the appointments of a session that has ended as missed, and a
  // test may run at any hour.
  const session = await addSession(db, {
    facilityId,
    date: today(),
    productCode,
    doseNumbers: [doseNumber],
    slots: [{ startsAt: '00:00', endsAt: '23:59', capacity: 20 }],
  });
  const product = await productId(db, productCode);
  const code = String(1000 + ((personId * 7) % 9000));
  const a = await db
    .insertInto('appointment')
    .values({
      person_id: personId,
      dose_number: doseNumber,
      session_id: session.id,
      slot_id: session.slotIds[0]!,
      facility_id: facilityId,
      product_id: product,
      session_date: today(),
      code,
      booked_via: 'staff',
      booked_by_account: null,
      booked_by_staff: null,
      idempotency_key: null,
      cancelled_at: null,
      cancel_reason: null,
      attended_at: null,
      missed_at: null,
      reminded_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`update session_slot set booked = booked + 1 where id = ${session.slotIds[0]!}`.execute(db);
  return { id: a.id, code, sessionId: session.id };
}

export async function priorDose(
  db: Db,
  personId: number,
  productCode: string,
  daysAgo: number,
  facilityId: number,
  doseNumber = 1,
) {
  await sql`insert into dose (person_id, dose_number, product_id, facility_id, administered_on, administered_at)
            values (${personId}, ${doseNumber}, ${await productId(db, productCode)}, ${facilityId},
                    ${addDays(today(), -daysAgo)}::date, now() - make_interval(days => ${daysAgo}))`.execute(
    db,
  );
}
