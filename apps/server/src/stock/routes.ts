import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { authorize, type Scope } from '../access/policy.ts';
import { principalOf } from '../http/access-hooks.ts';
import { ctxOf, errors, IdParams, type App } from '../http/types.ts';
import type { StockService } from './service.ts';
import {
  Adjustment,
  AdjustmentCreate,
  Alerts,
  AlertsQuery,
  LedgerPage,
  LedgerQuery,
  Lot,
  LotCreate,
  LotListQuery,
  Plan,
  PlanCancel,
  PlanCreate,
  PlanLinesUpdate,
  Receipt,
  ReceiptCreate,
  Store,
  StoreDetail,
  StoreListQuery,
  StoreStock,
  Suggestion,
  SuggestionQuery,
  Transfer,
  TransferCreate,
  TransferListQuery,
  TransferReceive,
  Vial,
  VialClose,
  VialLogQuery,
  VialOpen,
  VialParams,
  Wastage,
  WastageQuery,
} from './schemas.ts';

const TAGS = ['stock'];
const DocumentParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  documentId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});
/** A receipt with documents is larger than an ordinary request: up to 5 files of 2 MB, base64-encoded. */
const RECEIPT_BODY_LIMIT = 15 * 1024 * 1024;

/**
 * Stock routes. Each store's routes are authorized on the store's scope (the national store's
 * scope is the whole country: national staff, or staff bound to that store). A transfer is seen
 * by either end; it is received by the receiving store.
 */
