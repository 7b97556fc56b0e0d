import { sql } from 'kysely';
import type { DoseProduct } from '@dosewise/domain';
import { hotQuery, type Database, type Queryable } from '../db/database.ts';
import type { DoseViewT } from './schemas.ts';

/** A product as dose recording needs it: the schedule rules and the vial. */
export interface CatalogProduct extends DoseProduct {
  name: string;
  dosesPerVial: number;
  openVialHours: number;
}

export interface LotInfo {
  id: number;
  productId: number;
  lotNumber: string;
  expiresOn: string;
  dosesPerVial: number;
}

export interface FacilityInfo {
  id: number;
  code: string;
  nameEn: string;
  nameBn: string;
  areaId: number;
  areaPath: string;
}

export const ACCEPT_UNHELD_LOT_KEY = 'dose.accept_unheld_lot';

export async function productCatalog(db: Queryable): Promise<CatalogProduct[]> {
  const rows = await db.selectFrom('vaccine_product').selectAll().orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    primaryDoses: r.primary_doses,
    minIntervalDays: r.min_interval_days,
    recommendedIntervalDays: r.recommended_interval_days,
    boosterAllowed: r.booster_allowed,
    boosterMinIntervalDays: r.booster_min_interval_days,
    minAgeYears: r.min_age_years,
    active: r.active,
    dosesPerVial: r.doses_per_vial,
    openVialHours: r.open_vial_hours,
  }));
}

export async function lotsById(db: Queryable, ids: readonly number[]): Promise<LotInfo[]> {
  if (!ids.length) return [];
  const rows = await db
    .selectFrom('lot')
    .select(['id', 'product_id', 'lot_number', 'expires_on', 'doses_per_vial'])
    .where('id', 'in', [...ids])
    .execute();
  return rows.map((r) => ({
    id: r.id,
    productId: r.product_id,
    lotNumber: r.lot_number,
    expiresOn: r.expires_on,
    dosesPerVial: r.doses_per_vial,
  }));
}

export async function facilityInfo(db: Queryable, id: number): Promise<FacilityInfo | undefined> {
  const r = await db
    .selectFrom('facility as f')
    .innerJoin('area as a', 'a.id', 'f.area_id')
    .select(['f.id', 'f.code', 'f.name_en', 'f.name_bn', 'f.area_id', 'a.path'])
    .where('f.id', '=', id)
    .executeTakeFirst();
  return (
    r && { id: r.id, code: r.code, nameEn: r.name_en, nameBn: r.name_bn, areaId: r.area_id, areaPath: r.path }
  );
}

export async function readSetting(db: Queryable, key: string): Promise<unknown> {
  const r = await db
    .selectFrom('programme_setting')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  return r?.value;
}

export async function writeSetting(db: Queryable, key: string, value: unknown, userId: number) {
  await db
    .insertInto('programme_setting')
    .values({ key, value: JSON.stringify(value), updated_by: userId })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ value: JSON.stringify(value), updated_by: userId, updated_at: sql`now()` }),
    )
    .execute();
}

// ---------------------------------------------------------------------------------------------
// The hot path: one statement to read, one to write.

export interface PersonForDose {
  id: number;
  registration_number: string;
  name_en: string;
  name_bn: string | null;
  locale: 'en' | 'bn';
  phone_enc: string | null;
  date_of_birth: string;
  gender: string;
  removed_at: Date | null;
  priority_status: string;
  verification_status: string;
  registered_at: Date;
  area_id: number;
  rank: number;
  opens_on: string;
  doses: { id: number; doseNumber: number; productId: number; date: string; facilityId: number | null }[];
  appointment: {
    id: number;
    sessionId: number;
    doseNumber: number;
    code: string;
    facilityId: number;
    sessionDate: string;
    status: string;
    productId: number;
  } | null;
  replay_dose_id: number | null;
  replay_review_id: number | null;
  balance: number | null;
  has_store: boolean;
}

/**
 * The person with their doses, the appointment the dose answers (the one named, or today's booked
 * one at this facility), a replayed client id, and the facility store's balance of the lot.
 */
