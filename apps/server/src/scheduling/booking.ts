import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import {
  checkDose,
  daysBetween,
  inAgeBand,
  nextDose,
  type DoseProduct,
  type DoseReceived,
} from '@dosewise/domain';
import { hotQuery, withTransaction, type Database, type Db, type Queryable } from '../db/database.ts';
import { coalesce } from '../db/coalesce.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { AppError, badRequest, conflict, notFound } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import { notificationValues } from '../notifications/outbox.ts';
import { todayIn } from '../registration/calendar.ts';
import { personScopesSeenBy } from '../registration/service.ts';
import { clockIn, doseProducts, hhmm, nameFor, notifyPerson, requeue } from './queue.ts';
import type { AppointmentT } from './schemas.ts';

export interface BookingSettings {
  timeZone: string;
  maxReschedules: number;
  daysAhead: number;
  perPersonDay: number;
  perPhoneDay: number;
}

/** Who books: a signed-in citizen (for self or family) or staff at a help desk. */
export type Booker = { kind: 'citizen'; accountId: number } | { kind: 'staff'; principal: Principal };

/** Sessions with room near a full one, offered with the 409. */
export type AlternativesFinder = (q: {
  productId: number;
  doseNumber: number;
  facilityId: number;
  fromDate: string;
  excludeSessionId: number;
  limit: number;
}) => Promise<unknown[]>;

interface PersonContext {
  id: number;
  citizen_account_id: number | null;
  registration_number: string;
  name_en: string;
  name_bn: string | null;
  locale: 'en' | 'bn';
  phone_enc: string | null;
  date_of_birth: string;
  removed_at: Date | null;
  priority_status: string;
  verification_status: string;
  area_id: number;
  opens_on: string;
  group_name_en: string;
  doses: DoseReceived[];
  active: { id: number; doseNumber: number; sessionId: number }[];
}

interface SessionContext {
  id: number;
  facility_id: number;
  session_date: string;
  product_id: number;
  dose_numbers: number[];
  min_age_years: number;
  max_age_years: number | null;
  starts_at: string;
  ends_at: string;
  status: 'open' | 'closed' | 'cancelled';
  f_en: string;
  f_bn: string;
  f_address: string;
  f_area: number;
  v_code: string;
  v_name: string;
  slots: { id: number; startsAt: string; endsAt: string; capacity: number; booked: number }[];
}

const PRODUCTS_TTL_MS = 5_000;
const SESSION_TTL_MS = 1_000;

/** The person as the booking rules need them (`p`, with their group `g`): a `PersonContext`. */
const PERSON_CONTEXT = `
  p.id, p.citizen_account_id, p.registration_number, p.name_en, p.name_bn, p.locale, p.phone_enc,
  p.date_of_birth, p.removed_at, p.priority_status, p.verification_status, p.area_id,
  g.opens_on, g.name_en as group_name_en,
  coalesce((select json_agg(json_build_object('doseNumber', d.dose_number, 'productId', d.product_id,
                                              'date', d.administered_on) order by d.dose_number)
            from dose d where d.person_id = p.id and d.voided_at is null), '[]') as doses,
  coalesce((select json_agg(json_build_object('id', a.id, 'doseNumber', a.dose_number,
                                              'sessionId', a.session_id))
            from appointment a where a.person_id = p.id and a.status = 'booked'), '[]') as active`;

/** What a booking reads of the person; $2 is the request's idempotency key. */
const BOOKING_PERSON = `${PERSON_CONTEXT},
  (select a.id from appointment a where a.person_id = p.id and a.idempotency_key = $2::text) as replay_id`;

/** The person, a replayed key, and the attempt counted against the daily limits: one round trip. */
const PERSON_FOR_BOOKING = `
  with counted as (
    insert into rate_counter (key, window_start, count)
    select k, $3::timestamptz, 1 from unnest($4::text[]) as k
    where not exists (select 1 from appointment a where a.person_id = $1::bigint and a.idempotency_key = $2::text)
    on conflict (key, window_start) do update set count = rate_counter.count + 1
    returning key, count
  )
  select ${BOOKING_PERSON},
         (select json_agg(json_build_object('key', key, 'count', count)) from counted) as counts,
         $3::timestamptz as day
  from person p
  join priority_group g on g.id = p.priority_group_id
  where p.id = $1::bigint`;

/**
 * The same for many bookings at once, `n` each one's place (from 1) in the lists. A counter row is
 * updated once per statement, so two bookings that count against the same limit are never in one
 * batch.
 */
const PEOPLE_FOR_BOOKINGS = `
  with k as (
    select * from unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[])
      with ordinality as k(person_id, idem, day, by_person, by_account, n)
  ), counted as (
    insert into rate_counter (key, window_start, count)
    select r.key, k.day, 1
    from k cross join lateral (values (k.by_person), (k.by_account)) as r(key)
    where r.key is not null
      -- a probe of the key's index for each booking (as an anti-join the planner may read the whole index)
      and (select 1 from appointment a where a.person_id = k.person_id and a.idempotency_key = k.idem limit 1) is null
    order by r.key -- counters locked in one order, so two batches never wait for each other in a circle
    on conflict (key, window_start) do update set count = rate_counter.count + 1
    returning key, count
  ), tally as (
    -- the batch's counters by key, looked up by each booking (a scan of all of them for each booking
    -- would grow with the square of the batch)
    select coalesce(jsonb_object_agg(key, count), '{}') as by_key from counted
  )
  select k.n, ${BOOKING_PERSON.replaceAll('$2::text', 'k.idem')},
         (select json_agg(json_build_object('key', c.key, 'count', c.count))
          from (values (k.by_person, (t.by_key ->> k.by_person)::int),
                       (k.by_account, (t.by_key ->> k.by_account)::int)) as c(key, count)
          where c.count is not null) as counts,
         k.day
  from k
  join person p on p.id = k.person_id
  join priority_group g on g.id = p.priority_group_id
  cross join tally t`;

