import { sql } from 'kysely';
import { addDays } from '@dosewise/domain';
import { withTransaction, type Db, type Tx } from '../db/database.ts';
import { ensureStores } from '../stock/stores.ts';

/** Doses each store keeps of a lot, by level (facilities by type), on top of what it sends below. */
const KEEP: Record<string, { main: number; second: number; soon: number }> = {
  national: { main: 100_000, second: 50_000, soon: 500 },
  division: { main: 10_000, second: 4_000, soon: 0 },
  district: { main: 3_000, second: 1_000, soon: 0 },
  upazila: { main: 1_500, second: 500, soon: 0 },
  hospital: { main: 800, second: 400, soon: 100 },
  facility: { main: 400, second: 200, soon: 50 },
};

interface DemoLot {
  id: number;
  productId: number;
  role: 'main' | 'second' | 'soon' | 'expired';
}

interface StoreNode {
  id: number;
  level: string;
  parent: number | null;
  type: string;
  children: StoreNode[];
}

const at = (date: string, time = '10:00') => new Date(`${date}T${time}:00+06:00`);

/**
 * The demo's vaccine stock: stores for the whole hierarchy, lots of every product, one receipt
 * into the national store 90 days ago, transfers received down the chain (national -> division ->
 * district -> every hospital and health complex), and some history: a transfer still on its way
 * to the demo vaccinator's centre, a breakage at its district store and a count at the centre, a
 * lot that expires within the alert window at every facility and an expired lot left in the
 * national store. Everything goes through the ledger (so `stock-check` holds); runs once.
 */
