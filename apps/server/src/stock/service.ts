import { sql } from 'kysely';
import {
  ADJUSTMENT_SINK,
  adjustmentChange,
  daysBetween,
  daysOfSupply,
  isLotExpired,
  isLotExpiringSoon,
  isLowStock,
  isValidIsoDate,
  addDays,
  pickFirstExpiryFirstOut,
  suggestAllocation,
  transferLineOutcome,
  wastageRate,
} from '@dosewise/domain';
import { withTransaction, type Db, type Queryable } from '../db/database.ts';
import type { StoreLevel } from '../db/schema.ts';
import { listScope, type Principal, type Scope } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError, badRequest, conflict, notFound } from '../http/errors.ts';
import { todayIn } from '../registration/calendar.ts';
import { stockRepository, type EntryInput } from './repository.ts';
import { ensureStores } from './stores.ts';
import { closeVial, openVialStatement } from './vials.ts';
import type {
  AdjustmentCreateT,
  LotDto,
  ReceiptCreateT,
  StoreDto,
  TransferCreateT,
  TransferDto,
  TransferReceiveT,
  VialDto,
} from './schemas.ts';

export interface StockSettings {
  timeZone: string;
  lowDays: number;
  /** The facility code of the national store (NATIONAL_STORE_CODE). */
  nationalStoreCode?: string;
  expiryAlertDays: number;
}

/** Largest document kept with a receipt, and all of a receipt's documents together (bytes). */
export const DOCUMENT_MAX_BYTES = 2 * 1024 * 1024;
export const DOCUMENTS_MAX_BYTES = 8 * 1024 * 1024;

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
const field = (name: string) => [{ field: name }];

type StoreRow = NonNullable<Awaited<ReturnType<ReturnType<typeof stockRepository>['findStore']>>>;

const toStore = (r: StoreRow): StoreDto => ({
  facilityId: r.facility_id,
  code: r.code,
  nameEn: r.name_en,
  nameBn: r.name_bn,
  level: r.level,
  parentFacilityId: r.parent_facility_id,
  areaId: r.area_id,
  childCount: r.child_count,
});

const insufficient = (lines: { lotId: number; requested: number; available: number }[]) =>
  conflict(
    'insufficient_stock',
    lines.length === 1
      ? `The store holds ${lines[0]!.available} doses of this lot; ${lines[0]!.requested} were asked for.`
      : 'The store does not hold enough doses of some lots.',
    lines,
  );

