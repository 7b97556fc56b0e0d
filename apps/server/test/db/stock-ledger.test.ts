import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '@dosewise/domain';
import type { Principal } from '../../src/access/policy.ts';
import type { Db } from '../../src/db/database.ts';
import { AppError } from '../../src/http/errors.ts';
import { todayIn } from '../../src/registration/calendar.ts';
import { stockCheck } from '../../src/stock/check.ts';
import type { StockService } from '../../src/stock/service.ts';
import { testApp, type TestContext } from '../support/app.ts';
import { facilityId } from './helpers.ts';

/**
 * The ledger invariant under random work: receipts, transfers up and down (and to stores that are
 * not adjacent), receipts of transfers with shortfalls and surpluses, adjustments and counts, and
 * vials opened and closed. After every step the balances equal the ledger, none is negative, every
 * transfer's doses in transit add up, and a step that was refused changed nothing.
 */

const TABLES = [
  'stock_receipt',
  'stock_transfer',
  'stock_transfer_line',
  'stock_adjustment',
  'open_vial',
  'stock_entry',
  'stock_balance',
];

async function fingerprint(db: Db): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const { rows } = await sql<{ n: number; h: string }>`
      select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h
      from ${sql.table(table)} t`.execute(db);
    parts.push(`${table}:${rows[0]!.n}:${rows[0]!.h}`);
  }
  return parts.join(' ');
}

type Step =
  | { op: 'receipt'; lot: number; doses: number }
  | { op: 'transfer'; from: number; to: number; lot: number; doses: number }
  | { op: 'receive'; pick: number; delta: number; reason: boolean }
  | { op: 'adjust'; store: number; lot: number; change: number }
  | { op: 'count'; store: number; lot: number; counted: number }
  | { op: 'vial'; lot: number; used: number };