export async function seedDemoStock(db: Db, today: string): Promise<{ lots: number; transfers: number }> {
  return withTransaction(db, async (trx) => {
    await ensureStores(trx, { nationalStoreCode: 'STORE-NATIONAL' });
    if (await trx.selectFrom('stock_receipt').select('id').limit(1).executeTakeFirst())
      return { lots: 0, transfers: 0 };
    const national = await trx
      .selectFrom('store')
      .select('facility_id')
      .where('level', '=', 'national')
      .executeTakeFirst();
    if (!national) return { lots: 0, transfers: 0 };

    const lots = await seedLots(trx, today);
    const stores = await storeTree(trx);
    const root = stores.get(national.facility_id)!;

    // What each store holds of each lot once the chain has been supplied: its own stock plus all below.
    const keepOf = (s: StoreNode, l: DemoLot) => {
      const k =
        KEEP[s.level === 'facility' && s.type === 'hospital' ? 'hospital' : s.level] ?? KEEP.facility!;
      if (l.role === 'expired') return s.level === 'national' ? 600 : 0;
      return k[l.role];
    };
    const total = new Map<string, number>();
    const subtree = (s: StoreNode, l: DemoLot): number => {
      // Expiring and expired lots stay where they are at a store; only facilities get the expiring one.
      const below = l.role === 'expired' ? 0 : s.children.reduce((sum, c) => sum + subtree(c, l), 0);
      const n = keepOf(s, l) + below;
      total.set(`${s.id}:${l.id}`, n);
      return n;
    };
    const pending = await pendingTarget(trx);
    for (const l of lots) subtree(root, l);

    const receivedOn = addDays(today, -90);
    const receipt = await trx
      .insertInto('stock_receipt')
      .values({
        store_id: root.id,
        supplier: 'UNICEF Supply Division (COVAX)',
        reference: 'PO-BD-2026-0417',
        received_on: receivedOn,
        note: 'Demo consignment: air freight to Dhaka, cold chain checked on arrival.',
        created_at: at(receivedOn),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('stock_entry')
      .values(
        lots.map((l) => ({
          lot_id: l.id,
          quantity: total.get(`${root.id}:${l.id}`)!,
          from_party: 'supplier' as const,
          to_store_id: root.id,
          kind: 'receipt' as const,
          receipt_id: receipt.id,
          recorded_at: at(receivedOn),
        })),
      )
      .execute();

    // Down the chain one level at a time, so each store has its stock before it sends it on.
    let transfers = 0;
    let level = root.children;
    let daysAgo = 60;
    while (level.length) {
      const date = addDays(today, -daysAgo);
      const rows = level.map((s) => ({
        from: s.parent!,
        to: s.id,
        lines: lots
          .map((l) => ({ lot: l.id, doses: total.get(`${s.id}:${l.id}`) ?? 0 }))
          .filter((x) => x.doses > 0),
      }));
      transfers += await receivedTransfers(trx, rows, at(date), at(addDays(date, 2), '15:00'));
      level = level.flatMap((s) => s.children);
      daysAgo -= 15;
    }

    if (pending) {
      const date = addDays(today, -1);
      const t = await trx
        .insertInto('stock_transfer')
        .values({
          from_store_id: pending.districtStoreId,
          to_store_id: pending.centreId,
          note: 'Weekly top-up',
          dispatched_at: at(date, '09:30'),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const lines = lots.filter((l) => l.role === 'main').map((l) => ({ lot: l.id, doses: 120 }));
      await trx
        .insertInto('stock_transfer_line')
        .values(lines.map((x) => ({ transfer_id: t.id, lot_id: x.lot, dispatched_doses: x.doses })))
        .execute();
      await trx
        .insertInto('stock_entry')
        .values(
          lines.map((x) => ({
            lot_id: x.lot,
            quantity: x.doses,
            from_store_id: pending.districtStoreId,
            to_party: 'in_transit' as const,
            kind: 'dispatch' as const,
            transfer_id: t.id,
            recorded_at: at(date, '09:30'),
          })),
        )
        .execute();
      transfers++;

      const main = lots.find((l) => l.role === 'main')!;
      await adjustment(trx, {
        storeId: pending.districtStoreId,
        lotId: main.id,
        kind: 'breakage',
        change: -12,
        reason: 'Two vials dropped while packing a cold box.',
        to: 'damaged',
        when: at(addDays(today, -20), '11:15'),
      });
      const book = total.get(`${pending.centreId}:${main.id}`) ?? 0;
      if (book > 5)
        await adjustment(trx, {
          storeId: pending.centreId,
          lotId: main.id,
          kind: 'count',
          change: -5,
          counted: book - 5,
          book,
          reason: 'Monthly physical count: one vial unaccounted for.',
          to: 'adjustment',
          when: at(addDays(today, -7), '16:40'),
        });
    }
    return { lots: lots.length, transfers };
  });
}

async function seedLots(trx: Tx, today: string): Promise<DemoLot[]> {
  const products = await trx
    .selectFrom('vaccine_product')
    .select(['id', 'code', 'manufacturer', 'doses_per_vial'])
    .where('active', '=', true)
    .orderBy('id')
    .execute();
  const lots: DemoLot[] = [];
  for (const [i, p] of products.entries()) {
    const prefix = p.code.replace(/[^A-Z0-9]/gi, '').slice(0, 4);
    const plan: { role: DemoLot['role']; expires: string }[] = [
      { role: 'main', expires: addDays(today, 420) },
      { role: 'second', expires: addDays(today, 240) },
    ];
    if (i === 0) plan.push({ role: 'soon', expires: addDays(today, 25) });
    if (i === 1) plan.push({ role: 'expired', expires: addDays(today, -5) });
    for (const [j, l] of plan.entries()) {
      const row = await trx
        .insertInto('lot')
        .values({
          product_id: p.id,
          lot_number: `${prefix}-${2600 + i * 10 + j}`,
          manufacturer: p.manufacturer,
          expires_on: l.expires,
          doses_per_vial: p.doses_per_vial,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      lots.push({ id: row.id, productId: p.id, role: l.role });
    }
  }
  return lots;
}

async function storeTree(trx: Tx): Promise<Map<number, StoreNode>> {
  const rows = await trx
    .selectFrom('store as s')
    .innerJoin('facility as f', 'f.id', 's.facility_id')
    .select(['s.facility_id', 's.level', 's.parent_facility_id', 'f.type'])
    .where('f.active', '=', true)
    .orderBy('s.facility_id')
    .execute();
  const nodes = new Map<number, StoreNode>(
    rows.map((r) => [
      r.facility_id,
      { id: r.facility_id, level: r.level, parent: r.parent_facility_id, type: r.type, children: [] },
    ]),
  );
  for (const n of nodes.values()) if (n.parent !== null) nodes.get(n.parent)?.children.push(n);
  return nodes;
}

/** The demo vaccinator's centre (the first health complex of Dhaka district) and its district store. */
async function pendingTarget(trx: Tx): Promise<{ centreId: number; districtStoreId: number } | undefined> {
  const district = await trx
    .selectFrom('area')
    .select(['path', 'code'])
    .where('name_en', '=', 'Dhaka')
    .where('depth', '=', 1)
    .executeTakeFirst();
  if (!district) return undefined;
  const centre = await trx
    .selectFrom('facility as f')
    .innerJoin('area as a', 'a.id', 'f.area_id')
    .innerJoin('store as s', 's.facility_id', 'f.id')
    .select(['f.id', 's.parent_facility_id'])
    .where('a.path', 'like', `${district.path}%`)
    .where('f.type', '=', 'vaccination_centre')
    .orderBy('f.code')
    .executeTakeFirst();
  if (!centre?.parent_facility_id) return undefined;
  return { centreId: centre.id, districtStoreId: centre.parent_facility_id };
}

/** Transfers dispatched and received in full, written set-wise: one statement per table. */
async function receivedTransfers(
  trx: Tx,
  rows: { from: number; to: number; lines: { lot: number; doses: number }[] }[],
  dispatchedAt: Date,
  receivedAt: Date,
): Promise<number> {
  const wanted = rows.filter((r) => r.lines.length);
  if (!wanted.length) return 0;
  const made = await sql<{ id: number; to_store_id: number }>`
    insert into stock_transfer (from_store_id, to_store_id, status, note, dispatched_at, received_at)
    select v.from_store, v.to_store, 'received', 'Initial distribution', ${dispatchedAt}::timestamptz, ${receivedAt}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(wanted.map((r) => ({ from_store: r.from, to_store: r.to })))}::jsonb)
      as v(from_store bigint, to_store bigint)
    returning id, to_store_id`.execute(trx);
  const idOf = new Map(made.rows.map((r) => [Number(r.to_store_id), Number(r.id)]));
  const lines = wanted.flatMap((r) =>
    r.lines.map((l) => ({ transfer_id: idOf.get(r.to)!, lot_id: l.lot, doses: l.doses })),
  );
  await sql`
    insert into stock_transfer_line (transfer_id, lot_id, dispatched_doses, received_doses)
    select v.transfer_id, v.lot_id, v.doses, v.doses
    from jsonb_to_recordset(${JSON.stringify(lines)}::jsonb) as v(transfer_id bigint, lot_id bigint, doses int)`.execute(
    trx,
  );
  const ids = [...idOf.values()];
  await sql`
    insert into stock_entry (lot_id, quantity, from_store_id, to_party, kind, transfer_id, recorded_at)
    select l.lot_id, l.dispatched_doses, t.from_store_id, 'in_transit', 'dispatch', t.id, t.dispatched_at
    from stock_transfer_line l join stock_transfer t on t.id = l.transfer_id
    where t.id = any(${ids}::bigint[])
    order by t.id, l.lot_id`.execute(trx);
  await sql`
    insert into stock_entry (lot_id, quantity, from_party, to_store_id, kind, transfer_id, recorded_at)
    select l.lot_id, l.received_doses, 'in_transit', t.to_store_id, 'transfer_receipt', t.id, t.received_at
    from stock_transfer_line l join stock_transfer t on t.id = l.transfer_id
    where t.id = any(${ids}::bigint[])
    order by t.id, l.lot_id`.execute(trx);
  return ids.length;
}

async function adjustment(
  trx: Tx,
  a: {
    storeId: number;
    lotId: number;
    kind: 'breakage' | 'count';
    change: number;
    counted?: number;
    book?: number;
    reason: string;
    to: 'damaged' | 'adjustment';
    when: Date;
  },
) {
  const row = await trx
    .insertInto('stock_adjustment')
    .values({
      store_id: a.storeId,
      lot_id: a.lotId,
      kind: a.kind,
      quantity_change: a.change,
      counted_doses: a.counted ?? null,
      book_doses: a.book ?? null,
      reason: a.reason,
      created_at: a.when,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('stock_entry')
    .values({
      lot_id: a.lotId,
      quantity: -a.change,
      from_store_id: a.storeId,
      to_party: a.to,
      kind: 'adjustment',
      adjustment_id: row.id,
      recorded_at: a.when,
    })
    .execute();
}
