import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '@dosewise/domain';
import type { Db } from '../../src/db/database.ts';
import { todayIn } from '../../src/registration/calendar.ts';
import { ensureDemoSessions } from '../../src/seed/demo-sessions.ts';
import { stockCheck } from '../../src/stock/check.ts';
import { closeDueVials } from '../../src/stock/vials.ts';
import { stockRepository } from '../../src/stock/repository.ts';
import { AppError } from '../../src/http/errors.ts';
import { testApp, type TestContext } from '../support/app.ts';
import { expectError, facilityId, type Method } from './helpers.ts';

/** Vaccine stock through the API: stores, lots, receipts, transfers, counts, vials, plans, alerts. */

const STOCK_TABLES = [
  'lot',
  'stock_receipt',
  'stock_document',
  'allocation_plan',
  'allocation_line',
  'stock_transfer',
  'stock_transfer_line',
  'stock_adjustment',
  'open_vial',
  'stock_entry',
  'stock_balance',
];

/** Row count and hash of every stock table: equal before and after means nothing changed. */
async function stockFingerprint(db: Db): Promise<string> {
  const parts: string[] = [];
  for (const table of STOCK_TABLES) {
    const { rows } = await sql<{ n: number; h: string }>`
      select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h
      from ${sql.table(table)} t`.execute(db);
    parts.push(`${table}:${rows[0]!.n}:${rows[0]!.h}`);
  }
  return parts.join(' ');
}

async function balance(db: Db, storeId: number, lotId: number): Promise<number> {
  const r = await db
    .selectFrom('stock_balance')
    .select('quantity')
    .where('store_id', '=', storeId)
    .where('lot_id', '=', lotId)
    .executeTakeFirst();
  return r?.quantity ?? 0;
}

