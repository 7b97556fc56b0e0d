import { sql } from 'kysely';
import type { Queryable } from '../db/database.ts';

export interface StockCheckReport {
  /** Store-and-lot pairs compared (every balance row and every pair the ledger touches). */
  balancesChecked: number;
  transfersChecked: number;
  entries: number;
  /** A balance that is not the sum of the ledger for its store and lot. */
  balanceMismatches: { storeId: number; lotId: number; balance: number; ledger: number }[];
  negativeBalances: { storeId: number; lotId: number; balance: number }[];
  /** A transfer whose doses in transit in the ledger are not dispatched - received - shortfall. */
  transferMismatches: { transferId: number; lotId: number; ledgerInTransit: number; expected: number }[];
  ok: boolean;
}

const LIMIT = 100;

/**
 * Proves the books: every `stock_balance` equals what the ledger moved into that store and lot
 * minus what it moved out, no balance is below zero, and for every transfer line the doses the
 * ledger holds in transit equal what was dispatched minus what arrived minus the shortfall written
 * off as lost (all of it while the transfer is on its way, none once it is received).
 * Each comparison is a single statement, so it sees one snapshot and stays true while stock moves
 * on a live system. Lists at most 100 of each problem.
 */
export async function stockCheck(db: Queryable): Promise<StockCheckReport> {
  const balances = await sql<{ store_id: number; lot_id: number; balance: number; ledger: number }>`
    with moves as (
      select to_store_id as store_id, lot_id, quantity::bigint as q from stock_entry where to_store_id is not null
      union all
      select from_store_id, lot_id, -quantity::bigint from stock_entry where from_store_id is not null
    ), ledger as (
      select store_id, lot_id, sum(q) as q from moves group by store_id, lot_id
    )
    select coalesce(b.store_id, l.store_id) as store_id, coalesce(b.lot_id, l.lot_id) as lot_id,
           coalesce(b.quantity, 0)::bigint as balance, coalesce(l.q, 0)::bigint as ledger
    from stock_balance b
    full join ledger l on l.store_id = b.store_id and l.lot_id = b.lot_id`.execute(db);
  const balanceMismatches: StockCheckReport['balanceMismatches'] = [];
  const negativeBalances: StockCheckReport['negativeBalances'] = [];
  for (const r of balances.rows) {
    const row = { storeId: Number(r.store_id), lotId: Number(r.lot_id), balance: Number(r.balance) };
    if (Number(r.balance) !== Number(r.ledger)) balanceMismatches.push({ ...row, ledger: Number(r.ledger) });
    if (Number(r.balance) < 0) negativeBalances.push(row);
  }

  const transfers = await sql<{ transfer_id: number; lot_id: number; in_transit: number; expected: number }>`
    with ledger as (
      select transfer_id, lot_id,
             sum(case when to_party = 'in_transit' then quantity else 0 end)
               - sum(case when from_party = 'in_transit' then quantity else 0 end) as in_transit
      from stock_entry where transfer_id is not null
      group by transfer_id, lot_id
    ), lines as (
      select l.transfer_id, l.lot_id,
             case when l.received_doses is null then l.dispatched_doses
                  else l.dispatched_doses - least(l.received_doses, l.dispatched_doses)
                       - greatest(l.dispatched_doses - l.received_doses, 0) end as expected
      from stock_transfer_line l
    )
    select coalesce(x.transfer_id, g.transfer_id) as transfer_id, coalesce(x.lot_id, g.lot_id) as lot_id,
           coalesce(g.in_transit, 0)::bigint as in_transit, coalesce(x.expected, 0)::bigint as expected
    from lines x
    full join ledger g on g.transfer_id = x.transfer_id and g.lot_id = x.lot_id`.execute(db);
  const transferMismatches: StockCheckReport['transferMismatches'] = [];
  for (const r of transfers.rows)
    if (Number(r.in_transit) !== Number(r.expected))
      transferMismatches.push({
        transferId: Number(r.transfer_id),
        lotId: Number(r.lot_id),
        ledgerInTransit: Number(r.in_transit),
        expected: Number(r.expected),
      });

  const counts = await sql<{ entries: number; transfers: number }>`
    select (select count(*) from stock_entry)::bigint as entries,
           (select count(*) from stock_transfer)::bigint as transfers`.execute(db);
  return {
    balancesChecked: balances.rows.length,
    transfersChecked: Number(counts.rows[0]?.transfers ?? 0),
    entries: Number(counts.rows[0]?.entries ?? 0),
    balanceMismatches: balanceMismatches.slice(0, LIMIT),
    negativeBalances: negativeBalances.slice(0, LIMIT),
    transferMismatches: transferMismatches.slice(0, LIMIT),
    ok: !balanceMismatches.length && !negativeBalances.length && !transferMismatches.length,
  };
}

/** The report as lines for a terminal. */
export function formatStockCheck(r: StockCheckReport): string {
  const lines = [
    `ledger entries: ${r.entries}`,
    `balances checked: ${r.balancesChecked}, differing from the ledger: ${r.balanceMismatches.length}, negative: ${r.negativeBalances.length}`,
    `transfers checked: ${r.transfersChecked}, in-transit doses differing: ${r.transferMismatches.length}`,
  ];
  for (const m of r.balanceMismatches)
    lines.push(`  store ${m.storeId} lot ${m.lotId}: balance ${m.balance}, ledger ${m.ledger}`);
  for (const m of r.negativeBalances)
    lines.push(`  store ${m.storeId} lot ${m.lotId}: negative balance ${m.balance}`);
  for (const m of r.transferMismatches)
    lines.push(
      `  transfer ${m.transferId} lot ${m.lotId}: ${m.ledgerInTransit} doses in transit in the ledger, ${m.expected} expected`,
    );
  lines.push(r.ok ? 'stock check: balances equal the ledger' : 'stock check: FAILED');
  return lines.join('\n');
}