describe('stock ledger invariant (property-based)', () => {
  let t: TestContext;
  let db: Db;
  let stock: StockService;
  let actor: Principal;
  /** national, division, district, centre (a chain), and a centre of another district. */
  let stores: number[];
  let lots: number[];
  const ctx = { requestId: 'ledger-property', ip: '127.0.0.1', userAgent: undefined };

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    stock = t.services.stock.service;
    const admin = await db
      .selectFrom('staff_user')
      .select('id')
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow();
    actor = {
      userId: admin.id,
      username: 'admin',
      sessionId: 'x',
      grants: [{ id: 0, role: 'national_admin', areaId: null, areaPath: null, facilityId: null }],
    };
    const national = await facilityId(db, 'STORE-NATIONAL');
    const division = await facilityId(db, 'STORE-DIV6');
    const district = await facilityId(db, 'STORE-DIS47');
    const centre = await db
      .selectFrom('store as s')
      .innerJoin('facility as f', 'f.id', 's.facility_id')
      .select('s.facility_id')
      .where('s.parent_facility_id', '=', district)
      .where('f.type', '=', 'vaccination_centre')
      .orderBy('s.facility_id')
      .executeTakeFirstOrThrow();
    const other = await db
      .selectFrom('store')
      .select('facility_id')
      .where('level', '=', 'facility')
      .where('parent_facility_id', '<>', district)
      .orderBy('facility_id')
      .executeTakeFirstOrThrow();
    stores = [national, division, district, centre.facility_id, other.facility_id];
    // Lots of their own, so that balances start at zero and stay small enough to run out.
    const product = await db
      .selectFrom('vaccine_product')
      .select('id')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const today = todayIn('Asia/Dhaka');
    lots = [];
    for (const [i, perVial] of [5, 2].entries()) {
      const lot = await stock.createLot(
        actor,
        {
          productId: product.id,
          lotNumber: `PROP-${i}`,
          manufacturer: 'Test',
          expiresOn: addDays(today, 200 + i),
          dosesPerVial: perVial,
        },
        ctx,
      );
      lots.push(lot.id);
    }
  });
  afterAll(() => t.close());

  const storeIndex = fc.integer({ min: 0, max: 4 });
  const lotIndex = fc.integer({ min: 0, max: 1 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ op: fc.constant('receipt' as const), lot: lotIndex, doses: fc.integer({ min: 1, max: 60 }) }),
    fc.record({
      op: fc.constant('transfer' as const),
      from: storeIndex,
      to: storeIndex,
      lot: lotIndex,
      doses: fc.integer({ min: 1, max: 50 }),
    }),
    fc.record({
      op: fc.constant('transfer' as const),
      // Down the chain, the common case.
      from: fc.integer({ min: 0, max: 2 }),
      to: fc.constant(-1),
      lot: lotIndex,
      doses: fc.integer({ min: 1, max: 40 }),
    }),
    fc.record({
      op: fc.constant('receive' as const),
      pick: fc.nat(),
      delta: fc.integer({ min: -5, max: 5 }),
      reason: fc.boolean(),
    }),
    fc.record({
      op: fc.constant('adjust' as const),
      store: storeIndex,
      lot: lotIndex,
      change: fc.integer({ min: -20, max: 20 }),
    }),
    fc.record({
      op: fc.constant('count' as const),
      store: storeIndex,
      lot: lotIndex,
      counted: fc.integer({ min: 0, max: 40 }),
    }),
    fc.record({ op: fc.constant('vial' as const), lot: lotIndex, used: fc.integer({ min: 0, max: 5 }) }),
  );

  async function run(s: Step): Promise<void> {
    switch (s.op) {
      case 'receipt':
        await stock.createReceipt(
          actor,
          stores[0]!,
          {
            supplier: 'Supplier',
            reference: 'PO-P',
            receivedOn: todayIn('Asia/Dhaka'),
            lines: [{ lotId: lots[s.lot]!, doses: s.doses }],
          },
          ctx,
        );
        return;
      case 'transfer': {
        const from = stores[s.from]!;
        const to = s.to === -1 ? stores[s.from + 1]! : stores[s.to]!;
        await stock.createTransfer(
          actor,
          { fromStoreId: from, toStoreId: to, lines: [{ lotId: lots[s.lot]!, doses: s.doses }] },
          ctx,
        );
        return;
      }
      case 'receive': {
        const pending = await db
          .selectFrom('stock_transfer')
          .select('id')
          .where('status', '=', 'dispatched')
          .where('note', '=', '')
          .orderBy('id')
          .execute();
        if (!pending.length) return;
        const id = pending[s.pick % pending.length]!.id;
        const lines = await db
          .selectFrom('stock_transfer_line')
          .selectAll()
          .where('transfer_id', '=', id)
          .execute();
        await stock.receiveTransfer(
          actor,
          id,
          {
            lines: lines.map((l) => ({
              lotId: l.lot_id,
              receivedDoses: Math.max(0, l.dispatched_doses + s.delta),
              ...(s.reason ? { discrepancyReason: 'Counted on arrival' } : {}),
            })),
          },
          ctx,
        );
        return;
      }
      case 'adjust':
        await stock.createAdjustment(
          actor,
          stores[s.store]!,
          {
            lotId: lots[s.lot]!,
            kind: s.change > 0 ? 'found' : 'breakage',
            quantityChange: s.change,
            reason: 'Property step',
          },
          ctx,
        );
        return;
      case 'count':
        await stock.createAdjustment(
          actor,
          stores[s.store]!,
          { lotId: lots[s.lot]!, kind: 'count', countedDoses: s.counted, reason: 'Property count' },
          ctx,
        );
        return;
      case 'vial': {
        const vial = await stock.openVial(actor, stores[3]!, lots[s.lot]!, ctx);
        const used = Math.min(s.used, vial.dosesPerVial);
        // Doses given from the vial, as dose recording posts them.
        if (used > 0) {
          await db.updateTable('open_vial').set({ doses_used: used }).where('id', '=', vial.id).execute();
          await db
            .insertInto('stock_entry')
            .values({
              lot_id: lots[s.lot]!,
              quantity: used,
              from_store_id: stores[3]!,
              to_party: 'administered',
              kind: 'administered',
              vial_id: vial.id,
            })
            .execute();
        }
        await stock.closeVial(actor, stores[3]!, vial.id, 'session_end', ctx);
        return;
      }
    }
  }

  it('balances equal the ledger after every step, none is negative, and refused steps change nothing', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 14 }), async (steps) => {
        for (const s of steps) {
          const before = await fingerprint(db);
          let failed = false;
          try {
            await run(s);
            accepted++;
          } catch (err) {
            // Every refusal is an expected one, with a stable code; never a database error.
            expect(err, String(err)).toBeInstanceOf(AppError);
            expect((err as AppError).statusCode).toBeLessThan(500);
            failed = true;
            refused++;
          }
          if (failed) expect(await fingerprint(db)).toBe(before);
          const report = await stockCheck(db);
          expect(report.balanceMismatches).toEqual([]);
          expect(report.negativeBalances).toEqual([]);
          expect(report.transferMismatches).toEqual([]);
        }
      }),
      { numRuns: 12, seed: 20261121 },
    );
    // The run exercised both paths.
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(5);
    // Twelve sequences of up to fourteen steps, each checked against the ledger: on the embedded
    // database, with other work on the machine, this can take longer than the usual minute.
  }, 180_000);
});
