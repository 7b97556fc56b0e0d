import { sql } from 'kysely';
import { withTransaction, type Database, type Db, type Tx } from '../db/database.ts';
import { coalesce } from '../db/coalesce.ts';
import { prepared } from '../db/prepared.ts';
import { midnightAfter } from '../registration/calendar.ts';
import { recordDose, type DoseWrite } from './repository.ts';

/** What the database gave a dose it stored. */
export interface WrittenDose {
  id: number;
  recorded_at: Date;
  vial_id: number | null;
}

/** A record that goes to a supervisor instead of into the history (a dose the person has already). */
export interface ReviewWrite {
  personId: number;
  reason: string;
  existingDoseId: number | null;
  record: unknown;
  clientId: string | null;
  facilityId: number;
  recordedBy: number | null;
}

/** Open vials of these lots at these facilities, oldest first, locked until the transaction ends. */
async function lockVials(trx: Tx, pairs: { facilityId: number; lotId: number }[]) {
  if (!pairs.length) return [];
  const { rows } = await sql<{
    id: number;
    facility_id: number;
    lot_id: number;
    doses_per_vial: number;
    doses_used: number;
    usable_until: Date;
  }>`${prepared}
    select v.id, v.facility_id, v.lot_id, v.doses_per_vial, v.doses_used, v.usable_until
    from open_vial v
    join unnest(${pairs.map((p) => p.facilityId)}::bigint[], ${pairs.map((p) => p.lotId)}::bigint[]) as x(f, l)
      on v.facility_id = x.f and v.lot_id = x.l
    where v.closed_at is null and v.doses_used < v.doses_per_vial
    order by v.opened_at, v.id
    for update of v`.execute(trx);
  return rows;
}

interface VialPlan {
  /** Each dose's vial (null when the dose draws no stock), in the order of `writes`. */
  vialOf: (number | null)[];
  /** Open vials drawn from: their new count, and when they closed used up. */
  touched: { id: number; used: number; closeAt: Date | null }[];
  /** Vials opened by the batch, ids already taken from the sequence. */
  opened: {
    id: number;
    facilityId: number;
    lotId: number;
    perVial: number;
    used: number;
    openedAt: Date;
    usableUntil: Date;
    closeAt: Date | null;
    openedBy: number | null;
  }[];
}

/**
 * The vials the doses draw from, as one dose at a time would: the oldest open vial of the lot at
 * the facility that is still usable at the dose's time and has a dose left, else a new one, usable
 * for the product's hours (or to the end of the day); a vial whose last dose is taken closes as used up.
 */
async function planVials(trx: Tx, writes: readonly DoseWrite[], order: readonly number[]): Promise<VialPlan> {
  const drawing = order.filter((i) => writes[i]!.draw);
  const pairs = [...new Set(drawing.map((i) => `${writes[i]!.facilityId}:${writes[i]!.lotId}`))].map((k) => {
    const [f, l] = k.split(':');
    return { facilityId: Number(f), lotId: Number(l) };
  });
  const open = await lockVials(trx, pairs);
  const pools = new Map<string, { id: number; left: number; until: number; fresh: number | null }[]>();
  const touched = new Map<number, { id: number; used: number; closeAt: Date | null }>();
  for (const v of open) {
    const k = `${v.facility_id}:${v.lot_id}`;
    pools.set(k, [
      ...(pools.get(k) ?? []),
      {
        id: v.id,
        left: v.doses_per_vial - v.doses_used,
        until: new Date(v.usable_until).getTime(),
        fresh: null,
      },
    ]);
  }
  const used = new Map(open.map((v) => [v.id, v.doses_used]));
  const opened: VialPlan['opened'] = [];
  const vialOf: (number | null)[] = writes.map(() => null);
  for (const i of drawing) {
    const w = writes[i]!;
    const k = `${w.facilityId}:${w.lotId}`;
    const list = pools.get(k) ?? [];
    pools.set(k, list);
    const at = w.administeredAt.getTime();
    let vial = list.find((v) => v.left > 0 && v.until > at);
    if (!vial) {
      const until =
        w.openVialHours > 0
          ? new Date(at + w.openVialHours * 3_600_000)
          : midnightAfter(w.administeredOn, w.timeZone);
      vial = { id: -(opened.length + 1), left: w.dosesPerVial, until: until.getTime(), fresh: opened.length };
      list.push(vial);
      opened.push({
        id: vial.id,
        facilityId: w.facilityId,
        lotId: w.lotId,
        perVial: w.dosesPerVial,
        used: 0,
        openedAt: w.administeredAt,
        usableUntil: until,
        closeAt: null,
        openedBy: w.recordedBy,
      });
    }
    vial.left--;
    vialOf[i] = vial.id;
    const closeAt = vial.left === 0 ? w.administeredAt : null;
    if (vial.fresh !== null) {
      const f = opened[vial.fresh]!;
      f.used++;
      f.closeAt = closeAt;
    } else {
      const n = used.get(vial.id)! + 1;
      used.set(vial.id, n);
      touched.set(vial.id, { id: vial.id, used: n, closeAt });
    }
  }
  // Ids for the new vials, so the doses can name them in the same statement.
  if (opened.length) {
    const { rows } = await sql<{ id: number }>`
      select nextval(pg_get_serial_sequence('open_vial', 'id'))::bigint as id
      from generate_series(1, ${opened.length}::int)`.execute(trx);
    const ids = new Map(opened.map((f, n) => [f.id, Number(rows[n]!.id)]));
    for (const f of opened) f.id = ids.get(f.id)!;
    for (let i = 0; i < vialOf.length; i++) if (vialOf[i]! < 0) vialOf[i] = ids.get(vialOf[i]!)!;
  }
  return { vialOf, touched: [...touched.values()], opened };
}

