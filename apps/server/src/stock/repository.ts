import { sql, type Insertable } from 'kysely';
import type { Queryable } from '../db/database.ts';
import type { StockEntryTable, StoreLevel } from '../db/schema.ts';
import { conflict } from '../http/errors.ts';
import { containsPattern } from '../db/like.ts';

/** Stores the caller may list: whole subtrees of areas, and stores they are bound to with those directly below. */
export interface StoreVisibility {
  areaPaths: string[];
  facilityIds: number[];
}

/** The stores below `storeId` and itself, as a recursive statement to prefix a query with. */
const subtree = (storeId: number) => sql`
  with recursive sub(id) as (
    select facility_id from store where facility_id = ${storeId}
    union all
    select s.facility_id from store s join sub on s.parent_facility_id = sub.id
  )`;

export type EntryInput = Insertable<StockEntryTable>;

/** True for the database's refusal to take a balance below zero. */
export function isInsufficientStock(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return (
    e.code === '23514' &&
    (e.constraint === 'stock_balance_quantity_check' ||
      /insufficient stock|stock_balance_quantity_check/.test(e.message ?? ''))
  );
}

export function stockRepository(db: Queryable) {
  const storeBase = () =>
    db
      .selectFrom('store as s')
      .innerJoin('facility as f', 'f.id', 's.facility_id')
      .innerJoin('area as a', 'a.id', 'f.area_id')
      .select([
        's.facility_id',
        's.level',
        's.parent_facility_id',
        'f.code',
        'f.name_en',
        'f.name_bn',
        'f.type',
        'f.area_id',
        'a.path as area_path',
        'a.population',
        sql<number>`(select count(*) from store c where c.parent_facility_id = s.facility_id)::int`.as(
          'child_count',
        ),
      ]);

  return {
    findStore(id: number) {
      return storeBase().where('s.facility_id', '=', id).executeTakeFirst();
    },
    children(id: number) {
      return storeBase().where('s.parent_facility_id', '=', id).orderBy('f.name_en').execute();
    },
    listStores(
      filter: {
        parentId?: number | undefined;
        level?: StoreLevel | undefined;
        q?: string | undefined;
        limit: number;
      },
      vis: StoreVisibility | null,
    ) {
      let q = storeBase().orderBy('s.level').orderBy('f.name_en').limit(filter.limit);
      if (filter.parentId) q = q.where('s.parent_facility_id', '=', filter.parentId);
      if (filter.level) q = q.where('s.level', '=', filter.level);
      if (filter.q) {
        const text = containsPattern(filter.q);
        q = q.where((eb) => eb.or([eb('f.name_en', 'ilike', text), eb('f.code', 'ilike', text)]));
      }
      if (vis) {
        const { areaPaths, facilityIds } = vis;
        if (!areaPaths.length && !facilityIds.length) return Promise.resolve([]);
        q = q.where((eb) =>
          eb.or([
            // The national store belongs to the whole country, not to the area it stands in.
            ...areaPaths.map((p) => eb.and([eb('a.path', 'like', `${p}%`), eb('s.level', '<>', 'national')])),
            ...(facilityIds.length
              ? [eb('s.facility_id', 'in', facilityIds), eb('s.parent_facility_id', 'in', facilityIds)]
              : []),
          ]),
        );
      }
      return q.execute();
    },

    findProduct(id: number) {
      return db
        .selectFrom('vaccine_product')
        .select(['id', 'code', 'name', 'open_vial_hours', 'doses_per_vial'])
        .where('id', '=', id)
        .executeTakeFirst();
    },
    findLots(ids: number[]) {
      if (!ids.length) return Promise.resolve([]);
      return db
        .selectFrom('lot as l')
        .innerJoin('vaccine_product as p', 'p.id', 'l.product_id')
        .select([
          'l.id',
          'l.product_id',
          'l.lot_number',
          'l.manufacturer',
          'l.expires_on',
          'l.doses_per_vial',
          'l.created_at',
          'p.code as product_code',
          'p.name as product_name',
          'p.open_vial_hours',
        ])
        .where('l.id', 'in', ids)
        .execute();
    },
    listLots(filter: { productId?: number | undefined; q?: string | undefined; limit: number }) {
      let q = db
        .selectFrom('lot as l')
        .innerJoin('vaccine_product as p', 'p.id', 'l.product_id')
        .select([
          'l.id',
          'l.product_id',
          'l.lot_number',
          'l.manufacturer',
          'l.expires_on',
          'l.doses_per_vial',
          'l.created_at',
          'p.code as product_code',
        ])
        .orderBy('l.expires_on')
        .orderBy('l.id')
        .limit(filter.limit);
      if (filter.productId) q = q.where('l.product_id', '=', filter.productId);
      if (filter.q) q = q.where('l.lot_number', 'ilike', containsPattern(filter.q));
      return q.execute();
    },
    insertLot(row: {
      product_id: number;
      lot_number: string;
      manufacturer: string;
      expires_on: string;
      doses_per_vial: number;
      created_by: number;
    }) {
      return db.insertInto('lot').values(row).returning('id').executeTakeFirstOrThrow();
    },

    /** Balances of these lots in one store, locked until the transaction ends (0 when never held). */
    async lockBalances(storeId: number, lotIds: number[]): Promise<Map<number, number>> {
      const rows = lotIds.length
        ? await db
            .selectFrom('stock_balance')
            .select(['lot_id', 'quantity'])
            .where('store_id', '=', storeId)
            .where('lot_id', 'in', lotIds)
            .orderBy('lot_id')
            .forUpdate()
            .execute()
        : [];
      const out = new Map<number, number>(lotIds.map((id) => [id, 0]));
      for (const r of rows) out.set(r.lot_id, r.quantity);
      return out;
    },
    /** A store's stock of one product by lot, locked, for dispatch. */
    lockProductStock(storeId: number, productId: number) {
      return db
        .selectFrom('stock_balance as b')
        .innerJoin('lot as l', 'l.id', 'b.lot_id')
        .select(['l.id as lot_id', 'l.lot_number', 'l.expires_on', 'b.quantity'])
        .where('b.store_id', '=', storeId)
        .where('l.product_id', '=', productId)
        .where('b.quantity', '>', 0)
        .orderBy('l.expires_on')
        .orderBy('l.id')
        .forUpdate()
        .execute();
    },
    productStock(storeId: number, productId: number) {
      return db
        .selectFrom('stock_balance as b')
        .innerJoin('lot as l', 'l.id', 'b.lot_id')
        .select(['l.id as lot_id', 'l.lot_number', 'l.expires_on', 'b.quantity'])
        .where('b.store_id', '=', storeId)
        .where('l.product_id', '=', productId)
        .where('b.quantity', '>', 0)
        .execute();
    },

    /** Appends ledger entries; the database keeps the balances and refuses to go below zero. */
    async post(entries: EntryInput[]) {
      if (!entries.length) return;
      try {
        await db.insertInto('stock_entry').values(entries).execute();
      } catch (err) {
        if (isInsufficientStock(err))
          throw conflict('insufficient_stock', 'The store does not hold enough doses of this lot for this.');
        throw err;
      }
    },

    storeStock(storeId: number) {
      return db
        .selectFrom('stock_balance as b')
        .innerJoin('lot as l', 'l.id', 'b.lot_id')
        .innerJoin('vaccine_product as p', 'p.id', 'l.product_id')
        .select([
          'b.lot_id',
          'b.quantity',
          'l.lot_number',
          'l.expires_on',
          'l.doses_per_vial',
          'l.product_id',
          'p.code as product_code',
          'p.name as product_name',
        ])
        .where('b.store_id', '=', storeId)
        .where('b.quantity', '>', 0)
        .orderBy('p.code')
        .orderBy('l.expires_on')
        .execute();
    },

    /**
     * Per store of the subtree of `storeId` and product: unexpired doses held, and doses given over
     * the last 14 days in that store and every store below it.
     */
    async supplyBySubtree(storeId: number, today: string, onlyRoot: boolean) {
      const { rows } = await sql<{ store_id: number; product_id: number; quantity: number; used: number }>`
        ${subtree(storeId)},
        closure(anc, id) as (
          select id, id from sub
          union all
          select c.anc, s.facility_id from closure c join store s on s.parent_facility_id = c.id
        ),
        used as (
          select e.from_store_id as id, l.product_id, sum(e.quantity)::bigint as q
          from stock_entry e join lot l on l.id = e.lot_id
          where e.to_party = 'administered' and e.recorded_at >= now() - interval '14 days'
            and e.from_store_id in (select id from sub)
          group by 1, 2
        ),
        use_by_store as (
          select c.anc as id, u.product_id, sum(u.q)::bigint as q
          from closure c join used u on u.id = c.id
          where ${onlyRoot ? sql`c.anc = ${storeId}` : sql`true`}
          group by 1, 2
        ),
        held as (
          select b.store_id as id, l.product_id,
                 sum(case when l.expires_on >= ${today}::date then b.quantity else 0 end)::bigint as q
          from stock_balance b join lot l on l.id = b.lot_id
          where b.store_id in (select id from sub) and ${onlyRoot ? sql`b.store_id = ${storeId}` : sql`true`}
          group by 1, 2
        )
        select coalesce(h.id, u.id) as store_id, coalesce(h.product_id, u.product_id) as product_id,
               coalesce(h.q, 0) as quantity, coalesce(u.q, 0) as used
        from held h full join use_by_store u on u.id = h.id and u.product_id = h.product_id`.execute(db);
      return rows.map((r) => ({
        storeId: Number(r.store_id),
        productId: Number(r.product_id),
        quantity: Number(r.quantity),
        used: Number(r.used),
      }));
    },

    async expiringInSubtree(storeId: number, until: string) {
      const { rows } = await sql<{
        store_id: number;
        store_name: string;
        lot_id: number;
        lot_number: string;
        product_code: string;
        expires_on: string;
        quantity: number;
      }>`
        ${subtree(storeId)}
        select b.store_id, f.name_en as store_name, l.id as lot_id, l.lot_number, p.code as product_code,
               l.expires_on, b.quantity
        from stock_balance b
        join lot l on l.id = b.lot_id
        join vaccine_product p on p.id = l.product_id
        join facility f on f.id = b.store_id
        where b.store_id in (select id from sub) and b.quantity > 0 and l.expires_on <= ${until}::date
        order by l.expires_on, f.name_en, l.id
        limit 1000`.execute(db);
      return rows;
    },

    /** Given (net of given back by corrections) and wasted doses per facility and product, between two instants. */
    async wastage(storeId: number, from: Date, to: Date) {
      const { rows } = await sql<{
        facility_id: number;
        facility_name: string;
        product_id: number;
        product_code: string;
        administered: number;
        wasted: number;
      }>`
        ${subtree(storeId)},
        moves as (
          select e.from_store_id as facility_id, e.lot_id,
                 case when e.to_party = 'administered' then e.quantity else 0 end as administered,
                 case when e.to_party = 'wasted' then e.quantity else 0 end as wasted
          from stock_entry e
          where e.from_store_id in (select id from sub) and e.to_party in ('administered', 'wasted')
            and e.recorded_at >= ${from} and e.recorded_at < ${to}
          union all
          select e.to_store_id, e.lot_id, -e.quantity, 0
          from stock_entry e
          where e.to_store_id in (select id from sub) and e.from_party = 'administered'
            and e.recorded_at >= ${from} and e.recorded_at < ${to}
        )
        select m.facility_id, f.name_en as facility_name, l.product_id, p.code as product_code,
               greatest(sum(m.administered), 0)::bigint as administered, sum(m.wasted)::bigint as wasted
        from moves m
        join lot l on l.id = m.lot_id
        join vaccine_product p on p.id = l.product_id
        join facility f on f.id = m.facility_id
        group by m.facility_id, f.name_en, l.product_id, p.code
        order by f.name_en, p.code
        limit 5000`.execute(db);
      return rows;
    },

    /** People vaccinated (at least one dose that stands) who live in an area subtree, less some subtrees. */
    async vaccinatedIn(areaPath: string, excluded: string[]) {
      const { rows } = await sql<{ n: number }>`
        select count(distinct d.person_id)::bigint as n
        from dose d
        join person p on p.id = d.person_id
        join area a on a.id = p.area_id
        where d.voided_at is null and d.voided_by_correction is null
          and a.path like ${`${areaPath}%`}
          and not (a.path like any(${excluded.map((e) => `${e}%`)}::text[]))`.execute(db);
      return Number(rows[0]?.n ?? 0);
    },

    ledger(storeId: number, q: { lotId?: number | undefined; cursor?: number | undefined; limit: number }) {
      let query = db
        .selectFrom('stock_entry as e')
        .innerJoin('lot as l', 'l.id', 'e.lot_id')
        .innerJoin('vaccine_product as p', 'p.id', 'l.product_id')
        .selectAll('e')
        .select(['l.lot_number', 'p.code as product_code'])
        .where((eb) => eb.or([eb('e.from_store_id', '=', storeId), eb('e.to_store_id', '=', storeId)]))
        .orderBy('e.id', 'desc')
        .limit(q.limit + 1);
      if (q.lotId) query = query.where('e.lot_id', '=', q.lotId);
      if (q.cursor) query = query.where('e.id', '<', q.cursor);
      return query.execute();
    },
  };
}

export type StockRepository = ReturnType<typeof stockRepository>;
