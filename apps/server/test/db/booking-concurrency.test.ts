import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import { facilityOfUser } from '../support/citizen.ts';
import { book, createSession, productId, seatsTaken } from '../support/sessions-api.ts';
import type { AppointmentT, SessionT } from '../../src/scheduling/schemas.ts';
import { hotQuery } from '../../src/db/database.ts';
import { TAKE_SEATS } from '../../src/scheduling/booking.ts';

/**
 * The slot rush: many more people than seats press "book" at the same moment. Exactly as many
 * appointments as seats, no seat counted twice, and each person told the truth.
 */
describe('booking under concurrency', () => {
  let t: TestContext;
  let people: BulkPerson[];

  beforeAll(async () => {
    // Limits are tested in booking.test.ts; here one person presses many times on purpose.
    t = await testApp({
      BOOKING_PER_IP_MINUTE: '100000',
      BOOKING_PER_PERSON_DAY: '100',
      BOOKING_PER_PHONE_DAY: '100',
    });
    people = await bulkPeople(t.database.db, { count: 600, secrets: TEST_SECRETS, batch: 3 });
  });
  afterAll(() => t.close());

  it('500 people race for 100 seats: exactly 100 appointments, and every answer is true', async () => {
    const facilityId = await facilityOfUser(t.database.db, 'manager');
    const session = await createSession(t, {
      facilityId,
      productId: await productId(t, 'COMIRNATY'),
      capacity: 100,
      slotMinutes: 120,
    });
    const racers = people.slice(0, 500);
    const answers = await Promise.all(
      racers.map((p) => book(t, p.token, { personId: p.personId, sessionId: session.id })),
    );
    const won = answers.filter((r) => r.statusCode === 201);
    const lost = answers.filter((r) => r.statusCode === 409);
    expect(won.length + lost.length, answers.find((r) => ![201, 409].includes(r.statusCode))?.body).toBe(500);
    expect(won.length).toBe(100);
    for (const r of lost) expect(r.json<{ error: { code: string } }>().error.code).toBe('session_full');

    const rows = await t.database.db
      .selectFrom('appointment')
      .select(['id', 'person_id', 'slot_id'])
      .where('session_id', '=', session.id)
      .where('status', '=', 'booked')
      .execute();
    expect(rows.length).toBe(100);
    expect(await seatsTaken(t, session.id)).toBe(100);
    // Every seat once per slot: the counters equal the appointments in each slot and never pass capacity.
    const { rows: slots } = await sql<{ id: number; capacity: number; booked: number; n: number }>`
      select s.id, s.capacity, s.booked,
             (select count(*)::int from appointment a where a.slot_id = s.id and a.status = 'booked') as n
      from session_slot s where s.session_id = ${session.id}`.execute(t.database.db);
    for (const s of slots) {
      expect(s.booked).toBe(s.n);
      expect(s.booked).toBeLessThanOrEqual(s.capacity);
    }
    // Those told "booked" hold exactly the appointments; those told "full" hold none.
    const winners = new Set(won.map((r) => r.json<AppointmentT>().personId));
    expect(new Set(rows.map((r) => r.person_id))).toEqual(winners);
    const losers = racers.filter((p) => !winners.has(p.personId)).map((p) => p.personId);
    const { rows: left } = await sql<{ n: number }>`
      select count(*)::int as n from waiting_entry where person_id = any(${losers}::bigint[])`.execute(
      t.database.db,
    );
    expect(left[0]!.n).toBe(400);
  });

  it('seats taken at once go to the earliest slots, and a chosen slot keeps its seats for those who chose it', async () => {
    const facilityId = await facilityOfUser(t.database.db, 'manager');
    const session = await createSession(t, {
      facilityId,
      productId: await productId(t, 'COMIRNATY'),
      capacity: 40,
      slotMinutes: 120,
    });
    const slotIds = session.slots.map((s) => s.id);
    expect(slotIds).toHaveLength(4);
    const perSlot = async () => {
      const { rows } = await sql<{ id: number; booked: number; n: number }>`
        select s.id, s.booked,
               (select count(*)::int from appointment a where a.slot_id = s.id and a.status = 'booked') as n
        from session_slot s where s.session_id = ${session.id} order by s.starts_at`.execute(t.database.db);
      for (const r of rows) expect(r.booked, `slot ${r.id}`).toBe(r.n);
      return rows.map((r) => r.booked);
    };

    // 20 people at once, none choosing a time: the first two slots fill, the others stay empty.
    const first = people.slice(300, 320);
    const answers = await Promise.all(
      first.map((p) => book(t, p.token, { personId: p.personId, sessionId: session.id })),
    );
    for (const a of answers) expect(a.statusCode, a.body).toBe(201);
    expect(await perSlot()).toEqual([10, 10, 0, 0]);
    for (const a of answers) expect(slotIds.slice(0, 2)).toContain(a.json<AppointmentT>().slotId);
    // On the server, seats asked for while others were being taken were taken together (one
    // transaction, one time); the embedded database has one connection, and its requests take turns.
    const { rows: times } = await sql<{ n: number }>`
      select count(distinct created_at)::int as n from appointment where session_id = ${session.id}`.execute(
      t.database.db,
    );
    if (t.database.kind === 'postgres') expect(times[0]!.n).toBeLessThan(20);

    // 15 choose the last slot while 15 take the earliest seat: those who chose hold only that slot.
    const choosing = people.slice(320, 335);
    const taking = people.slice(335, 350);
    const second = await Promise.all([
      ...choosing.map((p) =>
        book(t, p.token, { personId: p.personId, sessionId: session.id, slotId: slotIds[3]! }),
      ),
      ...taking.map((p) => book(t, p.token, { personId: p.personId, sessionId: session.id })),
    ]);
    expect(await perSlot()).toEqual([10, 10, 10, 10]);
    const won = second.filter((a) => a.statusCode === 201);
    expect(won).toHaveLength(20);
    for (const [i, a] of second.entries()) {
      if (a.statusCode === 201) {
        const appointment = a.json<AppointmentT>();
        if (i < choosing.length) expect(appointment.slotId).toBe(slotIds[3]);
        else expect(slotIds.slice(2)).toContain(appointment.slotId);
      } else {
        expect(a.statusCode, a.body).toBe(409);
        expect(['slot_full', 'session_full']).toContain(a.json<{ error: { code: string } }>().error.code);
      }
    }
    const { rows: held } = await sql<{ person_id: number; slot_id: number }>`
      select person_id, slot_id from appointment where session_id = ${session.id} and status = 'booked'`.execute(
      t.database.db,
    );
    const winners = [...first, ...choosing, ...taking].filter(
      (p) => first.includes(p) || second[[...choosing, ...taking].indexOf(p)]!.statusCode === 201,
    );
    expect(held.map((h) => h.person_id).sort()).toEqual(winners.map((p) => p.personId).sort());
  });

  it('a batch of bookings gives chosen slots to those who chose them, the earliest seats left to the others', async () => {
    const facilityId = await facilityOfUser(t.database.db, 'manager');
    const product = await productId(t, 'COMIRNATY');
    // 09:00-17:00 in three slots of two seats; and a session closed for booking.
    const open = await createSession(t, { facilityId, productId: product, capacity: 6, slotMinutes: 160 });
    const closed = await createSession(t, { facilityId, productId: product, capacity: 6, startsAt: '13:00' });
    await t.database.db
      .updateTable('vaccination_session')
      .set({ status: 'closed' })
      .where('id', '=', closed.id)
      .execute();
    const [s1, s2, s3] = open.slots.map((s) => s.id);
    const who = people.slice(540, 548);
    const asks: [session: SessionT, slot: number | null][] = [
      [open, s2!], // chose the second slot
      [open, null],
      [open, s2!],
      [open, s2!], // the second slot is full by now
      [open, null],
      [open, null], // the first slot is full: the third
      [closed, null],
      [open, closed.slots[0]!.id], // a slot of another session
    ];
    const column = <T>(f: (a: (typeof asks)[number], i: number) => T) => asks.map(f);
    const rows = await hotQuery<{ n: string; status: string; id: number | null; slot_id: number | null }>(
      t.database,
      'test_take_seats',
      TAKE_SEATS,
      [
        column(([s]) => s.id),
        column(([, slot]) => slot),
        column((_, i) => who[i]!.personId),
        column(() => 1),
        column(([s]) => s.facility.id),
        column(([s]) => s.product.id),
        column(([s]) => s.date),
        column(() => '1234'),
        column(() => 'citizen'),
        column(() => null),
        column(() => null),
        column(() => null),
        column(() => null),
        column(() => null),
        column(() => null),
        column(() => null),
      ],
    );
    const answer = rows.sort((a, b) => Number(a.n) - Number(b.n)).map((r) => [r.status, r.slot_id]);
    expect(answer).toEqual([
      ['open', s2],
      ['open', s1],
      ['open', s2],
      ['open', null],
      ['open', s1],
      ['open', s3],
      ['closed', null],
      ['open', null],
    ]);
    const { rows: slots } = await sql<{ booked: number; n: number }>`
      select s.booked, (select count(*)::int from appointment a where a.slot_id = s.id and a.status = 'booked') as n
      from session_slot s where s.session_id = ${open.id} order by s.starts_at`.execute(t.database.db);
    expect(slots).toEqual([
      { booked: 2, n: 2 },
      { booked: 2, n: 2 },
      { booked: 1, n: 1 },
    ]);
    // Those who got a seat left the waiting queue; the others are still in it.
    const { rows: waiting } = await sql<{ person_id: number }>`
      select person_id from waiting_entry where dose_number = 1
        and person_id = any(${who.map((p) => p.personId)}::bigint[]) order by person_id`.execute(
      t.database.db,
    );
    expect(waiting.map((w) => w.person_id)).toEqual(
      [who[3]!, who[6]!, who[7]!].map((p) => p.personId).sort((a, b) => a - b),
    );
  });

  it('the same person pressing "book" 30 times at once, with one key, gets one appointment', async () => {
    const facilityId = await facilityOfUser(t.database.db, 'manager');
    const session = await createSession(t, {
      facilityId,
      productId: await productId(t, 'COMIRNATY'),
      capacity: 10,
    });
    const p = people[510]!;
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        book(t, p.token, { personId: p.personId, sessionId: session.id, idempotencyKey: 'rush-same-key-1' }),
      ),
    );
    expect(
      answers.every((r) => [200, 201].includes(r.statusCode)),
      answers.map((r) => r.body).join('\n'),
    ).toBe(true);
    expect(new Set(answers.map((r) => r.json<AppointmentT>().id)).size).toBe(1);
    expect(await seatsTaken(t, session.id)).toBe(1);
  });

  it('the same person booking two sessions at once without a key gets one appointment and one clear refusal', async () => {
    const facilityId = await facilityOfUser(t.database.db, 'manager');
    const product = await productId(t, 'COMIRNATY');
    const a = await createSession(t, { facilityId, productId: product, capacity: 10 });
    const b = await createSession(t, { facilityId, productId: product, capacity: 10, startsAt: '13:00' });
    const p = people[520]!;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        book(t, p.token, { personId: p.personId, sessionId: i % 2 ? a.id : b.id }),
      ),
    );
    expect(answers.filter((r) => r.statusCode === 201).length).toBe(1);
    for (const r of answers.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(r.json<{ error: { code: string } }>().error.code).toBe('appointment_exists');
    }
    expect((await seatsTaken(t, a.id)) + (await seatsTaken(t, b.id))).toBe(1);
  });

  it('bookings read together are each counted against their own daily limit', async () => {
    const facilityId = await facilityOfUser(t.database.db, 'manager');
    const session = await createSession(t, {
      facilityId,
      productId: await productId(t, 'COMIRNATY'),
      capacity: 100,
    });
    // Half of them have used up today's bookings (the limit is 100 here), the other half none.
    const spent = people.slice(560, 580);
    const fresh = people.slice(580, 600);
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    await t.database.db
      .insertInto('rate_counter')
      .values(spent.map((p) => ({ key: `book:person:${p.personId}`, window_start: day, count: 100 })))
      .execute();
    const answers = await Promise.all(
      [...spent, ...fresh].map((p) => book(t, p.token, { personId: p.personId, sessionId: session.id })),
    );
    const refused = answers.slice(0, spent.length);
    const booked = answers.slice(spent.length);
    for (const r of refused) {
      expect(r.statusCode, r.body).toBe(429);
      expect(r.json<{ error: { code: string } }>().error.code).toBe('booking_rate_limited');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    for (const r of booked) expect(r.statusCode, r.body).toBe(201);
    expect(await seatsTaken(t, session.id)).toBe(fresh.length);
    // Each booking counted once, against its own person and account only.
    const { rows } = await sql<{ key: string; count: number }>`
      select key, count from rate_counter
      where key = any(${fresh.flatMap((p) => [`book:person:${p.personId}`, `book:account:${p.accountId}`])}::text[])
        and window_start = ${day}`.execute(t.database.db);
    expect(rows.length).toBe(fresh.length * 2);
    expect(rows.every((r) => r.count === 1)).toBe(true);
  });
});
