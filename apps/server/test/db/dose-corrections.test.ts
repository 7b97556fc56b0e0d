import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '@dosewise/domain';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import { facilityOfUser } from '../support/citizen.ts';
import { productId } from '../support/sessions.ts';
import type { Db } from '../../src/db/database.ts';
import { expectError } from './helpers.ts';
import { today, lotAt, balance } from '../support/vaccination.ts';

describe('dose corrections and reviews', () => {
  let t: TestContext;
  let db: Db;
  let people: BulkPerson[];
  let next = 0;
  let facilityId: number;
  let comirnaty: number;
  let covishield: number;
  let lotA: number;
  let lotB: number;
  let vaccinator: string;
  let manager: string;
  const person = () => people[next++]!;

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    people = await bulkPeople(db, { count: 30, secrets: TEST_SECRETS, batch: 52 });
    facilityId = await facilityOfUser(db, 'vaccinator');
    comirnaty = await productId(db, 'COMIRNATY');
    covishield = await productId(db, 'COVISHIELD');
    lotA = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 30 });
    lotB = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 30 });
    vaccinator = await t.auth('vaccinator');
    manager = await t.auth('manager');
  });
  afterAll(() => t.close());

  const give = async (personId: number, lotId = lotA, productIdValue = comirnaty) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/people/${personId}/doses`,
      headers: { authorization: vaccinator },
      payload: {
        facilityId,
        productId: productIdValue,
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
  const correct = (personId: number, doseId: number, body: Record<string, unknown>, auth = manager) =>
    t.app.inject({
      method: 'POST',
      url: `/api/people/${personId}/doses/${doseId}/corrections`,
      headers: { authorization: auth },
      payload: body,
    });
  const history = async (personId: number) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/people/${personId}/doses`,
      headers: { authorization: manager },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{
      items: {
        id: number;
        lotId: number;
        voided: boolean;
        createdByCorrection: number | null;
        correction: { kind: string; replacementDoseId: number | null } | null;
        administeredOn: string;
        personId: number;
      }[];
    }>().items;
  };

  it('corrects a wrong lot: a new dose on the right lot, the old voided, stock moved between the lots', async () => {
    const p = person();
    const doseId = await give(p.personId);
    const [a0, b0] = [await balance(db, facilityId, lotA), await balance(db, facilityId, lotB)];
    expectError(
      await correct(
        p.personId,
        doseId,
        { kind: 'wrong_lot', reason: 'vial label misread', lotId: lotB },
        vaccinator,
      ),
      403,
      'forbidden',
    );
    const res = await correct(p.personId, doseId, {
      kind: 'wrong_lot',
      reason: 'vial label misread',
      lotId: lotB,
    });
    expect(res.statusCode, res.body).toBe(201);
    const out = res.json<{
      correctionId: number;
      voided: { voided: boolean };
      replacement: { id: number; lotId: number; createdByCorrection: number };
    }>();
    expect(out.voided.voided).toBe(true);
    expect(out.replacement).toMatchObject({ lotId: lotB, createdByCorrection: out.correctionId });
    expect(await balance(db, facilityId, lotA)).toBe(a0 + 1);
    expect(await balance(db, facilityId, lotB)).toBe(b0 - 1);
    const entries = await db
      .selectFrom('stock_entry')
      .select(['kind', 'lot_id', 'from_party', 'to_store_id', 'to_party'])
      .where('person_id', '=', p.personId)
      .where('kind', '=', 'dose_correction')
      .orderBy('id')
      .execute();
    expect(entries).toEqual([
      {
        kind: 'dose_correction',
        lot_id: lotA,
        from_party: 'administered',
        to_store_id: facilityId,
        to_party: null,
      },
      {
        kind: 'dose_correction',
        lot_id: lotB,
        from_party: null,
        to_store_id: null,
        to_party: 'administered',
      },
    ]);
    const h = await history(p.personId);
    expect(h).toHaveLength(2);
    expect(h.find((d) => d.id === doseId)).toMatchObject({
      voided: true,
      correction: { kind: 'wrong_lot', replacementDoseId: out.replacement.id },
    });
    expect(h.find((d) => d.id === out.replacement.id)).toMatchObject({ voided: false, lotId: lotB });
    // A voided dose cannot be corrected again.
    expectError(
      await correct(p.personId, doseId, { kind: 'entered_in_error', reason: 'again' }),
      409,
      'dose_voided',
    );
  });

  it('voids a dose entered in error: stock given back, the person waits for that dose again', async () => {
    const p = person();
    const doseId = await give(p.personId);
    const a0 = await balance(db, facilityId, lotA);
    const res = await correct(p.personId, doseId, {
      kind: 'entered_in_error',
      reason: 'recorded for the wrong visit',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<{ replacement: unknown }>().replacement).toBeNull();
    expect(await balance(db, facilityId, lotA)).toBe(a0 + 1);
    const waiting = await db
      .selectFrom('waiting_entry')
      .select(['dose_number'])
      .where('person_id', '=', p.personId)
      .execute();
    expect(waiting.map((w) => w.dose_number)).toEqual([1]);
    // The person can now be given dose 1 again.
    await give(p.personId);
  });

  it('moves a dose recorded on the wrong person to the right one', async () => {
    const wrong = person();
    const right = person();
    const doseId = await give(wrong.personId);
    const a0 = await balance(db, facilityId, lotA);
    const res = await correct(wrong.personId, doseId, {
      kind: 'wrong_person',
      reason: 'two people with the same name',
      toPersonId: right.personId,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<{ replacement: { personId: number; doseNumber: number } }>().replacement).toMatchObject({
      personId: right.personId,
      doseNumber: 1,
    });
    expect(await balance(db, facilityId, lotA)).toBe(a0);
    expect((await history(wrong.personId)).every((d) => d.voided)).toBe(true);
    const w = await db
      .selectFrom('waiting_entry')
      .select(['person_id', 'dose_number'])
      .where('person_id', 'in', [wrong.personId, right.personId])
      .orderBy('person_id')
      .execute();
    expect(w).toEqual([
      { person_id: wrong.personId, dose_number: 1 },
      { person_id: right.personId, dose_number: 2 },
    ]);
  });

  it('corrects the date and the product, and refuses corrections that do not fit', async () => {
    const p = person();
    const doseId = await give(p.personId);
    const res = await correct(p.personId, doseId, {
      kind: 'wrong_date',
      reason: 'entered the next morning',
      administeredOn: addDays(today(), -1),
    });
    expect(res.statusCode, res.body).toBe(201);
    const replacement = res.json<{ replacement: { id: number; administeredOn: string } }>().replacement;
    expect(replacement.administeredOn).toBe(addDays(today(), -1));
    expectError(
      await correct(p.personId, replacement.id, {
        kind: 'wrong_date',
        reason: 'future',
        administeredOn: addDays(today(), 2),
      }),
      400,
      'date_in_future',
    );
    expectError(
      await correct(p.personId, replacement.id, { kind: 'wrong_lot', reason: 'no lot named' }),
      400,
      'lot_required',
    );
    const covishieldLot = await lotAt(db, { facilityId, productCode: 'COVISHIELD', doses: 5 });
    expectError(
      await correct(p.personId, replacement.id, {
        kind: 'wrong_lot',
        reason: 'other product',
        lotId: covishieldLot,
      }),
      409,
      'lot_wrong_product',
    );
    const c0 = await balance(db, facilityId, covishieldLot);
    const byProduct = await correct(p.personId, replacement.id, {
      kind: 'wrong_product',
      reason: 'it was Covishield',
      productId: covishield,
      lotId: covishieldLot,
    });
    expect(byProduct.statusCode, byProduct.body).toBe(201);
    expect(await balance(db, facilityId, covishieldLot)).toBe(c0 - 1);
    expect((await history(p.personId)).filter((d) => !d.voided)).toHaveLength(1);
  });

  it('lists dose reviews and settles them by keeping or replacing the dose on record', async () => {
    const keep = person();
    const replace = person();
    const reviewOf = async (personId: number, lotId: number) => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/people/${personId}/doses`,
        headers: { authorization: vaccinator },
        payload: {
          facilityId,
          productId: comirnaty,
          lotId,
          doseNumber: 1,
          bodySite: 'right_deltoid',
          identityCheck: 'id_document',
          consent: true,
          walkIn: true,
        },
      });
      expect(res.statusCode, res.body).toBe(202);
      return res.json<{ review: { id: number } }>().review.id;
    };
    await give(keep.personId);
    const existing = await give(replace.personId);
    const r1 = await reviewOf(keep.personId, lotA);
    const r2 = await reviewOf(replace.personId, lotB);
    const list = await t.app.inject({
      method: 'GET',
      url: `/api/dose-reviews?facilityId=${facilityId}`,
      headers: { authorization: manager },
    });
    expect(list.statusCode, list.body).toBe(200);
    const ids = list.json<{ items: { id: number; reason: string; existingDose: { id: number } | null }[] }>()
      .items;
    expect(ids.find((r) => r.id === r2)).toMatchObject({
      reason: 'duplicate_dose',
      existingDose: { id: existing },
    });
    expect(ids.map((r) => r.id)).toContain(r1);
    const resolve = (personId: number, id: number, decision: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/dose-reviews/${personId}/${id}/resolve`,
        headers: { authorization: manager },
        payload: { decision, note: 'checked the paper register' },
      });
    const kept = await resolve(keep.personId, r1, 'keep_existing');
    expect(kept.json()).toMatchObject({ status: 'kept_existing', correctionId: null });
    expectError(await resolve(keep.personId, r1, 'keep_existing'), 409, 'review_resolved');
    const [a0, b0] = [await balance(db, facilityId, lotA), await balance(db, facilityId, lotB)];
    const replaced = await resolve(replace.personId, r2, 'replace_existing');
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({ status: 'replaced_existing' });
    const h = await history(replace.personId);
    expect(h.filter((d) => !d.voided).map((d) => d.lotId)).toEqual([lotB]);
    expect(await balance(db, facilityId, lotA)).toBe(a0 + 1);
    expect(await balance(db, facilityId, lotB)).toBe(b0 - 1);
    const open = await t.app.inject({
      method: 'GET',
      url: `/api/dose-reviews?facilityId=${facilityId}`,
      headers: { authorization: manager },
    });
    expect(open.json<{ items: { id: number }[] }>().items.map((r) => r.id)).not.toContain(r2);
  });
});