const PERSON_FOR_DOSE = `
  select p.id, p.registration_number, p.name_en, p.name_bn, p.locale, p.phone_enc, p.date_of_birth, p.gender,
         p.removed_at, p.priority_status, p.verification_status, p.registered_at, p.area_id,
         g.rank, g.opens_on,
         coalesce((select json_agg(json_build_object('id', d.id, 'doseNumber', d.dose_number, 'productId', d.product_id,
                                                     'date', d.administered_on, 'facilityId', d.facility_id)
                                   order by d.dose_number)
                   from dose d where d.person_id = p.id and d.voided_at is null), '[]') as doses,
         (select json_build_object('id', a.id, 'sessionId', a.session_id, 'doseNumber', a.dose_number, 'code', a.code,
                                   'facilityId', a.facility_id, 'sessionDate', a.session_date, 'status', a.status,
                                   'productId', a.product_id)
          from appointment a
          where a.person_id = p.id
            and (($6::bigint is not null and a.id = $6::bigint)
                 or ($6::bigint is null and a.facility_id = $2::bigint and a.session_date = $5::date and a.status = 'booked'))
          order by a.id desc limit 1) as appointment,
         (select d.id from dose d where d.person_id = p.id and d.client_id = $4::uuid) as replay_dose_id,
         (select r.id from dose_review r where r.person_id = p.id and r.client_id = $4::uuid) as replay_review_id,
         (select b.quantity from stock_balance b where b.store_id = $2::bigint and b.lot_id = $3::bigint) as balance,
         exists (select 1 from store s where s.facility_id = $2::bigint) as has_store
  from person p
  join priority_group g on g.id = p.priority_group_id
  where p.id = $1::bigint`;

/** The same for many doses at once: one row per dose asked about, `n` its place (from 1) in the list. */
const PEOPLE_FOR_DOSES = `
  select k.n, q.*
  from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::uuid[], $5::date[], $6::bigint[])
         with ordinality as k(person_id, facility_id, lot_id, client_id, day, appointment_id, n)
  cross join lateral (${PERSON_FOR_DOSE.replaceAll('$1::bigint', 'k.person_id')
    .replaceAll('$2::bigint', 'k.facility_id')
    .replaceAll('$3::bigint', 'k.lot_id')
    .replaceAll('$4::uuid', 'k.client_id')
    .replaceAll('$5::date', 'k.day')
    .replaceAll('$6::bigint', 'k.appointment_id')}) q`;

export interface DoseAsked {
  personId: number;
  facilityId: number;
  lotId: number;
  clientId: string | null;
  date: string;
  appointmentId: number | null;
}

export async function personForDose(
  database: Pick<Database, 'pool' | 'kind'>,
  q: DoseAsked,
): Promise<PersonForDose | undefined> {
  const rows = await hotQuery<PersonForDose>(database, 'dose_person', PERSON_FOR_DOSE, [
    q.personId,
    q.facilityId,
    q.lotId,
    q.clientId,
    q.date,
    q.appointmentId,
  ]);
  return rows[0];
}

export async function peopleForDoses(
  database: Pick<Database, 'pool' | 'kind'>,
  asked: readonly DoseAsked[],
): Promise<(PersonForDose | undefined)[]> {
  const rows = await hotQuery<PersonForDose & { n: string | number }>(
    database,
    'dose_people',
    PEOPLE_FOR_DOSES,
    [
      asked.map((q) => q.personId),
      asked.map((q) => q.facilityId),
      asked.map((q) => q.lotId),
      asked.map((q) => q.clientId),
      asked.map((q) => q.date),
      asked.map((q) => q.appointmentId),
    ],
  );
  const byPlace = new Map(rows.map(({ n, ...row }) => [Number(n), row]));
  return asked.map((_, i) => byPlace.get(i + 1));
}

/**
 * Everything a dose changes, in one statement: it commits whole or not at all.
 * - The vial: the oldest usable open vial of the lot at the facility is drawn from (its row locked,
 *   so two doses never take the same last dose), or a new one is opened; a full vial closes as used up.
 * - The dose row, and the ledger entry from the facility store to "administered" (the balance
 *   trigger refuses a store that has none left).
 * - The appointment attended; another booked appointment for the same dose (elsewhere) cancelled
 *   and its seat given back.
 * - The waiting queue: out for this dose, in for the next one (unless it is booked already).
 * - The certificate job and the SMS.
 * The unique index on (person, dose number) refuses a second dose of the same number.
 */