export function stockRoutes(app: App, deps: { stock: StockService }) {
  const { stock } = deps;
  const idOf = (req: FastifyRequest) => (req.params as { id: number }).id;
  const storeOfParam = (req: FastifyRequest) => stock.storeScope(idOf(req));
  const storeOfQuery = (req: FastifyRequest): Promise<Scope> => {
    const id = (req.query as { storeId?: number }).storeId;
    return id ? stock.storeScope(id) : Promise.resolve({ kind: 'national' });
  };
  const planScope = async (req: FastifyRequest) => stock.storeScope(await stock.planStore(idOf(req)));
  const nationalStoreScope = async () => stock.storeScope(await stock.nationalStoreId());

  app.get(
    '/api/stores',
    {
      schema: {
        operationId: 'listStores',
        tags: TAGS,
        summary: 'Stores the caller may see (their area, or their store and the stores it supplies)',
        querystring: StoreListQuery,
        response: { 200: Type.Object({ items: Type.Array(Store) }), ...errors(400, 401, 403) },
      },
      config: { access: { action: 'stock.read' } },
    },
    (req) => stock.listStores(principalOf(req), req.query),
  );

  app.post(
    '/api/stores/derive',
    {
      schema: {
        operationId: 'deriveStores',
        tags: TAGS,
        summary: 'Give every facility that holds stock a store row (after facilities are added)',
        response: {
          200: Type.Object({ created: Type.Integer(), byLevel: Type.Record(Type.String(), Type.Integer()) }),
          ...errors(401, 403, 409),
        },
      },
      config: { access: { action: 'stock.write', scope: async () => ({ kind: 'national' }) } },
    },
    async (req) => {
      const r = await stock.ensureStores(principalOf(req), ctxOf(req));
      return { created: r.created, byLevel: r.byLevel };
    },
  );

  app.get(
    '/api/stores/:id',
    {
      schema: {
        operationId: 'getStore',
        tags: TAGS,
        params: IdParams,
        response: { 200: StoreDetail, ...errors(401, 403, 404) },
      },
      config: { access: { action: 'stock.read', scope: storeOfParam } },
    },
    (req) => stock.getStore(req.params.id),
  );

  app.get(
    '/api/stores/:id/stock',
    {
      schema: {
        operationId: 'getStoreStock',
        tags: TAGS,
        summary: "A store's stock by lot, and by product with days of supply",
        params: IdParams,
        response: { 200: StoreStock, ...errors(401, 403, 404) },
      },
      config: { access: { action: 'stock.read', scope: storeOfParam } },
    },
    (req) => stock.storeStock(req.params.id),
  );

  app.get(
    '/api/lots',
    {
      schema: {
        operationId: 'listLots',
        tags: TAGS,
        querystring: LotListQuery,
        response: { 200: Type.Object({ items: Type.Array(Lot) }), ...errors(400, 401, 403) },
      },
      config: { access: { action: 'stock.read' } },
    },
    (req) => stock.listLots(req.query),
  );

  app.post(
    '/api/lots',
    {
      schema: {
        operationId: 'createLot',
        tags: TAGS,
        summary: "Register a manufacturer's lot (before it is received into the national store)",
        body: LotCreate,
        response: { 201: Lot, ...errors(400, 401, 403, 409) },
      },
      config: { access: { action: 'stock.write', scope: nationalStoreScope } },
    },
    async (req, reply) =>
      reply.status(201).send(await stock.createLot(principalOf(req), req.body, ctxOf(req))),
  );

  app.post(
    '/api/stores/:id/receipts',
    {
      bodyLimit: RECEIPT_BODY_LIMIT,
      schema: {
        operationId: 'createReceipt',
        tags: TAGS,
        summary: 'Receive a delivery from a supplier into the national store',
        params: IdParams,
        body: ReceiptCreate,
        response: { 201: Receipt, ...errors(400, 401, 403, 404, 409, 413) },
      },
      config: { access: { action: 'stock.write', scope: storeOfParam } },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await stock.createReceipt(principalOf(req), req.params.id, req.body, ctxOf(req))),
  );

  app.get(
    '/api/stores/:id/receipts',
    {
      schema: {
        operationId: 'listReceipts',
        tags: TAGS,
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Receipt) }), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'stock.read', scope: storeOfParam } },
    },
    async (req) => ({ items: await stock.listReceipts(req.params.id) }),
  );

  app.get(
    '/api/receipts/:id/documents/:documentId',
    {
      schema: {
        operationId: 'getReceiptDocument',
        tags: TAGS,
        summary: 'A document kept with a receipt (the file itself)',
        params: DocumentParams,
        response: { 200: Type.Unknown({ description: 'The file.' }), ...errors(401, 403, 404) },
      },
      config: {
        access: {
          action: 'stock.read',
          scope: async (req) => stock.storeScope(await stock.receiptStore(idOf(req))),
        },
      },
    },
    async (req, reply) => {
      const d = await stock.receiptDocument(req.params.id, req.params.documentId);
      return reply
        .header('content-type', d.contentType)
        .header(
          'content-disposition',
          `attachment; filename="${d.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(d.fileName)}`,
        )
        .header('x-content-type-options', 'nosniff')
        .send(d.content);
    },
  );

  app.post(
    '/api/stores/:id/allocation-plans',
    {
      schema: {
        operationId: 'createAllocationPlan',
        tags: TAGS,
        summary:
          'Suggest how to share doses between the stores directly below (from population and coverage)',
        params: IdParams,
        body: PlanCreate,
        response: { 201: Plan, ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'stock.write', scope: storeOfParam } },
    },
    async (req, reply) =>
      reply.status(201).send(await stock.createPlan(principalOf(req), req.params.id, req.body, ctxOf(req))),
  );

  app.get(
    '/api/allocation-plans/:id',
    {
      schema: {
        operationId: 'getAllocationPlan',
        tags: TAGS,
        params: IdParams,
        response: { 200: Plan, ...errors(401, 403, 404) },
      },
      config: { access: { action: 'stock.read', scope: planScope } },
    },
    (req) => stock.getPlan(req.params.id),
  );

  app.put(
    '/api/allocation-plans/:id/lines',
    {
      schema: {
        operationId: 'setAllocationPlanLines',
        tags: TAGS,
        summary: "Change a draft plan's doses per store (the plan's total follows)",
        params: IdParams,
        body: PlanLinesUpdate,
        response: { 200: Plan, ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'stock.write', scope: planScope } },
    },
    (req) => stock.setPlanLines(principalOf(req), req.params.id, req.body.lines, ctxOf(req)),
  );

  app.post(
    '/api/allocation-plans/:id/approve',
    {
      schema: {
        operationId: 'approveAllocationPlan',
        tags: TAGS,
        params: IdParams,
        response: { 200: Plan, ...errors(401, 403, 404, 409) },
      },
      config: { access: { action: 'stock.approve', scope: planScope } },
    },
    (req) => stock.approvePlan(principalOf(req), req.params.id, ctxOf(req)),
  );

  app.post(
    '/api/allocation-plans/:id/dispatch',
    {
      schema: {
        operationId: 'dispatchAllocationPlan',
        tags: TAGS,
        summary: 'Send an approved plan: one transfer per store, lots first-expiry-first-out',
        params: IdParams,
        response: {
          200: Type.Object({ plan: Plan, transfers: Type.Array(Transfer) }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
      config: { access: { action: 'stock.write', scope: planScope } },
    },
    (req) => stock.dispatchPlan(principalOf(req), req.params.id, ctxOf(req)),
  );

  app.post(
    '/api/allocation-plans/:id/cancel',
    {
      schema: {
        operationId: 'cancelAllocationPlan',
        tags: TAGS,
        summary: 'Withdraw a draft or approved plan that has not been dispatched, saying why',
        params: IdParams,
        body: PlanCancel,
        response: { 200: Plan, ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'stock.approve', scope: planScope } },
    },
    (req) => stock.cancelPlan(principalOf(req), req.params.id, req.body.reason, ctxOf(req)),
  );

  app.get(
    '/api/stores/:id/dispatch-suggestion',
    {
      schema: {
        operationId: 'getDispatchSuggestion',
        tags: TAGS,
        summary: 'Lots to send for a number of doses, first expiry first out (never an expired lot)',
        params: IdParams,
        querystring: SuggestionQuery,
        response: { 200: Suggestion, ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'stock.read', scope: storeOfParam } },
    },
    (req) => stock.dispatchSuggestion(req.params.id, req.query.productId, req.query.doses),
  );

  app.post(
    '/api/transfers',
    {
      schema: {
        operationId: 'createTransfer',
        tags: TAGS,
        summary: 'Dispatch stock to the store directly above or below',
        body: TransferCreate,
        response: { 201: Transfer, ...errors(400, 401, 403, 404, 409) },
      },
      config: {
        access: {
          action: 'stock.write',
          scope: (req) => stock.storeScope((req.body as { fromStoreId: number }).fromStoreId),
        },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await stock.createTransfer(principalOf(req), req.body, ctxOf(req))),
  );

  app.get(
    '/api/transfers',
    {
      schema: {
        operationId: 'listTransfers',
        tags: TAGS,
        querystring: TransferListQuery,
        response: { 200: Type.Object({ items: Type.Array(Transfer) }), ...errors(400, 401, 403, 404) },
      },
      config: {
        access: {
          action: 'stock.read',
          scope: (req) => stock.storeScope((req.query as { storeId: number }).storeId),
        },
      },
    },
    (req) => stock.listTransfers(req.query),
  );

  app.get(
    '/api/transfers/:id',
    {
      schema: {
        operationId: 'getTransfer',
        tags: TAGS,
        params: IdParams,
        response: { 200: Transfer, ...errors(401, 403, 404) },
      },
      config: {
        access: {
          action: 'stock.read',
          // Either end of the transfer may see it.
          scope: async (req) => {
            const { from, to } = await stock.transferScopes(idOf(req));
            return authorize(principalOf(req), 'stock.read', to) ? to : from;
          },
        },
      },
    },
    (req) => stock.getTransfer(req.params.id),
  );

  app.post(
    '/api/transfers/:id/receive',
    {
      schema: {
        operationId: 'receiveTransfer',
        tags: TAGS,
        summary: 'Record what arrived, line by line; a difference needs a discrepancy reason',
        params: IdParams,
        body: TransferReceive,
        response: { 200: Transfer, ...errors(400, 401, 403, 404, 409) },
      },
      config: {
        access: { action: 'stock.write', scope: async (req) => (await stock.transferScopes(idOf(req))).to },
      },
    },
    (req) => stock.receiveTransfer(principalOf(req), req.params.id, req.body, ctxOf(req)),
  );

  app.post(
    '/api/stores/:id/adjustments',
    {
      schema: {
        operationId: 'createAdjustment',
        tags: TAGS,
        summary:
          'Breakage, cold-chain failure, expiry, doses found, or a physical count (the difference is posted)',
        params: IdParams,
        body: AdjustmentCreate,
        response: { 201: Adjustment, ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'stock.write', scope: storeOfParam } },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await stock.createAdjustment(principalOf(req), req.params.id, req.body, ctxOf(req))),
  );

  app.get(
    '/api/stores/:id/adjustments',
    {
      schema: {
        operationId: 'listAdjustments',
        tags: TAGS,
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Adjustment) }), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'stock.read', scope: storeOfParam } },
    },
    async (req) => ({ items: await stock.listAdjustments(req.params.id) }),
  );

  app.get(
    '/api/stores/:id/ledger',
    {
      schema: {
        operationId: 'getStoreLedger',
        tags: TAGS,
        summary: "The store's ledger entries, newest first",
        params: IdParams,
        querystring: LedgerQuery,
        response: { 200: LedgerPage, ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'stock.read', scope: storeOfParam } },
    },
    (req) => stock.ledger(req.params.id, req.query),
  );

  app.get(
    '/api/facilities/:id/vials',
    {
      schema: {
        operationId: 'listVials',
        tags: TAGS,
        summary: 'Vial log: the vials opened at a facility on a day (today by default)',
        params: IdParams,
        querystring: VialLogQuery,
        response: { 200: Type.Object({ items: Type.Array(Vial) }), ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'stock.read', scope: storeOfParam } },
    },
    (req) => stock.vialLog(req.params.id, req.query.date),
  );

  app.post(
    '/api/facilities/:id/vials',
    {
      schema: {
        operationId: 'openVial',
        tags: TAGS,
        summary: "Open a vial of a lot: its doses may be given for the product's open-vial hours",
        params: IdParams,
        body: VialOpen,
        response: { 201: Vial, ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'dose.record', scope: storeOfParam } },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await stock.openVial(principalOf(req), req.params.id, req.body.lotId, ctxOf(req))),
  );

  app.post(
    '/api/facilities/:id/vials/:vialId/close',
    {
      schema: {
        operationId: 'closeVial',
        tags: TAGS,
        summary: 'Close an open vial; the doses left in it are counted as wasted',
        params: VialParams,
        body: VialClose,
        response: { 200: Vial, ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'dose.record', scope: storeOfParam } },
    },
    (req) => stock.closeVial(principalOf(req), req.params.id, req.params.vialId, req.body.reason, ctxOf(req)),
  );

  app.get(
    '/api/stock/wastage',
    {
      schema: {
        operationId: 'getWastage',
        tags: TAGS,
        summary: 'Wastage rate per facility and product (wasted / (given + wasted)) in a store and below',
        querystring: WastageQuery,
        response: { 200: Wastage, ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'stock.read', scope: storeOfQuery } },
    },
    (req) => stock.wastage(req.query),
  );

  app.get(
    '/api/stock/alerts',
    {
      schema: {
        operationId: 'getStockAlerts',
        tags: TAGS,
        summary: 'Low stock (days of supply) and lots expiring soon or expired, in a store and below',
        querystring: AlertsQuery,
        response: { 200: Alerts, ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'stock.read', scope: storeOfQuery } },
    },
    (req) => stock.alerts(req.query.storeId),
  );
}
