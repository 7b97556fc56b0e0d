import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/access/passwords.ts';
import type { Role } from '../../src/db/schema.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo.ts';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople } from '../support/bulk-people.ts';
import { expectError, fingerprint, MUTABLE_TABLES, VACCINATION_TABLES } from './helpers.ts';

/**
 * The staff routes of a person tell nothing of people outside the caller's scope: a person there is
 * answered exactly as a person who does not exist (404), while staff who may read the person but
 * not do the particular thing are refused (403).
 */
describe('person routes and the caller’s scope', () => {
  let t: TestContext;
  /** Lives in district A, where district.officer works. */
  let inside: number;
  /** Lives in district B. */
  let outside: number;
  /** No person has this id. */
  const NO_ONE = 2_000_000_000;
  const WATCHED = [...MUTABLE_TABLES, ...VACCINATION_TABLES];

  beforeAll(async () => {
    t = await testApp();
    const db = t.database.db;
    const leaves = await db
      .selectFrom('area')
      .select(['id', 'path'])
      .where('depth', '=', (eb) => eb.selectFrom('area').select((e) => e.fn.max('depth').as('d')))
      .orderBy('code')
      .execute();
    const first = leaves[0]!;
    // The path lists the ids from the top: the second is the district.
    const districtA = await db
      .selectFrom('area')
      .select(['id', 'path'])
      .where('id', '=', Number(first.path.split('/').filter(Boolean)[1]))
      .executeTakeFirstOrThrow();
    expect(first.path.startsWith(districtA.path)).toBe(true);
    const other = leaves.find((l) => !l.path.startsWith(districtA.path))!;
    expect(other).toBeDefined();

    const [a, b] = await bulkPeople(db, { count: 2, secrets: TEST_SECRETS, batch: 91 });
    inside = a!.personId;
    outside = b!.personId;
    for (const [personId, areaId] of [
      [inside, first.id],
      [outside, other.id],
    ] as const)
      await db
        .updateTable('person')
        .set({ area_id: areaId, preferred_facility_id: null })
        .where('id', '=', personId)
        .execute();

    const makeUser = async (username: string, grants: { role: Role; area_id: number | null }[]) => {
      const user = await db
        .insertInto('staff_user')
        .values({
          username,
          display_name: username,
          password_hash: await hashPassword(DEMO_PASSWORD),
          created_by: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('role_grant')
        .values(grants.map((g) => ({ ...g, user_id: user.id, facility_id: null, granted_by: null })))
        .execute();
    };
    // The district's officer: reads and corrects people of district A only.
    await makeUser('district.officer', [{ role: 'area_admin', area_id: districtA.id }]);
    // Corrects in district A, reads everyone (auditor of the whole country).
    await makeUser('district.reader', [
      { role: 'help_desk', area_id: districtA.id },
      { role: 'auditor', area_id: null },
    ]);
  });
  afterAll(() => t.close());

  const send = async (as: string, method: 'GET' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: await t.auth(as) },
      ...(payload ? { payload } : {}),
    });
  /** Status, content type, code, message and details: all an answer says besides its request id. */
  const said = (res: LightMyRequestResponse) => {
    const { requestId: _id, ...rest } = res.json<{
      error: { code: string; message: string; details?: unknown; requestId: string };
    }>().error;
    return { status: res.statusCode, type: res.headers['content-type'], ...rest };
  };
  const correction = { changes: { addressLine: 'House 3, Road 5' }, reason: 'Moved within the union' };

  it('answers a person of another district exactly as a person who does not exist', async () => {
    const cases: { method: 'GET' | 'PATCH'; url: (id: number) => string; payload?: object }[] = [
      { method: 'GET', url: (id) => `/api/people/${id}` },
      { method: 'PATCH', url: (id) => `/api/people/${id}`, payload: correction },
      { method: 'GET', url: (id) => `/api/people/${id}/corrections` },
      { method: 'GET', url: (id) => `/api/people/${id}/doses` },
    ];
    await t.auth('district.officer');
    for (const c of cases) {
      const label = `${c.method} ${c.url(0)}`;
      const before = await fingerprint(t.database.db, WATCHED);
      const unknown = await send('district.officer', c.method, c.url(NO_ONE), c.payload);
      const elsewhere = await send('district.officer', c.method, c.url(outside), c.payload);
      expectError(unknown, 404, 'not_found');
      expectError(elsewhere, 404, 'not_found');
      expect(said(elsewhere), label).toEqual(said(unknown));
      expect(said(elsewhere), label).toEqual({
        status: 404,
        type: 'application/json; charset=utf-8',
        code: 'not_found',
        message: 'The person was not found.',
      });
      // Nothing is recorded, not even a read of the person.
      expect(await fingerprint(t.database.db, WATCHED), label).toEqual(before);
    }
    // The officer's own district is theirs.
    const own = await send('district.officer', 'GET', `/api/people/${inside}`);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json<{ id: number }>().id).toBe(inside);
  });

  it('refuses with 403 staff who may read the person but not correct them', async () => {
    await t.auth('district.reader');
    const read = await send('district.reader', 'GET', `/api/people/${outside}`);
    expect(read.statusCode, read.body).toBe(200);
    const before = await fingerprint(t.database.db, WATCHED);
    expectError(
      await send('district.reader', 'PATCH', `/api/people/${outside}`, correction),
      403,
      'forbidden',
    );
    expect(await fingerprint(t.database.db, WATCHED)).toEqual(before);
    // In district A the same user corrects.
    const fixed = await send('district.reader', 'PATCH', `/api/people/${inside}`, correction);
    expect(fixed.statusCode, fixed.body).toBe(200);
  });
});