/**
 * Takes the earliest seat with room in the session (or in the chosen slot, $2) while the session
 * is open, writes the appointment, leaves the waiting queue, queues the SMS ($13 null: no phone):
 * all of it commits or none of it does. The slot row is locked before its counter is re-checked,
 * so a seat is never counted twice; a slot filled meanwhile is passed over for the next one with
 * room, so "full" is said only when no slot had room. The unique index on active appointments
 * refuses a second one for the same dose.
 */
const TAKE_SEAT = `
  with pick as (
    select id from session_slot
    where session_id = $1::bigint and booked < capacity and ($2::bigint is null or id = $2::bigint)
      and exists (select 1 from vaccination_session v where v.id = $1::bigint and v.status = 'open')
    order by starts_at, id
    limit 1
    for update
  ), seat as (
    update session_slot s set booked = s.booked + 1
    from pick where s.id = pick.id and s.booked < s.capacity
    returning s.id, s.starts_at, s.ends_at
  ), appt as (
    insert into appointment (person_id, dose_number, session_id, slot_id, facility_id, product_id, session_date,
                             code, booked_via, booked_by_account, booked_by_staff, idempotency_key)
    select $3::bigint, $4::int, $1::bigint, seat.id, $5::bigint, $6::bigint, $7::date, $8::text, $9::text,
           $10::bigint, $11::bigint, $12::text
    from seat
    returning id, created_at
  ), unqueue as (
    delete from waiting_entry
    where person_id = $3::bigint and dose_number = $4::int and exists (select 1 from appt)
  ), sms as (
    insert into notification (recipient_enc, template, locale, params, person_id)
    select $13::text, $14::text, $15::text,
           $16::jsonb || jsonb_build_object('time', to_char(seat.starts_at, 'HH24:MI')), $3::bigint
    from appt, seat where $13::text is not null
  )
  select (select status from vaccination_session where id = $1::bigint) as status,
         appt.id, appt.created_at, seat.id as slot_id, seat.starts_at, seat.ends_at
  from (select 1) as one left join appt on true left join seat on true`;

/**
 * The same for many bookings at once (`n` each one's place, from 1, in the lists; one booking per
 * person). The open sessions' slots with room are locked in the order every writer of seats locks
 * them, `(starts_at, id)`, so that no two wait for each other in a circle. Bookings for a chosen
 * slot take its seats first, in their order; then the others take the seats left in their
 * session, earliest slot first: as if those who chose had come first, then the others one after
 * another. A booking that found no seat writes nothing and is answered as the single statement
 * answers. Appointments are written in person order (the unique indexes' waits, in one order).
 */
export const TAKE_SEATS = `
  with b as (
    select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::bigint[], $6::bigint[],
                         $7::date[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::text[],
                         $13::text[], $14::text[], $15::text[], $16::jsonb[])
      with ordinality as b(session_id, slot_id, person_id, dose_number, facility_id, product_id, session_date,
                           code, booked_via, account_id, staff_id, idem, recipient, template, locale, params, n)
  ), state as (
    select v.id, v.status from vaccination_session v where v.id in (select session_id from b)
  ), slots as (
    select sl.id, sl.session_id, sl.starts_at, sl.capacity - sl.booked as room
    from session_slot sl
    where sl.session_id in (select id from state where status = 'open') and sl.booked < sl.capacity
    order by sl.starts_at, sl.id
    for update
  ), chosen as (
    select c.n, c.pick
    from (select b.n, s.id as pick, s.room, row_number() over (partition by s.id order by b.n) as r
          from b join slots s on s.id = b.slot_id and s.session_id = b.session_id) c
    where c.r <= c.room
  ), rest as (
    select s.id, s.session_id, s.starts_at,
           least(s.room - (select count(*) from chosen c where c.pick = s.id),
                 (select count(*) from b where b.session_id = s.session_id and b.slot_id is null))::int as room
    from slots s
  ), seats as (
    select r.id, r.session_id, row_number() over (partition by r.session_id order by r.starts_at, r.id, k) as seat
    from rest r cross join generate_series(1, r.room) as k
  ), free as (
    select f.n, s.id as pick
    from (select n, session_id, row_number() over (partition by session_id order by n) as r
          from b where slot_id is null) f
    join seats s on s.session_id = f.session_id and s.seat = f.r
  ), picked as (
    select n, pick from chosen union all select n, pick from free
  ), seat as (
    update session_slot s set booked = s.booked + t.k
    from (select pick, count(*)::int as k from picked group by pick) t
    where s.id = t.pick and s.booked + t.k <= s.capacity
    returning s.id, s.starts_at, s.ends_at
  ), appt as (
    insert into appointment (person_id, dose_number, session_id, slot_id, facility_id, product_id, session_date,
                             code, booked_via, booked_by_account, booked_by_staff, idempotency_key)
    select b.person_id, b.dose_number, b.session_id, seat.id, b.facility_id, b.product_id, b.session_date,
           b.code, b.booked_via, b.account_id, b.staff_id, b.idem
    from picked p join b on b.n = p.n join seat on seat.id = p.pick
    order by b.person_id
    returning id, person_id, slot_id, created_at
  ), unqueue as (
    delete from waiting_entry w using appt a join b on b.person_id = a.person_id
    where w.person_id = a.person_id and w.dose_number = b.dose_number
  ), sms as (
    insert into notification (recipient_enc, template, locale, params, person_id)
    select b.recipient, b.template, b.locale,
           b.params || jsonb_build_object('time', to_char(seat.starts_at, 'HH24:MI')), b.person_id
    from appt a join b on b.person_id = a.person_id join seat on seat.id = a.slot_id
    where b.recipient is not null
  )
  select b.n, (select state.status from state where state.id = b.session_id) as status,
         a.id, a.created_at, seat.id as slot_id, seat.starts_at, seat.ends_at
  from b left join appt a on a.person_id = b.person_id left join seat on seat.id = a.slot_id`;

