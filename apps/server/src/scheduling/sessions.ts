import { sql } from 'kysely';
import { addDays, BOOSTERS_OFFERED, daysBetween } from '@dosewise/domain';
import { withTransaction, type Db, type Queryable } from '../db/database.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import { todayIn } from '../registration/calendar.ts';
import {
  appointmentSmsParams,
  clockIn,
  doseProducts,
  hhmm,
  nameFor,
  notifyPerson,
  requeue,
} from './queue.ts';
import type { SessionCreateT, SessionT, SessionTemplateT } from './schemas.ts';

/** Sessions are planned at most this far ahead, and a template covers at most this many days. */
const MAX_DAYS_AHEAD = 366;
const MAX_TEMPLATE_DAYS = 92;
const MAX_SLOTS = 96;

export interface SessionSettings {
  timeZone: string;
  /** 'HH:MM' in the time zone: day-before reminders are queued from then on (by default from midnight). */
  remindersFrom?: string;
}

/** Minutes since midnight of 'HH:MM' or 'HH:MM:SS'. */
const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const clock = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** The slots of a session: its hours cut into `slotMinutes` pieces, the seats spread evenly (earlier slots get the remainder). */
export function planSlots(
  startsAt: string,
  endsAt: string,
  capacity: number,
  slotMinutes: number | undefined,
): { startsAt: string; endsAt: string; capacity: number }[] {
  const start = minutesOf(startsAt);
  const end = minutesOf(endsAt);
  const step = slotMinutes ?? end - start;
  const bounds: [number, number][] = [];
  for (let t = start; t < end; t += step) bounds.push([t, Math.min(end, t + step)]);
  const base = Math.floor(capacity / bounds.length);
  const extra = capacity % bounds.length;
  return bounds.map(([a, b], i) => ({
    startsAt: clock(a),
    endsAt: clock(b),
    capacity: base + (i < extra ? 1 : 0),
  }));
}

