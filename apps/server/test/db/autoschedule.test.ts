import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { distanceKm } from '@dosewise/domain';
import type { Db } from '../../src/db/database.ts';
import { identifierVault } from '../../src/privacy/identifiers.ts';
import { autoscheduleService, type ScheduleRun } from '../../src/scheduling/autoschedule.ts';
import { runScheduleFromCli } from '../../src/scheduling/schedule-cli.ts';
import { testApp, testConfig, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { addSession, cancelAllSessions, dayFromToday, takeSeat } from '../support/sessions.ts';
import { areaId as areaIdOf, bearer, expectError } from './helpers.ts';

/**
 * The auto-scheduler against a real database: people in the waiting queue, sessions written into
 * the tables, a run through the service or the API, and what it leaves behind (appointments, slot
 * counters, queue entries with reasons, SMS in the outbox).
 *
 * The places are made here, far from the seeded ones (Saint Martin's Island, about 20.6 N 92.3 E):
 * facility F0 at the origin, F5 5 km north, F10 10 km north, F30 30 km north; and a union U at the
 * origin for people anchored where they live.
 */
const ORIGIN = { lat: 20.6, lon: 92.3 };
const north = (km: number) => ({ lat: ORIGIN.lat + km / 111.19, lon: ORIGIN.lon });
const vault = identifierVault(TEST_SECRETS.DOSEWISE_DATA_KEY, TEST_SECRETS.DOSEWISE_INDEX_KEY);

describe('auto-scheduler run', () => {
  let t: TestContext;
  let db: Db;
  let union: number;
  const facility: Record<'F0' | 'F5' | 'F10' | 'F30', number> = { F0: 0, F5: 0, F10: 0, F30: 0 };
  let comirnaty: number;
  let people = 0;

  const service = () =>
    autoscheduleService({
      db,
      database: t.database,
      settings: { timeZone: 'Asia/Dhaka', daysAhead: 7, fallbackKm: 15 },
    });

  /** A registered, accepted person: the database puts them in the queue for a first dose. */
  async function addPerson(
    o: {
      group?: string;
      registeredAt?: string;
      preferredFacility?: number | null;
      dateOfBirth?: string;
      phone?: string | null;
      locale?: 'en' | 'bn';
      name?: string;
      nameBn?: string;
    } = {},
  ): Promise<number> {
    const n = ++people;
    const phone = o.phone === undefined ? `+8801911${String(n).padStart(6, '0')}` : o.phone;
    const { rows } = await sql<{ id: number }>`
      insert into person (registration_number, id_type, id_blind, id_enc, id_last4, name_en, name_bn, date_of_birth,
                          gender, phone_blind, phone_enc, area_id, priority_group_id, priority_status,
                          preferred_facility_id, consent_version, consent_at, verification_status, locale,
                          registered_via, registered_at)
      select ${`BD-AUTO-${n}`}, 'nid', ${vault.blindIndex('nid', `77${n}`)}, ${vault.encrypt(`77${n}`)}, '0000',
             ${o.name ?? `Person ${n}`}, ${o.nameBn ?? `ব্যক্তি ${n}`}, ${o.dateOfBirth ?? '1985-04-01'}::date, 'female',
             ${phone ? vault.blindIndex('phone', phone) : null}, ${phone ? vault.encrypt(phone) : null}, ${union},
             g.id, 'accepted', ${o.preferredFacility ?? null}, '1', now(), 'verified', ${o.locale ?? 'en'}, 'self',
             ${o.registeredAt ?? new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString()}::timestamptz
      from priority_group g where g.code = ${o.group ?? 'general_18_plus'}
      order by g.version desc limit 1
      returning id`.execute(db);
    return rows[0]!.id;
  }

  /** Someone who had dose 1 at `at` and waits for dose 2 of the same product from `earliest`, due on `due`. */
  async function addSecondDose(at: number, earliest: string, due: string): Promise<number> {
    const id = await addPerson({ preferredFacility: facility.F30 });
    await sql`delete from waiting_entry where person_id = ${id}`.execute(db);
    await sql`
      insert into dose (person_id, dose_number, product_id, facility_id, administered_on, administered_at)
      values (${id}, 1, ${comirnaty}, ${at}, ${dayFromToday(-20)}::date, now() - interval '20 days')`.execute(
      db,
    );
    await sql`
      insert into waiting_entry (person_id, dose_number, product_id, facility_id, earliest_date, due_date, priority_rank,
                                 registered_at, reason)
      select ${id}, 2, ${comirnaty}, ${at}, ${earliest}::date, ${due}::date, 6, registered_at, 'next_dose'
      from person where id = ${id}`.execute(db);
    return id;
  }

  async function addFacility(code: string, at: { lat: number; lon: number }): Promise<number> {
    const { rows } = await sql<{ id: number }>`
      insert into facility (code, name_en, name_bn, type, area_id, latitude, longitude)
      values (${code}, ${`Centre ${code}`}, ${`কেন্দ্র ${code}`}, 'vaccination_centre', ${union}, ${at.lat}, ${at.lon})
      returning id`.execute(db);
    return rows[0]!.id;
  }

  const appointmentsOf = (personIds: number[]) =>
    db
      .selectFrom('appointment')
      .selectAll()
      .where('person_id', 'in', personIds.length ? personIds : [-1])
      .orderBy('person_id')
      .execute();
  const waitingOf = (personId: number) =>
    db.selectFrom('waiting_entry').selectAll().where('person_id', '=', personId).executeTakeFirst();
  const slotCount = (slotId: number) =>
    db
      .selectFrom('session_slot')
      .select(['booked', 'capacity'])
      .where('id', '=', slotId)
      .executeTakeFirstOrThrow();
  const run = async (onProgress?: Parameters<ReturnType<typeof service>['execute']>[1]) => {
    const s = service();
    const started = await s.start(null, {}, { queue: false });
    return s.execute(started.id, onProgress);
  };

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    const parent = await areaIdOf(db, 'DIS47');
    const { rows } = await sql<{ id: number }>`
      insert into area (code, parent_id, depth, path, name_en, name_bn, latitude, longitude)
      select 'UNI-AUTO', p.id, 3, 'pending', 'Auto Union', 'অটো ইউনিয়ন', ${ORIGIN.lat}, ${ORIGIN.lon}
      from area p where p.id = ${parent}
      returning id`.execute(db);
    union = rows[0]!.id;
    await sql`update area a set path = p.path || a.id || '/' from area p where a.id = ${union} and p.id = a.parent_id`.execute(
      db,
    );
    facility.F0 = await addFacility('AUTO-F0', ORIGIN);
    facility.F5 = await addFacility('AUTO-F5', north(5));
    facility.F10 = await addFacility('AUTO-F10', north(10));
    facility.F30 = await addFacility('AUTO-F30', north(30));
    comirnaty = (
      await db
        .selectFrom('vaccine_product')
        .select('id')
        .where('code', '=', 'COMIRNATY')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(() => t.close());

  beforeEach(async () => {
    // Each test sees only its own sessions and its own waiting people.
    await cancelAllSessions(db);
    await sql`delete from waiting_entry`.execute(db);
    await sql`update schedule_run set status = 'done' where status = 'running'`.execute(db);
  });

  it('gives the seats to the queue in priority order, then registration order, and tells the others why', async () => {
    const session = await addSession(db, {
      facilityId: facility.F0,
      date: dayFromToday(1),
      slots: [{ startsAt: '09:00', endsAt: '11:00', capacity: 2 }],
    });
    const general = await addPerson({ group: 'general_18_plus', preferredFacility: facility.F0 });
    const healthLate = await addPerson({
      group: 'health_worker',
      preferredFacility: facility.F0,
      registeredAt: '2026-01-05T00:00:00Z',
    });
    const healthEarly = await addPerson({
      group: 'health_worker',
      preferredFacility: facility.F0,
      registeredAt: '2026-01-02T00:00:00Z',
    });
    const elder = await addPerson({
      group: 'age_60_plus',
      preferredFacility: facility.F0,
      dateOfBirth: '1950-01-01',
    });

    const done = await run();
    expect(done.status).toBe('done');
    const booked = await appointmentsOf([general, healthLate, healthEarly, elder]);
    expect(booked.map((a) => a.person_id).sort()).toEqual([healthEarly, healthLate].sort());
    for (const a of booked) {
      expect(a).toMatchObject({
        booked_via: 'auto',
        status: 'booked',
        dose_number: 1,
        session_id: session.id,
      });
      expect(a.code).toMatch(/^\d{4}$/);
      expect(await waitingOf(a.person_id)).toBeUndefined();
    }
    expect(await slotCount(session.slotIds[0]!)).toEqual({ booked: 2, capacity: 2 });
    for (const waiting of [elder, general]) {
      const entry = await waitingOf(waiting);
      expect(entry?.unplaced_reason).toBe('no_capacity_nearby');
      expect(entry?.unplaced_at).toBeInstanceOf(Date);
    }
    expect(done.summary).toMatchObject({
      considered: 4,
      placed: 2,
      unplaced: { total: 2, byReason: { no_capacity_nearby: 2 } },
      byDose: { '1': { placed: 2, unplaced: 2 } },
      sms: 2,
      seatsTakenMeanwhile: 0,
      leftQueueMeanwhile: 0,
    });
    expect(done.summary!.seconds.total).toBeGreaterThan(0);
  });

  it('sends each person placed an SMS with centre, date, time and slip code; nobody without a phone', async () => {
    const session = await addSession(db, {
      facilityId: facility.F0,
      date: dayFromToday(2),
      slots: [{ startsAt: '10:30', endsAt: '12:00', capacity: 5 }],
    });
    const english = await addPerson({
      preferredFacility: facility.F0,
      name: 'Rahima Khatun',
      phone: '+8801911999001',
    });
    const bengali = await addPerson({
      preferredFacility: facility.F0,
      locale: 'bn',
      nameBn: 'রহিমা বেগম',
      phone: '+8801911999002',
    });
    const noPhone = await addPerson({ preferredFacility: facility.F0, phone: null });
    await run();
    const [a] = await appointmentsOf([english]);
    expect(a?.session_id).toBe(session.id);
    const queued = await db
      .selectFrom('notification')
      .select(['person_id', 'template', 'locale', 'params'])
      .where('person_id', 'in', [english, bengali, noPhone])
      .execute();
    expect(queued.map((n) => n.person_id).sort()).toEqual([english, bengali].sort());
    expect(queued.every((n) => n.template === 'appointment_assigned')).toBe(true);
    expect(queued.find((n) => n.person_id === bengali)?.params).toEqual({
      name: 'রহিমা বেগম',
      doseNumber: 1,
      centre: 'কেন্দ্র AUTO-F0',
      date: dayFromToday(2),
      time: '10:30',
      code: expect.stringMatching(/^\d{4}$/) as unknown,
    });
    await t.drain();
    const sent = readFileSync(t.smsFile, 'utf8');
    expect(sent).toContain('+8801911999001');
    expect(sent).toContain(
      `Rahima Khatun, an appointment for dose 1 was made for you at Centre AUTO-F0 on ${dayFromToday(2)} at 10:30. Slip code ${a!.code}.`,
    );
    expect(sent).toContain('কেন্দ্র AUTO-F0');
  });

  it('places a second dose at the facility of the first on its due date, else at the nearest other with room', async () => {
    const due = dayFromToday(4);
    // Room at F0 before the due date and on it; at F5 and F10 on the due date.
    const before = await addSession(db, { facilityId: facility.F0, date: dayFromToday(2) });
    const onDue = await addSession(db, {
      facilityId: facility.F0,
      date: due,
      slots: [{ startsAt: '09:00', endsAt: '11:00', capacity: 1 }],
    });
    const nearest = await addSession(db, { facilityId: facility.F5, date: due });
    const farther = await addSession(db, { facilityId: facility.F10, date: due });
    const first = await addSecondDose(facility.F0, dayFromToday(1), due);
    const second = await addSecondDose(facility.F0, dayFromToday(1), due);
    await run();
    const [a, b] = await appointmentsOf([first, second]);
    // Not before the recommended interval, though the minimum interval would allow it.
    expect(a).toMatchObject({
      session_id: onDue.id,
      facility_id: facility.F0,
      session_date: due,
      dose_number: 2,
    });
    expect(b).toMatchObject({
      session_id: nearest.id,
      facility_id: facility.F5,
      session_date: due,
      product_id: comirnaty,
    });
    const used = await db
      .selectFrom('appointment')
      .select('session_id')
      .where('session_id', 'in', [before.id, farther.id])
      .execute();
    expect(used).toEqual([]);
  });

  it('falls back to the nearest facility with room within reach, and says when none is near enough', async () => {
    await addSession(db, {
      facilityId: facility.F0,
      date: dayFromToday(1),
      slots: [{ startsAt: '09:00', endsAt: '11:00', capacity: 1 }],
    });
    const at10 = await addSession(db, { facilityId: facility.F10, date: dayFromToday(1) });
    const at5 = await addSession(db, { facilityId: facility.F5, date: dayFromToday(3) });
    await addSession(db, { facilityId: facility.F30, date: dayFromToday(1) });
    const firstInQueue = await addPerson({ group: 'health_worker', preferredFacility: facility.F0 });
    const fallback = await addPerson({ preferredFacility: facility.F0 });
    // Lives at the union (the origin) with no preferred facility: anchored where they live.
    const local = await addPerson({ preferredFacility: null });
    // Prefers a facility 30 km away whose sessions are full: nothing else within 15 km of it.
    const remote = await addPerson({ preferredFacility: facility.F30 });
    await sql`update session_slot set booked = capacity where session_id in (
      select id from vaccination_session where facility_id = ${facility.F30} and status = 'open')`.execute(
      db,
    );
    await run();
    const [first, second, third] = await appointmentsOf([firstInQueue, fallback, local]);
    expect(first?.facility_id).toBe(facility.F0);
    // F5 is nearer than F10, even a few days later.
    expect(second).toMatchObject({ facility_id: facility.F5, session_id: at5.id });
    expect(third).toMatchObject({ facility_id: facility.F5, session_id: at5.id });
    expect(distanceKm(ORIGIN, north(5))).toBeLessThan(distanceKm(ORIGIN, north(10)));
    expect(await appointmentsOf([remote])).toEqual([]);
    expect((await waitingOf(remote))?.unplaced_reason).toBe('no_capacity_nearby');
    expect(
      await db.selectFrom('appointment').select('id').where('session_id', '=', at10.id).execute(),
    ).toEqual([]);
  });

  it('stores why people are left waiting', async () => {
    await addSession(db, { facilityId: facility.F0, date: dayFromToday(1), doseNumbers: [1] });
    const child = await addPerson({
      group: 'children_12_17',
      dateOfBirth: dayFromToday(-13 * 366),
      preferredFacility: facility.F0,
    });
    const far = await addPerson({ preferredFacility: facility.F30 });
    const later = await addPerson({ preferredFacility: facility.F0 });
    await sql`update waiting_entry set earliest_date = ${dayFromToday(30)}::date where person_id = ${later}`.execute(
      db,
    );
    const done = await run();
    expect((await waitingOf(child))?.unplaced_reason).toBe('too_young_for_sessions');
    expect((await waitingOf(far))?.unplaced_reason).toBe('no_session_nearby');
    expect((await waitingOf(later))?.unplaced_reason).toBe('not_due_in_window');
    expect(done.summary?.unplaced.byReason).toEqual({
      too_young_for_sessions: 1,
      no_session_nearby: 1,
      not_due_in_window: 1,
    });
  });

  it('never overbooks when citizens book while the run writes, and gives nobody a second appointment', async () => {
    const session = await addSession(db, {
      facilityId: facility.F0,
      date: dayFromToday(1),
      slots: [{ startsAt: '09:00', endsAt: '11:00', capacity: 3 }],
    });
    const slotId = session.slotIds[0]!;
    const queue: number[] = [];
    for (let i = 0; i < 5; i++) queue.push(await addPerson({ preferredFacility: facility.F0 }));
    const done = await run(async ({ phase }) => {
      if (phase !== 'writing' || (await slotCount(slotId)).booked > 0) return;
      // The schedule is made (the first three in the queue); before it is written, a citizen
      // takes a seat, and the first person of the queue books that very slot for themselves.
      expect(await takeSeat(db, slotId)).toBe(true);
      expect(await takeSeat(db, slotId)).toBe(true);
      await sql`insert into appointment (person_id, dose_number, session_id, slot_id, facility_id, product_id,
                                         session_date, code, booked_via)
                values (${queue[0]!}, 1, ${session.id}, ${slotId}, ${facility.F0}, ${comirnaty},
                        ${dayFromToday(1)}::date, '1234', 'citizen')`.execute(db);
      await sql`delete from waiting_entry where person_id = ${queue[0]!}`.execute(db);
    });
    expect(await slotCount(slotId)).toEqual({ booked: 3, capacity: 3 });
    const booked = await appointmentsOf(queue);
    expect(booked.map((a) => [a.person_id, a.booked_via])).toEqual([
      [queue[0], 'citizen'],
      [queue[1], 'auto'],
    ]);
    expect(done.summary).toMatchObject({ placed: 1, seatsTakenMeanwhile: 1, leftQueueMeanwhile: 1 });
    expect((await waitingOf(queue[2]!))?.unplaced_reason).toBe('no_capacity_nearby');
  });

  it('gives no second appointment to someone still in the queue who holds one already', async () => {
    const session = await addSession(db, {
      facilityId: facility.F0,
      date: dayFromToday(1),
      slots: [{ startsAt: '09:00', endsAt: '11:00', capacity: 5 }],
    });
    const holder = await addPerson({ preferredFacility: facility.F0 });
    const other = await addPerson({ preferredFacility: facility.F0 });
    // An appointment made some way that left the queue entry behind.
    await sql`insert into appointment (person_id, dose_number, session_id, slot_id, facility_id, product_id,
                                       session_date, code, booked_via)
              values (${holder}, 1, ${session.id}, ${session.slotIds[0]!}, ${facility.F0}, ${comirnaty},
                      ${dayFromToday(1)}::date, '4321', 'staff')`.execute(db);
    await sql`update session_slot set booked = 1 where id = ${session.slotIds[0]!}`.execute(db);
    const done = await run();
    const booked = await appointmentsOf([holder, other]);
    expect(booked.map((a) => [a.person_id, a.booked_via])).toEqual([
      [holder, 'staff'],
      [other, 'auto'],
    ]);
    expect(await slotCount(session.slotIds[0]!)).toEqual({ booked: 2, capacity: 5 });
    expect(done.summary).toMatchObject({ placed: 1, leftQueueMeanwhile: 1 });
  });

  it('keeps every slot within capacity with seats taken at the same time as the run', async () => {
    const session = await addSession(db, {
      facilityId: facility.F0,
      date: dayFromToday(1),
      slots: [
        { startsAt: '09:00', endsAt: '11:00', capacity: 30 },
        { startsAt: '11:00', endsAt: '13:00', capacity: 30 },
      ],
    });
    for (let i = 0; i < 80; i++) await addPerson({ preferredFacility: facility.F0, phone: null });
    let citizens = 0;
    let racing = true;
    let race: Promise<void> = Promise.resolve();
    const done = await run(async ({ phase }) => {
      if (phase !== 'writing' || citizens > 0) return;
      // The schedule is made; one citizen books before the run writes, the others while it writes.
      if (await takeSeat(db, session.slotIds[0]!)) citizens++;
      race = (async () => {
        while (racing) {
          for (const slotId of session.slotIds) if (await takeSeat(db, slotId)) citizens++;
          await new Promise((r) => setImmediate(r));
        }
      })();
    });
    racing = false;
    await race;
    const counts = await Promise.all(session.slotIds.map(slotCount));
    const auto = await db
      .selectFrom('appointment')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('session_id', '=', session.id)
      .executeTakeFirstOrThrow();
    expect(counts.every((c) => c.booked <= c.capacity)).toBe(true);
    expect(counts.reduce((s, c) => s + c.booked, 0)).toBe(Number(auto.n) + citizens);
    expect(done.summary!.placed).toBe(Number(auto.n));
    // Both sides got seats, and the run gave up the ones citizens took first.
    expect(citizens).toBeGreaterThan(0);
    expect(Number(auto.n)).toBeGreaterThan(0);
    expect(done.summary!.seatsTakenMeanwhile).toBeGreaterThan(0);
  });

  it('runs from `dosewise schedule` and prints the summary', async () => {
    await addSession(db, { facilityId: facility.F0, date: dayFromToday(1) });
    await addPerson({ preferredFacility: facility.F0 });
    const lines: string[] = [];
    const code = await runScheduleFromCli(testConfig(), t.database, { days: 3 }, (l) => lines.push(l));
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/placed 1 of 1 waiting \(1 SMS queued\)/);
    expect(lines.join('\n')).toMatch(/dose 1: placed 1, left waiting 0/);
  });

  describe('through the API', () => {
    let admin: string;
    beforeAll(async () => {
      admin = await bearer(t.app, 'admin');
    });
    const post = (auth: string | undefined, payload: unknown) =>
      t.app.inject({
        method: 'POST',
        url: '/api/schedule-runs',
        headers: auth ? { authorization: auth } : {},
        payload: payload as Record<string, unknown>,
      });

    it('starts a run as a job, refuses a second while it runs, and shows its progress and summary', async () => {
      await addSession(db, { facilityId: facility.F0, date: dayFromToday(1) });
      const person = await addPerson({ preferredFacility: facility.F0 });
      const started = await post(admin, { days: 3 });
      expect(started.statusCode, started.body).toBe(202);
      const run = started.json<ScheduleRun>();
      expect(run).toMatchObject({
        status: 'running',
        params: { days: 3, areaId: null, fromDate: dayFromToday(1) },
      });

      const again = expectError(await post(admin, {}), 409, 'schedule_run_running');
      expect(again.details).toEqual({ runId: run.id });

      await t.drain();
      const read = await t.app.inject({
        url: `/api/schedule-runs/${run.id}`,
        headers: { authorization: admin },
      });
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json<ScheduleRun>()).toMatchObject({
        status: 'done',
        progress: 1,
        phase: 'done',
        summary: { placed: 1, considered: 1 },
      });
      expect(await appointmentsOf([person])).toHaveLength(1);
      const list = await t.app.inject({
        url: '/api/schedule-runs?limit=5',
        headers: { authorization: admin },
      });
      const runs = list.json<ScheduleRun[]>();
      expect(runs[0]?.id).toBe(run.id);
      expect(runs.map((r) => r.id)).toEqual([...runs.map((r) => r.id)].sort((a, b) => b - a));
      const audit = await db
        .selectFrom('audit_event')
        .select(['action', 'entity_id'])
        .where('action', '=', 'schedule.run_started')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      expect(audit?.entity_id).toBe(String(run.id));
    });

    it('refuses a vaccinator, an area admin outside their area, and bad input, with the one error shape', async () => {
      expectError(await post(await bearer(t.app, 'vaccinator'), {}), 403, 'forbidden');
      const dhakaAdmin = await bearer(t.app, 'dhaka.admin');
      expectError(await post(dhakaAdmin, {}), 403, 'forbidden');
      expectError(await post(dhakaAdmin, { areaId: await areaIdOf(db, 'DIV1') }), 403, 'forbidden');
      expectError(await post(undefined, {}), 401, 'not_signed_in');
      expectError(await post(admin, { days: 0 }), 400, 'validation_failed');
      expectError(await post(admin, { days: 'seven' }), 400, 'validation_failed');
      expectError(await post(admin, { everything: true }), 400, 'validation_failed');
      expectError(await post(admin, { areaId: 2_000_000_000 }), 404, 'not_found');
      expectError(
        await t.app.inject({ url: '/api/schedule-runs/2000000000', headers: { authorization: admin } }),
        404,
        'not_found',
      );
      expect(
        await db.selectFrom('schedule_run').select('id').where('status', '=', 'running').execute(),
      ).toEqual([]);
    });

    it('lets an area admin run it for their own area only, and list only their area’s runs', async () => {
      const dhakaAdmin = await bearer(t.app, 'dhaka.admin');
      const dhaka = await areaIdOf(db, 'DIV6');
      const started = await post(dhakaAdmin, { areaId: dhaka });
      expect(started.statusCode, started.body).toBe(202);
      await t.drain();
      const mine = await t.app.inject({ url: '/api/schedule-runs', headers: { authorization: dhakaAdmin } });
      expect(mine.json<ScheduleRun[]>().map((r) => r.params.areaId)).toEqual([dhaka]);
      const national = (
        await t.app.inject({ url: '/api/schedule-runs', headers: { authorization: admin } })
      ).json<ScheduleRun[]>();
      const nationalRun = national.find((r) => r.params.areaId === null)!;
      expectError(
        await t.app.inject({
          url: `/api/schedule-runs/${nationalRun.id}`,
          headers: { authorization: dhakaAdmin },
        }),
        403,
        'forbidden',
      );
    });
  });
});
