import type { paths } from './schema';

// Types of the stock screens, all from the generated OpenAPI schema.
type Get200<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer R } } } };
}
  ? R
  : never;
type PostBody<P extends keyof paths> = paths[P] extends {
  post: { requestBody?: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

export type Store = Get200<'/api/stores'>['items'][number];
export type StoreDetail = Get200<'/api/stores/{id}'>;
export type StoreStock = Get200<'/api/stores/{id}/stock'>;
export type StockLine = StoreStock['items'][number];
export type ProductStock = StoreStock['products'][number];
export type Lot = Get200<'/api/lots'>['items'][number];
export type LotCreate = PostBody<'/api/lots'>;
export type Receipt = Get200<'/api/stores/{id}/receipts'>['items'][number];
export type ReceiptCreate = PostBody<'/api/stores/{id}/receipts'>;
export type ReceiptDocument = NonNullable<ReceiptCreate['documents']>[number];
export type Plan = Get200<'/api/allocation-plans/{id}'>;
export type Suggestion = Get200<'/api/stores/{id}/dispatch-suggestion'>;
export type Transfer = Get200<'/api/transfers/{id}'>;
export type TransferCreate = PostBody<'/api/transfers'>;
export type TransferReceive = PostBody<'/api/transfers/{id}/receive'>;
export type Adjustment = Get200<'/api/stores/{id}/adjustments'>['items'][number];
export type AdjustmentCreate = PostBody<'/api/stores/{id}/adjustments'>;
export type AdjustmentKind = AdjustmentCreate['kind'];
export type Vial = Get200<'/api/facilities/{id}/vials'>['items'][number];
export type StockAlerts = Get200<'/api/stock/alerts'>;
export type Wastage = Get200<'/api/stock/wastage'>;

export const ADJUSTMENT_KINDS = [
  'breakage',
  'cold_chain_failure',
  'expiry',
  'count',
  'found',
  'other',
] as const satisfies readonly AdjustmentKind[];
