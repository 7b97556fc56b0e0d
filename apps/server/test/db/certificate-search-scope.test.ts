import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/access/passwords.ts';
import { newHcid } from '../../src/certificates/content.ts';
import { withTransaction } from '../../src/db/database.ts';
import { enqueueJob } from '../../src/jobs/queue.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo.ts';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople } from '../support/bulk-people.ts';
import { productId } from '../support/sessions.ts';
import { expectError, fingerprint, MUTABLE_TABLES, VACCINATION_TABLES } from './helpers.ts';

/**
 * Staff look-ups of certificates tell nothing of people outside the caller's scope: a certificate
 * (or person) there is answered exactly as one that does not exist, while people in scope are found
 * and their reads recorded.
 */
describe('certificate look-ups and the caller’s scope', () => {
  let t: TestContext;
  /** Lives in Dhaka division, where dhaka.admin and helpdesk work. */
  let inside: { personId: number; certificateId: number; hcid: string };
  /** Lives in another division. */
  let outside: { personId: number; certificateId: number; hcid: string };
  /** No person has this id. */
  const NO_ONE = 2_000_000_000;

  beforeAll(async () => {
    t = await testApp({ PUBLIC_URL: 'https://vaccination.example.gov.bd' });
    const db = t.database.db;
    const dhaka = await db
      .selectFrom('area')
      .select(['path'])
      .where('name_en', '=', 'Dhaka')
      .where('depth', '=', 0)
      .executeTakeFirstOrThrow();
    const leaf = (inDhaka: boolean) =>
      db
        .selectFrom('area')
        .select('id')
        .where('path', inDhaka ? 'like' : 'not like', `${dhaka.path}%`)
        .where('depth', '=', (eb) => eb.selectFrom('area').select((e) => e.fn.max('depth').as('d')))
        .orderBy('code')
        .executeTakeFirstOrThrow();
    const [a, b] = await bulkPeople(db, {
      count: 2,
      secrets: TEST_SECRETS,
      batch: 83,
    });
    await db
      .updateTable('person')
      .set({ area_id: (await leaf(true)).id, preferred_facility_id: null })
      .where('id', '=', a!.personId)
      .execute();
    await db
      .updateTable('person')
      .set({ area_id: (await leaf(false)).id, preferred_facility_id: null })
      .where('id', '=', b!.personId)
      .execute();

    // A dose each, recorded as the vaccination module does it; the job issues the certificate.
    const facility = await db
      .selectFrom('facility')
      .select('id')
      .where('type', '<>', 'store')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const product = await productId(db, 'COMIRNATY');
    const lot = await db
      .insertInto('lot')
      .values({
        product_id: product,
        lot_number: 'SC4410',
        manufacturer: 'BioNTech Manufacturing GmbH',
        expires_on: '2030-01-01',
        doses_per_vial: 6,
        created_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const p of [a!, b!])
      await withTransaction(db, async (trx) => {
        const d = await trx
          .insertInto('dose')
          .values({
            person_id: p.personId,
            dose_number: 1,
            product_id: product,
            facility_id: facility.id,
            administered_on: '2026-01-10',
            administered_at: new Date('2026-01-10T04:00:00Z'),
            appointment_id: null,
            recorded_by: null,
            voided_at: null,
            lot_id: lot.id,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await enqueueJob(trx, 'certificate.issue', { personId: p.personId, doseId: d.id });
      });
    await t.drain();
    const certificateOf = async (personId: number) => {
      const c = await db
        .selectFrom('certificate')
        .select(['id', 'hcid'])
        .where('person_id', '=', personId)
        .executeTakeFirstOrThrow();
      return { personId, certificateId: c.id, hcid: c.hcid };
    };
    inside = await certificateOf(a!.personId);
    outside = await certificateOf(b!.personId);

    // Help desk in Dhaka and auditor for the whole country: sees everyone, corrects only in Dhaka.
    const user = await db
      .insertInto('staff_user')
      .values({
        username: 'scope.helper',
        display_name: 'Scope Test Helper',
        password_hash: await hashPassword(DEMO_PASSWORD),
        created_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const dhakaId = (
      await db.selectFrom('area').select('id').where('path', '=', dhaka.path).executeTakeFirstOrThrow()
    ).id;
    await db
      .insertInto('role_grant')
      .values([
        { user_id: user.id, role: 'help_desk', area_id: dhakaId, facility_id: null, granted_by: null },
        { user_id: user.id, role: 'auditor', area_id: null, facility_id: null, granted_by: null },
      ])
      .execute();
  });
  afterAll(() => t.close());

  const WATCHED = [...MUTABLE_TABLES, ...VACCINATION_TABLES];
  const send = async (as: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: await t.auth(as) },
      ...(payload ? { payload } : {}),
    });
  const byHcid = (as: string, hcid: string) =>
    send(as, 'GET', `/api/certificates?hcid=${encodeURIComponent(hcid)}`);
  /** Status, code, message and details: all an answer says besides its request id. */
  const said = (res: LightMyRequestResponse) => {
    const { requestId: _id, ...rest } = res.json<{
      error: { code: string; message: string; details?: unknown; requestId: string };
    }>().error;
    return { status: res.statusCode, type: res.headers['content-type'], ...rest };
  };
  const personViews = (personId: number) =>
    t.database.db
      .selectFrom('audit_event')
      .select(['actor_id'])
      .where('action', '=', 'person.viewed')
      .where('entity_id', '=', String(personId))
      .execute();

  it('answers an HCID of a person outside the area exactly as an HCID no certificate has', async () => {
    await t.auth('dhaka.admin');
    const madeUp = newHcid(outside.hcid.split(':')[3]!);
    expect(madeUp).toMatch(/^URN:UVCI:01:[A-Z]{2}:[0-9A-Z]{20}#[0-9A-Z]$/);
    const before = await fingerprint(t.database.db, WATCHED);
    const unknown = await byHcid('dhaka.admin', madeUp);
    const elsewhere = await byHcid('dhaka.admin', outside.hcid);
    // Lower case and spaces around it find the same certificate, and are refused the same way.
    const elsewhereTyped = await byHcid('dhaka.admin', ` ${outside.hcid.toLowerCase()} `);
    expectError(unknown, 404, 'not_found');
    expectError(elsewhere, 404, 'not_found');
    expect(said(elsewhere)).toEqual(said(unknown));
    expect(said(elsewhereTyped)).toEqual(said(unknown));
    expect(said(elsewhere)).toEqual({
      status: 404,
      type: 'application/json; charset=utf-8',
      code: 'not_found',
      message: 'The certificate was not found.',
    });
    // Nothing is recorded: not a read of the person, nothing else either.
    expect(await fingerprint(t.database.db, WATCHED)).toEqual(before);
  });

  it('finds a certificate of a person in scope and records the read of the person', async () => {
    const admin = await t.database.db
      .selectFrom('staff_user')
      .select('id')
      .where('username', '=', 'dhaka.admin')
      .executeTakeFirstOrThrow();
    const viewsBefore = (await personViews(inside.personId)).length;
    const res = await byHcid('dhaka.admin', inside.hcid);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ items: { id: number; personId: number; hcid: string }[] }>().items).toEqual([
      expect.objectContaining({ id: inside.certificateId, personId: inside.personId, hcid: inside.hcid }),
    ]);
    const views = await personViews(inside.personId);
    expect(views).toHaveLength(viewsBefore + 1);
    expect(views.at(-1)).toEqual({ actor_id: admin.id });
    // Staff whose scope covers the other person find theirs too.
    const national = await byHcid('auditor', outside.hcid);
    expect(national.statusCode, national.body).toBe(200);
    expect(national.json<{ items: { id: number }[] }>().items.map((c) => c.id)).toEqual([
      outside.certificateId,
    ]);
  });

  it('answers the certificate routes of a person outside the area as those of no such person', async () => {
    const cases: {
      method: 'GET' | 'POST';
      url: (personId: number, certificateId: number) => string;
      payload?: object;
    }[] = [
      { method: 'GET', url: (p) => `/api/people/${p}/certificates` },
      { method: 'GET', url: (p, c) => `/api/people/${p}/certificates/${c}/pdf` },
      {
        method: 'POST',
        url: (p) => `/api/people/${p}/certificates/reissue`,
        payload: { reason: 'asked for a new copy' },
      },
      {
        method: 'POST',
        url: (p, c) => `/api/people/${p}/certificates/${c}/revoke`,
        payload: { reason: 'reported as a forged copy' },
      },
    ];
    await t.auth('helpdesk');
    for (const c of cases) {
      const label = `${c.method} ${c.url(0, 0)}`;
      const before = await fingerprint(t.database.db, WATCHED);
      const unknown = await send('helpdesk', c.method, c.url(NO_ONE, outside.certificateId), c.payload);
      const elsewhere = await send(
        'helpdesk',
        c.method,
        c.url(outside.personId, outside.certificateId),
        c.payload,
      );
      expectError(unknown, 404, 'not_found');
      expectError(elsewhere, 404, 'not_found');
      expect(said(elsewhere), label).toEqual(said(unknown));
      expect(said(elsewhere).message, label).toBe('The person was not found.');
      expect(await fingerprint(t.database.db, WATCHED), label).toEqual(before);
    }
    // In scope, the same help desk reads the person's certificates.
    const own = await send('helpdesk', 'GET', `/api/people/${inside.personId}/certificates`);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json<{ items: { id: number }[] }>().items.map((x) => x.id)).toEqual([inside.certificateId]);
  });

  it('still refuses with 403 staff who may see the person but not correct their record', async () => {
    await t.auth('scope.helper');
    const before = await fingerprint(t.database.db, WATCHED);
    // Outside Dhaka this user only reads: the person is there for them, the change is not theirs.
    expectError(
      await send('scope.helper', 'POST', `/api/people/${outside.personId}/certificates/reissue`, {
        reason: 'asked for a new copy',
      }),
      403,
      'forbidden',
    );
    expectError(
      await send(
        'scope.helper',
        'POST',
        `/api/people/${outside.personId}/certificates/${outside.certificateId}/revoke`,
        { reason: 'reported as a forged copy' },
      ),
      403,
      'forbidden',
    );
    expect(await fingerprint(t.database.db, WATCHED)).toEqual(before);
    const found = await byHcid('scope.helper', outside.hcid);
    expect(found.statusCode, found.body).toBe(200);
  });
});
