import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import {
  aged,
  facilityOfUser,
  personPicker,
  placeOf,
  registered,
  registrationBody,
  signInCitizen,
  smsTo,
} from '../support/citizen.ts';
import {
  book,
  booked,
  createSession,
  inDays,
  productId,
  seatsTaken,
  sessionBody,
} from '../support/sessions-api.ts';
import type { AppointmentT, SessionT } from '../../src/scheduling/schemas.ts';
import { sessionService } from '../../src/scheduling/sessions.ts';
import { expectError } from './helpers.ts';

describe('sessions and booking', () => {
  let t: TestContext;
  let people: BulkPerson[];
  let next = 0;
  let facilityId: number;
  let comirnaty: number;
  let covishield: number;
  const person = () => people[next++]!;
  const auth = (p: BulkPerson) => ({ authorization: `Bearer ${p.token}` });

  beforeAll(async () => {
    t = await testApp();
    people = await bulkPeople(t.database.db, { count: 60, secrets: TEST_SECRETS, batch: 1 });
    facilityId = await facilityOfUser(t.database.db, 'manager');
    comirnaty = await productId(t, 'COMIRNATY');
    covishield = await productId(t, 'COVISHIELD');
  });
  afterAll(() => t.close());

  const waiting = (personId: number) =>
    t.database.db.selectFrom('waiting_entry').selectAll().where('person_id', '=', personId).execute();
  const giveDose = (personId: number, productId: number, daysAgo: number, doseNumber = 1) =>
    sql`insert into dose (person_id, dose_number, product_id, facility_id, administered_on, administered_at)
        values (${personId}, ${doseNumber}, ${productId}, ${facilityId}, current_date - ${daysAgo}::int, now())`.execute(
      t.database.db,
    );

  describe('planning sessions', () => {
    it('splits a session into time slots with the seats spread over them', async () => {
      const s = await createSession(
        t,
        {
          facilityId,
          productId: comirnaty,
          capacity: 50,
          startsAt: '09:00',
          endsAt: '12:00',
          slotMinutes: 60,
        },
        'manager',
      );
      expect(s.slots.map((x) => [x.startsAt, x.endsAt, x.capacity])).toEqual([
        ['09:00', '10:00', 17],
        ['10:00', '11:00', 17],
        ['11:00', '12:00', 16],
      ]);
      expect(s).toMatchObject({ capacity: 50, booked: 0, available: 50, status: 'open' });
    });

    it('plans a weekly template over a date range and skips days that already have the session', async () => {
      const from = inDays(20);
      const to = inDays(33);
      const body = {
        ...sessionBody({ facilityId, productId: covishield, startsAt: '14:00' }),
        from,
        to,
        weekdays: [1, 3, 5],
      };
      delete (body as { date?: string }).date;
      const headers = { authorization: await t.auth('manager') };
      const first = await t.app.inject({
        method: 'POST',
        url: '/api/sessions/from-template',
        headers,
        payload: body,
      });
      expect(first.statusCode, first.body).toBe(201);
      const created = first.json<{ created: SessionT[]; skippedDates: string[] }>().created;
      expect(created.length).toBe(6);
      for (const s of created)
        expect([1, 3, 5]).toContain(((new Date(`${s.date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1);
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/sessions/from-template',
        headers,
        payload: body,
      });
      expect(again.json<{ created: SessionT[]; skippedDates: string[] }>()).toMatchObject({ created: [] });
      expect(again.json<{ skippedDates: string[] }>().skippedDates.length).toBe(6);
      const list = await t.app.inject({
        method: 'GET',
        url: `/api/sessions?facilityId=${facilityId}&from=${from}&to=${to}`,
        headers,
      });
      expect(list.json<SessionT[]>().filter((s) => s.startsAt === '14:00').length).toBe(6);
    });

    it('refuses sessions that cannot be held, and changes nothing', async () => {
      const headers = { authorization: await t.auth('admin') };
      const count = async () =>
        Number(
          (
            await sql<{ n: number }>`select count(*)::int as n from vaccination_session`.execute(
              t.database.db,
            )
          ).rows[0]!.n,
        );
      const before = await count();
      const store = await t.database.db
        .selectFrom('facility')
        .select('id')
        .where('type', '=', 'store')
        .executeTakeFirstOrThrow();
      const cases: [Record<string, unknown>, number, string][] = [
        [sessionBody({ facilityId, productId: comirnaty, date: inDays(-1) }), 400, 'date_in_past'],
        [sessionBody({ facilityId: store.id, productId: comirnaty }), 400, 'facility_is_store'],
        [
          sessionBody({ facilityId, productId: comirnaty, startsAt: '12:00', endsAt: '09:00' }),
          400,
          'invalid_hours',
        ],
        [sessionBody({ facilityId, productId: comirnaty, doseNumbers: [4] }), 400, 'dose_not_offered'],
        [sessionBody({ facilityId, productId: comirnaty, minAgeYears: 5 }), 400, 'age_below_product_minimum'],
        [
          { ...sessionBody({ facilityId, productId: comirnaty }), date: '2026-02-30' },
          400,
          'validation_failed',
        ],
        [
          { ...sessionBody({ facilityId, productId: comirnaty }), date: '21-11-2026' },
          400,
          'validation_failed',
        ],
        [sessionBody({ facilityId: 999_999, productId: comirnaty }), 404, 'not_found'],
      ];
      for (const [payload, status, code] of cases)
        expectError(
          await t.app.inject({ method: 'POST', url: '/api/sessions', headers, payload }),
          status,
          code,
        );
      const vaccinator = await t.app.inject({
        method: 'POST',
        url: '/api/sessions',
        headers: { authorization: await t.auth('vaccinator') },
        payload: sessionBody({ facilityId, productId: comirnaty }),
      });
      expectError(vaccinator, 403, 'forbidden');
      expect(await count()).toBe(before);
    });
  });

  describe('a citizen books', () => {
    let session: SessionT;
    beforeAll(async () => {
      session = await createSession(t, { facilityId, productId: comirnaty, capacity: 20, slotMinutes: 120 });
    });

    it('takes a seat, leaves the queue, gets a slip code by SMS; the same key returns the same appointment', async () => {
      const p = person();
      expect((await waiting(p.personId)).map((w) => w.dose_number)).toEqual([1]);
      const res = await book(t, p.token, {
        personId: p.personId,
        sessionId: session.id,
        idempotencyKey: 'key-0001-abc',
      });
      expect(res.statusCode, res.body).toBe(201);
      const a = res.json<AppointmentT>();
      expect(a).toMatchObject({
        doseNumber: 1,
        status: 'booked',
        date: session.date,
        startsAt: '09:00',
        reschedulesLeft: 3,
      });
      expect(a.code).toMatch(/^\d{4}$/);
      expect(await seatsTaken(t, session.id)).toBe(1);
      expect(await waiting(p.personId)).toEqual([]);
      const again = await book(t, p.token, {
        personId: p.personId,
        sessionId: session.id,
        idempotencyKey: 'key-0001-abc',
      });
      expect(again.statusCode).toBe(200);
      expect(again.json<AppointmentT>().id).toBe(a.id);
      expect(await seatsTaken(t, session.id)).toBe(1);
      await t.drain();
      const sms = smsTo(t.smsFile, p.phone, 'appointment_booked');
      expect(sms.length).toBe(1);
      expect(sms[0]!.text).toContain(a.code);
      const mine = await t.app.inject({ method: 'GET', url: '/api/citizen/appointments', headers: auth(p) });
      expect(mine.json<{ appointments: AppointmentT[] }>().appointments.map((x) => x.id)).toEqual([a.id]);
    });

    it('refuses a second active appointment for the same dose', async () => {
      const p = person();
      await booked(t, p.token, { personId: p.personId, sessionId: session.id });
      const other = await createSession(t, { facilityId, productId: comirnaty, date: inDays(2) });
      const err = expectError(
        await book(t, p.token, { personId: p.personId, sessionId: other.id }),
        409,
        'appointment_exists',
      );
      expect(err.message).toMatch(/already has an appointment/);
      expect(await seatsTaken(t, other.id)).toBe(0);
    });

    it('refuses to book for someone who is not in the family', async () => {
      const [p, stranger] = [person(), person()];
      expectError(
        await book(t, p.token, { personId: stranger.personId, sessionId: session.id }),
        404,
        'person_not_in_family',
      );
      expect(await waiting(stranger.personId)).toHaveLength(1);
    });

    it('a full session answers 409 with what is still free, and stores nothing', async () => {
      const tiny = await createSession(t, { facilityId, productId: comirnaty, capacity: 1, date: inDays(3) });
      const roomy = await createSession(t, {
        facilityId,
        productId: comirnaty,
        capacity: 5,
        date: inDays(4),
      });
      await booked(t, people[next]!.token, { personId: person().personId, sessionId: tiny.id });
      const late = person();
      const err = expectError(
        await book(t, late.token, { personId: late.personId, sessionId: tiny.id }),
        409,
        'session_full',
      );
      expect(err.details).toMatchObject({ otherSlots: [] });
      // The nearest sessions with room are offered: here, the same centre's roomy session.
      const offered = (err.details as { alternatives: { sessionId: number }[] }).alternatives.map(
        (a) => a.sessionId,
      );
      expect(offered).toContain(roomy.id);
      expect(offered).not.toContain(tiny.id);
      expect(await seatsTaken(t, tiny.id)).toBe(1);
      expect(await waiting(late.personId)).toHaveLength(1);
      expect(roomy.available).toBe(5);
    });

    it('refuses closed, cancelled and past sessions', async () => {
      const headers = { authorization: await t.auth('manager') };
      const closed = await createSession(t, { facilityId, productId: comirnaty, date: inDays(5) });
      await t.app.inject({
        method: 'POST',
        url: `/api/sessions/${closed.id}/status`,
        headers,
        payload: { status: 'closed' },
      });
      const p = person();
      expectError(
        await book(t, p.token, { personId: p.personId, sessionId: closed.id }),
        409,
        'session_closed',
      );
      const past = await createSession(t, { facilityId, productId: comirnaty, date: inDays(6) });
      await sql`update vaccination_session set session_date = current_date - 2 where id = ${past.id}`.execute(
        t.database.db,
      );
      expectError(await book(t, p.token, { personId: p.personId, sessionId: past.id }), 409, 'session_past');
      expectError(await book(t, p.token, { personId: p.personId, sessionId: 99_999_999 }), 404, 'not_found');
      const bad = await t.app.inject({
        method: 'POST',
        url: '/api/citizen/appointments',
        headers: auth(p),
        payload: { personId: p.personId, sessionId: 'tomorrow' },
      });
      expectError(bad, 400, 'validation_failed');
      expect(await waiting(p.personId)).toHaveLength(1);
    });

    it('a second dose: too early names the first allowed date; another product is refused', async () => {
      const p = person();
      await giveDose(p.personId, comirnaty, 5);
      const dose2 = await createSession(t, {
        facilityId,
        productId: comirnaty,
        doseNumbers: [2],
        date: inDays(2),
      });
      const err = expectError(
        await book(t, p.token, { personId: p.personId, sessionId: dose2.id }),
        409,
        'too_early',
      );
      const earliest = (err.details as { earliestDate: string }).earliestDate;
      expect(err.message).toContain(earliest);
      expect(earliest > inDays(2)).toBe(true);
      const q = await giveDose(person().personId, comirnaty, 40);
      void q;
      const q2 = people[next - 1]!;
      const wrong = await createSession(t, {
        facilityId,
        productId: covishield,
        doseNumbers: [2],
        date: inDays(2),
      });
      expectError(
        await book(t, q2.token, { personId: q2.personId, sessionId: wrong.id }),
        409,
        'product_not_allowed',
      );
      const right = await createSession(t, {
        facilityId,
        productId: comirnaty,
        doseNumbers: [2],
        date: inDays(2),
      });
      const a = await booked(t, q2.token, { personId: q2.personId, sessionId: right.id });
      expect(a.doseNumber).toBe(2);
      expectError(
        await book(t, q2.token, { personId: q2.personId, sessionId: session.id }),
        409,
        'appointment_exists',
      );
    });

    it('reschedules a limited number of times, moving the seat', async () => {
      const p = person();
      const a = await booked(t, p.token, { personId: p.personId, sessionId: session.id });
      const targets = await Promise.all(
        [7, 8, 9, 10].map((d) => createSession(t, { facilityId, productId: comirnaty, date: inDays(d) })),
      );
      let code = a.code;
      for (const [i, target] of targets.slice(0, 3).entries()) {
        const res = await t.app.inject({
          method: 'POST',
          url: `/api/citizen/people/${p.personId}/appointments/${a.id}/reschedule`,
          headers: auth(p),
          payload: { sessionId: target.id },
        });
        expect(res.statusCode, res.body).toBe(200);
        const moved = res.json<AppointmentT>();
        expect(moved).toMatchObject({ id: a.id, sessionId: target.id, rescheduleCount: i + 1 });
        expect(await seatsTaken(t, target.id)).toBe(1);
        code = moved.code;
      }
      expect(await seatsTaken(t, targets[0]!.id)).toBe(0);
      const over = await t.app.inject({
        method: 'POST',
        url: `/api/citizen/people/${p.personId}/appointments/${a.id}/reschedule`,
        headers: auth(p),
        payload: { sessionId: targets[3]!.id },
      });
      expectError(over, 409, 'reschedule_limit');
      expect(await seatsTaken(t, targets[3]!.id)).toBe(0);
      await t.drain();
      // Each move sent its slip code; several delivery loops may send them in any order.
      const texts = smsTo(t.smsFile, p.phone, 'appointment_rescheduled').map((m) => m.text);
      expect(texts).toHaveLength(3);
      expect(texts).toContainEqual(expect.stringContaining(code));
    });

    it('cancelling frees the seat at once and puts the person back in the queue', async () => {
      const p = person();
      const before = await seatsTaken(t, session.id);
      const a = await booked(t, p.token, { personId: p.personId, sessionId: session.id });
      expect(await seatsTaken(t, session.id)).toBe(before + 1);
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/citizen/people/${p.personId}/appointments/${a.id}/cancel`,
        headers: auth(p),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<AppointmentT>().status).toBe('cancelled');
      expect(await seatsTaken(t, session.id)).toBe(before);
      expect((await waiting(p.personId)).map((w) => w.reason)).toEqual(['person_cancelled']);
      const twice = await t.app.inject({
        method: 'POST',
        url: `/api/citizen/people/${p.personId}/appointments/${a.id}/cancel`,
        headers: auth(p),
      });
      expectError(twice, 409, 'appointment_not_active');
    });
  });

  describe('sessions that are cancelled or over', () => {
    it('cancelling a session tells every booked person and queues them again', async () => {
      const s = await createSession(t, { facilityId, productId: comirnaty, date: inDays(11), capacity: 10 });
      const ps = [person(), person(), person()];
      for (const p of ps) await booked(t, p.token, { personId: p.personId, sessionId: s.id });
      const headers = { authorization: await t.auth('manager') };
      const noReason = await t.app.inject({
        method: 'POST',
        url: `/api/sessions/${s.id}/status`,
        headers,
        payload: { status: 'cancelled' },
      });
      expectError(noReason, 400, 'reason_required');
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/sessions/${s.id}/status`,
        headers,
        payload: { status: 'cancelled', reason: 'Cold chain failure' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<SessionT>()).toMatchObject({ status: 'cancelled', booked: 0, available: 0 });
      await t.drain();
      for (const p of ps) {
        expect((await waiting(p.personId)).map((w) => w.reason)).toEqual(['session_cancelled']);
        expect(smsTo(t.smsFile, p.phone, 'session_cancelled')).toHaveLength(1);
      }
    });

    it('after a session ends, no-shows are marked missed, queued again and counted for the facility', async () => {
      const s = await createSession(t, { facilityId, productId: comirnaty, date: inDays(12), capacity: 10 });
      const [gone, came] = [person(), person()];
      const a1 = await booked(t, gone.token, { personId: gone.personId, sessionId: s.id });
      const a2 = await booked(t, came.token, { personId: came.personId, sessionId: s.id });
      await sql`update appointment set status = 'attended', attended_at = now() where id = ${a2.id}`.execute(
        t.database.db,
      );
      await sql`update vaccination_session set session_date = current_date - 1 where id = ${s.id}`.execute(
        t.database.db,
      );
      await sql`update appointment set session_date = current_date - 1 where session_id = ${s.id}`.execute(
        t.database.db,
      );
      await t.drain();
      const row = await t.database.db
        .selectFrom('appointment')
        .select('status')
        .where('id', '=', a1.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('missed');
      expect((await waiting(gone.personId)).map((w) => w.reason)).toEqual(['missed']);
      await t.drain();
      expect(smsTo(t.smsFile, gone.phone, 'appointment_missed')).toHaveLength(1);
      const from = inDays(-3);
      const to = inDays(0);
      const att = await t.app.inject({
        method: 'GET',
        url: `/api/facilities/${facilityId}/attendance?from=${from}&to=${to}`,
        headers: { authorization: await t.auth('manager') },
      });
      expect(att.json()).toMatchObject({ attended: 1, missed: 1, noShowRate: 0.5 });
      // Settling twice counts nothing twice.
      await t.drain();
      const again = await t.app.inject({
        method: 'GET',
        url: `/api/facilities/${facilityId}/attendance?from=${from}&to=${to}`,
        headers: { authorization: await t.auth('manager') },
      });
      expect(again.json()).toMatchObject({ attended: 1, missed: 1 });
    });

    /** A session of ten seats at the test facility. */
    const sessionOn = (date: string, startsAt: string) =>
      createSession(t, { facilityId, productId: comirnaty, date, capacity: 10, startsAt });
    /** The person's appointments as if booked two days ago (a day-before reminder is then due). */
    const bookedTwoDaysAgo = (personId: number) =>
      sql`update appointment set created_at = now() - interval '2 days' where person_id = ${personId}`.execute(
        t.database.db,
      );

    it('sends the day-before reminder once, and none for an appointment made that day', async () => {
      const s = await sessionOn(inDays(1), '10:00');
      const early = person();
      const late = person();
      const a = await booked(t, early.token, { personId: early.personId, sessionId: s.id });
      await booked(t, late.token, { personId: late.personId, sessionId: s.id });
      // The first was booked two days ago; the second today, and its confirmation came today.
      await bookedTwoDaysAgo(early.personId);
      await t.drain();
      await t.drain();
      const sms = smsTo(t.smsFile, early.phone, 'appointment_reminder');
      expect(sms).toHaveLength(1);
      expect(sms[0]!.text).toContain(a.code);
      expect(sms[0]!.text).toContain('10:00');
      expect(smsTo(t.smsFile, late.phone, 'appointment_booked')).toHaveLength(1);
      expect(smsTo(t.smsFile, late.phone, 'appointment_reminder')).toHaveLength(0);
    });

    it('queues no day-before reminder before the morning hour', async () => {
      const s = await sessionOn(inDays(1), '14:00');
      const p = person();
      const a = await booked(t, p.token, { personId: p.personId, sessionId: s.id });
      await bookedTwoDaysAgo(p.personId);
      const morning = sessionService({
        db: t.database.db,
        read: t.database.db,
        vault: t.services.vault,
        settings: { timeZone: 'Asia/Dhaka', remindersFrom: '09:00' },
      });
      const reminded = async () =>
        (
          await t.database.db
            .selectFrom('appointment')
            .select('reminded_at')
            .where('person_id', '=', p.personId)
            .where('id', '=', a.id)
            .executeTakeFirstOrThrow()
        ).reminded_at;
      // Today in Dhaka, at 08:59 and then at 09:00 (UTC+6).
      const at = (hhmm: string) => new Date(`${inDays(0)}T${hhmm}:00+06:00`);
      expect(await morning.sendReminders(at('08:59'))).toBe(0);
      expect(await reminded()).toBeNull();
      expect(await morning.sendReminders(at('09:00'))).toBeGreaterThanOrEqual(1);
      expect(await reminded()).not.toBeNull();
    });

    it('withdraws an assignment or reminder still waiting for the gateway when its appointment is cancelled', async () => {
      const s = await sessionOn(inDays(3), '11:30');
      const kept = person();
      const gone = person();
      const a = await booked(t, kept.token, { personId: kept.personId, sessionId: s.id });
      const b = await booked(t, gone.token, { personId: gone.personId, sessionId: s.id });
      // Bulk messages as an auto-scheduler run and the reminder pass queue them: waiting their turn.
      const queue = (template: string) => sql`
        insert into notification (recipient_enc, template, locale, params, person_id)
        select p.phone_enc, ${template}, p.locale,
               jsonb_build_object('name', p.name_en, 'doseNumber', a.dose_number, 'centre', 'Centre',
                                  'date', a.session_date::text, 'time', '11:30', 'code', a.code),
               p.id
        from appointment a join person p on p.id = a.person_id
        where a.id in (${a.id}, ${b.id})`;
      await queue('appointment_assigned').execute(t.database.db);
      await queue('appointment_reminder').execute(t.database.db);
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/citizen/people/${gone.personId}/appointments/${b.id}/cancel`,
        headers: auth(gone),
      });
      expect(res.statusCode, res.body).toBe(200);
      await t.drain();
      expect(smsTo(t.smsFile, kept.phone, 'appointment_assigned')).toHaveLength(1);
      expect(smsTo(t.smsFile, kept.phone, 'appointment_reminder')).toHaveLength(1);
      expect(smsTo(t.smsFile, gone.phone, 'appointment_assigned')).toHaveLength(0);
      expect(smsTo(t.smsFile, gone.phone, 'appointment_reminder')).toHaveLength(0);
      expect(smsTo(t.smsFile, gone.phone, 'appointment_cancelled')).toHaveLength(1);
      const { rows } = await sql<{ status: string; n: number }>`
        select status, count(*)::int as n from notification
        where person_id = ${gone.personId} and template in ('appointment_assigned', 'appointment_reminder')
        group by status`.execute(t.database.db);
      expect(rows).toEqual([{ status: 'withdrawn', n: 2 }]);
    });
  });

  describe('a person registered through the citizen screens', () => {
    it('waits in the queue from registration and can book', async () => {
      const pick = personPicker();
      const citizen = await signInCitizen(t);
      const rp = pick(aged(25, 55), 'adult');
      const place = await placeOf(t.database.db, rp.areaCode);
      const dto = await registered(t, citizen, registrationBody(rp, place));
      expect((await waiting(dto.id)).map((w) => w.dose_number)).toEqual([1]);
      const s = await createSession(t, {
        facilityId: place.facilityId,
        productId: comirnaty,
        date: inDays(2),
      });
      const a = await booked(t, citizen.token, { personId: dto.id, sessionId: s.id });
      expect(a.registrationNumber).toBe(dto.registrationNumber);
      expect(await waiting(dto.id)).toEqual([]);
    });
  });
});

describe('booking limits', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await testApp({ BOOKING_PER_PERSON_DAY: '2' });
  });
  afterAll(() => t.close());

  it('refuses a person past the daily limit with Retry-After', async () => {
    const [p] = await bulkPeople(t.database.db, { count: 1, secrets: TEST_SECRETS, batch: 2 });
    const facilityId = await facilityOfUser(t.database.db, 'manager');
    const s = await createSession(t, { facilityId, productId: await productId(t, 'COMIRNATY') });
    const a = await booked(t, p!.token, { personId: p!.personId, sessionId: s.id });
    await t.app.inject({
      method: 'POST',
      url: `/api/citizen/people/${p!.personId}/appointments/${a.id}/cancel`,
      headers: { authorization: `Bearer ${p!.token}` },
    });
    const third = await book(t, p!.token, { personId: p!.personId, sessionId: s.id });
    expectError(third, 429, 'booking_rate_limited');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(await seatsTaken(t, s.id)).toBe(0);
  });

  it('counts every attempt made at once against the limit, and refuses those past it', async () => {
    const [p] = await bulkPeople(t.database.db, { count: 1, secrets: TEST_SECRETS, batch: 3 });
    const facilityId = await facilityOfUser(t.database.db, 'manager');
    const s = await createSession(t, { facilityId, productId: await productId(t, 'COMIRNATY') });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => book(t, p!.token, { personId: p!.personId, sessionId: s.id })),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 429, 429, 429, 429]);
    const counted = await t.database.db
      .selectFrom('rate_counter')
      .select('count')
      .where('key', '=', `book:person:${p!.personId}`)
      .execute();
    expect(counted.map((c) => c.count)).toEqual([6]);
    expect(await seatsTaken(t, s.id)).toBe(1);
  });
});