const RECORD_DOSE = `
  with pick as (
    select id from open_vial
    where $16::boolean and facility_id = $4::bigint and lot_id = $9::bigint and closed_at is null
      and usable_until > $6::timestamptz and doses_used < doses_per_vial
    order by opened_at, id
    limit 1
    for update
  ), used as (
    update open_vial v set doses_used = v.doses_used + 1,
           closed_at = case when v.doses_used + 1 >= v.doses_per_vial then $6::timestamptz end,
           doses_wasted = case when v.doses_used + 1 >= v.doses_per_vial then 0 end,
           close_reason = case when v.doses_used + 1 >= v.doses_per_vial then 'used_up' end
    from pick where v.id = pick.id
    returning v.id
  ), opened as (
    insert into open_vial (facility_id, lot_id, doses_per_vial, doses_used, opened_at, usable_until, opened_by,
                           closed_at, doses_wasted, close_reason)
    select $4::bigint, $9::bigint, $18::int, 1, $6::timestamptz,
           case when $17::int > 0 then $6::timestamptz + make_interval(hours => $17::int)
                else (($5::date + 1)::timestamp at time zone $31::text) end,
           $8::bigint,
           case when $18::int = 1 then $6::timestamptz end,
           case when $18::int = 1 then 0 end,
           case when $18::int = 1 then 'used_up' end
    where $16::boolean and not exists (select 1 from pick)
    returning id
  ), vial as (
    select id from used union all select id from opened
  ), dose_row as (
    insert into dose (person_id, dose_number, product_id, facility_id, administered_on, administered_at, appointment_id,
                      recorded_by, lot_id, session_id, body_site, identity_check, consent, vial_id, client_id,
                      device_id, device_recorded_at, source, flags)
    values ($1::bigint, $2::int, $3::bigint, $4::bigint, $5::date, $6::timestamptz, $7::bigint, $8::bigint, $9::bigint,
            $10::bigint, $11::text, $12::text, true, (select id from vial), $13::uuid, $29::text, $30::timestamptz,
            $14::text, $15::text[])
    returning id, recorded_at
  ), ledger as (
    insert into stock_entry (lot_id, quantity, from_store_id, to_party, kind, vial_id, person_id, dose_id, recorded_by)
    select $9::bigint, 1, $4::bigint, 'administered', 'administered', (select id from vial), $1::bigint, dose_row.id,
           $8::bigint
    from dose_row where $16::boolean
  ), attended as (
    update appointment set status = 'attended', attended_at = $6::timestamptz, updated_at = now()
    where person_id = $1::bigint and id = $7::bigint and status = 'booked'
  ), stale as (
    update appointment set status = 'cancelled', cancel_reason = 'staff', cancelled_at = now(), updated_at = now()
    where person_id = $1::bigint and dose_number = $2::int and status = 'booked' and id is distinct from $7::bigint
    returning slot_id
  ), freed as (
    update session_slot s set booked = s.booked - 1 from stale where s.id = stale.slot_id and s.booked > 0
  ), unqueue as (
    delete from waiting_entry where person_id = $1::bigint and dose_number <= $2::int
  ), queue as (
    insert into waiting_entry (person_id, dose_number, product_id, facility_id, earliest_date, due_date, priority_rank,
                               registered_at, reason)
    select $1::bigint, $19::int, $20::bigint, $4::bigint, $21::date, $22::date, $23::int, $24::timestamptz, 'next_dose'
    from dose_row
    where $19::int is not null
      and not exists (select 1 from appointment a where a.person_id = $1::bigint and a.dose_number = $19::int
                      and a.status = 'booked')
    on conflict (person_id, dose_number) do update
      set product_id = excluded.product_id, facility_id = excluded.facility_id, earliest_date = excluded.earliest_date,
          due_date = excluded.due_date, reason = 'next_dose', since = now(), unplaced_reason = null, unplaced_at = null
  ), certificate as (
    insert into job (kind, payload)
    select 'certificate.issue', jsonb_build_object('personId', $1::bigint, 'doseId', dose_row.id) from dose_row
  ), sms as (
    insert into notification (recipient_enc, template, locale, params, person_id)
    select $25::text, $26::text, $27::text, $28::jsonb, $1::bigint from dose_row where $25::text is not null
  )
  select dose_row.id, dose_row.recorded_at, (select id from vial) as vial_id from dose_row`;