const slipCode = () => String(randomInt(0, 10_000)).padStart(4, '0');

function constraintOf(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code !== '23505') return undefined;
  if (e.constraint) return e.constraint;
  return /appointment_\w+_idx/.exec(e.message ?? '')?.[0];
}

export function bookingService(deps: {
  db: Db;
  read: Db;
  /** The primary's pool, for the hot path's prepared statements. */
  database: Pick<Database, 'pool' | 'kind'>;
  vault: IdentifierVault;
  settings: BookingSettings;
  alternatives?: AlternativesFinder;
}) {
  const { db, read, vault, settings } = deps;
  const today = () => todayIn(settings.timeZone);

  let products: { at: number; list: Promise<DoseProduct[]> } | undefined;
  function productList(): Promise<DoseProduct[]> {
    const now = Date.now();
    if (!products || now - products.at > PRODUCTS_TTL_MS) {
      const list = doseProducts(read);
      products = { at: now, list };
      list.catch(() => (products = undefined));
    }
    return products.list;
  }

  async function personContext(q: Queryable, personId: number): Promise<PersonContext | undefined> {
    const { rows } = await sql<PersonContext>`
      select ${sql.raw(PERSON_CONTEXT)}
      from person p
      join priority_group g on g.id = p.priority_group_id
      where p.id = ${personId}`.execute(q);
    return rows[0];
  }

  /**
   * The person as the booking rules need them, in one round trip with the two other things a
   * booking asks first: whether this idempotency key already booked (then nothing is counted),
   * and the attempt counted against the person's and the phone's daily limits (citizens only).
   */
  type BookingRead = { personId: number; key: string | null; day: Date; keys: string[] };
  type BookingRow = PersonContext & {
    replay_id: number | null;
    counts: { key: string; count: number }[] | null;
    day: Date;
  };
  // Bookings asked for while other reads are in progress are read (and counted) together.
  const readForBooking = coalesce(
    async (r: BookingRead) =>
      (
        await hotQuery<BookingRow>(deps.database, 'booking_person', PERSON_FOR_BOOKING, [
          r.personId,
          r.key,
          r.day,
          r.keys,
        ])
      )[0],
    async (rs: BookingRead[]) => {
      const rows = await hotQuery<BookingRow & { n: string | number }>(
        deps.database,
        'booking_people',
        PEOPLE_FOR_BOOKINGS,
        [
          rs.map((r) => r.personId),
          rs.map((r) => r.key),
          rs.map((r) => r.day),
          rs.map((r) => r.keys[0] ?? null),
          rs.map((r) => r.keys[1] ?? null),
        ],
      );
      const byPlace = new Map(rows.map(({ n, ...row }) => [Number(n), row]));
      return rs.map((_, i) => byPlace.get(i + 1));
    },
    { apart: (r) => r.keys },
  );

  function personForBooking(booker: Booker, personId: number, key: string | null) {
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const keys =
      booker.kind === 'citizen' ? [`book:person:${personId}`, `book:account:${booker.accountId}`] : [];
    return readForBooking({ personId, key, day, keys });
  }

  function refuseOverLimit(row: { counts: { key: string; count: number }[] | null; day: Date }) {
    const over = (row.counts ?? []).some((r) =>
      r.key.startsWith('book:person:') ? r.count > settings.perPersonDay : r.count > settings.perPhoneDay,
    );
    if (!over) return;
    const retry = Math.max(1, Math.ceil((new Date(row.day).getTime() + 86_400_000 - Date.now()) / 1000));
    throw new AppError(
      429,
      'booking_rate_limited',
      'Too many bookings, changes or cancellations today. Try again tomorrow or visit a help desk.',
      { retryAfterSeconds: retry },
      { 'retry-after': String(retry) },
    );
  }

  /**
   * Sessions as bookings read them, kept for a second: the rules need the date, the age band and
   * the doses, which change rarely, and the statement that takes the seat checks afresh that the
   * session is open and has room.
   */
  const sessions = new Map<number, { at: number; value: Promise<SessionContext | undefined> }>();
  function cachedSession(id: number): Promise<SessionContext | undefined> {
    const now = Date.now();
    const hit = sessions.get(id);
    if (hit && now - hit.at < SESSION_TTL_MS) return hit.value;
    if (sessions.size > 20_000) sessions.clear();
    const value = sessionContext(read, id);
    sessions.set(id, { at: now, value });
    value.catch(() => sessions.delete(id));
    return value;
  }

  async function sessionContext(q: Queryable, sessionId: number): Promise<SessionContext | undefined> {
    const { rows } = await sql<SessionContext>`
      select s.id, s.facility_id, s.session_date, s.product_id, s.dose_numbers, s.min_age_years, s.max_age_years,
             s.starts_at, s.ends_at, s.status,
             f.name_en as f_en, f.name_bn as f_bn, f.address as f_address, f.area_id as f_area,
             v.code as v_code, v.name as v_name,
             (select json_agg(json_build_object('id', sl.id, 'startsAt', sl.starts_at, 'endsAt', sl.ends_at,
                                                'capacity', sl.capacity, 'booked', sl.booked) order by sl.starts_at, sl.id)
              from session_slot sl where sl.session_id = s.id) as slots
      from vaccination_session s
      join facility f on f.id = s.facility_id
      join vaccine_product v on v.id = s.product_id
      where s.id = ${sessionId}`.execute(q);
    const s = rows[0];
    if (s) s.slots ??= [];
    return s;
  }

  /** Day counters per person and per phone account; a request over either limit is refused with Retry-After. */
  async function countAttempt(booker: Booker, personId: number) {
    if (booker.kind !== 'citizen') return;
    const now = Date.now();
    const day = new Date(Math.floor(now / 86_400_000) * 86_400_000);
    const { rows } = await sql<{ key: string; count: number }>`
      insert into rate_counter (key, window_start, count)
      values (${`book:person:${personId}`}, ${day}, 1), (${`book:account:${booker.accountId}`}, ${day}, 1)
      on conflict (key, window_start) do update set count = rate_counter.count + 1
      returning key, count`.execute(db);
    const over = rows.some((r) =>
      r.key.startsWith('book:person:') ? r.count > settings.perPersonDay : r.count > settings.perPhoneDay,
    );
    if (over) {
      const retry = Math.max(1, Math.ceil((day.getTime() + 86_400_000 - now) / 1000));
      throw new AppError(
        429,
        'booking_rate_limited',
        'Too many bookings, changes or cancellations today. Try again tomorrow or visit a help desk.',
        { retryAfterSeconds: retry },
        { 'retry-after': String(retry) },
      );
    }
  }

  function ensureMayAct(booker: Booker, person: PersonContext | undefined): PersonContext {
    if (!person || person.removed_at) throw notFound('The person');
    if (booker.kind === 'citizen' && person.citizen_account_id !== booker.accountId)
      throw new AppError(
        404,
        'person_not_in_family',
        'This person is not registered with your phone number. You can book only for yourself and your family.',
      );
    return person;
  }

  /** Every rule a booking must meet, in the order a person can act on them; returns the dose number. */
  function checkEligible(
    person: PersonContext,
    session: SessionContext,
    list: DoseProduct[],
    opts: { ignoreAppointmentId?: number } = {},
  ): number {
    const t = today();
    if (person.priority_status === 'awaiting_approval')
      throw conflict(
        'priority_awaiting_approval',
        'The priority group of this person still waits for approval by staff; booking opens once it is approved.',
      );
    if (person.priority_status !== 'accepted')
      throw conflict('priority_rejected', 'This registration was not accepted; please visit a help desk.');
    if (person.verification_status === 'failed')
      throw conflict(
        'identity_not_verified',
        'The national ID of this person could not be verified; please visit a help desk with the ID card.',
      );
    if (session.status === 'cancelled')
      throw conflict('session_cancelled', 'This session was cancelled. Choose another one.');
    if (session.status !== 'open')
      throw conflict('session_closed', 'This session is closed for booking. Choose another one.');
    if (session.session_date < t || (session.session_date === t && hhmm(session.ends_at) <= nowClock()))
      throw conflict('session_past', 'This session is over. Choose a session in the coming days.');
    if (daysBetween(t, session.session_date) > settings.daysAhead)
      throw badRequest(
        'too_far_ahead',
        `Appointments can be booked at most ${settings.daysAhead} days ahead.`,
        [{ field: 'sessionId' }],
      );
    if (person.opens_on > session.session_date)
      throw conflict(
        'group_not_open',
        `Vaccination for the group "${person.group_name_en}" opens on ${person.opens_on}; choose a session on or after that date.`,
        { opensOn: person.opens_on },
      );
    if (!inAgeBand(person.date_of_birth, session.session_date, session.min_age_years, session.max_age_years))
      throw conflict(
        'outside_age_band',
        session.max_age_years === null
          ? `This session is for people aged ${session.min_age_years} and over.`
          : `This session is for people aged ${session.min_age_years} to ${session.max_age_years}.`,
        { minAgeYears: session.min_age_years, maxAgeYears: session.max_age_years },
      );
    const next = nextDose(person.doses, list, t);
    if (next.kind === 'complete')
      throw conflict('already_complete', 'This person has had every dose the programme offers.');
    const active = person.active.find(
      (a) => a.doseNumber === next.doseNumber && a.id !== opts.ignoreAppointmentId,
    );
    if (active)
      throw conflict(
        'appointment_exists',
        `This person already has an appointment for dose ${next.doseNumber}. Reschedule or cancel it instead.`,
        { appointmentId: active.id },
      );
    if (!session.dose_numbers.includes(next.doseNumber))
      throw conflict(
        'dose_not_offered',
        `This person needs dose ${next.doseNumber}; this session gives dose ${session.dose_numbers.join(', ')} only.`,
        { doseNumber: next.doseNumber },
      );
    const check = checkDose(
      {
        received: person.doses,
        products: list,
        doseNumber: next.doseNumber,
        productId: session.product_id,
        date: session.session_date,
        dateOfBirth: person.date_of_birth,
      },
      t,
    );
    if (!check.ok) {
      switch (check.code) {
        case 'too_early':
          throw conflict(
            'too_early',
            `Dose ${next.doseNumber} can be given from ${check.earliestDate} on; choose a session on or after that date.`,
            { earliestDate: check.earliestDate },
          );
        case 'product_not_allowed': {
          const names = list.filter((p) => check.allowedProductIds.includes(p.id)).map((p) => p.code);
          throw conflict(
            'product_not_allowed',
            `Dose ${next.doseNumber} must be ${names.join(' or ')}; this session gives ${session.v_code}.`,
            { allowedProductIds: check.allowedProductIds },
          );
        }
        case 'too_young_for_product':
          throw conflict(
            'too_young_for_product',
            `${session.v_code} is given from ${check.minAgeYears} years of age.`,
            { minAgeYears: check.minAgeYears },
          );
        case 'already_complete':
          throw conflict('already_complete', 'This person has had every dose the programme offers.');
        case 'dose_not_due':
          throw conflict('dose_not_offered', `This person needs dose ${check.doseNumber}.`, {
            doseNumber: check.doseNumber,
          });
        default:
          check satisfies never;
      }
    }
    return next.doseNumber;
  }

  const nowClock = () => clockIn(settings.timeZone);

  /**
   * Alternatives offered with a 409, kept for a second per question: in a rush thousands are told
   * "full" for the same session within a second, and the sessions nearby are the same for all.
   */
  const offered = new Map<string, { at: number; value: Promise<unknown[]> }>();
  function alternativesFor(q: Parameters<AlternativesFinder>[0]): Promise<unknown[]> {
    if (!deps.alternatives) return Promise.resolve([]);
    const key = `${q.productId}:${q.doseNumber}:${q.facilityId}:${q.fromDate}:${q.excludeSessionId}`;
    const now = Date.now();
    const hit = offered.get(key);
    if (hit && now - hit.at < SESSION_TTL_MS) return hit.value;
    if (offered.size > 5_000) offered.clear();
    const value = deps.alternatives(q).catch(() => []);
    offered.set(key, { at: now, value });
    return value;
  }

  /** The 409 for a full session or slot, with what is still free: other slots, and sessions nearby. */
  async function slotFull(session: SessionContext, doseNumber: number, slotChosen: boolean) {
    const fresh = slotChosen ? await sessionContext(db, session.id) : undefined;
    const others = (fresh?.slots ?? [])
      .filter((s) => s.capacity > s.booked)
      .map((s) => ({ slotId: s.id, startsAt: hhmm(s.startsAt), available: s.capacity - s.booked }));
    const nearby = await alternativesFor({
      productId: session.product_id,
      doseNumber,
      facilityId: session.facility_id,
      fromDate: session.session_date < today() ? today() : session.session_date,
      excludeSessionId: session.id,
      limit: 5,
    });
    return conflict(
      others.length ? 'slot_full' : 'session_full',
      others.length
        ? 'This time slot is full. Other times of the same session still have seats.'
        : 'This session is full. Here are the nearest sessions that still have seats.',
      { otherSlots: others, alternatives: nearby },
    );
  }

  async function loadAppointment(q: Queryable, personId: number, id: number): Promise<AppointmentT> {
    const rows = await appointmentQuery(q)
      .where('a.person_id', '=', personId)
      .where('a.id', '=', id)
      .execute();
    if (!rows[0]) throw notFound('The appointment');
    return toDto(rows[0]);
  }

  function appointmentQuery(q: Queryable) {
    return q
      .selectFrom('appointment as a')
      .innerJoin('person as p', 'p.id', 'a.person_id')
      .innerJoin('facility as f', 'f.id', 'a.facility_id')
      .innerJoin('vaccine_product as v', 'v.id', 'a.product_id')
      .innerJoin('session_slot as sl', 'sl.id', 'a.slot_id')
      .select([
        'a.id',
        'a.person_id',
        'a.dose_number',
        'a.session_id',
        'a.slot_id',
        'a.session_date',
        'a.code',
        'a.status',
        'a.booked_via',
        'a.reschedule_count',
        'a.created_at',
        'p.registration_number',
        'p.name_en',
        'p.name_bn',
        'f.id as facility_id',
        'f.name_en as f_en',
        'f.name_bn as f_bn',
        'f.address as f_address',
        'v.id as product_id',
        'v.code as v_code',
        'v.name as v_name',
        'sl.starts_at',
        'sl.ends_at',
      ]);
  }

  type Row = Awaited<ReturnType<ReturnType<typeof appointmentQuery>['execute']>>[number];
  function toDto(r: Row): AppointmentT {
    return {
      id: r.id,
      personId: r.person_id,
      registrationNumber: r.registration_number,
      nameEn: r.name_en,
      nameBn: r.name_bn,
      doseNumber: r.dose_number,
      sessionId: r.session_id,
      slotId: r.slot_id,
      facility: { id: r.facility_id, nameEn: r.f_en, nameBn: r.f_bn, address: r.f_address },
      product: { id: r.product_id, code: r.v_code, name: r.v_name },
      date: r.session_date,
      startsAt: hhmm(r.starts_at),
      endsAt: hhmm(r.ends_at),
      code: r.code,
      status: r.status,
      bookedVia: r.booked_via,
      rescheduleCount: r.reschedule_count,
      reschedulesLeft: r.status === 'booked' ? Math.max(0, settings.maxReschedules - r.reschedule_count) : 0,
      createdAt: r.created_at.toISOString(),
    };
  }

  async function replay(personId: number, key: string): Promise<AppointmentT | undefined> {
    const row = await appointmentQuery(db)
      .where('a.person_id', '=', personId)
      .where('a.idempotency_key', '=', key)
      .executeTakeFirst();
    return row && toDto(row);
  }

  type SeatRow = {
    status: 'open' | 'closed' | 'cancelled' | null;
    id: number | null;
    created_at: Date | null;
    slot_id: number | null;
    starts_at: string | null;
    ends_at: string | null;
  };
  /** TAKE_SEAT's parameters, in order. */
  type SeatWrite = { personId: number; values: unknown[] };
  // Seats asked for while two are being taken are taken together, in one statement and one commit.
  const writeSeat = coalesce(
    async (w: SeatWrite) =>
      (await hotQuery<SeatRow>(deps.database, 'booking_take_seat', TAKE_SEAT, w.values))[0]!,
    async (ws: SeatWrite[]) => {
      const columns = ws[0]!.values.map((_, i) => ws.map((w) => w.values[i]));
      const rows = await hotQuery<SeatRow & { n: string | number }>(
        deps.database,
        'booking_take_seats',
        TAKE_SEATS,
        columns,
      );
      const byPlace = new Map(rows.map(({ n, ...row }) => [Number(n), row]));
      return ws.map((_, i) => byPlace.get(i + 1)!);
    },
    // One booking per person in a batch, and a person in one batch at a time: a second press
    // waits for the first and is then told the appointment exists, without failing others.
    { apart: (w) => [w.personId], exclusive: (w) => [String(w.personId)] },
  );

  /**
   * One statement: take the earliest seat with room in the session (or in the chosen slot) while
   * the session is open, write the appointment, leave the waiting queue, queue the SMS. All of it
   * commits or none of it does. The slot row is locked before its counter is re-checked, so a
   * seat is never counted twice; a slot filled meanwhile is passed over for the next one with
   * room, so "full" is said only when no slot had room. The unique index on active appointments
   * refuses a second one for the same dose.
   */
  async function takeSeat(w: {
    person: PersonContext;
    session: SessionContext;
    slotId: number | undefined;
    doseNumber: number;
    code: string;
    booker: Booker;
    key: string | null;
  }) {
    const { person, session } = w;
    const params = {
      name: nameFor(person),
      doseNumber: w.doseNumber,
      centre: person.locale === 'bn' ? session.f_bn : session.f_en,
      date: session.session_date,
      time: '00:00',
      code: w.code,
    };
    // Checked and encrypted here; the slot's time goes in when the statement has picked the slot.
    const sms = person.phone_enc
      ? notificationValues(
          {
            to: { encrypted: person.phone_enc },
            template: 'appointment_booked',
            locale: person.locale,
            params,
            personId: person.id,
          },
          vault,
        )
      : null;
    const accountId = w.booker.kind === 'citizen' ? w.booker.accountId : null;
    const staffId = w.booker.kind === 'staff' ? w.booker.principal.userId : null;
    return writeSeat({
      personId: person.id,
      values: [
        session.id,
        w.slotId ?? null,
        person.id,
        w.doseNumber,
        session.facility_id,
        session.product_id,
        session.session_date,
        w.code,
        w.booker.kind,
        accountId,
        staffId,
        w.key,
        sms?.recipient_enc ?? null,
        sms?.template ?? null,
        sms?.locale ?? null,
        sms?.params ?? null,
      ],
    });
  }

  async function bookOnce(
    booker: Booker,
    input: {
      personId: number;
      sessionId: number;
      slotId?: number | undefined;
      idempotencyKey?: string | undefined;
    },
    ctx: RequestContext,
  ): Promise<{ appointment: AppointmentT; replayed: boolean }> {
    const key = input.idempotencyKey ?? null;
    const [personRow, session, list] = await Promise.all([
      personForBooking(booker, input.personId, key),
      cachedSession(input.sessionId),
      productList(),
    ]);
    const person = ensureMayAct(booker, personRow);
    if (personRow!.replay_id)
      return { appointment: await loadAppointment(db, person.id, personRow!.replay_id), replayed: true };
    refuseOverLimit(personRow!);
    if (!session) throw notFound('The session');
    if (input.slotId !== undefined && !session.slots.some((s) => s.id === input.slotId))
      throw badRequest('unknown_slot', 'This time slot is not part of the session.', [{ field: 'slotId' }]);
    const doseNumber = checkEligible(person, session, list);
    const code = slipCode();
    let written: Awaited<ReturnType<typeof takeSeat>>;
    try {
      written = await takeSeat({ person, session, slotId: input.slotId, doseNumber, code, booker, key });
    } catch (err) {
      const c = constraintOf(err);
      if (c === 'appointment_idempotency_idx' && key) {
        const again = await replay(person.id, key);
        if (again) return { appointment: again, replayed: true };
      }
      if (c === 'appointment_active_idx')
        throw conflict(
          'appointment_exists',
          `This person already has an appointment for dose ${doseNumber}. Reschedule or cancel it instead.`,
        );
      throw err;
    }
    if (!written.id) {
      // No seat was taken: the session closed meanwhile, or it (or the chosen slot) is full.
      if (written.status !== 'open') {
        sessions.delete(session.id);
        checkEligible(person, { ...session, status: written.status ?? 'cancelled' }, list);
      }
      throw await slotFull(session, doseNumber, input.slotId !== undefined);
    }
    if (booker.kind === 'staff')
      await recordAudit(db, {
        actorKind: 'staff',
        actorId: booker.principal.userId,
        action: 'appointment.booked',
        entityType: 'appointment',
        entityId: written.id,
        areaId: session.f_area,
        requestId: ctx.requestId,
        ip: ctx.ip,
        details: { personId: person.id, sessionId: session.id },
      });
    return {
      replayed: false,
      appointment: {
        id: written.id,
        personId: person.id,
        registrationNumber: person.registration_number,
        nameEn: person.name_en,
        nameBn: person.name_bn,
        doseNumber,
        sessionId: session.id,
        slotId: written.slot_id!,
        facility: {
          id: session.facility_id,
          nameEn: session.f_en,
          nameBn: session.f_bn,
          address: session.f_address,
        },
        product: { id: session.product_id, code: session.v_code, name: session.v_name },
        date: session.session_date,
        startsAt: hhmm(written.starts_at!),
        endsAt: hhmm(written.ends_at!),
        code,
        status: 'booked',
        bookedVia: booker.kind,
        rescheduleCount: 0,
        reschedulesLeft: settings.maxReschedules,
        createdAt: new Date(written.created_at!).toISOString(),
      },
    };
  }

  return {
    /**
     * Books the earliest slot with room in a session (or the given slot) for a person. A repeated
     * request with the same idempotency key returns the first answer's appointment.
     */
    async book(
      booker: Booker,
      input: {
        personId: number;
        sessionId: number;
        slotId?: number | undefined;
        idempotencyKey?: string | undefined;
      },
      ctx: RequestContext,
    ): Promise<{ appointment: AppointmentT; replayed: boolean }> {
      try {
        return await bookOnce(booker, input, ctx);
      } catch (err) {
        // The same key racing itself: the request that lost finds the winner's appointment.
        if (input.idempotencyKey && err instanceof AppError && err.code === 'appointment_exists') {
          const again = await replay(input.personId, input.idempotencyKey);
          if (again) return { appointment: again, replayed: true };
        }
        throw err;
      }
    },

    async reschedule(
      booker: Booker,
      ref: { personId: number; appointmentId: number },
      target: { sessionId: number; slotId?: number | undefined },
      ctx: RequestContext,
    ): Promise<AppointmentT> {
      const [personRow, session, list] = await Promise.all([
        personContext(db, ref.personId),
        sessionContext(db, target.sessionId),
        productList(),
        countAttempt(booker, ref.personId),
      ]);
      const person = ensureMayAct(booker, personRow);
      const current = await db
        .selectFrom('appointment')
        .select(['id', 'status', 'slot_id', 'session_id', 'dose_number', 'reschedule_count', 'session_date'])
        .where('person_id', '=', person.id)
        .where('id', '=', ref.appointmentId)
        .executeTakeFirst();
      if (!current) throw notFound('The appointment');
      if (current.status !== 'booked')
        throw conflict(
          'appointment_not_active',
          `This appointment is ${current.status}; book a new one instead.`,
        );
      if (current.reschedule_count >= settings.maxReschedules)
        throw conflict(
          'reschedule_limit',
          `An appointment can be changed at most ${settings.maxReschedules} times. Cancel it and book again, or visit a help desk.`,
        );
      if (!session) throw notFound('The session');
      if (target.slotId !== undefined && !session.slots.some((s) => s.id === target.slotId))
        throw badRequest('unknown_slot', 'This time slot is not part of the session.', [{ field: 'slotId' }]);
      const doseNumber = checkEligible(person, session, list, { ignoreAppointmentId: current.id });
      if (doseNumber !== current.dose_number)
        throw conflict('dose_not_offered', `This appointment is for dose ${current.dose_number}.`);
      const candidates = (
        target.slotId ? [target.slotId] : session.slots.filter((s) => s.capacity > s.booked).map((s) => s.id)
      ).filter((id) => id !== current.slot_id);
      if (target.slotId === current.slot_id)
        throw badRequest('same_slot', 'The appointment is already in this time slot.', [{ field: 'slotId' }]);
      for (const slotId of candidates) {
        const moved = await withTransaction(db, async (trx) => {
          const locked = await trx
            .selectFrom('appointment')
            .select(['id'])
            .where('person_id', '=', person.id)
            .where('id', '=', current.id)
            .where('status', '=', 'booked')
            .where('slot_id', '=', current.slot_id)
            .forUpdate()
            .executeTakeFirst();
          if (!locked)
            throw conflict(
              'appointment_changed',
              'This appointment changed meanwhile; reload and try again.',
            );
          // Both slots locked in the order every writer of seats locks them.
          await sql`
            select id from session_slot where id in (${slotId}, ${current.slot_id})
            order by starts_at, id for update`.execute(trx);
          const seat = await sql<{ id: number; starts_at: string }>`
            update session_slot set booked = booked + 1
            where id = ${slotId} and session_id = ${session.id} and booked < capacity
              and exists (select 1 from vaccination_session v where v.id = ${session.id} and v.status = 'open')
            returning id, starts_at`.execute(trx);
          if (!seat.rows[0]) return false;
          await sql`update session_slot set booked = booked - 1 where id = ${current.slot_id} and booked > 0`.execute(
            trx,
          );
          const code = slipCode();
          await trx
            .updateTable('appointment')
            .set({
              session_id: session.id,
              slot_id: slotId,
              facility_id: session.facility_id,
              product_id: session.product_id,
              session_date: session.session_date,
              code,
              reschedule_count: sql`reschedule_count + 1`,
              reminded_at: null,
              updated_at: sql`now()`,
            })
            .where('person_id', '=', person.id)
            .where('id', '=', current.id)
            .execute();
          await notifyPerson(trx, vault, person, 'appointment_rescheduled', {
            name: nameFor(person),
            centre: person.locale === 'bn' ? session.f_bn : session.f_en,
            date: session.session_date,
            time: hhmm(seat.rows[0].starts_at),
            code,
          });
          await auditStaff(trx, booker, 'appointment.rescheduled', current.id, session.f_area, ctx, {
            personId: person.id,
            from: current.session_id,
            to: session.id,
          });
          return true;
        });
        if (moved) return loadAppointment(db, person.id, current.id);
      }
      throw await slotFull(session, doseNumber, true);
    },

    /** Cancels an appointment: the seat returns at once and the person waits in the queue again. */
    async cancel(booker: Booker, ref: { personId: number; appointmentId: number }, ctx: RequestContext) {
      const [personRow, list] = await Promise.all([
        personContext(db, ref.personId),
        productList(),
        countAttempt(booker, ref.personId),
      ]);
      const person = ensureMayAct(booker, personRow);
      await withTransaction(db, async (trx) => {
        const a = await trx
          .updateTable('appointment')
          .set({
            status: 'cancelled',
            cancelled_at: sql`now()`,
            cancel_reason: booker.kind === 'staff' ? 'staff' : 'person',
            updated_at: sql`now()`,
          })
          .where('person_id', '=', person.id)
          .where('id', '=', ref.appointmentId)
          .where('status', '=', 'booked')
          .returning(['slot_id', 'session_date', 'facility_id'])
          .executeTakeFirst();
        if (!a) {
          const exists = await trx
            .selectFrom('appointment')
            .select('status')
            .where('person_id', '=', person.id)
            .where('id', '=', ref.appointmentId)
            .executeTakeFirst();
          if (!exists) throw notFound('The appointment');
          throw conflict(
            'appointment_not_active',
            `This appointment is ${exists.status} and cannot be cancelled.`,
          );
        }
        await sql`update session_slot set booked = booked - 1 where id = ${a.slot_id} and booked > 0`.execute(
          trx,
        );
        await requeue(trx, person.id, 'person_cancelled', list, today());
        await notifyPerson(trx, vault, person, 'appointment_cancelled', {
          name: nameFor(person),
          date: a.session_date,
        });
        const area = await trx
          .selectFrom('facility')
          .select('area_id')
          .where('id', '=', a.facility_id)
          .executeTakeFirst();
        await auditStaff(
          trx,
          booker,
          'appointment.cancelled',
          ref.appointmentId,
          area?.area_id ?? null,
          ctx,
          {
            personId: person.id,
          },
        );
      });
      return loadAppointment(db, person.id, ref.appointmentId);
    },

    /** Whether staff may read the person at all (their home area or chosen centre). */
    async seesPerson(staff: Principal, personId: number): Promise<boolean> {
      return (await personScopesSeenBy(read, staff, personId)) !== undefined;
    },

    async get(booker: Booker, personId: number, appointmentId: number): Promise<AppointmentT> {
      ensureMayAct(booker, await personContext(read, personId));
      return loadAppointment(read, personId, appointmentId);
    },

    /** The family's appointments and, for each person, what they can book next. */
    async forAccount(accountId: number) {
      const people = await read
        .selectFrom('person')
        .select('id')
        .where('citizen_account_id', '=', accountId)
        .where('removed_at', 'is', null)
        .orderBy('id')
        .execute();
      const ids = people.map((p) => p.id);
      if (!ids.length) return { appointments: [], nextDoses: [] };
      const [rows, list, contexts] = await Promise.all([
        appointmentQuery(read)
          .where('a.person_id', 'in', ids)
          .orderBy('a.session_date', 'desc')
          .orderBy('a.id', 'desc')
          .limit(200)
          .execute(),
        productList(),
        Promise.all(ids.map((id) => personContext(read, id))),
      ]);
      const t = today();
      const nextDoses = contexts.filter((c): c is PersonContext => !!c).map((c) => nextDoseInfo(c, list, t));
      return { appointments: rows.map(toDto), nextDoses };
    },

    /** A session's appointments for the facility's staff. */
    async forSession(sessionId: number) {
      const rows = await appointmentQuery(read)
        .where('a.session_id', '=', sessionId)
        .where('a.status', '<>', 'cancelled')
        .orderBy('sl.starts_at')
        .orderBy('p.name_en')
        .execute();
      return rows.map(toDto);
    },

    /** What a staff member needs to know before booking for a person. */
    async personAreaId(personId: number): Promise<number> {
      const p = await read
        .selectFrom('person')
        .select('area_id')
        .where('id', '=', personId)
        .executeTakeFirst();
      if (!p) throw notFound('The person');
      return p.area_id;
    },
  };

  async function auditStaff(
    trx: Queryable,
    booker: Booker,
    action: string,
    id: number,
    areaId: number | null,
    ctx: RequestContext,
    details: Record<string, unknown>,
  ) {
    if (booker.kind !== 'staff') return;
    await recordAudit(trx, {
      actorKind: 'staff',
      actorId: booker.principal.userId,
      action,
      entityType: 'appointment',
      entityId: id,
      areaId,
      requestId: ctx.requestId,
      ip: ctx.ip,
      details,
    });
  }
}

function nextDoseInfo(c: PersonContext, list: DoseProduct[], t: string) {
  const base = { personId: c.id, productIds: [] as number[], earliestDate: null, dueDate: null };
  if (c.priority_status !== 'accepted' || c.verification_status === 'failed')
    return {
      ...base,
      status: 'not_eligible' as const,
      doseNumber: null,
      reason: c.priority_status !== 'accepted' ? `priority_${c.priority_status}` : 'identity_not_verified',
    };
  const next = nextDose(c.doses, list, t);
  if (next.kind === 'complete')
    return { ...base, status: 'complete' as const, doseNumber: null, reason: null };
  const booked = c.active.some((a) => a.doseNumber === next.doseNumber);
  const earliest = c.opens_on > next.earliestDate ? c.opens_on : next.earliestDate;
  return {
    personId: c.id,
    status: booked ? ('booked' as const) : ('due' as const),
    doseNumber: next.doseNumber,
    earliestDate: earliest,
    dueDate: next.dueDate < earliest ? earliest : next.dueDate,
    productIds: next.productIds,
    reason: null,
  };
}

export type BookingService = ReturnType<typeof bookingService>;
