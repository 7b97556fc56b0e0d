import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '@dosewise/domain';
import type { Principal } from '../../src/access/policy.ts';
import type { Db } from '../../src/db/database.ts';
import {
  checkRollups,
  rebuildRollups,
  rollupLagSeconds,
  type RollupCheck,
} from '../../src/reports/rollups.ts';
import type { StockService } from '../../src/stock/service.ts';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import { facilityOfUser } from '../support/citizen.ts';
import { productId } from '../support/sessions.ts';
import { appointmentToday, lotAt, priorDose, today } from '../support/vaccination.ts';

/**
 * The report rollups equal a direct count over the facts, whatever happens and in whatever order:
 * doses recorded through the API, corrections of every kind, stock moved between stores, sessions
 * cancelled, appointments booked, kept and cancelled, people corrected and removed, with the worker
 * applying the deltas at random moments (the check counts the pending ones in, as a report's
 * figures will include them a second later).
 */

const TZ = 'Asia/Dhaka';

type Step =
  | { op: 'dose'; who: number; lot: number }
  | { op: 'earlier'; who: number; daysAgo: number }
  | {
      op: 'correct';
      who: number;
      kind: 'entered_in_error' | 'wrong_lot' | 'wrong_date' | 'wrong_person';
      other: number;
    }
  | { op: 'appointment'; who: number }
  | { op: 'cancelAppointment'; who: number }
  | { op: 'cancelSession'; pick: number }
  | { op: 'plan'; daysAhead: number; capacity: number }
  | { op: 'transfer'; doses: number; lot: number }
  | { op: 'person'; who: number; change: 'gender' | 'birth' | 'area' | 'remove' }
  | { op: 'apply' };