export function stockService(deps: { db: Db; read: Db; settings: StockSettings }) {
  const { db, read, settings } = deps;
  const today = () => todayIn(settings.timeZone);
  /** Midnight at the start of a calendar date in the programme's time zone. */
  const startOfDay = async (q: Queryable, date: string): Promise<Date> => {
    const { rows } = await sql<{
      t: Date;
    }>`select (${date}::date::timestamp at time zone ${settings.timeZone}) as t`.execute(q);
    return rows[0]!.t;
  };

  const audit = (
    q: Queryable,
    actor: Principal,
    ctx: RequestContext,
    action: string,
    entityType: string,
    entityId: number,
    areaId: number | null,
    details: Record<string, unknown> = {},
  ) =>
    recordAudit(q, {
      actorKind: 'staff',
      actorId: actor.userId,
      action,
      entityType,
      entityId,
      areaId,
      requestId: ctx.requestId,
      ip: ctx.ip,
      details,
    });

  async function store(q: Queryable, id: number, what = 'The store') {
    const s = await stockRepository(q).findStore(id);
    if (!s) throw notFound(what);
    return s;
  }

  /** The lots, by id; `fieldName` is the list the ids came from, or undefined for a single `lotId`. */
  async function lotsById(q: Queryable, ids: number[], fieldName?: string) {
    const rows = await stockRepository(q).findLots([...new Set(ids)]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    ids.forEach((id, i) => {
      if (!byId.has(id))
        throw badRequest(
          'unknown_lot',
          `Lot ${id} does not exist.`,
          field(fieldName ? `${fieldName}.${i}.lotId` : 'lotId'),
        );
    });
    return byId;
  }

  function noDuplicateLots(lines: { lotId: number }[], fieldName: string) {
    const seen = new Set<number>();
    lines.forEach((l, i) => {
      if (seen.has(l.lotId))
        throw badRequest(
          'duplicate_lot',
          'A lot appears on more than one line; put its doses on one line.',
          field(`${fieldName}.${i}.lotId`),
        );
      seen.add(l.lotId);
    });
  }

  /** Transfers with their lines, in the order of `ids`: two statements however many there are. */
  async function transferDtos(q: Queryable, ids: number[]): Promise<TransferDto[]> {
    if (!ids.length) return [];
    const transfers = await q
      .selectFrom('stock_transfer as t')
      .innerJoin('facility as ff', 'ff.id', 't.from_store_id')
      .innerJoin('facility as tf', 'tf.id', 't.to_store_id')
      .selectAll('t')
      .select([
        'ff.code as from_code',
        'ff.name_en as from_name',
        'tf.code as to_code',
        'tf.name_en as to_name',
      ])
      .where('t.id', 'in', ids)
      .execute();
    const lines = await q
      .selectFrom('stock_transfer_line as x')
      .innerJoin('lot as l', 'l.id', 'x.lot_id')
      .innerJoin('vaccine_product as p', 'p.id', 'l.product_id')
      .select([
        'x.transfer_id',
        'x.lot_id',
        'x.dispatched_doses',
        'x.received_doses',
        'x.discrepancy_reason',
        'l.lot_number',
        'l.expires_on',
        'l.product_id',
        'p.code as product_code',
      ])
      .where('x.transfer_id', 'in', ids)
      .orderBy('p.code')
      .orderBy('l.expires_on')
      .orderBy('l.id')
      .execute();
    const byId = new Map(transfers.map((t) => [t.id, t]));
    return ids
      .filter((id) => byId.has(id))
      .map((id) => {
        const t = byId.get(id)!;
        return {
          id: t.id,
          fromStoreId: t.from_store_id,
          toStoreId: t.to_store_id,
          fromStore: { id: t.from_store_id, code: t.from_code, nameEn: t.from_name },
          toStore: { id: t.to_store_id, code: t.to_code, nameEn: t.to_name },
          planId: t.plan_id,
          status: t.status,
          note: t.note,
          dispatchedBy: t.dispatched_by,
          dispatchedAt: iso(t.dispatched_at),
          receivedBy: t.received_by,
          receivedAt: t.received_at ? iso(t.received_at) : null,
          lines: lines
            .filter((l) => l.transfer_id === id)
            .map((l) => ({
              lotId: l.lot_id,
              lotNumber: l.lot_number,
              productId: l.product_id,
              productCode: l.product_code,
              expiresOn: l.expires_on,
              dispatchedDoses: l.dispatched_doses,
              receivedDoses: l.received_doses,
              discrepancyReason: l.discrepancy_reason,
            })),
        };
      });
  }

  async function transferDto(q: Queryable, id: number): Promise<TransferDto> {
    const [t] = await transferDtos(q, [id]);
    if (!t) throw notFound('The transfer');
    return t;
  }

  /** Dispatch inside a transaction: the rules of every transfer, from the console or from a plan. */
  async function dispatchIn(
    trx: Queryable,
    actor: Principal,
    input: TransferCreateT & { planId?: number },
  ): Promise<number> {
    const repo = stockRepository(trx);
    if (input.fromStoreId === input.toStoreId)
      throw badRequest('not_adjacent_store', 'A store cannot send stock to itself.', field('toStoreId'));
    const from = await repo.findStore(input.fromStoreId);
    if (!from) throw badRequest('unknown_store', 'The sending store does not exist.', field('fromStoreId'));
    const to = await repo.findStore(input.toStoreId);
    if (!to) throw badRequest('unknown_store', 'The receiving store does not exist.', field('toStoreId'));
    if (to.parent_facility_id !== from.facility_id && from.parent_facility_id !== to.facility_id)
      throw badRequest(
        'not_adjacent_store',
        'Stock moves only between a store and the store directly above or below it.',
        field('toStoreId'),
      );
    noDuplicateLots(input.lines, 'lines');
    const lots = await lotsById(
      trx,
      input.lines.map((l) => l.lotId),
      'lines',
    );
    const t = today();
    input.lines.forEach((l, i) => {
      const lot = lots.get(l.lotId)!;
      if (isLotExpired(lot.expires_on, t))
        throw badRequest(
          'lot_expired',
          `Lot ${lot.lot_number} expired on ${lot.expires_on}; it cannot be sent.`,
          field(`lines.${i}.lotId`),
        );
    });
    const held = await repo.lockBalances(
      from.facility_id,
      input.lines.map((l) => l.lotId),
    );
    const short = input.lines
      .filter((l) => (held.get(l.lotId) ?? 0) < l.doses)
      .map((l) => ({ lotId: l.lotId, requested: l.doses, available: held.get(l.lotId) ?? 0 }));
    if (short.length) throw insufficient(short);
    const transfer = await trx
      .insertInto('stock_transfer')
      .values({
        from_store_id: from.facility_id,
        to_store_id: to.facility_id,
        plan_id: input.planId ?? null,
        note: input.note ?? '',
        dispatched_by: actor.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('stock_transfer_line')
      .values(
        input.lines.map((l) => ({ transfer_id: transfer.id, lot_id: l.lotId, dispatched_doses: l.doses })),
      )
      .execute();
    await repo.post(
      input.lines.map((l) => ({
        lot_id: l.lotId,
        quantity: l.doses,
        from_store_id: from.facility_id,
        to_party: 'in_transit' as const,
        kind: 'dispatch' as const,
        transfer_id: transfer.id,
        recorded_by: actor.userId,
      })),
    );
    return transfer.id;
  }

  async function planDto(q: Queryable, id: number) {
    const p = await q
      .selectFrom('allocation_plan as a')
      .innerJoin('vaccine_product as p', 'p.id', 'a.product_id')
      .selectAll('a')
      .select('p.code as product_code')
      .where('a.id', '=', id)
      .executeTakeFirst();
    if (!p) throw notFound('The allocation plan');
    const lines = await q
      .selectFrom('allocation_line as l')
      .innerJoin('facility as f', 'f.id', 'l.to_store_id')
      .selectAll('l')
      .select('f.name_en')
      .where('l.plan_id', '=', id)
      .orderBy('f.name_en')
      .execute();
    const transfers = await q
      .selectFrom('stock_transfer')
      .select('id')
      .where('plan_id', '=', id)
      .orderBy('id')
      .execute();
    return {
      id: p.id,
      fromStoreId: p.from_store_id,
      productId: p.product_id,
      productCode: p.product_code,
      totalDoses: p.total_doses,
      status: p.status,
      dispatched: transfers.length > 0,
      transferIds: transfers.map((t) => t.id),
      createdBy: p.created_by,
      createdAt: iso(p.created_at),
      approvedBy: p.approved_by,
      approvedAt: p.approved_at ? iso(p.approved_at) : null,
      lines: lines.map((l) => ({
        toStoreId: l.to_store_id,
        storeName: l.name_en,
        population: l.population,
        vaccinated: l.vaccinated,
        suggestedDoses: l.suggested_doses,
        doses: l.doses,
      })),
    };
  }

  async function lockPlan(trx: Queryable, id: number) {
    const p = await trx
      .selectFrom('allocation_plan')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!p) throw notFound('The allocation plan');
    return p;
  }

  const planCancelled = () =>
    conflict(
      'plan_cancelled',
      'This plan was cancelled; it can no longer be changed, approved or dispatched.',
    );
  const hasTransfers = async (trx: Queryable, planId: number) =>
    !!(await trx.selectFrom('stock_transfer').select('id').where('plan_id', '=', planId).executeTakeFirst());

  const vialDto = (r: {
    id: number;
    lot_id: number;
    lot_number: string;
    product_code: string;
    doses_per_vial: number;
    doses_used: number;
    opened_at: Date;
    usable_until: Date;
    opened_by: number | null;
    closed_at: Date | null;
    doses_wasted: number | null;
    close_reason: string | null;
  }): VialDto => ({
    id: r.id,
    lotId: r.lot_id,
    lotNumber: r.lot_number,
    productCode: r.product_code,
    dosesPerVial: r.doses_per_vial,
    dosesUsed: r.doses_used,
    openedAt: iso(r.opened_at),
    usableUntil: iso(r.usable_until),
    openedBy: r.opened_by,
    closedAt: r.closed_at ? iso(r.closed_at) : null,
    dosesWasted: r.doses_wasted,
    closeReason: r.close_reason,
  });

  const vialQuery = (q: Queryable) =>
    q
      .selectFrom('open_vial as v')
      .innerJoin('lot as l', 'l.id', 'v.lot_id')
      .innerJoin('vaccine_product as p', 'p.id', 'l.product_id')
      .selectAll('v')
      .select(['l.lot_number', 'p.code as product_code']);

  return {
    /** The scope a store's routes are authorized against. The national store belongs to the whole country. */
    async storeScope(id: number): Promise<Scope> {
      const s = await store(read, id);
      return {
        kind: 'facility',
        facilityId: s.facility_id,
        areaPath: s.level === 'national' ? '/' : s.area_path,
      };
    },
    async transferScopes(id: number): Promise<{ from: Scope; to: Scope }> {
      const t = await read
        .selectFrom('stock_transfer')
        .select(['from_store_id', 'to_store_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!t) throw notFound('The transfer');
      return { from: await this.storeScope(t.from_store_id), to: await this.storeScope(t.to_store_id) };
    },
    async planStore(id: number): Promise<number> {
      const p = await read
        .selectFrom('allocation_plan')
        .select('from_store_id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!p) throw notFound('The allocation plan');
      return p.from_store_id;
    },
    async receiptStore(id: number): Promise<number> {
      const r = await read
        .selectFrom('stock_receipt')
        .select('store_id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!r) throw notFound('The receipt');
      return r.store_id;
    },

    /** Derives missing store rows (see stores.ts); call after facilities are created or imported. */
    ensureStores: (actor: Principal, ctx: RequestContext) =>
      withTransaction(db, async (trx) => {
        const r = await ensureStores(trx, { nationalStoreCode: settings.nationalStoreCode });
        await audit(trx, actor, ctx, 'stores.derived', 'store', r.nationalStoreId ?? 0, null, {
          created: r.created,
          byLevel: r.byLevel,
        });
        return r;
      }),

    async listStores(
      principal: Principal,
      filter: {
        parentId?: number | undefined;
        level?: StoreLevel | undefined;
        q?: string | undefined;
        limit?: number | undefined;
      },
    ) {
      const scope = listScope(principal, 'stock.read');
      const rows = await stockRepository(read).listStores(
        { ...filter, limit: filter.limit ?? 500 },
        scope.all ? null : scope,
      );
      return { items: rows.map(toStore) };
    },
    async getStore(id: number) {
      const repo = stockRepository(read);
      const s = await store(read, id);
      const parent = s.parent_facility_id ? await repo.findStore(s.parent_facility_id) : undefined;
      return {
        ...toStore(s),
        parent: parent ? toStore(parent) : null,
        children: (await repo.children(id)).map(toStore),
      };
    },
    async storeStock(id: number) {
      await store(read, id);
      const t = today();
      const repo = stockRepository(read);
      const rows = await repo.storeStock(id);
      const supply = await repo.supplyBySubtree(id, t, true);
      const codes = new Map(rows.map((r) => [r.product_id, r.product_code]));
      const missing = supply.filter((s) => !codes.has(s.productId)).map((s) => s.productId);
      if (missing.length)
        for (const p of await read
          .selectFrom('vaccine_product')
          .select(['id', 'code'])
          .where('id', 'in', missing)
          .execute())
          codes.set(p.id, p.code);
      return {
        items: rows.map((r) => ({
          lotId: r.lot_id,
          lotNumber: r.lot_number,
          productId: r.product_id,
          productCode: r.product_code,
          productName: r.product_name,
          expiresOn: r.expires_on,
          dosesPerVial: r.doses_per_vial,
          quantity: r.quantity,
          expired: isLotExpired(r.expires_on, t),
          expiringSoon: isLotExpiringSoon(r.expires_on, t, settings.expiryAlertDays),
        })),
        products: supply
          .map((s) => {
            const d = daysOfSupply(s.quantity, s.used);
            return {
              productId: s.productId,
              productCode: codes.get(s.productId) ?? String(s.productId),
              quantity: s.quantity,
              dailyUse: d.dailyUse,
              daysOfSupply: d.daysOfSupply,
              low: isLowStock(d.daysOfSupply, settings.lowDays),
            };
          })
          .sort((a, b) => a.productCode.localeCompare(b.productCode)),
      };
    },

    async listLots(filter: {
      productId?: number | undefined;
      q?: string | undefined;
      limit?: number | undefined;
    }) {
      const t = today();
      const rows = await stockRepository(read).listLots({ ...filter, limit: filter.limit ?? 200 });
      return {
        items: rows.map((r): LotDto => ({
          id: r.id,
          productId: r.product_id,
          productCode: r.product_code,
          lotNumber: r.lot_number,
          manufacturer: r.manufacturer,
          expiresOn: r.expires_on,
          dosesPerVial: r.doses_per_vial,
          expired: isLotExpired(r.expires_on, t),
          createdAt: iso(r.created_at),
        })),
      };
    },
    async createLot(
      actor: Principal,
      input: {
        productId: number;
        lotNumber: string;
        manufacturer: string;
        expiresOn: string;
        dosesPerVial: number;
      },
      ctx: RequestContext,
    ): Promise<LotDto> {
      if (!isValidIsoDate(input.expiresOn))
        throw badRequest('invalid_date', 'The expiry date is not a calendar date.', field('expiresOn'));
      return withTransaction(db, async (trx) => {
        const repo = stockRepository(trx);
        const product = await repo.findProduct(input.productId);
        if (!product) throw badRequest('unknown_product', 'This vaccine does not exist.', field('productId'));
        const exists = await trx
          .selectFrom('lot')
          .select('id')
          .where('product_id', '=', input.productId)
          .where('lot_number', '=', input.lotNumber)
          .executeTakeFirst();
        if (exists)
          throw conflict('lot_exists', `Lot ${input.lotNumber} of ${product.code} is already registered.`);
        const { id } = await repo.insertLot({
          product_id: input.productId,
          lot_number: input.lotNumber,
          manufacturer: input.manufacturer.trim(),
          expires_on: input.expiresOn,
          doses_per_vial: input.dosesPerVial,
          created_by: actor.userId,
        });
        await audit(trx, actor, ctx, 'stock.lot.created', 'lot', id, null, { productId: input.productId });
        const r = (await repo.findLots([id]))[0]!;
        return {
          id,
          productId: r.product_id,
          productCode: r.product_code,
          lotNumber: r.lot_number,
          manufacturer: r.manufacturer,
          expiresOn: r.expires_on,
          dosesPerVial: r.doses_per_vial,
          expired: isLotExpired(r.expires_on, today()),
          createdAt: iso(r.created_at),
        };
      });
    },

    async createReceipt(actor: Principal, storeId: number, input: ReceiptCreateT, ctx: RequestContext) {
      const t = today();
      if (input.receivedOn > t)
        throw badRequest('date_in_future', 'A receipt cannot be dated in the future.', field('receivedOn'));
      const documents = (input.documents ?? []).map((d, i) => {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(d.contentBase64) || d.contentBase64.length % 4 !== 0)
          throw badRequest(
            'invalid_document',
            'A document is not valid base64.',
            field(`documents.${i}.contentBase64`),
          );
        const content = Buffer.from(d.contentBase64, 'base64');
        if (content.length === 0)
          throw badRequest('invalid_document', 'A document is empty.', field(`documents.${i}.contentBase64`));
        if (content.length > DOCUMENT_MAX_BYTES)
          throw badRequest(
            'document_too_large',
            `A document may be at most ${DOCUMENT_MAX_BYTES / 1048576} MB.`,
            field(`documents.${i}`),
          );
        return { ...d, content };
      });
      if (documents.reduce((s, d) => s + d.content.length, 0) > DOCUMENTS_MAX_BYTES)
        throw badRequest(
          'document_too_large',
          `A receipt's documents may be at most ${DOCUMENTS_MAX_BYTES / 1048576} MB together.`,
          field('documents'),
        );
      noDuplicateLots(input.lines, 'lines');
      return withTransaction(db, async (trx) => {
        const s = await store(trx, storeId);
        if (s.level !== 'national')
          throw badRequest(
            'not_national_store',
            'Deliveries from suppliers are received into the national store only.',
          );
        const lots = await lotsById(
          trx,
          input.lines.map((l) => l.lotId),
          'lines',
        );
        input.lines.forEach((l, i) => {
          const lot = lots.get(l.lotId)!;
          if (isLotExpired(lot.expires_on, input.receivedOn))
            throw badRequest(
              'lot_expired',
              `Lot ${lot.lot_number} had expired (${lot.expires_on}) when it was received.`,
              field(`lines.${i}.lotId`),
            );
        });
        const receipt = await trx
          .insertInto('stock_receipt')
          .values({
            store_id: s.facility_id,
            supplier: input.supplier.trim(),
            reference: input.reference.trim(),
            received_on: input.receivedOn,
            note: input.note ?? '',
            recorded_by: actor.userId,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await stockRepository(trx).post(
          input.lines.map((l) => ({
            lot_id: l.lotId,
            quantity: l.doses,
            from_party: 'supplier' as const,
            to_store_id: s.facility_id,
            kind: 'receipt' as const,
            receipt_id: receipt.id,
            recorded_by: actor.userId,
          })),
        );
        if (documents.length)
          await trx
            .insertInto('stock_document')
            .values(
              documents.map((d) => ({
                receipt_id: receipt.id,
                file_name: d.fileName,
                content_type: d.contentType,
                content: d.content,
              })),
            )
            .execute();
        await audit(trx, actor, ctx, 'stock.receipt.created', 'stock_receipt', receipt.id, s.area_id, {
          lines: input.lines.length,
          documents: documents.length,
        });
        return (await this.listReceipts(storeId, trx, receipt.id))[0]!;
      });
    },
    async listReceipts(storeId: number, q: Queryable = read, only?: number) {
      await store(q, storeId);
      let query = q
        .selectFrom('stock_receipt')
        .selectAll()
        .where('store_id', '=', storeId)
        .orderBy('received_on', 'desc')
        .orderBy('id', 'desc')
        .limit(200);
      if (only) query = query.where('id', '=', only);
      const receipts = await query.execute();
      const ids = receipts.map((r) => r.id);
      const lines = ids.length
        ? await q
            .selectFrom('stock_entry as e')
            .innerJoin('lot as l', 'l.id', 'e.lot_id')
            .innerJoin('vaccine_product as p', 'p.id', 'l.product_id')
            .select(['e.receipt_id', 'e.lot_id', 'e.quantity', 'l.lot_number', 'l.expires_on', 'p.code'])
            .where('e.receipt_id', 'in', ids)
            .orderBy('e.id')
            .execute()
        : [];
      const docs = ids.length
        ? await q
            .selectFrom('stock_document')
            .select([
              'id',
              'receipt_id',
              'file_name',
              'content_type',
              sql<number>`octet_length(content)`.as('size'),
            ])
            .where('receipt_id', 'in', ids)
            .orderBy('id')
            .execute()
        : [];
      return receipts.map((r) => ({
        id: r.id,
        storeId: r.store_id,
        supplier: r.supplier,
        reference: r.reference,
        receivedOn: r.received_on,
        note: r.note,
        recordedBy: r.recorded_by,
        createdAt: iso(r.created_at),
        lines: lines
          .filter((l) => l.receipt_id === r.id)
          .map((l) => ({
            lotId: l.lot_id,
            lotNumber: l.lot_number,
            productCode: l.code,
            expiresOn: l.expires_on,
            doses: l.quantity,
          })),
        documents: docs
          .filter((d) => d.receipt_id === r.id)
          .map((d) => ({
            id: d.id,
            fileName: d.file_name,
            contentType: d.content_type,
            size: Number(d.size),
          })),
      }));
    },
    async receiptDocument(receiptId: number, documentId: number) {
      const d = await read
        .selectFrom('stock_document')
        .select(['file_name', 'content_type', 'content'])
        .where('id', '=', documentId)
        .where('receipt_id', '=', receiptId)
        .executeTakeFirst();
      if (!d) throw notFound('The document');
      return { fileName: d.file_name, contentType: d.content_type, content: d.content };
    },

    /**
     * A plan to share `totalDoses` of a product between the stores directly below. Each store's
     * catchment is the population of its area, less the areas of other stores below it that lie
     * inside (a district hospital's catchment is its district less the upazilas that have their own
     * centre), shared equally between stores of the same area. "Vaccinated" counts the people who
     * live there (the person's area, not where the dose was given) with at least one dose that stands.
     */
    async createPlan(
      actor: Principal,
      fromStoreId: number,
      input: { productId: number; totalDoses: number },
      ctx: RequestContext,
    ) {
      return withTransaction(db, async (trx) => {
        const repo = stockRepository(trx);
        const from = await store(trx, fromStoreId);
        const product = await repo.findProduct(input.productId);
        if (!product) throw badRequest('unknown_product', 'This vaccine does not exist.', field('productId'));
        const children = await repo.children(fromStoreId);
        if (!children.length)
          throw badRequest(
            'no_stores_below',
            'No store is supplied from this store; there is nothing to allocate.',
          );
        const needs: { population: number; vaccinated: number }[] = [];
        for (const c of children) {
          const inside = children.filter(
            (o) => o.area_path !== c.area_path && o.area_path.startsWith(c.area_path),
          );
          const excluded = [...new Set(inside.map((o) => o.area_path))].filter(
            (p, _, all) => !all.some((o) => o !== p && p.startsWith(o)),
          );
          const excludedPopulation = excluded.reduce(
            (s, p) => s + Number(inside.find((o) => o.area_path === p)?.population ?? 0),
            0,
          );
          const sharing = children.filter((o) => o.area_path === c.area_path).length;
          const population = Math.max(0, Number(c.population ?? 0) - excludedPopulation);
          const vaccinated = await repo.vaccinatedIn(c.area_path, excluded);
          needs.push({
            population: Math.round(population / sharing),
            vaccinated: Math.round(vaccinated / sharing),
          });
        }
        const suggested = suggestAllocation(input.totalDoses, needs);
        const plan = await trx
          .insertInto('allocation_plan')
          .values({
            from_store_id: fromStoreId,
            product_id: input.productId,
            total_doses: input.totalDoses,
            created_by: actor.userId,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('allocation_line')
          .values(
            children.map((c, i) => ({
              plan_id: plan.id,
              to_store_id: c.facility_id,
              suggested_doses: suggested[i]!,
              doses: suggested[i]!,
              population: needs[i]!.population,
              vaccinated: needs[i]!.vaccinated,
            })),
          )
          .execute();
        await audit(trx, actor, ctx, 'stock.plan.created', 'allocation_plan', plan.id, from.area_id, {
          productId: input.productId,
          totalDoses: input.totalDoses,
        });
        return planDto(trx, plan.id);
      });
    },
    getPlan: (id: number) => planDto(read, id),
    async setPlanLines(
      actor: Principal,
      id: number,
      lines: { toStoreId: number; doses: number }[],
      ctx: RequestContext,
    ) {
      return withTransaction(db, async (trx) => {
        const p = await lockPlan(trx, id);
        if (p.status === 'cancelled') throw planCancelled();
        if (p.status !== 'draft')
          throw conflict('plan_not_draft', 'Only a draft plan can be changed; this one is ' + p.status + '.');
        const current = await trx
          .selectFrom('allocation_line')
          .select('to_store_id')
          .where('plan_id', '=', id)
          .execute();
        const known = new Set(current.map((c) => c.to_store_id));
        const seen = new Set<number>();
        lines.forEach((l, i) => {
          if (!known.has(l.toStoreId))
            throw badRequest(
              'not_in_plan',
              "This store is not supplied from the plan's store.",
              field(`lines.${i}.toStoreId`),
            );
          if (seen.has(l.toStoreId))
            throw badRequest(
              'duplicate_store',
              'A store appears on more than one line.',
              field(`lines.${i}.toStoreId`),
            );
          seen.add(l.toStoreId);
        });
        for (const l of lines)
          await trx
            .updateTable('allocation_line')
            .set({ doses: l.doses })
            .where('plan_id', '=', id)
            .where('to_store_id', '=', l.toStoreId)
            .execute();
        const total = await trx
          .selectFrom('allocation_line')
          .select(sql<number>`coalesce(sum(doses), 0)::bigint`.as('n'))
          .where('plan_id', '=', id)
          .executeTakeFirstOrThrow();
        if (Number(total.n) <= 0)
          throw badRequest('empty_plan', 'A plan must send at least one dose.', field('lines'));
        await trx
          .updateTable('allocation_plan')
          .set({ total_doses: Number(total.n) })
          .where('id', '=', id)
          .execute();
        await audit(trx, actor, ctx, 'stock.plan.changed', 'allocation_plan', id, null, {
          lines: lines.length,
        });
        return planDto(trx, id);
      });
    },
    async approvePlan(actor: Principal, id: number, ctx: RequestContext) {
      return withTransaction(db, async (trx) => {
        const p = await lockPlan(trx, id);
        if (p.status === 'cancelled') throw planCancelled();
        if (p.status !== 'draft')
          throw conflict('plan_not_draft', `This plan is ${p.status}; only a draft can be approved.`);
        await trx
          .updateTable('allocation_plan')
          .set({ status: 'approved', approved_by: actor.userId, approved_at: sql`now()` })
          .where('id', '=', id)
          .execute();
        await audit(trx, actor, ctx, 'stock.plan.approved', 'allocation_plan', id, null);
        return planDto(trx, id);
      });
    },
    /** Turns an approved plan into one transfer per store with doses, lots first-expiry-first-out. */
    async dispatchPlan(actor: Principal, id: number, ctx: RequestContext) {
      return withTransaction(db, async (trx) => {
        const p = await lockPlan(trx, id);
        if (p.status === 'cancelled') throw planCancelled();
        if (p.status !== 'approved')
          throw conflict('plan_not_approved', 'A plan is dispatched once it has been approved.');
        if (await hasTransfers(trx, id))
          throw conflict('plan_already_dispatched', 'This plan has already been dispatched.');
        const lines = await trx
          .selectFrom('allocation_line')
          .select(['to_store_id', 'doses'])
          .where('plan_id', '=', id)
          .where('doses', '>', 0)
          .orderBy('to_store_id')
          .execute();
        const stock = (await stockRepository(trx).lockProductStock(p.from_store_id, p.product_id)).map(
          (s) => ({
            lotId: s.lot_id,
            expiresOn: s.expires_on,
            quantity: s.quantity,
          }),
        );
        const t = today();
        const need = lines.reduce((s, l) => s + l.doses, 0);
        const all = pickFirstExpiryFirstOut(stock, need, t);
        if (all.short > 0)
          throw conflict(
            'insufficient_stock',
            `The store holds ${need - all.short} usable doses of this vaccine; the plan sends ${need}.`,
            [{ requested: need, available: need - all.short }],
          );
        const ids: number[] = [];
        for (const l of lines) {
          const pick = pickFirstExpiryFirstOut(stock, l.doses, t);
          for (const x of pick.lines) stock.find((s) => s.lotId === x.lotId)!.quantity -= x.doses;
          const tid = await dispatchIn(trx, actor, {
            fromStoreId: p.from_store_id,
            toStoreId: l.to_store_id,
            lines: pick.lines.map((x) => ({ lotId: x.lotId, doses: x.doses })),
            note: `Allocation plan ${id}`,
            planId: id,
          });
          ids.push(tid);
        }
        const transfers = await transferDtos(trx, ids);
        await audit(trx, actor, ctx, 'stock.plan.dispatched', 'allocation_plan', id, null, {
          transfers: transfers.length,
        });
        return { plan: await planDto(trx, id), transfers };
      });
    },

    /**
     * Withdraws a draft or approved plan that has not been dispatched. The plan row is locked as
     * dispatch locks it, so a cancel and a dispatch of the same plan never both succeed. The plan
     * keeps no columns for this: who cancelled it, when and why are in the audit trail.
     */
    async cancelPlan(actor: Principal, id: number, reason: string, ctx: RequestContext) {
      const why = reason.trim();
      if (!why) throw badRequest('reason_required', 'Say why the plan is cancelled.', field('reason'));
      return withTransaction(db, async (trx) => {
        const p = await lockPlan(trx, id);
        if (p.status === 'cancelled')
          throw conflict('plan_cancelled', 'This plan has already been cancelled.');
        if (await hasTransfers(trx, id))
          throw conflict(
            'plan_already_dispatched',
            'This plan has been dispatched: its transfers have left the store, so it can no longer be cancelled.',
          );
        await trx.updateTable('allocation_plan').set({ status: 'cancelled' }).where('id', '=', id).execute();
        const from = await store(trx, p.from_store_id);
        await audit(trx, actor, ctx, 'stock.plan.cancelled', 'allocation_plan', id, from.area_id, {
          from: p.status,
          reason: why,
        });
        return planDto(trx, id);
      });
    },

    async dispatchSuggestion(storeId: number, productId: number, doses: number) {
      await store(read, storeId);
      const rows = await stockRepository(read).productStock(storeId, productId);
      const pick = pickFirstExpiryFirstOut(
        rows.map((r) => ({ lotId: r.lot_id, expiresOn: r.expires_on, quantity: r.quantity })),
        doses,
        today(),
      );
      const byId = new Map(rows.map((r) => [r.lot_id, r]));
      return {
        lines: pick.lines.map((l) => ({
          lotId: l.lotId,
          lotNumber: byId.get(l.lotId)!.lot_number,
          expiresOn: byId.get(l.lotId)!.expires_on,
          doses: l.doses,
        })),
        short: pick.short,
      };
    },

    async createTransfer(actor: Principal, input: TransferCreateT, ctx: RequestContext) {
      return withTransaction(db, async (trx) => {
        const id = await dispatchIn(trx, actor, input);
        const from = await store(trx, input.fromStoreId);
        await audit(trx, actor, ctx, 'stock.transfer.dispatched', 'stock_transfer', id, from.area_id, {
          toStoreId: input.toStoreId,
          lines: input.lines.length,
        });
        return transferDto(trx, id);
      });
    },
    getTransfer: (id: number) => transferDto(read, id),
    async listTransfers(q: {
      storeId: number;
      direction?: 'in' | 'out' | undefined;
      status?: 'dispatched' | 'received' | undefined;
      limit?: number | undefined;
    }) {
      await store(read, q.storeId);
      let query = read
        .selectFrom('stock_transfer')
        .select('id')
        .orderBy('dispatched_at', 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit ?? 100);
      query =
        q.direction === 'in'
          ? query.where('to_store_id', '=', q.storeId)
          : q.direction === 'out'
            ? query.where('from_store_id', '=', q.storeId)
            : query.where((eb) =>
                eb.or([eb('to_store_id', '=', q.storeId), eb('from_store_id', '=', q.storeId)]),
              );
      if (q.status) query = query.where('status', '=', q.status);
      const ids = await query.execute();
      return {
        items: await transferDtos(
          read,
          ids.map((r) => r.id),
        ),
      };
    },
    /**
     * What arrived, line by line. Doses that arrived go from in transit into the store, a shortfall
     * from in transit to lost, a surplus from adjustment into the store; any difference needs a reason.
     */
    async receiveTransfer(actor: Principal, id: number, input: TransferReceiveT, ctx: RequestContext) {
      return withTransaction(db, async (trx) => {
        const t = await trx
          .selectFrom('stock_transfer')
          .selectAll()
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!t) throw notFound('The transfer');
        if (t.status !== 'dispatched')
          throw conflict('already_received', 'This transfer has already been received.');
        const lines = await trx
          .selectFrom('stock_transfer_line')
          .selectAll()
          .where('transfer_id', '=', id)
          .execute();
        const byLot = new Map(lines.map((l) => [l.lot_id, l]));
        noDuplicateLots(input.lines, 'lines');
        input.lines.forEach((l, i) => {
          const line = byLot.get(l.lotId);
          if (!line)
            throw badRequest(
              'unknown_line',
              'This lot was not sent with this transfer.',
              field(`lines.${i}.lotId`),
            );
          if (l.receivedDoses !== line.dispatched_doses && !l.discrepancyReason?.trim())
            throw badRequest(
              'discrepancy_reason_required',
              `${l.receivedDoses} doses received where ${line.dispatched_doses} were sent: say why.`,
              field(`lines.${i}.discrepancyReason`),
            );
        });
        const missing = lines.filter((l) => !input.lines.some((x) => x.lotId === l.lot_id));
        if (missing.length)
          throw badRequest(
            'missing_lines',
            'Every lot of the transfer needs a line with the doses that arrived (0 when none did).',
            missing.map((m) => ({ field: 'lines', lotId: m.lot_id })),
          );
        const entries: EntryInput[] = [];
        for (const l of input.lines) {
          const line = byLot.get(l.lotId)!;
          const o = transferLineOutcome(line.dispatched_doses, l.receivedDoses);
          const base = { lot_id: l.lotId, transfer_id: id, recorded_by: actor.userId };
          if (o.arrived)
            entries.push({
              ...base,
              quantity: o.arrived,
              from_party: 'in_transit',
              to_store_id: t.to_store_id,
              kind: 'transfer_receipt',
            });
          if (o.lost)
            entries.push({
              ...base,
              quantity: o.lost,
              from_party: 'in_transit',
              to_party: 'lost',
              kind: 'transfer_discrepancy',
            });
          if (o.surplus)
            entries.push({
              ...base,
              quantity: o.surplus,
              from_party: 'adjustment',
              to_store_id: t.to_store_id,
              kind: 'transfer_discrepancy',
            });
          await trx
            .updateTable('stock_transfer_line')
            .set({
              received_doses: l.receivedDoses,
              discrepancy_reason: o.differs ? l.discrepancyReason!.trim() : null,
            })
            .where('transfer_id', '=', id)
            .where('lot_id', '=', l.lotId)
            .execute();
        }
        await stockRepository(trx).post(entries);
        await trx
          .updateTable('stock_transfer')
          .set({ status: 'received', received_by: actor.userId, received_at: sql`now()` })
          .where('id', '=', id)
          .execute();
        const to = await store(trx, t.to_store_id);
        await audit(trx, actor, ctx, 'stock.transfer.received', 'stock_transfer', id, to.area_id, {
          discrepancies: input.lines.filter((l) => l.receivedDoses !== byLot.get(l.lotId)!.dispatched_doses)
            .length,
        });
        return transferDto(trx, id);
      });
    },

    async createAdjustment(actor: Principal, storeId: number, input: AdjustmentCreateT, ctx: RequestContext) {
      return withTransaction(db, async (trx) => {
        const repo = stockRepository(trx);
        const s = await store(trx, storeId);
        const lot = (await lotsById(trx, [input.lotId])).get(input.lotId)!;
        const book = (await repo.lockBalances(storeId, [input.lotId])).get(input.lotId) ?? 0;
        const r = adjustmentChange(input.kind, input, book);
        if (!r.ok) {
          const messages = {
            count_needs_counted_doses: [
              'countedDoses',
              'A count states the doses counted (countedDoses), not a change.',
            ],
            quantity_change_required: [
              'quantityChange',
              'Give the change in doses (quantityChange); only a count gives countedDoses.',
            ],
            wrong_sign: [
              'quantityChange',
              input.kind === 'found'
                ? 'Doses found add to the stock: the change must be positive.'
                : 'Breakage, cold-chain failure and expiry remove doses: the change must be negative.',
            ],
            no_difference: [
              'quantityChange',
              input.kind === 'count'
                ? 'The count matches the books; there is nothing to adjust.'
                : 'The change must not be zero.',
            ],
          } as const;
          const [f, m] = messages[r.code];
          throw badRequest(r.code, m, field(f));
        }
        if (r.change < 0 && book < -r.change)
          throw insufficient([{ lotId: input.lotId, requested: -r.change, available: book }]);
        const adj = await trx
          .insertInto('stock_adjustment')
          .values({
            store_id: storeId,
            lot_id: input.lotId,
            kind: input.kind,
            quantity_change: r.change,
            counted_doses: input.kind === 'count' ? input.countedDoses! : null,
            book_doses: input.kind === 'count' ? book : null,
            reason: input.reason.trim(),
            recorded_by: actor.userId,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const sink =
          (ADJUSTMENT_SINK as Record<string, 'damaged' | 'expired' | undefined>)[input.kind] ?? 'adjustment';
        await repo.post([
          r.change > 0
            ? {
                lot_id: input.lotId,
                quantity: r.change,
                from_party: 'adjustment',
                to_store_id: storeId,
                kind: 'adjustment',
                adjustment_id: adj.id,
                recorded_by: actor.userId,
              }
            : {
                lot_id: input.lotId,
                quantity: -r.change,
                from_store_id: storeId,
                to_party: sink,
                kind: 'adjustment',
                adjustment_id: adj.id,
                recorded_by: actor.userId,
              },
        ]);
        await audit(trx, actor, ctx, 'stock.adjusted', 'stock_adjustment', adj.id, s.area_id, {
          kind: input.kind,
          lotId: lot.id,
          change: r.change,
        });
        return (await this.listAdjustments(storeId, trx, adj.id))[0]!;
      });
    },
    async listAdjustments(storeId: number, q: Queryable = read, only?: number) {
      await store(q, storeId);
      let query = q
        .selectFrom('stock_adjustment as a')
        .innerJoin('lot as l', 'l.id', 'a.lot_id')
        .innerJoin('vaccine_product as p', 'p.id', 'l.product_id')
        .leftJoin('staff_user as u', 'u.id', 'a.recorded_by')
        .selectAll('a')
        .select(['l.lot_number', 'p.code as product_code', 'u.display_name'])
        .where('a.store_id', '=', storeId)
        .orderBy('a.id', 'desc')
        .limit(200);
      if (only) query = query.where('a.id', '=', only);
      return (await query.execute()).map((a) => ({
        id: a.id,
        storeId: a.store_id,
        lotId: a.lot_id,
        lotNumber: a.lot_number,
        productCode: a.product_code,
        kind: a.kind,
        quantityChange: a.quantity_change,
        countedDoses: a.counted_doses,
        bookDoses: a.book_doses,
        reason: a.reason,
        recordedBy: a.recorded_by,
        recordedByName: a.display_name,
        createdAt: iso(a.created_at),
      }));
    },
    async ledger(
      storeId: number,
      q: { lotId?: number | undefined; cursor?: number | undefined; limit?: number | undefined },
    ) {
      await store(read, storeId);
      const limit = q.limit ?? 100;
      const rows = await stockRepository(read).ledger(storeId, { ...q, limit });
      const page = rows.slice(0, limit);
      return {
        items: page.map((e) => ({
          id: e.id,
          recordedAt: iso(e.recorded_at),
          kind: e.kind,
          lotId: e.lot_id,
          lotNumber: e.lot_number,
          productCode: e.product_code,
          quantity: e.to_store_id === storeId ? e.quantity : -e.quantity,
          from: { storeId: e.from_store_id, party: e.from_party },
          to: { storeId: e.to_store_id, party: e.to_party },
          receiptId: e.receipt_id,
          transferId: e.transfer_id,
          adjustmentId: e.adjustment_id,
          vialId: e.vial_id,
          doseId: e.dose_id,
          recordedBy: e.recorded_by,
        })),
        nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },

    async openVial(
      actor: Principal,
      facilityId: number,
      lotId: number,
      ctx: RequestContext,
    ): Promise<VialDto> {
      return withTransaction(db, async (trx) => {
        const s = await store(trx, facilityId, 'The facility');
        if (s.level !== 'facility' || s.type === 'store')
          throw badRequest(
            'not_a_vaccination_facility',
            'Vials are opened where doses are given, not in a store.',
          );
        const lot = (await lotsById(trx, [lotId])).get(lotId)!;
        if (isLotExpired(lot.expires_on, today()))
          throw badRequest(
            'lot_expired',
            `Lot ${lot.lot_number} expired on ${lot.expires_on}; it cannot be used.`,
            field('lotId'),
          );
        const held = (await stockRepository(trx).lockBalances(facilityId, [lotId])).get(lotId) ?? 0;
        const inVials = await trx
          .selectFrom('open_vial')
          .select(sql<number>`coalesce(sum(doses_per_vial - doses_used), 0)::int`.as('n'))
          .where('facility_id', '=', facilityId)
          .where('lot_id', '=', lotId)
          .where('closed_at', 'is', null)
          .executeTakeFirstOrThrow();
        if (held - Number(inVials.n) < 1)
          throw conflict(
            'insufficient_stock',
            held === 0
              ? `This facility holds no doses of lot ${lot.lot_number}.`
              : `Every dose of lot ${lot.lot_number} here is already in an open vial.`,
            [{ lotId, requested: 1, available: Math.max(0, held - Number(inVials.n)) }],
          );
        const { rows } = await openVialStatement(trx, {
          facilityId,
          lotId,
          openedBy: actor.userId,
          timeZone: settings.timeZone,
        });
        const id = rows[0]!.id;
        await audit(trx, actor, ctx, 'stock.vial.opened', 'open_vial', id, s.area_id, { lotId });
        return vialDto((await vialQuery(trx).where('v.id', '=', id).executeTakeFirst())!);
      });
    },
    async closeVial(
      actor: Principal,
      facilityId: number,
      vialId: number,
      reason: 'manual' | 'damaged' | 'session_end',
      ctx: RequestContext,
    ) {
      return withTransaction(db, async (trx) => {
        const v = await trx
          .selectFrom('open_vial')
          .select(['id', 'facility_id', 'closed_at'])
          .where('id', '=', vialId)
          .executeTakeFirst();
        if (!v || v.facility_id !== facilityId) throw notFound('The vial');
        if (v.closed_at) throw conflict('vial_closed', 'This vial is already closed.');
        const closed = await closeVial(trx, vialId, reason, actor.userId);
        if (!closed) throw conflict('vial_closed', 'This vial is already closed.');
        await audit(trx, actor, ctx, 'stock.vial.closed', 'open_vial', vialId, null, {
          reason,
          wasted: closed.wasted,
        });
        return vialDto((await vialQuery(trx).where('v.id', '=', vialId).executeTakeFirst())!);
      });
    },
    async vialLog(facilityId: number, date: string | undefined) {
      await store(read, facilityId, 'The facility');
      const day = date ?? today();
      if (!isValidIsoDate(day))
        throw badRequest('invalid_date', 'The date is not a calendar date.', field('date'));
      const from = await startOfDay(read, day);
      const to = await startOfDay(read, addDays(day, 1));
      const rows = await vialQuery(read)
        .where('v.facility_id', '=', facilityId)
        .where('v.opened_at', '>=', from)
        .where('v.opened_at', '<', to)
        .orderBy('v.opened_at')
        .orderBy('v.id')
        .limit(2000)
        .execute();
      return { items: rows.map(vialDto) };
    },

    async wastage(q: { storeId?: number | undefined; from: string; to: string }) {
      if (q.to < q.from)
        throw badRequest('invalid_range', 'The end date is before the start date.', field('to'));
      if (daysBetween(q.from, q.to) > 366)
        throw badRequest('range_too_long', 'Ask for at most a year at a time.', field('to'));
      const root = q.storeId ?? (await this.nationalStoreId());
      await store(read, root);
      const rows = await stockRepository(read).wastage(
        root,
        await startOfDay(read, q.from),
        await startOfDay(read, addDays(q.to, 1)),
      );
      return {
        items: rows.map((r) => ({
          facilityId: Number(r.facility_id),
          facilityName: r.facility_name,
          productId: Number(r.product_id),
          productCode: r.product_code,
          administered: Number(r.administered),
          wasted: Number(r.wasted),
          wastageRate: wastageRate(Number(r.administered), Number(r.wasted)),
        })),
      };
    },
    async nationalStoreId(): Promise<number> {
      const n = await read
        .selectFrom('store')
        .select('facility_id')
        .where('level', '=', 'national')
        .executeTakeFirst();
      if (!n) throw new AppError(409, 'no_national_store', 'No national store has been set up yet.');
      return n.facility_id;
    },
    /**
     * Low stock (fewer days of supply than STOCK_LOW_DAYS at the last 14 days' use in the store and
     * below) and lots expiring within LOT_EXPIRY_ALERT_DAYS (expired ones marked), in a store and below.
     */
    async alerts(storeId: number | undefined) {
      const root = storeId ?? (await this.nationalStoreId());
      await store(read, root);
      const t = today();
      const repo = stockRepository(read);
      const supply = await repo.supplyBySubtree(root, t, false);
      const low = supply
        .map((s) => ({ ...s, ...daysOfSupply(s.quantity, s.used) }))
        .filter((s) => isLowStock(s.daysOfSupply, settings.lowDays));
      const names = new Map<number, string>();
      const codes = new Map<number, string>();
      if (low.length) {
        for (const f of await read
          .selectFrom('facility')
          .select(['id', 'name_en'])
          .where('id', 'in', [...new Set(low.map((l) => l.storeId))])
          .execute())
          names.set(f.id, f.name_en);
        for (const p of await read.selectFrom('vaccine_product').select(['id', 'code']).execute())
          codes.set(p.id, p.code);
      }
      const expiring = await repo.expiringInSubtree(root, addDays(t, settings.expiryAlertDays));
      return {
        lowStock: low
          .sort((a, b) => (a.daysOfSupply ?? 0) - (b.daysOfSupply ?? 0))
          .slice(0, 1000)
          .map((l) => ({
            storeId: l.storeId,
            storeName: names.get(l.storeId) ?? '',
            productId: l.productId,
            productCode: codes.get(l.productId) ?? '',
            quantity: l.quantity,
            dailyUse: l.dailyUse,
            daysOfSupply: l.daysOfSupply,
          })),
        expiringLots: expiring.map((e) => ({
          storeId: Number(e.store_id),
          storeName: e.store_name,
          lotId: Number(e.lot_id),
          lotNumber: e.lot_number,
          productCode: e.product_code,
          expiresOn: e.expires_on,
          quantity: Number(e.quantity),
          expired: isLotExpired(e.expires_on, t),
          daysLeft: daysBetween(t, e.expires_on),
        })),
      };
    },
  };
}

export type StockService = ReturnType<typeof stockService>;