/**
 * Many doses (and dose reviews) in one statement of the caller's transaction, with every effect one
 * dose has (see `recordDose`): the vial draws, the ledger entries from the facility stores, the
 * appointments attended and other booked ones for the same dose cancelled with their seats given
 * back, each person's queue entry moved on to the next dose, a certificate job and an SMS each.
 * The doses must be of different people or of different dose numbers of one person. Any refusal
 * (a dose stored meanwhile, a store with no stock left) fails the whole statement.
 */
export async function writeDoses(
  trx: Tx,
  writes: readonly DoseWrite[],
  reviews: readonly ReviewWrite[] = [],
): Promise<{ doses: WrittenDose[]; reviews: Map<string, number> }> {
  // Facility and lot order: batches running at once lock vials and balances in the same order.
  const order = writes
    .map((_, i) => i)
    .sort(
      (a, b) =>
        writes[a]!.facilityId - writes[b]!.facilityId ||
        writes[a]!.lotId - writes[b]!.lotId ||
        writes[a]!.administeredAt.getTime() - writes[b]!.administeredAt.getTime() ||
        a - b,
    );
  const vials = await planVials(trx, writes, order);
  const rowsInOrder = order.map((i) => ({ w: writes[i]!, vialId: vials.vialOf[i]! }));
  // The waiting queue follows each person's highest dose of the batch.
  const lastOf = new Map<number, DoseWrite>();
  for (const w of writes) {
    const before = lastOf.get(w.personId);
    if (!before || before.doseNumber < w.doseNumber) lastOf.set(w.personId, w);
  }
  const queued = [...lastOf.values()].filter((w) => w.next);
  const col = <T>(f: (r: (typeof rowsInOrder)[number]) => T) => rowsInOrder.map(f);
  const { touched, opened } = vials;
  const { rows } = await sql<{
    kind: 'dose' | 'review';
    person_id: number;
    key: string | null;
    id: number;
    recorded_at: Date | null;
    vial_id: number | null;
  }>`${prepared}
    with vial_upd as (
      update open_vial v set doses_used = u.used,
             closed_at = u.close_at, doses_wasted = case when u.close_at is not null then 0 end,
             close_reason = case when u.close_at is not null then 'used_up' end
      from unnest(${touched.map((t) => t.id)}::bigint[], ${touched.map((t) => t.used)}::int[],
                  ${touched.map((t) => t.closeAt)}::timestamptz[]) as u(id, used, close_at)
      where v.id = u.id
    ), vial_new as (
      insert into open_vial (id, facility_id, lot_id, doses_per_vial, doses_used, opened_at, usable_until, opened_by,
                             closed_at, doses_wasted, close_reason)
      overriding system value
      select n.id, n.f, n.l, n.per_vial, n.used, n.opened_at, n.until, n.opened_by, n.close_at,
             case when n.close_at is not null then 0 end, case when n.close_at is not null then 'used_up' end
      from unnest(${opened.map((f) => f.id)}::bigint[], ${opened.map((f) => f.facilityId)}::bigint[],
                  ${opened.map((f) => f.lotId)}::bigint[], ${opened.map((f) => f.perVial)}::int[],
                  ${opened.map((f) => f.used)}::int[], ${opened.map((f) => f.openedAt)}::timestamptz[],
                  ${opened.map((f) => f.usableUntil)}::timestamptz[], ${opened.map((f) => f.closeAt)}::timestamptz[],
                  ${opened.map((f) => f.openedBy)}::bigint[])
        as n(id, f, l, per_vial, used, opened_at, until, close_at, opened_by)
      returning id
    ), src as (
      select * from unnest(
        ${col((r) => r.w.personId)}::bigint[], ${col((r) => r.w.doseNumber)}::int[],
        ${col((r) => r.w.productId)}::bigint[], ${col((r) => r.w.facilityId)}::bigint[],
        ${col((r) => r.w.administeredOn)}::date[], ${col((r) => r.w.administeredAt)}::timestamptz[],
        ${col((r) => r.w.appointmentId)}::bigint[], ${col((r) => r.w.recordedBy)}::bigint[],
        ${col((r) => r.w.lotId)}::bigint[], ${col((r) => r.w.sessionId)}::bigint[], ${col((r) => r.w.bodySite)}::text[],
        ${col((r) => r.w.identityCheck)}::text[], ${col((r) => r.vialId)}::bigint[], ${col((r) => r.w.clientId)}::uuid[],
        ${col((r) => r.w.deviceId)}::text[], ${col((r) => r.w.deviceRecordedAt)}::timestamptz[],
        ${col((r) => r.w.source)}::text[], ${col((r) => r.w.flags.join(','))}::text[], ${col((r) => r.w.draw)}::boolean[],
        ${col((r) => r.w.sms?.recipient_enc ?? null)}::text[], ${col((r) => r.w.sms?.template ?? null)}::text[],
        ${col((r) => r.w.sms?.locale ?? null)}::text[], ${col((r) => r.w.sms?.params ?? null)}::jsonb[])
      as s(person_id, dose_number, product_id, facility_id, administered_on, administered_at, appointment_id,
           recorded_by, lot_id, session_id, body_site, identity_check, vial_id, client_id, device_id, device_at,
           source, flags, draw, sms_to, sms_template, sms_locale, sms_params)
    ), dose_rows as (
      insert into dose (person_id, dose_number, product_id, facility_id, administered_on, administered_at,
                        appointment_id, recorded_by, lot_id, session_id, body_site, identity_check, consent, vial_id,
                        client_id, device_id, device_recorded_at, source, flags)
      select person_id, dose_number, product_id, facility_id, administered_on, administered_at, appointment_id,
             recorded_by, lot_id, session_id, body_site, identity_check, true, vial_id, client_id, device_id, device_at,
             source, case when flags = '' then '{}'::text[] else string_to_array(flags, ',') end
      from src
      returning id, person_id, dose_number, recorded_at, vial_id
    ), ledger as (
      insert into stock_entry (lot_id, quantity, from_store_id, to_party, kind, vial_id, person_id, dose_id, recorded_by)
      select s.lot_id, 1, s.facility_id, 'administered', 'administered', s.vial_id, s.person_id, d.id, s.recorded_by
      from dose_rows d join src s on s.person_id = d.person_id and s.dose_number = d.dose_number
      where s.draw
    ), attended as (
      -- Appointments found by an index probe for each dose, here and below: as joins, the planner
      -- may read every booked appointment in the country instead.
      update appointment a set status = 'attended', attended_at = o.administered_at, updated_at = now()
      from (select b.person_id, b.id, s.administered_at
            from src s cross join lateral (
              select b.person_id, b.id from appointment b
              where b.person_id = s.person_id and b.id = s.appointment_id and b.status = 'booked'
              limit 1) b) o
      where a.person_id = o.person_id and a.id = o.id
    ), stale as (
      update appointment a set status = 'cancelled', cancel_reason = 'staff', cancelled_at = now(), updated_at = now()
      from (select b.person_id, b.id
            from src s cross join lateral (
              select b.person_id, b.id from appointment b
              where b.person_id = s.person_id and b.dose_number = s.dose_number and b.status = 'booked'
                and b.id is distinct from s.appointment_id
              limit 1) b) o
      where a.person_id = o.person_id and a.id = o.id
      returning a.slot_id
    ), freed as (
      update session_slot sl set booked = greatest(0, sl.booked - f.n)
      from (select slot_id, count(*)::int as n from stale group by slot_id) f where sl.id = f.slot_id
    ), unqueue as (
      delete from waiting_entry w using src s where w.person_id = s.person_id and w.dose_number <= s.dose_number
    ), queue as (
      insert into waiting_entry (person_id, dose_number, product_id, facility_id, earliest_date, due_date,
                                 priority_rank, registered_at, reason)
      select q.person_id, q.dose_number, q.product_id, q.facility_id, q.earliest, q.due, q.rank, q.registered_at,
             'next_dose'
      from unnest(${queued.map((w) => w.personId)}::bigint[], ${queued.map((w) => w.next!.doseNumber)}::int[],
                  ${queued.map((w) => w.next!.productId)}::bigint[], ${queued.map((w) => w.facilityId)}::bigint[],
                  ${queued.map((w) => w.next!.earliestDate)}::date[], ${queued.map((w) => w.next!.dueDate)}::date[],
                  ${queued.map((w) => w.rank)}::int[], ${queued.map((w) => w.registeredAt)}::timestamptz[])
        as q(person_id, dose_number, product_id, facility_id, earliest, due, rank, registered_at)
      -- an index probe for each person (as an anti-join, a read of every booked appointment)
      where (select 1 from appointment a where a.person_id = q.person_id and a.dose_number = q.dose_number
             and a.status = 'booked' limit 1) is null
      on conflict (person_id, dose_number) do update
        set product_id = excluded.product_id, facility_id = excluded.facility_id,
            earliest_date = excluded.earliest_date, due_date = excluded.due_date, reason = 'next_dose',
            since = now(), unplaced_reason = null, unplaced_at = null
    ), certificate as (
      insert into job (kind, payload)
      select 'certificate.issue', jsonb_build_object('personId', d.person_id, 'doseId', d.id) from dose_rows d
    ), sms as (
      insert into notification (recipient_enc, template, locale, params, person_id)
      select s.sms_to, s.sms_template, s.sms_locale, s.sms_params, s.person_id
      from dose_rows d join src s on s.person_id = d.person_id and s.dose_number = d.dose_number
      where s.sms_to is not null
    ), review_rows as (
      insert into dose_review (person_id, reason, existing_dose_id, record, client_id, facility_id, recorded_by)
      select r.person_id, r.reason, r.existing, r.record, r.client_id, r.facility_id, r.recorded_by
      from unnest(${reviews.map((r) => r.personId)}::bigint[], ${reviews.map((r) => r.reason)}::text[],
                  ${reviews.map((r) => r.existingDoseId)}::bigint[],
                  ${reviews.map((r) => JSON.stringify(r.record))}::jsonb[],
                  ${reviews.map((r) => r.clientId)}::uuid[], ${reviews.map((r) => r.facilityId)}::bigint[],
                  ${reviews.map((r) => r.recordedBy)}::bigint[])
        as r(person_id, reason, existing, record, client_id, facility_id, recorded_by)
      on conflict (person_id, client_id) where client_id is not null do nothing
      returning id, person_id, client_id
    )
    select 'dose' as kind, person_id, dose_number::text as key, id, recorded_at, vial_id from dose_rows
    union all
    select 'review', person_id, client_id::text, id, null, null from review_rows`.execute(trx);
  const stored = new Map<string, WrittenDose>();
  const reviewIds = new Map<string, number>();
  for (const r of rows) {
    if (r.kind === 'dose')
      stored.set(`${r.person_id}:${r.key}`, {
        id: Number(r.id),
        recorded_at: r.recorded_at!,
        vial_id: r.vial_id === null ? null : Number(r.vial_id),
      });
    else reviewIds.set(`${r.person_id}:${r.key}`, Number(r.id));
  }
  return { doses: writes.map((w) => stored.get(`${w.personId}:${w.doseNumber}`)!), reviews: reviewIds };
}