export interface DoseWrite {
  personId: number;
  doseNumber: number;
  productId: number;
  facilityId: number;
  administeredOn: string;
  administeredAt: Date;
  appointmentId: number | null;
  recordedBy: number | null;
  lotId: number;
  sessionId: number | null;
  bodySite: string;
  identityCheck: string;
  clientId: string | null;
  source: 'online' | 'offline' | 'correction';
  flags: string[];
  draw: boolean;
  openVialHours: number;
  dosesPerVial: number;
  next: { doseNumber: number; productId: number | null; earliestDate: string; dueDate: string | null } | null;
  rank: number;
  registeredAt: Date;
  sms: { recipient_enc: string; template: string; locale: string; params: string } | null;
  deviceId: string | null;
  deviceRecordedAt: Date | null;
  timeZone: string;
}

export async function recordDose(database: Pick<Database, 'pool' | 'kind'>, w: DoseWrite) {
  const rows = await hotQuery<{ id: number; recorded_at: Date; vial_id: number | null }>(
    database,
    'dose_record',
    RECORD_DOSE,
    [
      w.personId,
      w.doseNumber,
      w.productId,
      w.facilityId,
      w.administeredOn,
      w.administeredAt,
      w.appointmentId,
      w.recordedBy,
      w.lotId,
      w.sessionId,
      w.bodySite,
      w.identityCheck,
      w.clientId,
      w.source,
      w.flags,
      w.draw,
      w.openVialHours,
      w.dosesPerVial,
      w.next?.doseNumber ?? null,
      w.next?.productId ?? null,
      w.next?.earliestDate ?? null,
      w.next?.dueDate ?? null,
      w.rank,
      w.registeredAt,
      w.sms?.recipient_enc ?? null,
      w.sms?.template ?? null,
      w.sms?.locale ?? null,
      w.sms?.params ?? null,
      w.deviceId,
      w.deviceRecordedAt,
      w.timeZone,
    ],
  );
  return rows[0]!;
}