describe('vaccine stock', () => {
  let t: TestContext;
  let db: Db;
  let national: number;
  let districtStore: number;
  let centre: number;
  let otherCentre: number;
  let today: string;
  /** A lot of the demo's first product with plenty of stock everywhere. */
  let mainLot: { id: number; productId: number; expiresOn: string };
  let expiredLot: { id: number };

  const call = async (username: string, method: Method, url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: await t.auth(username) },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    today = todayIn('Asia/Dhaka');
    national = await facilityId(db, 'STORE-NATIONAL');
    const grant = await db
      .selectFrom('role_grant as g')
      .innerJoin('staff_user as u', 'u.id', 'g.user_id')
      .select(['u.username', 'g.facility_id'])
      .where('u.username', 'in', ['vaccinator', 'storekeeper'])
      .execute();
    centre = grant.find((g) => g.username === 'vaccinator')!.facility_id!;
    districtStore = grant.find((g) => g.username === 'storekeeper')!.facility_id!;
    // A centre of another district: not adjacent to the Dhaka district store.
    const other = await db
      .selectFrom('store')
      .select('facility_id')
      .where('level', '=', 'facility')
      .where('parent_facility_id', '<>', districtStore)
      .orderBy('facility_id')
      .executeTakeFirstOrThrow();
    otherCentre = other.facility_id;
    const lots = await db
      .selectFrom('lot')
      .select(['id', 'product_id', 'expires_on'])
      .orderBy('product_id')
      .orderBy('expires_on', 'desc')
      .execute();
    const first = lots[0]!;
    mainLot = { id: first.id, productId: first.product_id, expiresOn: first.expires_on };
    expiredLot = { id: lots.find((l) => l.expires_on < today)!.id };
  });
  afterAll(() => t.close());

  describe('the demo stock', () => {
    it('has a store for every facility, under the nearest store above it', async () => {
      const missing = await sql<{ n: number }>`
        select count(*)::int as n from facility f where not exists (select 1 from store s where s.facility_id = f.id)`.execute(
        db,
      );
      expect(missing.rows[0]!.n).toBe(0);
      const parents = await sql<{ code: string; parent: string; level: string }>`
        select f.code, p.code as parent, s.level from store s
        join facility f on f.id = s.facility_id left join facility p on p.id = s.parent_facility_id
        where f.code in ('STORE-DIV6', 'STORE-DIS47', 'DH-DIS47') or s.facility_id = ${centre}`.execute(db);
      const by = new Map(parents.rows.map((r) => [r.code, r]));
      expect(by.get('STORE-DIV6')).toMatchObject({ parent: 'STORE-NATIONAL', level: 'division' });
      expect(by.get('STORE-DIS47')).toMatchObject({ parent: 'STORE-DIV6', level: 'district' });
      expect(by.get('DH-DIS47')).toMatchObject({ parent: 'STORE-DIS47', level: 'facility' });
      expect([...by.values()].find((r) => r.code.startsWith('UHC-'))).toMatchObject({
        parent: 'STORE-DIS47',
        level: 'facility',
      });
    });

    it("gives the vaccinator's centre stock of every product its sessions use, and some history", async () => {
      await ensureDemoSessions(db, today, 3);
      const used = await db
        .selectFrom('vaccination_session')
        .select('product_id')
        .distinct()
        .where('facility_id', '=', centre)
        .execute();
      expect(used.length).toBeGreaterThan(0);
      const res = await call('vaccinator', 'GET', `/api/stores/${centre}/stock`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{
        items: { productId: number; quantity: number; expired: boolean; expiringSoon: boolean }[];
      }>();
      for (const { product_id } of used)
        expect(body.items.some((i) => i.productId === product_id && i.quantity > 0 && !i.expired)).toBe(true);
      expect(body.items.some((i) => i.expiringSoon)).toBe(true);
      const pending = await call(
        'manager',
        'GET',
        `/api/transfers?storeId=${centre}&direction=in&status=dispatched`,
      );
      expect(pending.json<{ items: unknown[] }>().items.length).toBeGreaterThan(0);
      const adjustments = await call('storekeeper', 'GET', `/api/stores/${districtStore}/adjustments`);
      expect(adjustments.json<{ items: { kind: string }[] }>().items[0]?.kind).toBe('breakage');
      expect((await stockCheck(db)).ok).toBe(true);
    });
  });

  describe('stores', () => {
    it('lists the stores in the caller’s scope, and shows a store with its children', async () => {
      const mine = await call('storekeeper', 'GET', '/api/stores');
      const items = mine.json<{ items: { facilityId: number; parentFacilityId: number | null }[] }>().items;
      expect(items.some((s) => s.facilityId === districtStore)).toBe(true);
      expect(items.some((s) => s.facilityId === centre)).toBe(true);
      expect(items.every((s) => s.facilityId === districtStore || s.parentFacilityId === districtStore)).toBe(
        true,
      );
      const one = await call('storekeeper', 'GET', `/api/stores/${districtStore}`);
      const detail = one.json<{
        level: string;
        parent: { code: string };
        children: { facilityId: number }[];
      }>();
      expect(detail.level).toBe('district');
      expect(detail.parent.code).toBe('STORE-DIV6');
      expect(detail.children.some((c) => c.facilityId === centre)).toBe(true);
      // The national store is the country's, not the Dhaka division's.
      expectError(await call('dhaka.admin', 'GET', `/api/stores/${national}`), 403, 'forbidden');
      expectError(await call('vaccinator', 'GET', `/api/stores/${districtStore}/stock`), 403, 'forbidden');
      const found = await call('admin', 'GET', `/api/stores?q=${encodeURIComponent('Dhaka District')}`);
      expect(found.json<{ items: { code: string }[] }>().items.map((s) => s.code)).toContain('STORE-DIS47');
      const lots = await call('vaccinator', 'GET', `/api/lots?q=${encodeURIComponent('%')}`);
      expect(lots.json<{ items: unknown[] }>().items).toEqual([]);
      const all = await call('admin', 'GET', '/api/stores?level=division');
      expect(all.json<{ items: unknown[] }>().items).toHaveLength(8);
    });
  });

  describe('deriving stores', () => {
    it('gives new facilities a store under the nearest store above them', async () => {
      const district = await db
        .selectFrom('area')
        .select(['id', 'path'])
        .where('code', '=', 'DIS47')
        .executeTakeFirstOrThrow();
      const upazila = await db
        .selectFrom('area')
        .select('id')
        .where('parent_id', '=', district.id)
        .orderBy('code')
        .executeTakeFirstOrThrow();
      const make = async (code: string, type: string) => {
        const res = await call('admin', 'POST', '/api/facilities', {
          code,
          nameEn: code,
          nameBn: code,
          type,
          areaId: upazila.id,
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json<{ id: number }>().id;
      };
      // A facility added through the console has its store at once.
      const upazilaStore = await make('STORE-TEST-UPA', 'store');
      const clinic = await make('CLINIC-TEST-1', 'clinic');
      expect((await call('admin', 'POST', '/api/stores/derive')).json()).toEqual({ created: 0, byLevel: {} });
      // One added some other way (a bulk load) gets it from derive.
      const loaded = await db
        .insertInto('facility')
        .values({
          code: 'CLINIC-TEST-2',
          name_en: 'Loaded',
          name_bn: 'Loaded',
          type: 'clinic',
          area_id: upazila.id,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const first = await call('admin', 'POST', '/api/stores/derive');
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toEqual({ created: 1, byLevel: { facility: 1 } });
      expect((await call('admin', 'POST', '/api/stores/derive')).json()).toEqual({ created: 0, byLevel: {} });
      const s = await call('admin', 'GET', `/api/stores/${upazilaStore}`);
      expect(s.json()).toMatchObject({
        level: 'upazila',
        parentFacilityId: districtStore,
        children: [{ facilityId: clinic }, { facilityId: loaded.id }],
      });
      expectError(await call('dhaka.admin', 'POST', '/api/stores/derive'), 403, 'forbidden');
    });
  });

  describe('lots and receipts', () => {
    let newLot: number;
    it('registers a lot and refuses a bad one', async () => {
      const body = {
        productId: mainLot.productId,
        lotNumber: 'TEST-LOT-1',
        manufacturer: 'Test Pharma',
        expiresOn: addDays(today, 300),
        dosesPerVial: 10,
      };
      const res = await call('admin', 'POST', '/api/lots', body);
      expect(res.statusCode, res.body).toBe(201);
      newLot = res.json<{ id: number }>().id;
      const before = await stockFingerprint(db);
      expectError(await call('admin', 'POST', '/api/lots', body), 409, 'lot_exists');
      expectError(
        await call('admin', 'POST', '/api/lots', { ...body, lotNumber: 'X2', productId: 999999 }),
        400,
        'unknown_product',
      );
      expectError(
        await call('admin', 'POST', '/api/lots', { ...body, lotNumber: 'X3', expiresOn: '2027-02-30' }),
        400,
        'validation_failed',
      );
      expectError(
        await call('admin', 'POST', '/api/lots', { ...body, lotNumber: 'X4', dosesPerVial: 0 }),
        400,
        'validation_failed',
      );
      expectError(
        await call('admin', 'POST', '/api/lots', { ...body, lotNumber: 'X5', dosesPerVial: 51 }),
        400,
        'validation_failed',
      );
      expectError(
        await call('storekeeper', 'POST', '/api/lots', { ...body, lotNumber: 'X6' }),
        403,
        'forbidden',
      );
      expect(await stockFingerprint(db)).toBe(before);
      const list = await call('vaccinator', 'GET', `/api/lots?productId=${mainLot.productId}`);
      expect(list.json<{ items: { id: number }[] }>().items.some((l) => l.id === newLot)).toBe(true);
    });

    it('receives a delivery into the national store, with its documents', async () => {
      const pdf = Buffer.from('%PDF-1.4 delivery note');
      const res = await call('admin', 'POST', `/api/stores/${national}/receipts`, {
        supplier: 'UNICEF Supply Division',
        reference: 'PO-TEST-1',
        receivedOn: today,
        lines: [{ lotId: newLot, doses: 5000 }],
        documents: [
          {
            fileName: 'চালান delivery.pdf',
            contentType: 'application/pdf',
            contentBase64: pdf.toString('base64'),
          },
        ],
      });
      expect(res.statusCode, res.body).toBe(201);
      const receipt = res.json<{
        id: number;
        lines: { doses: number }[];
        documents: { id: number; size: number }[];
      }>();
      expect(receipt.lines[0]!.doses).toBe(5000);
      expect(await balance(db, national, newLot)).toBe(5000);
      const doc = await call(
        'auditor',
        'GET',
        `/api/receipts/${receipt.id}/documents/${receipt.documents[0]!.id}`,
      );
      expect(doc.statusCode).toBe(200);
      expect(doc.headers['content-type']).toBe('application/pdf');
      expect(doc.rawPayload.equals(pdf)).toBe(true);
      expect(doc.headers['content-disposition']).toContain(
        `filename*=UTF-8''${encodeURIComponent('চালান delivery.pdf')}`,
      );
    });

    it('refuses bad receipts and changes nothing', async () => {
      const good = {
        supplier: 'UNICEF',
        reference: 'PO-2',
        receivedOn: today,
        lines: [{ lotId: newLot, doses: 10 }],
      };
      const before = await stockFingerprint(db);
      for (const doses of [0, -5, 1.5, '10'])
        expectError(
          await call('admin', 'POST', `/api/stores/${national}/receipts`, {
            ...good,
            lines: [{ lotId: newLot, doses }],
          }),
          400,
          'validation_failed',
        );
      expectError(
        await call('admin', 'POST', `/api/stores/${districtStore}/receipts`, good),
        400,
        'not_national_store',
      );
      expectError(
        await call('admin', 'POST', `/api/stores/${national}/receipts`, {
          ...good,
          lines: [{ lotId: 999999, doses: 1 }],
        }),
        400,
        'unknown_lot',
      );
      expectError(
        await call('admin', 'POST', `/api/stores/${national}/receipts`, {
          ...good,
          lines: [{ lotId: expiredLot.id, doses: 1 }],
        }),
        400,
        'lot_expired',
      );
      expectError(
        await call('admin', 'POST', `/api/stores/${national}/receipts`, {
          ...good,
          receivedOn: addDays(today, 2),
        }),
        400,
        'date_in_future',
      );
      expectError(
        await call('admin', 'POST', `/api/stores/${national}/receipts`, {
          ...good,
          documents: [{ fileName: 'a.pdf', contentType: 'application/pdf', contentBase64: 'not base64!' }],
        }),
        400,
        'invalid_document',
      );
      expectError(
        await call('admin', 'POST', `/api/stores/${national}/receipts`, {
          ...good,
          documents: [
            {
              fileName: 'big.pdf',
              contentType: 'application/pdf',
              contentBase64: Buffer.alloc(2_100_000).toString('base64'),
            },
          ],
        }),
        400,
        'document_too_large',
      );
      expect(await stockFingerprint(db)).toBe(before);
    });
  });

  describe('transfers', () => {
    let transferId: number;
    it('suggests lots first-expiry-first-out and dispatches to a store below', async () => {
      const sug = await call(
        'storekeeper',
        'GET',
        `/api/stores/${districtStore}/dispatch-suggestion?productId=${mainLot.productId}&doses=50`,
      );
      const lines = sug.json<{ lines: { lotId: number; expiresOn: string }[]; short: number }>();
      expect(lines.short).toBe(0);
      const stock = await db
        .selectFrom('stock_balance as b')
        .innerJoin('lot as l', 'l.id', 'b.lot_id')
        .select(['l.id', 'l.expires_on'])
        .where('b.store_id', '=', districtStore)
        .where('l.product_id', '=', mainLot.productId)
        .where('b.quantity', '>', 0)
        .where('l.expires_on', '>=', today)
        .orderBy('l.expires_on')
        .execute();
      expect(lines.lines[0]!.lotId).toBe(stock[0]!.id);

      const held = await balance(db, districtStore, mainLot.id);
      const res = await call('storekeeper', 'POST', '/api/transfers', {
        fromStoreId: districtStore,
        toStoreId: centre,
        lines: [{ lotId: mainLot.id, doses: 100 }],
      });
      expect(res.statusCode, res.body).toBe(201);
      transferId = res.json<{ id: number; status: string }>().id;
      expect(res.json<{ status: string }>().status).toBe('dispatched');
      expect(await balance(db, districtStore, mainLot.id)).toBe(held - 100);
      expect((await stockCheck(db)).ok).toBe(true);
    });

    it('refuses transfers outside the hierarchy, expired or unknown lots, and more than the store holds', async () => {
      const before = await stockFingerprint(db);
      const send = (body: Record<string, unknown>, user = 'storekeeper') =>
        call(user, 'POST', '/api/transfers', {
          fromStoreId: districtStore,
          toStoreId: centre,
          lines: [{ lotId: mainLot.id, doses: 1 }],
          ...body,
        });
      expectError(await send({ toStoreId: otherCentre }), 400, 'not_adjacent_store');
      expectError(await send({ toStoreId: national }, 'admin'), 400, 'not_adjacent_store');
      expectError(await send({ toStoreId: districtStore }), 400, 'not_adjacent_store');
      expectError(await send({ lines: [{ lotId: 999999, doses: 1 }] }), 400, 'unknown_lot');
      expectError(
        await send({ lines: [{ lotId: mainLot.id, doses: 10_000_000 }] }),
        409,
        'insufficient_stock',
      );
      for (const doses of [0, -1, 2.5])
        expectError(await send({ lines: [{ lotId: mainLot.id, doses }] }), 400, 'validation_failed');
      const division = await facilityId(db, 'STORE-DIV6');
      expectError(
        await call('admin', 'POST', '/api/transfers', {
          fromStoreId: national,
          toStoreId: division,
          lines: [{ lotId: expiredLot.id, doses: 1 }],
        }),
        400,
        'lot_expired',
      );
      // Only the sending store dispatches.
      expectError(await send({}, 'vaccinator'), 403, 'forbidden');
      expect(await stockFingerprint(db)).toBe(before);
    });

    it('receives with discrepancies only when a reason is given, and only once', async () => {
      const before = await stockFingerprint(db);
      const receive = (lines: unknown[]) =>
        call('manager', 'POST', `/api/transfers/${transferId}/receive`, { lines });
      expectError(
        await receive([{ lotId: mainLot.id, receivedDoses: 90 }]),
        400,
        'discrepancy_reason_required',
      );
      expectError(
        await receive([{ lotId: mainLot.id, receivedDoses: 120 }]),
        400,
        'discrepancy_reason_required',
      );
      expectError(
        await receive([{ lotId: mainLot.id, receivedDoses: -1, discrepancyReason: 'counted' }]),
        400,
        'validation_failed',
      );
      expectError(await receive([{ lotId: expiredLot.id, receivedDoses: 1 }]), 400, 'unknown_line');
      expectError(
        await call('storekeeper', 'POST', `/api/transfers/${transferId}/receive`, {
          lines: [{ lotId: mainLot.id, receivedDoses: 100 }],
        }),
        403,
        'forbidden',
      );
      expect(await stockFingerprint(db)).toBe(before);

      const held = await balance(db, centre, mainLot.id);
      const res = await receive([
        { lotId: mainLot.id, receivedDoses: 94, discrepancyReason: 'One vial broken in the cold box' },
      ]);
      expect(res.statusCode, res.body).toBe(200);
      expect(
        res.json<{ status: string; lines: { receivedDoses: number; discrepancyReason: string }[] }>(),
      ).toMatchObject({
        status: 'received',
        lines: [{ receivedDoses: 94, discrepancyReason: 'One vial broken in the cold box' }],
      });
      expect(await balance(db, centre, mainLot.id)).toBe(held + 94);
      const lost = await db
        .selectFrom('stock_entry')
        .select(['quantity', 'to_party'])
        .where('transfer_id', '=', transferId)
        .where('kind', '=', 'transfer_discrepancy')
        .execute();
      expect(lost).toEqual([{ quantity: 6, to_party: 'lost' }]);
      expectError(
        await receive([{ lotId: mainLot.id, receivedDoses: 94, discrepancyReason: 'again' }]),
        409,
        'already_received',
      );
      expect((await stockCheck(db)).ok).toBe(true);
    });

    it('books a surplus on receipt as an adjustment into the store', async () => {
      const sent = await call('storekeeper', 'POST', '/api/transfers', {
        fromStoreId: districtStore,
        toStoreId: centre,
        lines: [{ lotId: mainLot.id, doses: 10 }],
      });
      const id = sent.json<{ id: number }>().id;
      const held = await balance(db, centre, mainLot.id);
      const res = await call('manager', 'POST', `/api/transfers/${id}/receive`, {
        lines: [{ lotId: mainLot.id, receivedDoses: 12, discrepancyReason: 'Two doses more than the note' }],
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(await balance(db, centre, mainLot.id)).toBe(held + 12);
      expect((await stockCheck(db)).ok).toBe(true);
    });
  });

  describe('the ledger', () => {
    it('refuses, in the database itself, an entry that would take a balance below zero', async () => {
      const before = await stockFingerprint(db);
      const held = await balance(db, centre, mainLot.id);
      const err = await stockRepository(db)
        .post([
          {
            lot_id: mainLot.id,
            quantity: held + 1,
            from_store_id: centre,
            to_party: 'wasted',
            kind: 'vial_wasted',
          },
        ])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ statusCode: 409, code: 'insufficient_stock' });
      await expect(
        sql`update stock_entry set quantity = 1 where id = (select max(id) from stock_entry)`.execute(db),
      ).rejects.toThrow(/never changed/);
      expect(await stockFingerprint(db)).toBe(before);
    });

    it('moves stock only parent <-> child: a store can send up to the store above it', async () => {
      const res = await call('manager', 'POST', '/api/transfers', {
        fromStoreId: centre,
        toStoreId: districtStore,
        lines: [{ lotId: mainLot.id, doses: 2 }],
        note: 'Returned',
      });
      expect(res.statusCode, res.body).toBe(201);
      const id = res.json<{ id: number }>().id;
      const back = await call('storekeeper', 'POST', `/api/transfers/${id}/receive`, {
        lines: [{ lotId: mainLot.id, receivedDoses: 2 }],
      });
      expect(back.statusCode, back.body).toBe(200);
      // Either end may see it.
      expect((await call('manager', 'GET', `/api/transfers/${id}`)).statusCode).toBe(200);
      expect((await call('storekeeper', 'GET', `/api/transfers/${id}`)).statusCode).toBe(200);
      expectError(await call('manager', 'GET', `/api/transfers?storeId=${districtStore}`), 403, 'forbidden');
    });
  });

  describe('at the same time', () => {
    it('two dispatches that together exceed the stock: one goes, the other is refused', async () => {
      const lot = await call('admin', 'POST', '/api/lots', {
        productId: mainLot.productId,
        lotNumber: 'RACE-1',
        manufacturer: 'Test',
        expiresOn: addDays(today, 100),
        dosesPerVial: 10,
      });
      const lotId = lot.json<{ id: number }>().id;
      await call('admin', 'POST', `/api/stores/${national}/receipts`, {
        supplier: 'UNICEF',
        reference: 'PO-RACE',
        receivedOn: today,
        lines: [{ lotId, doses: 100 }],
      });
      const division = await facilityId(db, 'STORE-DIV6');
      const results = await Promise.all(
        [0, 1, 2].map(() =>
          call('admin', 'POST', '/api/transfers', {
            fromStoreId: national,
            toStoreId: division,
            lines: [{ lotId, doses: 40 }],
          }),
        ),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 201, 409]);
      expect(await balance(db, national, lotId)).toBe(20);
      const id = results.find((r) => r.statusCode === 201)!.json<{ id: number }>().id;
      const receipts = await Promise.all(
        [0, 1].map(() =>
          call('admin', 'POST', `/api/transfers/${id}/receive`, { lines: [{ lotId, receivedDoses: 40 }] }),
        ),
      );
      expect(receipts.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      expect(await balance(db, division, lotId)).toBe(40);
      expect((await stockCheck(db)).ok).toBe(true);
    });
  });

  describe('adjustments and counts', () => {
    it('posts breakage, a count difference, and refuses what does not add up', async () => {
      const held = await balance(db, centre, mainLot.id);
      const broke = await call('manager', 'POST', `/api/stores/${centre}/adjustments`, {
        lotId: mainLot.id,
        kind: 'breakage',
        quantityChange: -3,
        reason: 'Vial dropped',
      });
      expect(broke.statusCode, broke.body).toBe(201);
      expect(await balance(db, centre, mainLot.id)).toBe(held - 3);
      const count = await call('manager', 'POST', `/api/stores/${centre}/adjustments`, {
        lotId: mainLot.id,
        kind: 'count',
        countedDoses: held - 10,
        reason: 'Monthly count',
      });
      expect(count.statusCode, count.body).toBe(201);
      expect(count.json()).toMatchObject({
        quantityChange: -7,
        countedDoses: held - 10,
        bookDoses: held - 3,
        recordedByName: 'Savar Health Complex Manager',
      });
      expect(await balance(db, centre, mainLot.id)).toBe(held - 10);

      const before = await stockFingerprint(db);
      const adjust = (body: Record<string, unknown>) =>
        call('manager', 'POST', `/api/stores/${centre}/adjustments`, {
          lotId: mainLot.id,
          reason: 'Because',
          ...body,
        });
      expectError(await adjust({ kind: 'breakage', quantityChange: 5 }), 400, 'wrong_sign');
      expectError(await adjust({ kind: 'found', quantityChange: -5 }), 400, 'wrong_sign');
      expectError(await adjust({ kind: 'other', quantityChange: 0 }), 400, 'no_difference');
      expectError(await adjust({ kind: 'other', quantityChange: 1.5 }), 400, 'validation_failed');
      expectError(await adjust({ kind: 'count', countedDoses: held - 10 }), 400, 'no_difference');
      expectError(await adjust({ kind: 'count', quantityChange: -1 }), 400, 'count_needs_counted_doses');
      expectError(
        await adjust({ kind: 'breakage', quantityChange: -(held + 1000) }),
        409,
        'insufficient_stock',
      );
      expectError(
        await adjust({ kind: 'breakage', quantityChange: -1, reason: '' }),
        400,
        'validation_failed',
      );
      expectError(await adjust({ kind: 'breakage', quantityChange: -1, lotId: 999999 }), 400, 'unknown_lot');
      expect(await stockFingerprint(db)).toBe(before);
      const ledger = await call('manager', 'GET', `/api/stores/${centre}/ledger?lotId=${mainLot.id}&limit=2`);
      const page = ledger.json<{ items: { quantity: number; kind: string }[]; nextCursor: number | null }>();
      expect(page.items.map((i) => [i.kind, i.quantity])).toEqual([
        ['adjustment', -7],
        ['adjustment', -3],
      ]);
      expect(page.nextCursor).not.toBeNull();
    });
  });

  describe('open vials', () => {
    it('opens a vial, closes it and counts the rest as wasted; wastage per facility and product', async () => {
      const opened = await call('vaccinator', 'POST', `/api/facilities/${centre}/vials`, {
        lotId: mainLot.id,
      });
      expect(opened.statusCode, opened.body).toBe(201);
      const vial = opened.json<{ id: number; dosesPerVial: number; openedAt: string; usableUntil: string }>();
      const product = await db
        .selectFrom('vaccine_product')
        .select('open_vial_hours')
        .where('id', '=', mainLot.productId)
        .executeTakeFirstOrThrow();
      const hours = (Date.parse(vial.usableUntil) - Date.parse(vial.openedAt)) / 3_600_000;
      if (product.open_vial_hours > 0) expect(hours).toBeCloseTo(product.open_vial_hours, 1);
      // Two doses given from it (as dose recording does).
      await db.updateTable('open_vial').set({ doses_used: 2 }).where('id', '=', vial.id).execute();
      await db
        .insertInto('stock_entry')
        .values({
          lot_id: mainLot.id,
          quantity: 2,
          from_store_id: centre,
          to_party: 'administered',
          kind: 'administered',
          vial_id: vial.id,
        })
        .execute();
      const held = await balance(db, centre, mainLot.id);
      const closed = await call('vaccinator', 'POST', `/api/facilities/${centre}/vials/${vial.id}/close`, {
        reason: 'manual',
      });
      expect(closed.statusCode, closed.body).toBe(200);
      expect(closed.json()).toMatchObject({ dosesWasted: vial.dosesPerVial - 2, closeReason: 'manual' });
      expect(await balance(db, centre, mainLot.id)).toBe(held - (vial.dosesPerVial - 2));
      expectError(
        await call('vaccinator', 'POST', `/api/facilities/${centre}/vials/${vial.id}/close`, {
          reason: 'manual',
        }),
        409,
        'vial_closed',
      );

      const log = await call('vaccinator', 'GET', `/api/facilities/${centre}/vials`);
      expect(log.json<{ items: { id: number }[] }>().items.some((v) => v.id === vial.id)).toBe(true);
      const wastage = await call(
        'storekeeper',
        'GET',
        `/api/stock/wastage?storeId=${districtStore}&from=${today}&to=${today}`,
      );
      expect(wastage.statusCode, wastage.body).toBe(200);
      const row = wastage
        .json<{
          items: {
            facilityId: number;
            productId: number;
            administered: number;
            wasted: number;
            wastageRate: number;
          }[];
        }>()
        .items.find((i) => i.facilityId === centre && i.productId === mainLot.productId)!;
      expect(row.administered).toBe(2);
      expect(row.wasted).toBe(vial.dosesPerVial - 2);
      expect(row.wastageRate).toBeCloseTo((vial.dosesPerVial - 2) / vial.dosesPerVial, 3);
      expect((await stockCheck(db)).ok).toBe(true);
    });

    it('closes vials past their usable time in the background', async () => {
      const opened = await call('vaccinator', 'POST', `/api/facilities/${centre}/vials`, {
        lotId: mainLot.id,
      });
      const vial = opened.json<{ id: number; dosesPerVial: number }>();
      await db
        .updateTable('open_vial')
        .set({ usable_until: new Date(Date.now() - 60_000) })
        .where('id', '=', vial.id)
        .execute();
      await t.drain();
      const row = await db
        .selectFrom('open_vial')
        .selectAll()
        .where('id', '=', vial.id)
        .executeTakeFirstOrThrow();
      expect(row.close_reason).toBe('expired');
      expect(row.doses_wasted).toBe(vial.dosesPerVial);
      expect((await stockCheck(db)).ok).toBe(true);
    });

    it('keeps a single-use vial until the end of the day, and closes vials when the day’s session has ended', async () => {
      const singleUse = await db
        .selectFrom('lot as l')
        .innerJoin('vaccine_product as p', 'p.id', 'l.product_id')
        .innerJoin('stock_balance as b', 'b.lot_id', 'l.id')
        .select('l.id')
        .where('p.open_vial_hours', '=', 0)
        .where('b.store_id', '=', centre)
        .where('b.quantity', '>', 0)
        .where('l.expires_on', '>', addDays(today, 1))
        .executeTakeFirstOrThrow();
      const one = await call('vaccinator', 'POST', `/api/facilities/${centre}/vials`, {
        lotId: singleUse.id,
      });
      expect(one.statusCode, one.body).toBe(201);
      expect(one.json<{ usableUntil: string }>().usableUntil).toBe(
        new Date(`${addDays(today, 1)}T00:00:00+06:00`).toISOString(),
      );

      // A session of the vial's product today, ending an hour from now (Dhaka time).
      const now = new Date();
      const local = (d: Date) =>
        new Intl.DateTimeFormat('en-GB', {
          timeZone: 'Asia/Dhaka',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        }).format(d);
      const end = new Date(now.getTime() + 3_600_000);
      if (todayIn('Asia/Dhaka', end) !== today) return; // the hour after would cross midnight in Dhaka
      const opened = await call('vaccinator', 'POST', `/api/facilities/${centre}/vials`, {
        lotId: mainLot.id,
      });
      const vial = opened.json<{ id: number; usableUntil: string }>();
      await db
        .insertInto('vaccination_session')
        .values({
          facility_id: centre,
          session_date: today,
          product_id: mainLot.productId,
          dose_numbers: [1],
          starts_at: '00:00',
          ends_at: local(end),
          status: 'open',
        })
        .execute();
      expect(await closeDueVials(db, 'Asia/Dhaka', now)).toBeGreaterThanOrEqual(0);
      expect(
        (
          await db
            .selectFrom('open_vial')
            .select('closed_at')
            .where('id', '=', vial.id)
            .executeTakeFirstOrThrow()
        ).closed_at,
      ).toBeNull();
      const later = new Date(end.getTime() + 120_000);
      if (Date.parse(vial.usableUntil) <= later.getTime()) return;
      await closeDueVials(db, 'Asia/Dhaka', later);
      const row = await db
        .selectFrom('open_vial')
        .selectAll()
        .where('id', '=', vial.id)
        .executeTakeFirstOrThrow();
      expect(row.close_reason).toBe('session_end');
      expect(row.doses_wasted).toBe(row.doses_per_vial);
      expect((await stockCheck(db)).ok).toBe(true);
    });

    it('refuses vials of expired or unheld lots, and in a store', async () => {
      const before = await stockFingerprint(db);
      expectError(
        await call('vaccinator', 'POST', `/api/facilities/${centre}/vials`, { lotId: expiredLot.id }),
        400,
        'lot_expired',
      );
      const unheld = await call('admin', 'POST', '/api/lots', {
        productId: mainLot.productId,
        lotNumber: 'NOT-HELD-1',
        manufacturer: 'Test',
        expiresOn: addDays(today, 100),
        dosesPerVial: 5,
      });
      const before2 = await stockFingerprint(db);
      expectError(
        await call('vaccinator', 'POST', `/api/facilities/${centre}/vials`, {
          lotId: unheld.json<{ id: number }>().id,
        }),
        409,
        'insufficient_stock',
      );
      expectError(
        await call('admin', 'POST', `/api/facilities/${districtStore}/vials`, { lotId: mainLot.id }),
        400,
        'not_a_vaccination_facility',
      );
      expect(before).not.toBe(before2);
      expect(await stockFingerprint(db)).toBe(before2);
    });
  });

  describe('allocation plans', () => {
    it('suggests shares from population, is edited, approved by an officer and dispatched first-expiry-first-out', async () => {
      const created = await call('storekeeper', 'POST', `/api/stores/${districtStore}/allocation-plans`, {
        productId: mainLot.productId,
        totalDoses: 1000,
      });
      expect(created.statusCode, created.body).toBe(201);
      const plan = created.json<{
        id: number;
        status: string;
        lines: { toStoreId: number; suggestedDoses: number; doses: number; population: number }[];
      }>();
      expect(plan.status).toBe('draft');
      expect(plan.lines.reduce((s, l) => s + l.suggestedDoses, 0)).toBe(1000);
      expect(plan.lines.some((l) => l.toStoreId === centre && l.suggestedDoses > 0)).toBe(true);

      const edited = await call('storekeeper', 'PUT', `/api/allocation-plans/${plan.id}/lines`, {
        lines: plan.lines.map((l, i) => ({ toStoreId: l.toStoreId, doses: i === 0 ? 0 : 10 })),
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json<{ totalDoses: number }>().totalDoses).toBe((plan.lines.length - 1) * 10);
      expectError(
        await call('storekeeper', 'PUT', `/api/allocation-plans/${plan.id}/lines`, {
          lines: [{ toStoreId: otherCentre, doses: 5 }],
        }),
        400,
        'not_in_plan',
      );
      expectError(
        await call('storekeeper', 'POST', `/api/allocation-plans/${plan.id}/dispatch`),
        409,
        'plan_not_approved',
      );
      expectError(
        await call('storekeeper', 'POST', `/api/allocation-plans/${plan.id}/approve`),
        403,
        'forbidden',
      );
      const approved = await call('dhaka.admin', 'POST', `/api/allocation-plans/${plan.id}/approve`);
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json<{ status: string }>().status).toBe('approved');

      const dispatched = await call('storekeeper', 'POST', `/api/allocation-plans/${plan.id}/dispatch`);
      expect(dispatched.statusCode, dispatched.body).toBe(200);
      const out = dispatched.json<{
        transfers: { toStoreId: number; lines: { expiresOn: string; dispatchedDoses: number }[] }[];
      }>();
      expect(out.transfers).toHaveLength(plan.lines.length - 1);
      const soonest = await db
        .selectFrom('stock_balance as b')
        .innerJoin('lot as l', 'l.id', 'b.lot_id')
        .select('l.expires_on')
        .where('b.store_id', '=', districtStore)
        .where('l.product_id', '=', mainLot.productId)
        .where('l.expires_on', '>=', today)
        .where('b.quantity', '>', 0)
        .orderBy('l.expires_on')
        .executeTakeFirstOrThrow();
      expect(out.transfers[0]!.lines[0]!.expiresOn).toBe(soonest.expires_on);
      expectError(
        await call('storekeeper', 'POST', `/api/allocation-plans/${plan.id}/dispatch`),
        409,
        'plan_already_dispatched',
      );
      expect((await stockCheck(db)).ok).toBe(true);
    });

    it('refuses to dispatch a plan the store cannot cover, and changes nothing', async () => {
      const created = await call('storekeeper', 'POST', `/api/stores/${districtStore}/allocation-plans`, {
        productId: mainLot.productId,
        totalDoses: 9_000_000,
      });
      const id = created.json<{ id: number }>().id;
      await call('dhaka.admin', 'POST', `/api/allocation-plans/${id}/approve`);
      const before = await stockFingerprint(db);
      expectError(
        await call('storekeeper', 'POST', `/api/allocation-plans/${id}/dispatch`),
        409,
        'insufficient_stock',
      );
      expect(await stockFingerprint(db)).toBe(before);
    });
  });

  describe('alerts', () => {
    it('shows lots expiring soon, expired lots with stock, and low stock from recent use', async () => {
      const res = await call('admin', 'GET', '/api/stock/alerts');
      expect(res.statusCode, res.body).toBe(200);
      const alerts = res.json<{
        lowStock: { storeId: number; productId: number }[];
        expiringLots: { storeId: number; lotId: number; expired: boolean; daysLeft: number }[];
      }>();
      expect(
        alerts.expiringLots.some((l) => l.lotId === expiredLot.id && l.expired && l.storeId === national),
      ).toBe(true);
      expect(alerts.expiringLots.some((l) => !l.expired && l.daysLeft <= 60)).toBe(true);

      // A facility that gave most of its stock of a lot in the last days is low on that product.
      const held = await db
        .selectFrom('stock_balance as b')
        .innerJoin('lot as l', 'l.id', 'b.lot_id')
        .select(['b.lot_id', 'b.quantity'])
        .where('b.store_id', '=', otherCentre)
        .where('l.product_id', '=', mainLot.productId)
        .where('b.quantity', '>', 0)
        .execute();
      for (const h of held)
        await db
          .insertInto('stock_entry')
          .values({
            lot_id: h.lot_id,
            quantity: h.quantity - 1,
            from_store_id: otherCentre,
            to_party: 'administered',
            kind: 'administered',
          })
          .execute();
      const low = await call('admin', 'GET', '/api/stock/alerts');
      expect(low.json<{ lowStock: { storeId: number; productId: number }[] }>().lowStock).toContainEqual(
        expect.objectContaining({ storeId: otherCentre, productId: mainLot.productId }),
      );
      const stock = await call('admin', 'GET', `/api/stores/${otherCentre}/stock`);
      const p = stock.json<{ products: { productId: number; low: boolean; daysOfSupply: number }[] }>()
        .products;
      expect(p.find((x) => x.productId === mainLot.productId)).toMatchObject({ low: true });
      expect((await stockCheck(db)).ok).toBe(true);
    });
  });
});