/**
 * Group commit for doses recorded on-line (`coalesce`). A dose that finds fewer than two writes in
 * progress is written at once with its own statement; doses that arrive while two are are then
 * written together, in one transaction and one statement, so that a busy day's doses share their
 * commits and their triggers' work instead of paying for them one by one. Each caller gets its own
 * dose back, or its own refusal: when the database refuses a batch (one of its doses was stored
 * meanwhile, or a store ran out), its doses are written again one at a time.
 *
 * One dose per person in a batch (a second record of the person's dose waits for the next write;
 * one already in flight is refused by the unique index and handled one by one); and no lot at a
 * facility in two writes at once, so that the second sees the vial the first opened instead of
 * opening another, and never waits for the first's vial locks.
 */
export function doseWriter(database: Pick<Database, 'pool' | 'kind'> & { db: Db }) {
  const write = coalesce(
    (w: DoseWrite): Promise<WrittenDose> => recordDose(database, w),
    async (ws: DoseWrite[]) => (await withTransaction(database.db, (trx) => writeDoses(trx, ws))).doses,
    {
      apart: (w) => [w.personId],
      exclusive: (w) => (w.draw ? [`${w.facilityId}:${w.lotId}`] : []),
    },
  );
  return { write };
}

export type DoseWriter = ReturnType<typeof doseWriter>;
