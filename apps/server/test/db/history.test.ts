import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { applyDeltas, checkRollups } from '../../src/reports/rollups.ts';
import { generateHistory, type HistoryResult } from '../../src/seed/history.ts';
import { stockCheck } from '../../src/stock/check.ts';
import { testDatabase } from '../support/db.ts';

const settings = { timeZone: 'Asia/Dhaka' };

/** The generated vaccination history keeps the books the way recording doses one by one does. */
describe('vaccination history generator', () => {
  let database: Database;
  let made: HistoryResult;
  beforeAll(async () => {
    database = await testDatabase();
    made = await generateHistory(database, { seed: 7, days: 60, people: 600, timeZone: 'Asia/Dhaka' });
  });
  afterAll(() => database.close());

  it('writes people with doses, appointments, sessions, stock and AEFI reports', async () => {
    expect(made.people).toBe(600);
    expect(made.doses).toBeGreaterThan(600);
    expect(made.appointments).toBeGreaterThan(100);
    const { rows } = await sql<{ people: number; doses: number; appointments: number }>`
      select (select count(*)::int from person) as people, (select count(*)::int from dose) as doses,
             (select count(*)::int from appointment) as appointments`.execute(database.db);
    expect(rows[0]).toEqual({ people: 600, doses: made.doses, appointments: made.appointments });
  });

  it('gives each dose from a lot of its product, in a session of its facility and day, with seats for everyone', async () => {
    const { rows } = await sql<{
      wrong_lot: number;
      wrong_session: number;
      overbooked: number;
      unclaimed: number;
    }>`
      select
        (select count(*)::int from dose d join lot l on l.id = d.lot_id where l.product_id <> d.product_id) as wrong_lot,
        (select count(*)::int from dose d join vaccination_session v on v.id = d.session_id
          where v.facility_id <> d.facility_id or v.session_date <> d.administered_on or v.product_id <> d.product_id)
          as wrong_session,
        (select count(*)::int from session_slot s
          where s.booked <> (select count(*) from appointment a where a.slot_id = s.id and a.status <> 'cancelled')
             or s.booked > s.capacity) as overbooked,
        (select count(*)::int from person p
          where not exists (select 1 from identity_claim c where c.person_id = p.id)) as unclaimed`.execute(
      database.db,
    );
    expect(rows[0]).toEqual({ wrong_lot: 0, wrong_session: 0, overbooked: 0, unclaimed: 0 });
  });

  it('queues for a next dose exactly the people who need one and hold no appointment for it', async () => {
    const { rows } = await sql<{ both: number; complete_waiting: number }>`
      select
        (select count(*)::int from waiting_entry w join appointment a
           on a.person_id = w.person_id and a.dose_number = w.dose_number and a.status = 'booked') as both,
        (select count(*)::int from waiting_entry w
           where exists (select 1 from dose d where d.person_id = w.person_id and d.dose_number >= w.dose_number))
          as complete_waiting`.execute(database.db);
    expect(rows[0]).toEqual({ both: 0, complete_waiting: 0 });
  });

  it('keeps stock balances equal to the ledger', async () => {
    const r = await stockCheck(database.db);
    expect(r.balanceMismatches).toEqual([]);
    expect(r.negativeBalances).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('leaves the report rollups equal to the facts once its deltas are applied', async () => {
    while ((await applyDeltas(database, settings)) > 0);
    const report = await checkRollups(database, settings);
    expect(report.tables.filter((t) => t.differing > 0)).toEqual([]);
    const { rows } = await sql<{ doses: number }>`
      select coalesce(sum(doses), 0)::int as doses from cube_dose_area c join area a on a.id = c.area_id
      where a.parent_id is null`.execute(database.db);
    expect(rows[0]!.doses).toBe(made.doses);
  });
});
