import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, normaliseIdNumber } from '@dosewise/domain';
import { identifierVault } from '../../src/privacy/identifiers.ts';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import { facilityOfUser } from '../support/citizen.ts';
import { productId } from '../support/sessions.ts';
import type { Db } from '../../src/db/database.ts';
import { expectError } from './helpers.ts';
import { today, lotAt, balance, appointmentToday, priorDose } from '../support/vaccination.ts';

/** Rows of every table a dose touches, hashed: equal before and after means nothing changed. */
async function doseFootprint(db: Db) {
  const out: Record<string, string> = {};
  for (const table of [
    'dose',
    'dose_review',
    'stock_entry',
    'stock_balance',
    'open_vial',
    'appointment',
    'waiting_entry',
    'job',
    'notification',
  ]) {
    const { rows } = await sql<{ n: number; h: string }>`
      select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h
      from ${sql.table(table)} t`.execute(db);
    out[table] = `${rows[0]!.n}:${rows[0]!.h}`;
  }
  return out;
}

describe('recording a dose', () => {
  let t: TestContext;
  let db: Db;
  let people: BulkPerson[];
  let next = 0;
  let facilityId: number;
  let comirnaty: number;
  let covishield: number;
  let lotId: number;
  let vaccinator: string;
  const person = () => people[next++]!;

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    people = await bulkPeople(db, { count: 100, secrets: TEST_SECRETS, batch: 51 });
    facilityId = await facilityOfUser(db, 'vaccinator');
    comirnaty = await productId(db, 'COMIRNATY');
    covishield = await productId(db, 'COVISHIELD');
    lotId = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 60, dosesPerVial: 6 });
    vaccinator = await t.auth('vaccinator');
  });
  afterAll(() => t.close());

  const record = (personId: number, body: Record<string, unknown>, auth = vaccinator) =>
    t.app.inject({
      method: 'POST',
      url: `/api/people/${personId}/doses`,
      headers: { authorization: auth },
      payload: {
        facilityId,
        productId: comirnaty,
        lotId,
        bodySite: 'left_deltoid',
        identityCheck: 'registration_number',
        consent: true,
        ...body,
      },
    });

  it('records a dose with its lot and, in the same transaction, every effect that follows', async () => {
    const p = person();
    const appt = await appointmentToday(db, p.personId, facilityId);
    const before = await balance(db, facilityId, lotId);
    const res = await record(p.personId, {
      identityCheck: 'slip_code',
      slipCode: appt.code,
      appointmentId: appt.id,
    });
    expect(res.statusCode, res.body).toBe(201);
    const dose = res.json<{
      id: number;
      doseNumber: number;
      lotId: number;
      vialId: number;
      recordedBy: string;
      flags: string[];
    }>();
    expect(dose).toMatchObject({ doseNumber: 1, lotId, recordedBy: 'vaccinator', flags: [] });

    expect(await balance(db, facilityId, lotId)).toBe(before - 1);
    const entry = await db.selectFrom('stock_entry').selectAll().where('dose_id', '=', dose.id).execute();
    expect(entry).toHaveLength(1);
    expect(entry[0]).toMatchObject({
      kind: 'administered',
      from_store_id: facilityId,
      to_party: 'administered',
      quantity: 1,
      vial_id: dose.vialId,
      person_id: p.personId,
    });
    const vial = await db
      .selectFrom('open_vial')
      .selectAll()
      .where('id', '=', dose.vialId)
      .executeTakeFirstOrThrow();
    expect(vial).toMatchObject({ lot_id: lotId, doses_used: 1, doses_per_vial: 6, closed_at: null });
    // COMIRNATY: open for 6 hours.
    expect(new Date(vial.usable_until).getTime() - new Date(vial.opened_at).getTime()).toBe(6 * 3_600_000);

    const a = await db
      .selectFrom('appointment')
      .select(['status', 'attended_at'])
      .where('id', '=', appt.id)
      .executeTakeFirstOrThrow();
    expect(a.status).toBe('attended');
    const waiting = await db
      .selectFrom('waiting_entry')
      .selectAll()
      .where('person_id', '=', p.personId)
      .execute();
    expect(
      waiting.map((w) => [w.dose_number, w.reason, w.product_id, w.facility_id, w.earliest_date, w.due_date]),
    ).toEqual([[2, 'next_dose', comirnaty, facilityId, addDays(today(), 19), addDays(today(), 21)]]);
    const jobs = await db
      .selectFrom('job')
      .select(['kind', 'payload'])
      .where('kind', '=', 'certificate.issue')
      .execute();
    expect(jobs.map((j) => j.payload)).toContainEqual({ personId: p.personId, doseId: dose.id });
    const sms = await db
      .selectFrom('notification')
      .select(['template', 'params'])
      .where('person_id', '=', p.personId)
      .execute();
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({
      template: 'dose_recorded_next',
      params: { doseNumber: 1, date: addDays(today(), 21) },
    });
  });

  it('draws the next dose of the lot from the same open vial, and closes it when it is used up', async () => {
    const lot = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 12, dosesPerVial: 2 });
    const vials: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p = person();
      const res = await record(p.personId, { lotId: lot, walkIn: true });
      expect(res.statusCode, res.body).toBe(201);
      vials.push(res.json<{ vialId: number }>().vialId);
    }
    expect(vials[0]).toBe(vials[1]);
    expect(vials[2]).not.toBe(vials[0]);
    const first = await db
      .selectFrom('open_vial')
      .selectAll()
      .where('id', '=', vials[0]!)
      .executeTakeFirstOrThrow();
    expect(first).toMatchObject({ doses_used: 2, close_reason: 'used_up', doses_wasted: 0 });
    expect(first.closed_at).not.toBeNull();
    expect(await balance(db, facilityId, lot)).toBe(9);
  });

  it('records doses arriving at once with every effect once each, filling one vial after another', async () => {
    const lot = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 40, dosesPerVial: 6 });
    const batch = Array.from({ length: 20 }, () => person());
    const answers = await Promise.all(batch.map((p) => record(p.personId, { lotId: lot, walkIn: true })));
    for (const a of answers) expect(a.statusCode, a.body).toBe(201);
    const ids = answers.map((a) => a.json<{ id: number }>().id);
    expect(new Set(ids).size).toBe(20);
    const doses = await db
      .selectFrom('dose')
      .select(['id', 'person_id', 'vial_id', 'recorded_at'])
      .where('id', 'in', ids)
      .execute();
    expect(doses.map((d) => d.person_id).sort()).toEqual(batch.map((p) => p.personId).sort());
    // On the server, doses that came in while others were being written were written together (one
    // transaction, one time); the embedded database has one connection, and its requests take turns.
    if (t.database.kind === 'postgres')
      expect(new Set(doses.map((d) => new Date(d.recorded_at).getTime())).size).toBeLessThan(20);
    const vials = await db
      .selectFrom('open_vial')
      .select(['id', 'doses_used', 'closed_at', 'close_reason'])
      .where('lot_id', '=', lot)
      .execute();
    expect(vials).toHaveLength(4);
    for (const v of vials)
      expect(v.doses_used, `vial ${v.id}`).toBe(doses.filter((d) => d.vial_id === v.id).length);
    expect(vials.filter((v) => v.closed_at === null)).toHaveLength(1);
    expect(vials.filter((v) => v.close_reason === 'used_up').map((v) => v.doses_used)).toEqual([6, 6, 6]);
    expect(await balance(db, facilityId, lot)).toBe(20);
    const counts = await sql<{ entries: number; jobs: number; sms: number; queued: number }>`
      select (select count(*)::int from stock_entry where lot_id = ${lot} and kind = 'administered') as entries,
             (select count(distinct payload ->> 'doseId')::int from job
               where kind = 'certificate.issue' and (payload ->> 'doseId')::bigint = any(${ids}::bigint[])) as jobs,
             (select count(*)::int from notification where template like 'dose_recorded%'
               and person_id = any(${batch.map((p) => p.personId)}::bigint[])) as sms,
             (select count(*)::int from waiting_entry where dose_number = 2
               and person_id = any(${batch.map((p) => p.personId)}::bigint[])) as queued`.execute(db);
    expect(counts.rows[0]).toEqual({ entries: 20, jobs: 20, sms: 20, queued: 20 });
  });

  it('cancels the booked appointments elsewhere of people vaccinated here at once, and their seats return', async () => {
    const lot = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 12, dosesPerVial: 6 });
    const elsewhere = await db
      .selectFrom('facility')
      .select('id')
      .where('type', '=', 'vaccination_centre')
      .where('id', '!=', facilityId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const batch = Array.from({ length: 6 }, () => person());
    const booked = await Promise.all(
      batch.slice(0, 3).map((p) => appointmentToday(db, p.personId, elsewhere.id)),
    );
    const answers = await Promise.all(batch.map((p) => record(p.personId, { lotId: lot, walkIn: true })));
    for (const a of answers) expect(a.statusCode, a.body).toBe(201);
    const appts = await db
      .selectFrom('appointment')
      .select(['id', 'status', 'cancel_reason', 'slot_id'])
      .where(
        'id',
        'in',
        booked.map((b) => b.id),
      )
      .execute();
    expect(appts.map((a) => [a.status, a.cancel_reason])).toEqual(Array(3).fill(['cancelled', 'staff']));
    const slots = await db
      .selectFrom('session_slot')
      .select('booked')
      .where(
        'id',
        'in',
        appts.map((a) => a.slot_id),
      )
      .execute();
    expect(slots.map((s) => s.booked)).toEqual([0, 0, 0]);
    // Everyone queued for the second dose, those who had an appointment too.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from waiting_entry
      where dose_number = 2 and person_id = any(${batch.map((p) => p.personId)}::bigint[])`.execute(db);
    expect(rows[0]!.n).toBe(6);
  });

  it('records what the store holds when more doses arrive at once than it has, and refuses the rest', async () => {
    const lot = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 5, dosesPerVial: 10 });
    const batch = Array.from({ length: 8 }, () => person());
    const answers = await Promise.all(batch.map((p) => record(p.personId, { lotId: lot, walkIn: true })));
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(5);
    for (const a of answers.filter((x) => x.statusCode !== 201)) expectError(a, 409, 'lot_not_held');
    expect(await balance(db, facilityId, lot)).toBe(0);
    const stored = await db.selectFrom('dose').select('person_id').where('lot_id', '=', lot).execute();
    expect(stored).toHaveLength(5);
    const refusedPeople = batch.filter((_, i) => answers[i]!.statusCode !== 201).map((p) => p.personId);
    expect(
      await db.selectFrom('dose').select('id').where('person_id', 'in', refusedPeople).execute(),
    ).toHaveLength(0);
  });

  it('keeps one dose when the same person’s dose is recorded twice at once, the other for review', async () => {
    const p = person();
    const answers = await Promise.all([
      record(p.personId, { walkIn: true }),
      record(p.personId, { walkIn: true }),
      ...Array.from({ length: 4 }, () => record(person().personId, { walkIn: true })),
    ]);
    expect(
      answers
        .slice(0, 2)
        .map((a) => a.statusCode)
        .sort(),
    ).toEqual([201, 202]);
    for (const a of answers.slice(2)) expect(a.statusCode, a.body).toBe(201);
    expect(
      await db.selectFrom('dose').select('id').where('person_id', '=', p.personId).execute(),
    ).toHaveLength(1);
  });

  it('stores the same record sent twice (same clientId) once', async () => {
    const p = person();
    const clientId = randomUUID();
    const first = await record(p.personId, { walkIn: true, clientId });
    expect(first.statusCode, first.body).toBe(201);
    const footprint = await doseFootprint(db);
    const again = await record(p.personId, { walkIn: true, clientId });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json<{ id: number }>().id).toBe(first.json<{ id: number }>().id);
    expect(await doseFootprint(db)).toEqual(footprint);
  });

  it('flags a second record of a dose the person already has for review instead of keeping two', async () => {
    const p = person();
    expect((await record(p.personId, { walkIn: true })).statusCode).toBe(201);
    const bal = await balance(db, facilityId, lotId);
    const res = await record(p.personId, { walkIn: true, doseNumber: 1 });
    expect(res.statusCode, res.body).toBe(202);
    const review = res.json<{ review: { id: number; reason: string; existingDoseId: number } }>().review;
    expect(review.reason).toBe('duplicate_dose');
    const doses = await db.selectFrom('dose').select('id').where('person_id', '=', p.personId).execute();
    expect(doses).toHaveLength(1);
    expect(review.existingDoseId).toBe(doses[0]!.id);
    expect(await balance(db, facilityId, lotId)).toBe(bal);
    // Also without a dose number: a second record the same day is the same dose.
    const again = await record(p.personId, { walkIn: true });
    expect(again.statusCode).toBe(202);
    expect(
      await db.selectFrom('dose').select('id').where('person_id', '=', p.personId).execute(),
    ).toHaveLength(1);
  });

  describe('bad input gets its error and changes nothing', () => {
    const refused = async (personId: number, body: Record<string, unknown>, status: number, code: string) => {
      const before = await doseFootprint(db);
      const lotBalance = await balance(db, facilityId, (body.lotId as number | undefined) ?? lotId);
      const res = await record(personId, body);
      const error = expectError(res, status, code);
      expect(await doseFootprint(db)).toEqual(before);
      expect(await balance(db, facilityId, (body.lotId as number | undefined) ?? lotId)).toBe(lotBalance);
      return error;
    };

    it('an expired lot', async () => {
      const expired = await lotAt(db, {
        facilityId,
        productCode: 'COMIRNATY',
        expiresOn: addDays(today(), -1),
      });
      const e = await refused(person().personId, { lotId: expired, walkIn: true }, 409, 'lot_expired');
      expect(e.message).toMatch(/expired/);
    });

    it('a lot the facility does not hold (foreign lot)', async () => {
      const other = await db
        .selectFrom('facility')
        .select('id')
        .where('type', '=', 'vaccination_centre')
        .where('id', '<>', facilityId)
        .orderBy('id')
        .executeTakeFirstOrThrow();
      const foreign = await lotAt(db, { facilityId: other.id, productCode: 'COMIRNATY' });
      await refused(person().personId, { lotId: foreign, walkIn: true }, 409, 'lot_not_held');
    });

    it('a lot of another product than the one named', async () => {
      const covishieldLot = await lotAt(db, { facilityId, productCode: 'COVISHIELD' });
      await refused(person().personId, { lotId: covishieldLot, walkIn: true }, 409, 'lot_wrong_product');
    });

    it('the wrong product for the dose (a series is completed with its first product)', async () => {
      const p = person();
      await priorDose(db, p.personId, 'COMIRNATY', 40, facilityId);
      const covishieldLot = await lotAt(db, { facilityId, productCode: 'COVISHIELD' });
      await refused(
        p.personId,
        { productId: covishield, lotId: covishieldLot, walkIn: true },
        409,
        'wrong_product',
      );
    });

    it('a dose before the minimum interval', async () => {
      const p = person();
      await priorDose(db, p.personId, 'COMIRNATY', 5, facilityId);
      const e = await refused(p.personId, { walkIn: true }, 409, 'too_early');
      expect(e.details).toEqual({ earliestDate: addDays(today(), 14) });
    });

    it('a person with no appointment at this facility today, not recorded as a walk-in', async () => {
      await refused(person().personId, {}, 409, 'not_at_facility');
    });

    it('a dose number that does not follow the history', async () => {
      await refused(person().personId, { walkIn: true, doseNumber: 2 }, 409, 'dose_number_mismatch');
    });

    it('no consent', async () => {
      await refused(person().personId, { walkIn: true, consent: false }, 400, 'consent_required');
    });

    it('a slip code that is not the appointment’s', async () => {
      const p = person();
      const appt = await appointmentToday(db, p.personId, facilityId);
      const wrong = appt.code === '0000' ? '1111' : '0000';
      await refused(p.personId, { identityCheck: 'slip_code', slipCode: wrong }, 409, 'slip_code_mismatch');
    });

    it('a facility outside the vaccinator’s own', async () => {
      const other = await db
        .selectFrom('facility')
        .select('id')
        .where('type', '=', 'vaccination_centre')
        .where('id', '<>', facilityId)
        .orderBy('id')
        .executeTakeFirstOrThrow();
      const before = await doseFootprint(db);
      const res = await record(person().personId, { facilityId: other.id, walkIn: true });
      expectError(res, 403, 'forbidden');
      expect(await doseFootprint(db)).toEqual(before);
    });

    it('a lot with no doses left in the store', async () => {
      const empty = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 1 });
      expect((await record(person().personId, { lotId: empty, walkIn: true })).statusCode).toBe(201);
      await refused(person().personId, { lotId: empty, walkIn: true }, 409, 'lot_not_held');
    });
  });

  it('gives a dose with an unheld lot, flagged, when a national admin allows it', async () => {
    const other = await db
      .selectFrom('facility')
      .select('id')
      .where('type', '=', 'vaccination_centre')
      .where('id', '<>', facilityId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const foreign = await lotAt(db, { facilityId: other.id, productCode: 'COMIRNATY' });
    const put = (auth: string, on: boolean) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/programme-settings',
        headers: { authorization: auth },
        payload: { acceptUnheldLots: on },
      });
    expectError(await put(vaccinator, true), 403, 'forbidden');
    const admin = await t.auth('admin');
    expect((await put(admin, true)).json()).toEqual({ acceptUnheldLots: true });
    try {
      const p = person();
      const res = await record(p.personId, { lotId: foreign, walkIn: true });
      expect(res.statusCode, res.body).toBe(201);
      const dose = res.json<{ id: number; flags: string[]; vialId: number | null }>();
      expect(dose.flags).toEqual(['lot_not_held']);
      expect(dose.vialId).toBeNull();
      expect(
        await db.selectFrom('stock_entry').select('id').where('dose_id', '=', dose.id).execute(),
      ).toHaveLength(0);
      const got = await t.app.inject({
        method: 'GET',
        url: '/api/programme-settings',
        headers: { authorization: vaccinator },
      });
      expect(got.json()).toEqual({ acceptUnheldLots: true });
    } finally {
      await put(admin, false);
    }
  });

  it('lets the vaccinator find a person by registration number, ID number or card QR, audited, with the due dose', async () => {
    const p = person();
    await appointmentToday(db, p.personId, facilityId);
    const row = await db
      .selectFrom('person')
      .select(['registration_number'])
      .where('id', '=', p.personId)
      .executeTakeFirstOrThrow();
    const lookup = (body: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/vaccinator/lookup',
        headers: { authorization: vaccinator },
        payload: { facilityId, ...body },
      });
    const audits = async () =>
      (
        await db
          .selectFrom('audit_event')
          .select('id')
          .where('action', '=', 'person.viewed')
          .where('entity_id', '=', String(p.personId))
          .execute()
      ).length;
    const before = await audits();
    const byNumber = await lookup({ registrationNumber: row.registration_number.toLowerCase() });
    expect(byNumber.statusCode, byNumber.body).toBe(200);
    expect(byNumber.json()).toMatchObject({
      person: { personId: p.personId, registrationNumber: row.registration_number },
      due: { doseNumber: 1, eligible: true },
      appointment: { doseNumber: 1, status: 'booked' },
      doses: [],
    });
    // The ID's blind index as registration stores it.
    const nid = '1990123456789';
    const vault = identifierVault(TEST_SECRETS.DOSEWISE_DATA_KEY, TEST_SECRETS.DOSEWISE_INDEX_KEY);
    await db
      .updateTable('person')
      .set({ id_type: 'nid', id_blind: vault.blindIndex('id:nid', normaliseIdNumber('nid', nid)) })
      .where('id', '=', p.personId)
      .execute();
    const byId = await lookup({ idType: 'nid', idNumber: nid });
    expect(byId.statusCode, byId.body).toBe(200);
    expect(byId.json<{ person: { personId: number } }>().person.personId).toBe(p.personId);
    const token = await t.services.cards.token(p.personId);
    const byCard = await lookup({ cardToken: token });
    expect(byCard.json<{ person: { personId: number } }>().person.personId).toBe(p.personId);
    expect(await audits()).toBe(before + 3);
    expectError(await lookup({ cardToken: `${token.slice(0, -4)}AAAA` }), 400, 'card_invalid');
    expectError(await lookup({}), 400, 'lookup_key_required');

    const queue = await t.app.inject({
      method: 'GET',
      url: `/api/vaccinator/facilities/${facilityId}/queue`,
      headers: { authorization: vaccinator },
    });
    expect(queue.json<{ items: { personId: number; status: string }[] }>().items).toContainEqual(
      expect.objectContaining({
        personId: p.personId,
        status: 'booked',
        doseNumber: 1,
        productCode: 'COMIRNATY',
      }),
    );
  });

  it('describes its routes in the OpenAPI document the web client is generated from', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = res.json<{
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
    }>();
    expect(Object.keys(doc.paths['/api/people/{id}/doses']!.post!.responses)).toEqual(
      expect.arrayContaining(['200', '201', '202', '409']),
    );
    for (const path of [
      '/api/vaccinator/facilities/{id}/queue',
      '/api/vaccinator/lookup',
      '/api/vaccinator/facilities/{id}/pack',
      '/api/vaccinator/sync',
      '/api/dose-reviews',
      '/api/aefi',
      '/api/alerts',
      '/api/programme-settings',
    ])
      expect(doc.paths[path], path).toBeDefined();
  });
});
