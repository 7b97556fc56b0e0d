import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { ensureDemoSessions } from '../../src/seed/demo-sessions.ts';
import { testDatabase } from '../support/db.ts';
import { dhakaToday, inDays } from '../support/sessions-api.ts';

describe('demo sessions', () => {
  let database: Database;
  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(() => database.close());

  it('gives every centre an open session on each of the coming days, once', async () => {
    const made = await ensureDemoSessions(database.db, dhakaToday(), 3);
    const { rows } = await sql<{ centres: number; sessions: number; dates: number; seats: number }>`
      select (select count(*)::int from facility where active and type in ('vaccination_centre', 'hospital')) as centres,
             (select count(*)::int from vaccination_session) as sessions,
             (select count(distinct session_date)::int from vaccination_session) as dates,
             (select min(capacity)::int from session_slot) as seats`.execute(database.db);
    const r = rows[0]!;
    expect(r.centres).toBeGreaterThan(100);
    expect(made).toBe(r.centres * 3);
    expect(r.sessions).toBe(made);
    expect(r.dates).toBe(3);
    expect(r.seats).toBeGreaterThan(0);
    const first = await database.db
      .selectFrom('vaccination_session')
      .select((eb) => eb.fn.min('session_date').as('d'))
      .executeTakeFirstOrThrow();
    expect(first.d).toBe(inDays(1));
    expect(await ensureDemoSessions(database.db, dhakaToday(), 3)).toBe(0);
    expect(await ensureDemoSessions(database.db, dhakaToday(), 4)).toBe(r.centres);
  });
});
