import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import { facilityOfUser } from '../support/citizen.ts';
import { productId } from '../support/sessions.ts';
import type { Db } from '../../src/db/database.ts';
import { expectError } from './helpers.ts';
import { lotAt } from '../support/vaccination.ts';

describe('side effects (AEFI)', () => {
  let t: TestContext;
  let db: Db;
  let people: BulkPerson[];
  let next = 0;
  let facilityId: number;
  let comirnaty: number;
  let lotId: number;
  let vaccinator: string;
  const person = () => people[next++]!;

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    people = await bulkPeople(db, { count: 20, secrets: TEST_SECRETS, batch: 54 });
    facilityId = await facilityOfUser(db, 'vaccinator');
    comirnaty = await productId(db, 'COMIRNATY');
    lotId = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 50 });
    vaccinator = await t.auth('vaccinator');
  });
  afterAll(() => t.close());

  const vaccinated = async (p: BulkPerson) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/people/${p.personId}/doses`,
      headers: { authorization: vaccinator },
      payload: {
        facilityId,
        productId: comirnaty,
        lotId,
        bodySite: 'left_deltoid',
        identityCheck: 'id_document',
        consent: true,
        walkIn: true,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: number }>().id;
  };
  const report = (url: string, auth: string, body: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: auth },
      payload: {
        symptoms: ['fever'],
        onsetAt: new Date().toISOString(),
        severity: 'non_serious',
        outcome: 'recovering',
        ...body,
      },
    });
  const alerts = async (as: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/alerts?open=true',
      headers: { authorization: await t.auth(as) },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: { id: number; kind: string; detail: { reportId: number } }[] }>().items;
  };

  it('opens an investigation on a serious report and alerts the district officers at once', async () => {
    const p = person();
    const doseId = await vaccinated(p);
    const res = await report(`/api/people/${p.personId}/aefi`, vaccinator, {
      doseId,
      symptoms: ['anaphylaxis', 'urticaria'],
      severity: 'serious',
      seriousCriteria: ['hospitalisation'],
      outcome: 'recovering',
    });
    expect(res.statusCode, res.body).toBe(201);
    const r = res.json<{
      id: number;
      investigationStatus: string;
      lotId: number;
      events: { status: string }[];
    }>();
    expect(r).toMatchObject({ investigationStatus: 'open', lotId, events: [{ status: 'open' }] });
    const district = await db
      .selectFrom('facility as f')
      .innerJoin('area as a', 'a.id', 'f.area_id')
      .select('a.path')
      .where('f.id', '=', facilityId)
      .executeTakeFirstOrThrow();
    const alert = await db
      .selectFrom('officer_alert')
      .selectAll()
      .where('kind', '=', 'aefi_serious')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(alert.area_id).toBe(Number(district.path.split('/').filter(Boolean)[1]));
    expect(alert.detail).toMatchObject({ personId: p.personId, reportId: r.id, lotId });
    // The division's officer sees it; staff of another facility do not.
    expect((await alerts('dhaka.admin')).map((a) => a.detail.reportId)).toContain(r.id);
    expect((await alerts('storekeeper')).map((a) => a.detail.reportId)).not.toContain(r.id);
    const ack = await t.app.inject({
      method: 'POST',
      url: `/api/alerts/${alert.id}/acknowledge`,
      headers: { authorization: await t.auth('dhaka.admin') },
    });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json<{ acknowledgedBy: string }>().acknowledgedBy).toBe('dhaka.admin');
    expect((await alerts('dhaka.admin')).map((a) => a.id)).not.toContain(alert.id);

    // The investigation moves on and closes with a WHO causality.
    const step = (body: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: `/api/aefi/${p.personId}/${r.id}/investigation`,
        headers: { authorization: vaccinator },
        payload: body,
      });
    expectError(await step({ status: 'investigating', note: 'field visit planned' }), 403, 'forbidden');
    const officer = await t.auth('dhaka.admin');
    const inv = (body: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: `/api/aefi/${p.personId}/${r.id}/investigation`,
        headers: { authorization: officer },
        payload: body,
      });
    expect((await inv({ status: 'investigating', note: 'field visit planned' })).statusCode).toBe(200);
    expectError(await inv({ status: 'closed', note: 'done' }), 400, 'causality_required');
    const closed = await inv({
      status: 'closed',
      note: 'known reaction',
      causality: 'vaccine_product_related',
    });
    expect(closed.json()).toMatchObject({
      investigationStatus: 'closed',
      causality: 'vaccine_product_related',
    });
    expectError(await inv({ status: 'investigating', note: 'reopen' }), 409, 'investigation_closed');
  });

  it('takes a non-serious report from the citizen for a family member, with no alert', async () => {
    const p = person();
    const doseId = await vaccinated(p);
    const before = await db.selectFrom('officer_alert').select('id').execute();
    const res = await report(`/api/citizen/people/${p.personId}/aefi`, `Bearer ${p.token}`, {
      doseId,
      symptoms: ['injection_site_pain', 'fever'],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      reportedVia: 'citizen',
      investigationStatus: 'not_required',
      severity: 'non_serious',
    });
    expect(await db.selectFrom('officer_alert').select('id').execute()).toHaveLength(before.length);
    // Someone else's person, or a dose of another person, is not found.
    const stranger = person();
    expectError(
      await report(`/api/citizen/people/${p.personId}/aefi`, `Bearer ${stranger.token}`, { doseId }),
      404,
      'not_found',
    );
    const strangerDose = await vaccinated(stranger);
    expectError(
      await report(`/api/citizen/people/${p.personId}/aefi`, `Bearer ${p.token}`, { doseId: strangerDose }),
      404,
      'not_found',
    );
  });

  it('refuses reports that do not hold together, and stores nothing', async () => {
    const p = person();
    const doseId = await vaccinated(p);
    const n = async () => (await db.selectFrom('aefi_report').select('id').execute()).length;
    const before = await n();
    const url = `/api/people/${p.personId}/aefi`;
    expectError(
      await report(url, vaccinator, { doseId, symptoms: ['sneezing_fit'] }),
      400,
      'unknown_symptom',
    );
    expectError(await report(url, vaccinator, { doseId, outcome: 'died' }), 400, 'death_is_serious');
    expectError(
      await report(url, vaccinator, { doseId, onsetAt: new Date(Date.now() + 86_400_000).toISOString() }),
      400,
      'onset_in_future',
    );
    expectError(await report(url, vaccinator, { doseId, symptoms: ['other'] }), 400, 'description_required');
    expect(await n()).toBe(before);
  });

  it('counts reports per lot, so a bad lot shows up, and lists reports in scope', async () => {
    const badLot = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 10 });
    for (let i = 0; i < 3; i++) {
      const p = person();
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/people/${p.personId}/doses`,
        headers: { authorization: vaccinator },
        payload: {
          facilityId,
          productId: comirnaty,
          lotId: badLot,
          bodySite: 'left_deltoid',
          identityCheck: 'id_document',
          consent: true,
          walkIn: true,
        },
      });
      const doseId = res.json<{ id: number }>().id;
      expect(
        (
          await report(`/api/people/${p.personId}/aefi`, vaccinator, {
            doseId,
            symptoms: ['seizure'],
            severity: 'serious',
            seriousCriteria: ['life_threatening'],
          })
        ).statusCode,
      ).toBe(201);
    }
    const lots = await t.app.inject({
      method: 'GET',
      url: '/api/aefi/lots',
      headers: { authorization: await t.auth('auditor') },
    });
    const row = lots
      .json<{
        items: {
          lotId: number;
          reports: number;
          serious: number;
          dosesGiven: number;
          reportsPer10000: number;
        }[];
      }>()
      .items.find((l) => l.lotId === badLot);
    expect(row).toMatchObject({ reports: 3, serious: 3, dosesGiven: 3, reportsPer10000: 10000 });
    const signal = (await alerts('admin')).filter((a) => a.kind === 'lot_signal');
    expect(signal.map((a) => (a.detail as unknown as { lotId: number }).lotId)).toEqual([badLot]);
    const list = await t.app.inject({
      method: 'GET',
      url: `/api/aefi?lotId=${badLot}&severity=serious`,
      headers: { authorization: vaccinator },
    });
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(3);
    const symptoms = await t.app.inject({ method: 'GET', url: '/api/aefi/symptoms' });
    expect(
      symptoms.json<{ items: { code: string; bn: string }[] }>().items.find((s) => s.code === 'anaphylaxis')
        ?.bn,
    ).toBeTruthy();
  });
});
