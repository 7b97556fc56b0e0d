import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import { todayIn } from '../../src/registration/calendar.ts';

/** Vaccination sessions written straight into the tables, as the scheduling module stores them. */

export const TIME_ZONE = 'Asia/Dhaka';

/** The ISO date `offset` days from today in the programme's time zone. */
export function dayFromToday(offset: number): string {
  const today = todayIn(TIME_ZONE);
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
}

/** 'YYYY-MM-DD' -> 'DD-MM-YYYY' (CoWIN's form). */
export const dmy = (iso: string) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;

export interface SlotSpec {
  startsAt: string;
  endsAt: string;
  capacity: number;
  booked?: number;
}

export interface SessionSpec {
  facilityId: number;
  date: string;
  productCode?: string;
  doseNumbers?: number[];
  minAge?: number;
  maxAge?: number | null;
  status?: 'open' | 'closed' | 'cancelled';
  slots?: SlotSpec[];
}

export interface MadeSession {
  id: number;
  slotIds: number[];
}

const DEFAULT_SLOTS: SlotSpec[] = [
  { startsAt: '09:00', endsAt: '11:00', capacity: 20 },
  { startsAt: '11:00', endsAt: '13:00', capacity: 20 },
];

export async function productId(db: Db, code: string): Promise<number> {
  const row = await db
    .selectFrom('vaccine_product')
    .select('id')
    .where('code', '=', code)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A session with its slots; its hours run from the first slot's start to the last slot's end. */
export async function addSession(db: Db, spec: SessionSpec): Promise<MadeSession> {
  const slots = spec.slots ?? DEFAULT_SLOTS;
  const product = await productId(db, spec.productCode ?? 'COMIRNATY');
  const session = await db
    .insertInto('vaccination_session')
    .values({
      facility_id: spec.facilityId,
      session_date: spec.date,
      product_id: product,
      dose_numbers: spec.doseNumbers ?? [1, 2],
      min_age_years: spec.minAge ?? 18,
      max_age_years: spec.maxAge ?? null,
      starts_at: slots[0]!.startsAt,
      ends_at: slots[slots.length - 1]!.endsAt,
      status: spec.status ?? 'open',
      cancel_reason: null,
      created_by: null,
      settled_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const slotIds: number[] = [];
  for (const s of slots) {
    const row = await db
      .insertInto('session_slot')
      .values({
        session_id: session.id,
        starts_at: s.startsAt,
        ends_at: s.endsAt,
        capacity: s.capacity,
        booked: s.booked ?? 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    slotIds.push(row.id);
  }
  return { id: session.id, slotIds };
}

/** Takes one seat the way booking does; false when the slot is full. */
export async function takeSeat(db: Db, slotId: number): Promise<boolean> {
  const r =
    await sql`update session_slot set booked = booked + 1 where id = ${slotId} and booked < capacity`.execute(
      db,
    );
  return Number(r.numAffectedRows ?? 0) === 1;
}

/** Cancels every session already in the database, so a test sees only the sessions it makes. */
export async function cancelAllSessions(db: Db): Promise<void> {
  await sql`update vaccination_session set status = 'cancelled' where status <> 'cancelled'`.execute(db);
}

/** A district (second-level area) by English name, with its vaccination facilities. */
export async function districtWithFacilities(db: Db, nameEn: string) {
  const district = await db
    .selectFrom('area')
    .select(['id', 'code', 'path', 'parent_id', 'name_en', 'name_bn'])
    .where('depth', '=', 1)
    .where('name_en', '=', nameEn)
    .executeTakeFirstOrThrow();
  const facilities = await db
    .selectFrom('facility as f')
    .innerJoin('area as a', 'a.id', 'f.area_id')
    .select([
      'f.id',
      'f.code',
      'f.name_en',
      'f.latitude',
      'f.longitude',
      'f.area_id',
      'a.code as area_code',
      'a.depth as area_depth',
      'a.parent_id as area_parent_id',
    ])
    .where('a.path', 'like', `${district.path}%`)
    .where('f.type', '<>', 'store')
    .where('f.active', '=', true)
    .orderBy('f.id')
    .execute();
  return { district, facilities };
}