describe('report rollups (property-based)', () => {
  let t: TestContext;
  let db: Db;
  let stock: StockService;
  let people: BulkPerson[];
  let facilityId: number;
  let parentStore: number;
  let lots: number[];
  let areas: number[];
  let vaccinator: string;
  let manager: string;
  let admin: Principal;
  const ctx = { requestId: 'rollup-property', ip: '127.0.0.1', userAgent: undefined };
  const settings = { timeZone: TZ };

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    stock = t.services.stock.service;
    people = await bulkPeople(db, { count: 24, secrets: TEST_SECRETS, batch: 71 });
    facilityId = await facilityOfUser(db, 'vaccinator');
    lots = [
      await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 400 }),
      await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 400 }),
    ];
    const own = await db
      .selectFrom('store')
      .select('parent_facility_id')
      .where('facility_id', '=', facilityId)
      .executeTakeFirstOrThrow();
    parentStore = own.parent_facility_id!;
    const user = await db
      .selectFrom('staff_user')
      .select('id')
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow();
    admin = {
      userId: user.id,
      username: 'admin',
      sessionId: 'x',
      grants: [{ id: 0, role: 'national_admin', areaId: null, areaPath: null, facilityId: null }],
    };
    const unions = await db
      .selectFrom('area')
      .select('id')
      .where('depth', '=', 3)
      .orderBy('code')
      .limit(3)
      .execute();
    areas = unions.map((a) => a.id);
    // People of both genders, several ages and areas, so the rollups have more than one key.
    for (const [i, p] of people.entries()) {
      await sql`update person set gender = ${['female', 'male', 'third_gender'][i % 3]!},
                  date_of_birth = ${`${1940 + ((i * 7) % 70)}-0${1 + (i % 9)}-15`}::date,
                  area_id = ${areas[i % areas.length]!}
                where id = ${p.personId}`.execute(db);
    }
    vaccinator = await t.auth('vaccinator');
    manager = await t.auth('manager');
  });
  afterAll(() => t.close());

  const who = fc.integer({ min: 0, max: 23 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constant('dose' as const), who, lot: fc.integer({ min: 0, max: 1 }) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('earlier' as const),
        who,
        daysAgo: fc.integer({ min: 30, max: 90 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('correct' as const),
        who,
        kind: fc.constantFrom(
          'entered_in_error' as const,
          'wrong_lot' as const,
          'wrong_date' as const,
          'wrong_person' as const,
        ),
        other: who,
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('appointment' as const), who }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('cancelAppointment' as const), who }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('cancelSession' as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('plan' as const),
        daysAhead: fc.integer({ min: 0, max: 5 }),
        capacity: fc.integer({ min: 1, max: 50 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('transfer' as const),
        doses: fc.integer({ min: 1, max: 30 }),
        lot: fc.integer({ min: 0, max: 1 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('person' as const),
        who,
        change: fc.constantFrom('gender' as const, 'birth' as const, 'area' as const, 'remove' as const),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('apply' as const) }) },
  );

  async function activeDose(personId: number) {
    return db
      .selectFrom('dose')
      .select(['id', 'lot_id', 'administered_on'])
      .where('person_id', '=', personId)
      .where('voided_at', 'is', null)
      .orderBy('dose_number', 'desc')
      .executeTakeFirst();
  }

  async function run(s: Step): Promise<void> {
    switch (s.op) {
      case 'dose': {
        // Refused (a second dose too soon, say) is fine: a refused dose changes nothing.
        await t.app.inject({
          method: 'POST',
          url: `/api/people/${people[s.who]!.personId}/doses`,
          headers: { authorization: vaccinator },
          payload: {
            facilityId,
            productId: await productId(db, 'COMIRNATY'),
            lotId: lots[s.lot]!,
            bodySite: 'left_deltoid',
            identityCheck: 'id_document',
            consent: true,
            walkIn: true,
          },
        });
        return;
      }
      case 'earlier': {
        const p = people[s.who]!.personId;
        if (await activeDose(p)) return;
        await priorDose(db, p, 'COMIRNATY', s.daysAgo, facilityId);
        return;
      }
      case 'correct': {
        const p = people[s.who]!.personId;
        const dose = await activeDose(p);
        if (!dose) return;
        const body: Record<string, unknown> = { kind: s.kind, reason: 'checked against the register' };
        if (s.kind === 'wrong_lot') body.lotId = lots.find((l) => l !== dose.lot_id) ?? lots[0];
        if (s.kind === 'wrong_date') body.administeredOn = addDays(dose.administered_on, -1);
        if (s.kind === 'wrong_person') body.toPersonId = people[s.other]!.personId;
        await t.app.inject({
          method: 'POST',
          url: `/api/people/${p}/doses/${dose.id}/corrections`,
          headers: { authorization: manager },
          payload: body,
        });
        return;
      }
      case 'appointment': {
        const p = people[s.who]!.personId;
        const held = await db
          .selectFrom('appointment')
          .select('id')
          .where('person_id', '=', p)
          .where('status', '=', 'booked')
          .executeTakeFirst();
        const given = await activeDose(p);
        if (held || given) return;
        await appointmentToday(db, p, facilityId);
        return;
      }
      case 'cancelAppointment':
        await sql`update appointment set status = 'cancelled', cancel_reason = 'person', cancelled_at = now()
                  where person_id = ${people[s.who]!.personId} and status = 'booked'`.execute(db);
        return;
      case 'cancelSession': {
        const open = await db
          .selectFrom('vaccination_session')
          .select('id')
          .where('status', '=', 'open')
          .orderBy('id')
          .execute();
        if (!open.length) return;
        await sql`update vaccination_session set status = 'cancelled', cancel_reason = 'test'
                  where id = ${open[s.pick % open.length]!.id}`.execute(db);
        return;
      }
      case 'plan':
        // A session and its slots in one statement, as the demo's planner writes them.
        await sql`with s as (
                    insert into vaccination_session (facility_id, session_date, product_id, dose_numbers, starts_at, ends_at)
                    values (${facilityId}, ${addDays(today(), s.daysAhead)}::date, ${await productId(db, 'COMIRNATY')},
                            '{1,2}', '09:00', '13:00')
                    returning id)
                  insert into session_slot (session_id, starts_at, ends_at, capacity)
                  select id, '09:00'::time, '11:00'::time, ${s.capacity}::integer from s
                  union all select id, '11:00'::time, '13:00'::time, ${s.capacity + 1}::integer from s`.execute(
          db,
        );
        return;
      case 'transfer': {
        // Back up to the store above and down again: the stock rollup follows both sides.
        const lotId = lots[s.lot]!;
        const held = await db
          .selectFrom('stock_balance')
          .select('quantity')
          .where('store_id', '=', facilityId)
          .where('lot_id', '=', lotId)
          .executeTakeFirst();
        if ((held?.quantity ?? 0) < s.doses) return;
        await sql`insert into stock_entry (lot_id, quantity, from_store_id, to_store_id, kind)
                  values (${lotId}, ${s.doses}, ${facilityId}, ${parentStore}, 'adjustment')`.execute(db);
        const transfer = await stock.createTransfer(
          admin,
          { fromStoreId: parentStore, toStoreId: facilityId, lines: [{ lotId, doses: s.doses }] },
          ctx,
        );
        await stock.receiveTransfer(admin, transfer.id, { lines: [{ lotId, receivedDoses: s.doses }] }, ctx);
        return;
      }
      case 'person': {
        const p = people[s.who]!.personId;
        if (s.change === 'gender')
          await sql`update person set gender = case gender when 'female' then 'male' else 'female' end
                    where id = ${p}`.execute(db);
        else if (s.change === 'birth')
          await sql`update person set date_of_birth = date_of_birth - interval '13 years' where id = ${p}`.execute(
            db,
          );
        else if (s.change === 'area')
          await sql`update person set area_id = ${areas[(s.who + 1) % areas.length]!} where id = ${p}`.execute(
            db,
          );
        else
          await sql`update person set removed_at = case when removed_at is null then now() end,
                      removed_reason = 'duplicate registration' where id = ${p}`.execute(db);
        return;
      }
      case 'apply':
        await t.drain();
        return;
    }
  }

  const explain = (r: RollupCheck) =>
    r.tables
      .filter((x) => x.differing)
      .map((x) => `${x.table}: ${x.differing} differ, e.g. ${JSON.stringify(x.sample)}`)
      .join('\n');

  it('equal the facts after any mix of doses, corrections, transfers, appointments and person changes', async () => {
    await t.drain();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), async (steps) => {
        for (const s of steps) await run(s);
        const report = await checkRollups(t.database, settings);
        expect(report.ok, explain(report)).toBe(true);
      }),
      { numRuns: 12 },
    );
    // Something actually happened: doses, corrections and appointments are in the rollups.
    await t.drain();
    const counts = await sql<{ doses: number; voided: number; appointments: number; stock: number }>`
      select (select coalesce(sum(doses), 0)::int from rollup_dose) as doses,
             (select count(*)::int from dose where voided_at is not null) as voided,
             (select coalesce(sum(booked + attended + missed + cancelled), 0)::int from rollup_appointment) as appointments,
             (select count(*)::int from rollup_stock where kind = 'transfer_receipt') as stock`.execute(db);
    expect(counts.rows[0]!.doses).toBeGreaterThan(0);
    expect(counts.rows[0]!.voided).toBeGreaterThan(0);
    expect(counts.rows[0]!.appointments).toBeGreaterThan(0);
    expect(await rollupLagSeconds(db)).toBe(0);
  });

  it('cubes add up the hierarchy: a division counts what its unions count', async () => {
    await t.drain();
    const { rows } = await sql<{ area: number; own: number; children: number }>`
      select a.id as area,
             (select coalesce(sum(doses), 0)::int from cube_dose_area where area_id = a.id) as own,
             (select coalesce(sum(c.doses), 0)::int from cube_dose_area c join area ch on ch.id = c.area_id
              where ch.parent_id = a.id) as children
      from area a where a.id in (select parent_id from area where id = any(${areas}))`.execute(db);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.own).toBe(r.children);
    const total = await sql<{ n: number }>`select coalesce(sum(doses), 0)::int as n from rollup_dose`.execute(
      db,
    );
    const national = await sql<{ n: number }>`
      select coalesce(sum(doses), 0)::int as n from cube_dose_area c join area a on a.id = c.area_id
      where a.parent_id is null`.execute(db);
    expect(national.rows[0]!.n).toBe(total.rows[0]!.n);
  });

  it('facility figures of a period are the same read from whole months or from days', async () => {
    await priorDose(db, people[3]!.personId, 'COMIRNATY', 45, facilityId, 7);
    await t.drain();
    const admin = await t.auth('admin');
    const figures = async (from: string, to: string) => {
      const res = await t.app.inject({
        url: `/api/reports/facilities?from=${from}&to=${to}&limit=500`,
        headers: { authorization: admin },
      });
      expect(res.statusCode, res.body).toBe(200);
      const item = res
        .json<{
          items: {
            facility: { id: number };
            doses: number;
            sessions: number;
            booked: number;
            missed: number;
          }[];
        }>()
        .items.find((i) => i.facility.id === facilityId)!;
      return { doses: item.doses, sessions: item.sessions, booked: item.booked, missed: item.missed };
    };
    const first = `${addDays(today(), -45).slice(0, 7)}-01`;
    const last = addDays(`${addDays(first, 40).slice(0, 7)}-01`, -1);
    const whole = await figures(first, last);
    const day1 = await figures(first, first);
    const rest = await figures(addDays(first, 1), last);
    expect(whole.doses).toBeGreaterThan(0);
    expect(whole).toEqual({
      doses: day1.doses + rest.doses,
      sessions: day1.sessions + rest.sessions,
      booked: day1.booked + rest.booked,
      missed: day1.missed + rest.missed,
    });
  });

  it('the check finds a tampered rollup and the rebuild puts it right', async () => {
    await t.drain();
    await sql`update rollup_dose set doses = doses + 5 where ctid = (select ctid from rollup_dose limit 1)`.execute(
      db,
    );
    await sql`delete from cube_lot where ctid = (select ctid from cube_lot limit 1)`.execute(db);
    const bad = await checkRollups(t.database, settings);
    expect(bad.ok).toBe(false);
    expect(bad.tables.find((x) => x.table === 'rollup_dose')!.differing).toBeGreaterThan(0);
    expect(bad.tables.find((x) => x.table === 'cube_lot')!.differing).toBeGreaterThan(0);
    // Facts recorded while the rollups are being rebuilt are not lost: their deltas stay pending.
    await run({ op: 'dose', who: 5, lot: 0 });
    const rebuilt = await rebuildRollups(t.database, settings);
    expect(rebuilt.rows.rollup_dose).toBeGreaterThan(0);
    await run({ op: 'dose', who: 6, lot: 1 });
    const good = await checkRollups(t.database, settings);
    expect(good.ok, explain(good)).toBe(true);
    await t.drain();
    expect((await checkRollups(t.database, settings)).ok).toBe(true);
  });

  it("take in an auto-scheduler run's appointments after it has written them, and other facts meanwhile", async () => {
    await t.drain();
    const country = async () => {
      const { rows } = await sql<{ booked: number; people: number }>`
        select (select coalesce(sum(booked), 0) from cube_appointment_area where area_id = 0)::int as booked,
               (select coalesce(sum(people), 0) from cube_registration_area where area_id = 0)::int as people`.execute(
        db,
      );
      return rows[0]!;
    };
    const before = await country();
    const run = await db
      .insertInto('schedule_run')
      .values({ params: JSON.stringify({ days: 1 }), started_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    try {
      const [p] = await bulkPeople(db, { count: 1, secrets: TEST_SECRETS, batch: 72 });
      await appointmentToday(db, p!.personId, facilityId);
      await t.drain();
      // The registration is in; the appointment waits for the run, and the reports say how old they are.
      expect(await country()).toEqual({ booked: before.booked, people: before.people + 1 });
      expect(await rollupLagSeconds(db)).toBeGreaterThan(0);
      // The check counts it in all the same.
      const check = await checkRollups(t.database, settings);
      expect(check.ok, explain(check)).toBe(true);
      // A run that has not moved for minutes holds nothing back.
      await sql`update schedule_run set heartbeat_at = now() - interval '3 minutes' where id = ${run.id}`.execute(
        db,
      );
      await t.drain();
      expect(await country()).toEqual({ booked: before.booked + 1, people: before.people + 1 });
    } finally {
      await sql`update schedule_run set status = 'failed', finished_at = now() where id = ${run.id}`.execute(
        db,
      );
    }
  });
});