/** The Postgres error behind a failed write, by what it names. */
export function writeFailure(
  err: unknown,
): 'duplicate_dose' | 'duplicate_client' | 'duplicate_review' | 'out_of_stock' | undefined {
  const e = err as { code?: string; constraint?: string; message?: string };
  const name = e?.constraint ?? /"([a-z_]+)"/.exec(e?.message ?? '')?.[1];
  if (e?.code === '23505') {
    if (name === 'dose_person_number_idx') return 'duplicate_dose';
    if (name === 'dose_client_idx') return 'duplicate_client';
    if (name === 'dose_review_client_idx') return 'duplicate_review';
  }
  if (
    e?.code === '23514' &&
    (name === 'stock_balance_quantity_check' || /insufficient stock/.test(e.message ?? ''))
  )
    return 'out_of_stock';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading doses

interface DoseRow {
  id: number;
  person_id: number;
  dose_number: number;
  product_id: number;
  product_code: string;
  lot_id: number | null;
  lot_number: string | null;
  facility_id: number | null;
  facility_name: string | null;
  administered_on: string;
  administered_at: Date;
  body_site: string | null;
  identity_check: string | null;
  recorded_by: string | null;
  recorded_at: Date;
  source: string;
  flags: string[];
  vial_id: number | null;
  client_id: string | null;
  voided_at: Date | null;
  created_by_correction: number | null;
  c_id: number | null;
  c_kind: string | null;
  c_reason: string | null;
  c_at: Date | null;
  c_by: string | null;
  c_rperson: number | null;
  c_rdose: number | null;
}

function doseQuery(db: Queryable) {
  return db
    .selectFrom('dose as d')
    .innerJoin('vaccine_product as v', 'v.id', 'd.product_id')
    .leftJoin('lot as l', 'l.id', 'd.lot_id')
    .leftJoin('facility as f', 'f.id', 'd.facility_id')
    .leftJoin('staff_user as u', 'u.id', 'd.recorded_by')
    .leftJoin('dose_correction as c', (j) =>
      j.onRef('c.person_id', '=', 'd.person_id').onRef('c.id', '=', 'd.voided_by_correction'),
    )
    .leftJoin('staff_user as cu', 'cu.id', 'c.corrected_by')
    .select([
      'd.id',
      'd.person_id',
      'd.dose_number',
      'd.product_id',
      'v.code as product_code',
      'd.lot_id',
      'l.lot_number',
      'd.facility_id',
      'f.name_en as facility_name',
      'd.administered_on',
      'd.administered_at',
      'd.body_site',
      'd.identity_check',
      'u.username as recorded_by',
      'd.recorded_at',
      'd.source',
      'd.flags',
      'd.vial_id',
      'd.client_id',
      'd.voided_at',
      'd.created_by_correction',
      'c.id as c_id',
      'c.kind as c_kind',
      'c.reason as c_reason',
      'c.created_at as c_at',
      'cu.username as c_by',
      'c.replacement_person_id as c_rperson',
      'c.replacement_dose_id as c_rdose',
    ]);
}

function toDoseView(r: DoseRow): DoseViewT {
  return {
    id: r.id,
    personId: r.person_id,
    doseNumber: r.dose_number,
    productId: r.product_id,
    productCode: r.product_code,
    lotId: r.lot_id,
    lotNumber: r.lot_number,
    facilityId: r.facility_id,
    facilityName: r.facility_name,
    administeredOn: r.administered_on,
    administeredAt: new Date(r.administered_at).toISOString(),
    bodySite: r.body_site,
    identityCheck: r.identity_check,
    recordedBy: r.recorded_by,
    recordedAt: new Date(r.recorded_at).toISOString(),
    source: r.source,
    flags: r.flags,
    vialId: r.vial_id,
    clientId: r.client_id,
    voided: r.voided_at !== null,
    createdByCorrection: r.created_by_correction,
    correction:
      r.c_id === null
        ? null
        : {
            id: r.c_id,
            kind: r.c_kind!,
            reason: r.c_reason!,
            correctedAt: new Date(r.c_at!).toISOString(),
            correctedBy: r.c_by,
            replacementPersonId: r.c_rperson,
            replacementDoseId: r.c_rdose,
          },
  };
}

export async function dosesOfPerson(db: Queryable, personId: number): Promise<DoseViewT[]> {
  const rows = await doseQuery(db)
    .where('d.person_id', '=', personId)
    .orderBy('d.dose_number')
    .orderBy('d.id')
    .execute();
  return rows.map((r) => toDoseView(r as DoseRow));
}

export async function doseById(
  db: Queryable,
  personId: number,
  doseId: number,
): Promise<DoseViewT | undefined> {
  const r = await doseQuery(db)
    .where('d.person_id', '=', personId)
    .where('d.id', '=', doseId)
    .executeTakeFirst();
  return r && toDoseView(r);
}

/** The raw dose row, for corrections and reports. */
export function doseRow(db: Queryable, personId: number, doseId: number) {
  return db
    .selectFrom('dose')
    .selectAll()
    .where('person_id', '=', personId)
    .where('id', '=', doseId)
    .executeTakeFirst();
}

/** Area path of the person's home, their chosen centre, and the facilities where they have doses or appointments. */
export async function personReach(db: Queryable, personId: number) {
  const { rows } = await sql<{
    area_path: string;
    area_id: number;
    facilities: { id: number; path: string }[] | null;
  }>`
    select a.path as area_path, p.area_id,
           (select json_agg(json_build_object('id', f.id, 'path', fa.path))
            from facility f join area fa on fa.id = f.area_id
            where f.id = p.preferred_facility_id
               or f.id in (select d.facility_id from dose d where d.person_id = p.id)
               or f.id in (select ap.facility_id from appointment ap where ap.person_id = p.id)) as facilities
    from person p join area a on a.id = p.area_id
    where p.id = ${personId}`.execute(db);
  return rows[0];
}