export function sessionService(deps: {
  db: Db;
  read: Db;
  vault: IdentifierVault;
  settings: SessionSettings;
}) {
  const { db, read, vault, settings } = deps;
  const today = () => todayIn(settings.timeZone);

  async function validate(q: Queryable, input: Omit<SessionCreateT, 'date'>, dates: string[]) {
    const facility = await q
      .selectFrom('facility')
      .select(['id', 'type', 'active', 'area_id'])
      .where('id', '=', input.facilityId)
      .executeTakeFirst();
    if (!facility) throw notFound('The facility');
    if (!facility.active)
      throw badRequest('facility_inactive', 'This facility is closed: sessions cannot be planned there.', [
        { field: 'facilityId' },
      ]);
    if (facility.type === 'store')
      throw badRequest('facility_is_store', 'A vaccine store does not hold vaccination sessions.', [
        { field: 'facilityId' },
      ]);
    const product = await q
      .selectFrom('vaccine_product')
      .select(['id', 'active', 'primary_doses', 'booster_allowed', 'min_age_years', 'code'])
      .where('id', '=', input.productId)
      .executeTakeFirst();
    if (!product)
      throw badRequest('unknown_product', 'This vaccine does not exist.', [{ field: 'productId' }]);
    if (!product.active)
      throw badRequest('product_inactive', 'This vaccine is no longer in use.', [{ field: 'productId' }]);
    const maxDose = product.primary_doses + (product.booster_allowed ? BOOSTERS_OFFERED : 0);
    const bad = input.doseNumbers.filter((n) => n > maxDose);
    if (bad.length)
      throw badRequest(
        'dose_not_offered',
        `${product.code} is given in at most ${maxDose} dose(s); dose ${bad.join(', ')} cannot be offered.`,
        [{ field: 'doseNumbers' }],
      );
    if (input.minAgeYears < product.min_age_years)
      throw badRequest(
        'age_below_product_minimum',
        `${product.code} is given from ${product.min_age_years} years of age; the session's minimum age cannot be lower.`,
        [{ field: 'minAgeYears' }],
      );
    if (input.maxAgeYears != null && input.maxAgeYears < input.minAgeYears)
      throw badRequest('invalid_age_band', 'The maximum age is below the minimum age.', [
        { field: 'maxAgeYears' },
      ]);
    const start = minutesOf(input.startsAt);
    const end = minutesOf(input.endsAt);
    if (end <= start)
      throw badRequest('invalid_hours', 'The session must end after it starts.', [{ field: 'endsAt' }]);
    const slots = planSlots(input.startsAt, input.endsAt, input.capacity, input.slotMinutes);
    if (slots.length > MAX_SLOTS)
      throw badRequest('too_many_slots', `A session has at most ${MAX_SLOTS} time slots; use longer slots.`, [
        { field: 'slotMinutes' },
      ]);
    if (slots.some((s) => s.capacity === 0))
      throw badRequest(
        'slots_without_seats',
        'Some time slots would have no seats: use fewer, longer slots.',
        [{ field: 'slotMinutes' }],
      );
    const t = today();
    for (const d of dates) {
      if (d < t)
        throw badRequest('date_in_past', `Sessions cannot be planned in the past (${d}).`, [
          { field: 'date' },
        ]);
      if (daysBetween(t, d) > MAX_DAYS_AHEAD)
        throw badRequest('date_too_far', `Sessions are planned at most ${MAX_DAYS_AHEAD} days ahead.`, [
          { field: 'date' },
        ]);
    }
    return { facility, slots };
  }

  async function insertSessions(
    trx: Queryable,
    input: Omit<SessionCreateT, 'date'>,
    dates: string[],
    slots: { startsAt: string; endsAt: string; capacity: number }[],
    actor: Principal,
  ): Promise<number[]> {
    if (!dates.length) return [];
    const rows = await trx
      .insertInto('vaccination_session')
      .values(
        dates.map((date) => ({
          facility_id: input.facilityId,
          session_date: date,
          product_id: input.productId,
          dose_numbers: input.doseNumbers,
          min_age_years: input.minAgeYears,
          max_age_years: input.maxAgeYears ?? null,
          starts_at: input.startsAt,
          ends_at: input.endsAt,
          created_by: actor.userId,
        })),
      )
      .returning('id')
      .execute();
    const ids = rows.map((r) => r.id);
    await trx
      .insertInto('session_slot')
      .values(
        ids.flatMap((session_id) =>
          slots.map((s) => ({ session_id, starts_at: s.startsAt, ends_at: s.endsAt, capacity: s.capacity })),
        ),
      )
      .execute();
    return ids;
  }

  async function load(q: Queryable, ids: number[]): Promise<SessionT[]> {
    if (!ids.length) return [];
    const rows = await q
      .selectFrom('vaccination_session as s')
      .innerJoin('facility as f', 'f.id', 's.facility_id')
      .innerJoin('vaccine_product as v', 'v.id', 's.product_id')
      .select([
        's.id',
        's.session_date',
        's.dose_numbers',
        's.min_age_years',
        's.max_age_years',
        's.starts_at',
        's.ends_at',
        's.status',
        's.cancel_reason',
        'f.id as facility_id',
        'f.code as facility_code',
        'f.name_en as facility_name_en',
        'f.name_bn as facility_name_bn',
        'v.id as product_id',
        'v.code as product_code',
        'v.name as product_name',
      ])
      .where('s.id', 'in', ids)
      .orderBy('s.session_date')
      .orderBy('s.starts_at')
      .orderBy('s.id')
      .execute();
    const slots = await q
      .selectFrom('session_slot')
      .select(['id', 'session_id', 'starts_at', 'ends_at', 'capacity', 'booked'])
      .where('session_id', 'in', ids)
      .orderBy('starts_at')
      .execute();
    return rows.map((r) => {
      const own = slots
        .filter((s) => s.session_id === r.id)
        .map((s) => ({
          id: s.id,
          startsAt: hhmm(s.starts_at),
          endsAt: hhmm(s.ends_at),
          capacity: s.capacity,
          booked: s.booked,
          available: r.status === 'open' ? s.capacity - s.booked : 0,
        }));
      const capacity = own.reduce((n, s) => n + s.capacity, 0);
      const booked = own.reduce((n, s) => n + s.booked, 0);
      return {
        id: r.id,
        facility: {
          id: r.facility_id,
          code: r.facility_code,
          nameEn: r.facility_name_en,
          nameBn: r.facility_name_bn,
        },
        date: r.session_date,
        product: { id: r.product_id, code: r.product_code, name: r.product_name },
        doseNumbers: r.dose_numbers,
        minAgeYears: r.min_age_years,
        maxAgeYears: r.max_age_years,
        startsAt: hhmm(r.starts_at),
        endsAt: hhmm(r.ends_at),
        status: r.status,
        cancelReason: r.cancel_reason,
        capacity,
        booked,
        available: own.reduce((n, s) => n + s.available, 0),
        slots: own,
      };
    });
  }

  async function audit(
    trx: Queryable,
    actor: Principal,
    ctx: RequestContext,
    action: string,
    id: number,
    areaId: number,
    details: Record<string, unknown>,
  ) {
    await recordAudit(trx, {
      actorKind: 'staff',
      actorId: actor.userId,
      action,
      entityType: 'session',
      entityId: id,
      areaId,
      requestId: ctx.requestId,
      ip: ctx.ip,
      details,
    });
  }

  return {
    async create(actor: Principal, input: SessionCreateT, ctx: RequestContext): Promise<SessionT> {
      return withTransaction(db, async (trx) => {
        const { facility, slots } = await validate(trx, input, [input.date]);
        const [id] = await insertSessions(trx, input, [input.date], slots, actor);
        await audit(trx, actor, ctx, 'session.created', id!, facility.area_id, { date: input.date });
        return (await load(trx, [id!]))[0]!;
      });
    },

    /** Sessions on the chosen weekdays of a date range; days that already have the same session are skipped. */
    async createFromTemplate(
      actor: Principal,
      input: SessionTemplateT,
      ctx: RequestContext,
    ): Promise<{ created: SessionT[]; skippedDates: string[] }> {
      if (input.to < input.from)
        throw badRequest('invalid_range', 'The end date is before the start date.', [{ field: 'to' }]);
      const span = daysBetween(input.from, input.to) + 1;
      if (span > MAX_TEMPLATE_DAYS)
        throw badRequest('range_too_long', `A template covers at most ${MAX_TEMPLATE_DAYS} days at a time.`, [
          { field: 'to' },
        ]);
      const wanted: string[] = [];
      for (let i = 0; i < span; i++) {
        const d = addDays(input.from, i);
        const weekday = ((new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
        if (input.weekdays.includes(weekday)) wanted.push(d);
      }
      return withTransaction(db, async (trx) => {
        const { facility, slots } = await validate(trx, input, wanted);
        const existing = wanted.length
          ? await trx
              .selectFrom('vaccination_session')
              .select('session_date')
              .where('facility_id', '=', input.facilityId)
              .where('product_id', '=', input.productId)
              .where('starts_at', '=', input.startsAt)
              .where('status', '<>', 'cancelled')
              .where('session_date', 'in', wanted)
              .execute()
          : [];
        const taken = new Set(existing.map((e) => e.session_date));
        const dates = wanted.filter((d) => !taken.has(d));
        const ids = await insertSessions(trx, input, dates, slots, actor);
        if (ids.length)
          await audit(trx, actor, ctx, 'session.template_applied', ids[0]!, facility.area_id, {
            from: input.from,
            to: input.to,
            created: ids.length,
          });
        return { created: await load(trx, ids), skippedDates: [...taken].sort() };
      });
    },

    async get(id: number): Promise<SessionT> {
      const [s] = await load(read, [id]);
      if (!s) throw notFound('The session');
      return s;
    },

    async list(q: { facilityId: number; from: string; to: string }): Promise<SessionT[]> {
      if (q.to < q.from)
        throw badRequest('invalid_range', 'The end date is before the start date.', [{ field: 'to' }]);
      if (daysBetween(q.from, q.to) > MAX_TEMPLATE_DAYS)
        throw badRequest('range_too_long', `Ask for at most ${MAX_TEMPLATE_DAYS} days at a time.`, [
          { field: 'to' },
        ]);
      const ids = await read
        .selectFrom('vaccination_session')
        .select('id')
        .where('facility_id', '=', q.facilityId)
        .where('session_date', '>=', q.from)
        .where('session_date', '<=', q.to)
        .execute();
      return load(
        read,
        ids.map((r) => r.id),
      );
    },

    /** The facility that holds a session, for access checks. */
    async facilityOf(id: number): Promise<number> {
      const s = await read
        .selectFrom('vaccination_session')
        .select('facility_id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!s) throw notFound('The session');
      return s.facility_id;
    },

    /**
     * Open (again), close (no more bookings; appointments stay) or cancel (every booked person is
     * told and goes back to the waiting queue; the seats are gone).
     */
    async changeStatus(
      actor: Principal,
      id: number,
      change: { status: 'open' | 'closed' | 'cancelled'; reason?: string | undefined },
      ctx: RequestContext,
    ): Promise<SessionT> {
      return withTransaction(db, async (trx) => {
        const s = await trx
          .selectFrom('vaccination_session as s')
          .innerJoin('facility as f', 'f.id', 's.facility_id')
          .select(['s.id', 's.status', 's.session_date', 'f.area_id', 'f.name_en', 'f.name_bn'])
          .where('s.id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!s) throw notFound('The session');
        if (s.status === 'cancelled')
          throw conflict('session_cancelled', 'This session was cancelled; plan a new one instead.');
        if (change.status === s.status) return (await load(trx, [id]))[0]!;
        if (change.status === 'open' && s.session_date < today())
          throw conflict('session_past', 'A session in the past cannot be opened again.');
        if (change.status === 'cancelled') {
          if (!change.reason?.trim())
            throw badRequest('reason_required', 'Say why the session is cancelled: people are told.', [
              { field: 'reason' },
            ]);
          await cancelAppointments(trx, id, { nameEn: s.name_en, nameBn: s.name_bn, date: s.session_date });
        }
        await trx
          .updateTable('vaccination_session')
          .set({
            status: change.status,
            cancel_reason: change.status === 'cancelled' ? change.reason!.trim() : null,
            updated_at: sql`now()`,
          })
          .where('id', '=', id)
          .execute();
        await audit(trx, actor, ctx, `session.${change.status}`, id, s.area_id, { from: s.status });
        return (await load(trx, [id]))[0]!;
      });
    },

    /**
     * The waiting queue in an area (or the whole country): counts by dose, priority rank and
     * reason, and the first entries in the order the auto-scheduler serves them. Reading names is
     * a read of people's records: it is audited.
     */
    async queue(
      actor: Principal,
      q: { areaPath: string | null; doseNumber?: number | undefined; limit: number; offset: number },
      ctx: RequestContext,
    ) {
      const base = () => {
        let b = read
          .selectFrom('waiting_entry as w')
          .innerJoin('person as p', 'p.id', 'w.person_id')
          .innerJoin('area as a', 'a.id', 'p.area_id');
        if (q.areaPath) b = b.where('a.path', 'like', `${q.areaPath}%`);
        if (q.doseNumber) b = b.where('w.dose_number', '=', q.doseNumber);
        return b;
      };
      const [byDose, byRank, byReason, entries] = await Promise.all([
        base()
          .select(['w.dose_number as key', (eb) => eb.fn.countAll<number>().as('count')])
          .groupBy('w.dose_number')
          .orderBy('w.dose_number')
          .execute(),
        base()
          .select(['w.priority_rank as key', (eb) => eb.fn.countAll<number>().as('count')])
          .groupBy('w.priority_rank')
          .orderBy('w.priority_rank')
          .execute(),
        base()
          .select(['w.reason as key', (eb) => eb.fn.countAll<number>().as('count')])
          .groupBy('w.reason')
          .orderBy('w.reason')
          .execute(),
        base()
          .innerJoin('priority_group as g', 'g.id', 'p.priority_group_id')
          .select([
            'w.person_id',
            'p.registration_number',
            'p.name_en',
            'p.name_bn',
            'w.dose_number',
            'w.priority_rank',
            'g.code as group_code',
            'w.earliest_date',
            'w.due_date',
            'w.reason',
            'w.since',
            'w.unplaced_reason',
            'a.name_en as area_name_en',
            'a.name_bn as area_name_bn',
          ])
          .orderBy('w.priority_rank')
          .orderBy('w.registered_at')
          .orderBy('w.person_id')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
      ]);
      await recordAudit(db, {
        actorKind: 'staff',
        actorId: actor.userId,
        action: 'queue.read',
        entityType: 'waiting_entry',
        requestId: ctx.requestId,
        ip: ctx.ip,
        details: { areaPath: q.areaPath, shown: entries.length },
      });
      const counts = (rows: { key: unknown; count: number }[]) =>
        rows.map((r) => ({ key: String(r.key), count: Number(r.count) }));
      return {
        total: byDose.reduce((n, r) => n + Number(r.count), 0),
        byDose: counts(byDose),
        byRank: counts(byRank),
        byReason: counts(byReason),
        entries: entries.map((e) => ({
          personId: e.person_id,
          registrationNumber: e.registration_number,
          nameEn: e.name_en,
          nameBn: e.name_bn,
          doseNumber: e.dose_number,
          priorityRank: e.priority_rank,
          groupCode: e.group_code,
          earliestDate: e.earliest_date,
          dueDate: e.due_date,
          reason: e.reason,
          since: e.since.toISOString(),
          unplacedReason: e.unplaced_reason,
          areaNameEn: e.area_name_en,
          areaNameBn: e.area_name_bn,
        })),
      };
    },

    /** Attendance and no-show rate of a facility over a date range. */
    async attendance(facilityId: number, from: string, to: string) {
      const rows = await read
        .selectFrom('facility_attendance')
        .select(['session_date', 'attended', 'missed'])
        .where('facility_id', '=', facilityId)
        .where('session_date', '>=', from)
        .where('session_date', '<=', to)
        .orderBy('session_date')
        .execute();
      const attended = rows.reduce((n, r) => n + r.attended, 0);
      const missed = rows.reduce((n, r) => n + r.missed, 0);
      return {
        facilityId,
        attended,
        missed,
        noShowRate: attended + missed ? missed / (attended + missed) : null,
        days: rows.map((r) => ({ date: r.session_date, attended: r.attended, missed: r.missed })),
      };
    },

    /**
     * After a session ends: unattended appointments become missed, those people go back to the
     * queue and are told, and the facility's attendance is counted. Safe to run again and from
     * several workers (each session is settled once, under a row lock).
     */
    async settleEnded(now: Date = new Date()): Promise<number> {
      const t = todayIn(settings.timeZone, now);
      const time = clockIn(settings.timeZone, now);
      const due = await db
        .selectFrom('vaccination_session')
        .select('id')
        .where('settled_at', 'is', null)
        .where('status', '<>', 'cancelled')
        .where((eb) =>
          eb.or([
            eb('session_date', '<', t),
            eb.and([eb('session_date', '=', t), eb('ends_at', '<=', time)]),
          ]),
        )
        .orderBy('session_date')
        .limit(200)
        .execute();
      let settled = 0;
      const products = due.length ? await doseProducts(db) : [];
      for (const { id } of due) {
        settled += await withTransaction(db, async (trx) => {
          const s = await trx
            .selectFrom('vaccination_session')
            .select(['id', 'facility_id', 'session_date', 'settled_at'])
            .where('id', '=', id)
            .forUpdate()
            .skipLocked()
            .executeTakeFirst();
          if (!s || s.settled_at) return 0;
          const missed = await trx
            .updateTable('appointment')
            .set({ status: 'missed', missed_at: sql`now()`, updated_at: sql`now()` })
            .where('session_id', '=', id)
            .where('status', '=', 'booked')
            .returning(['person_id'])
            .execute();
          const attended = await trx
            .selectFrom('appointment')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('session_id', '=', id)
            .where('status', '=', 'attended')
            .executeTakeFirstOrThrow();
          await trx
            .insertInto('facility_attendance')
            .values({
              facility_id: s.facility_id,
              session_date: s.session_date,
              attended: Number(attended.n),
              missed: missed.length,
            })
            .onConflict((oc) =>
              oc.columns(['facility_id', 'session_date']).doUpdateSet((eb) => ({
                attended: eb('facility_attendance.attended', '+', eb.ref('excluded.attended')),
                missed: eb('facility_attendance.missed', '+', eb.ref('excluded.missed')),
              })),
            )
            .execute();
          for (const m of missed) {
            await requeue(trx, m.person_id, 'missed', products, t);
            const p = await trx
              .selectFrom('person')
              .select(['id', 'name_en', 'name_bn', 'locale', 'phone_enc'])
              .where('id', '=', m.person_id)
              .executeTakeFirstOrThrow();
            await notifyPerson(trx, vault, p, 'appointment_missed', {
              name: nameFor(p),
              date: s.session_date,
            });
          }
          await trx
            .updateTable('vaccination_session')
            .set({ settled_at: sql`now()` })
            .where('id', '=', id)
            .execute();
          return 1;
        });
      }
      return settled;
    },

    /**
     * The day-before reminder for tomorrow's appointments, a thousand at a time in one statement;
     * each is reminded once. An appointment made today has had its confirmation today (an
     * auto-scheduler run's assignment, a booking): a second message the same day would say nothing
     * new, so it is not reminded. Nothing before `remindersFrom` in the morning.
     */
    async sendReminders(now: Date = new Date()): Promise<number> {
      if (clockIn(settings.timeZone, now) < (settings.remindersFrom ?? '00:00')) return 0;
      const today = todayIn(settings.timeZone, now);
      const { rows } = await sql<{ n: number }>`
        with due as (
          select a.person_id, a.id from appointment a
          where a.session_date = ${addDays(today, 1)}::date and a.status = 'booked' and a.reminded_at is null
            and a.created_at < (${today}::date::timestamp at time zone ${settings.timeZone}::text)
          limit 1000
          for update skip locked
        ), marked as (
          update appointment a set reminded_at = now()
          from due where a.person_id = due.person_id and a.id = due.id
          returning a.person_id, a.code, a.session_date, a.facility_id, a.slot_id
        ), sms as (
          -- The ciphertext of the person's phone is the outbox's recipient as it is (same key, same format).
          insert into notification (recipient_enc, template, locale, params, person_id)
          select p.phone_enc, 'appointment_reminder', p.locale,
                 ${appointmentSmsParams('m')},
                 p.id
          from marked m
          join person p on p.id = m.person_id
          join facility f on f.id = m.facility_id
          join session_slot sl on sl.id = m.slot_id
          where p.phone_enc is not null
        )
        select count(*)::int as n from marked`.execute(db);
      return rows[0]?.n ?? 0;
    },
  };

  async function cancelAppointments(
    trx: Queryable,
    sessionId: number,
    facility: { nameEn: string; nameBn: string; date: string },
  ) {
    // The slots locked in the order every writer of seats locks them (bookings taking seats meanwhile).
    await sql`select id from session_slot where session_id = ${sessionId} order by starts_at, id for update`.execute(
      trx,
    );
    const cancelled = await trx
      .updateTable('appointment')
      .set({
        status: 'cancelled',
        cancelled_at: sql`now()`,
        cancel_reason: 'session_cancelled',
        updated_at: sql`now()`,
      })
      .where('session_id', '=', sessionId)
      .where('status', '=', 'booked')
      .returning(['person_id'])
      .execute();
    await trx.updateTable('session_slot').set({ booked: 0 }).where('session_id', '=', sessionId).execute();
    if (!cancelled.length) return;
    const products = await doseProducts(trx);
    const t = today();
    for (const c of cancelled) {
      await requeue(trx, c.person_id, 'session_cancelled', products, t);
      const p = await trx
        .selectFrom('person')
        .select(['id', 'name_en', 'name_bn', 'locale', 'phone_enc'])
        .where('id', '=', c.person_id)
        .executeTakeFirstOrThrow();
      await notifyPerson(trx, vault, p, 'session_cancelled', {
        name: nameFor(p),
        centre: p.locale === 'bn' ? facility.nameBn : facility.nameEn,
        date: facility.date,
      });
    }
  }
}

export type SessionService = ReturnType<typeof sessionService>;
