import { Type, type Static } from '@sinclair/typebox';

/** Request and response shapes of the stock routes (see docs: API contract, Stock). */

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IsoDate = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD.' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
/** A number of doses: a whole number above zero (negative, zero and fractional amounts are refused). */
export const Doses = Type.Integer({
  minimum: 1,
  maximum: 10_000_000,
  description: 'Doses, a whole number above 0.',
});
const Reason = Type.String({ minLength: 3, maxLength: 500 });

export const Store = Type.Object({
  facilityId: Type.Integer(),
  code: Type.String(),
  nameEn: Type.String(),
  nameBn: Type.String(),
  level: Type.String({ description: 'national, division, district, upazila or facility' }),
  parentFacilityId: Nullable(Type.Integer()),
  areaId: Type.Integer(),
  childCount: Type.Integer(),
});
export type StoreDto = Static<typeof Store>;

export const StoreDetail = Type.Intersect([
  Store,
  Type.Object({ parent: Nullable(Store), children: Type.Array(Store) }),
]);

export const StoreListQuery = Type.Object({
  parentId: Type.Optional(Id),
  level: Type.Optional(
    Type.Union([
      Type.Literal('national'),
      Type.Literal('division'),
      Type.Literal('district'),
      Type.Literal('upazila'),
      Type.Literal('facility'),
    ]),
  ),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
});

export const StockLine = Type.Object({
  lotId: Type.Integer(),
  lotNumber: Type.String(),
  productId: Type.Integer(),
  productCode: Type.String(),
  productName: Type.String(),
  expiresOn: Type.String(),
  dosesPerVial: Type.Integer(),
  quantity: Type.Integer(),
  expired: Type.Boolean(),
  expiringSoon: Type.Boolean(),
});
export const ProductStock = Type.Object({
  productId: Type.Integer(),
  productCode: Type.String(),
  quantity: Type.Integer({ description: 'Doses of unexpired lots.' }),
  dailyUse: Type.Number({
    description: 'Doses given per day over the last 14 days, in this store and below.',
  }),
  daysOfSupply: Nullable(Type.Number()),
  low: Type.Boolean(),
});
export const StoreStock = Type.Object({ items: Type.Array(StockLine), products: Type.Array(ProductStock) });

export const Lot = Type.Object({
  id: Type.Integer(),
  productId: Type.Integer(),
  productCode: Type.String(),
  lotNumber: Type.String(),
  manufacturer: Type.String(),
  expiresOn: Type.String(),
  dosesPerVial: Type.Integer(),
  expired: Type.Boolean(),
  createdAt: Type.String(),
});
export type LotDto = Static<typeof Lot>;
export const LotCreate = Type.Object(
  {
    productId: Id,
    lotNumber: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$',
      description: "The manufacturer's lot number.",
    }),
    manufacturer: Type.String({ minLength: 1, maxLength: 200 }),
    expiresOn: IsoDate,
    dosesPerVial: Type.Integer({ minimum: 1, maximum: 50 }),
  },
  { additionalProperties: false },
);
export const LotListQuery = Type.Object({
  productId: Type.Optional(Id),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })),
});

const LotDoses = Type.Object({ lotId: Id, doses: Doses }, { additionalProperties: false });
const Lines = Type.Array(LotDoses, { minItems: 1, maxItems: 100 });

export const ReceiptCreate = Type.Object(
  {
    supplier: Type.String({ minLength: 2, maxLength: 200 }),
    reference: Type.String({
      minLength: 2,
      maxLength: 100,
      description: 'Contract or purchase order reference.',
    }),
    receivedOn: IsoDate,
    note: Type.Optional(Type.String({ maxLength: 1000 })),
    lines: Lines,
    documents: Type.Optional(
      Type.Array(
        Type.Object(
          {
            fileName: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^/\\\\\\u0000-\\u001f]+$' }),
            contentType: Type.Union([
              Type.Literal('application/pdf'),
              Type.Literal('image/jpeg'),
              Type.Literal('image/png'),
            ]),
            contentBase64: Type.String({ minLength: 4, maxLength: 2_800_000 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 5 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ReceiptCreateT = Static<typeof ReceiptCreate>;

const Document = Type.Object({
  id: Type.Integer(),
  fileName: Type.String(),
  contentType: Type.String(),
  size: Type.Integer(),
});
export const Receipt = Type.Object({
  id: Type.Integer(),
  storeId: Type.Integer(),
  supplier: Type.String(),
  reference: Type.String(),
  receivedOn: Type.String(),
  note: Type.String(),
  recordedBy: Nullable(Type.Integer()),
  createdAt: Type.String(),
  lines: Type.Array(
    Type.Object({
      lotId: Type.Integer(),
      lotNumber: Type.String(),
      productCode: Type.String(),
      expiresOn: Type.String(),
      doses: Type.Integer(),
    }),
  ),
  documents: Type.Array(Document),
});

export const PlanCreate = Type.Object({ productId: Id, totalDoses: Doses }, { additionalProperties: false });
export const PlanLinesUpdate = Type.Object(
  {
    lines: Type.Array(
      Type.Object(
        { toStoreId: Id, doses: Type.Integer({ minimum: 0, maximum: 10_000_000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 2000 },
    ),
  },
  { additionalProperties: false },
);
export const PlanCancel = Type.Object(
  {
    reason: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'Why the plan is withdrawn (kept in the audit trail).',
    }),
  },
  { additionalProperties: false },
);
export const Plan = Type.Object({
  id: Type.Integer(),
  fromStoreId: Type.Integer(),
  productId: Type.Integer(),
  productCode: Type.String(),
  totalDoses: Type.Integer(),
  status: Type.String({ description: 'draft, approved or cancelled' }),
  dispatched: Type.Boolean(),
  transferIds: Type.Array(Type.Integer()),
  createdBy: Nullable(Type.Integer()),
  createdAt: Type.String(),
  approvedBy: Nullable(Type.Integer()),
  approvedAt: Nullable(Type.String()),
  lines: Type.Array(
    Type.Object({
      toStoreId: Type.Integer(),
      storeName: Type.String(),
      population: Nullable(Type.Integer()),
      vaccinated: Nullable(Type.Integer()),
      suggestedDoses: Type.Integer(),
      doses: Type.Integer(),
    }),
  ),
});

export const SuggestionQuery = Type.Object({ productId: Id, doses: Doses });
export const Suggestion = Type.Object({
  lines: Type.Array(
    Type.Object({
      lotId: Type.Integer(),
      lotNumber: Type.String(),
      expiresOn: Type.String(),
      doses: Type.Integer(),
    }),
  ),
  short: Type.Integer({ description: 'Doses the store cannot cover from unexpired lots.' }),
});

export const TransferCreate = Type.Object(
  { fromStoreId: Id, toStoreId: Id, lines: Lines, note: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
export type TransferCreateT = Static<typeof TransferCreate>;
export const TransferReceive = Type.Object(
  {
    lines: Type.Array(
      Type.Object(
        {
          lotId: Id,
          receivedDoses: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
          discrepancyReason: Type.Optional(Reason),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);
export type TransferReceiveT = Static<typeof TransferReceive>;
const StoreRef = Type.Object({ id: Type.Integer(), code: Type.String(), nameEn: Type.String() });
export const Transfer = Type.Object({
  id: Type.Integer(),
  fromStoreId: Type.Integer(),
  toStoreId: Type.Integer(),
  fromStore: StoreRef,
  toStore: StoreRef,
  planId: Nullable(Type.Integer()),
  status: Type.String({ description: 'dispatched or received' }),
  note: Type.String(),
  dispatchedBy: Nullable(Type.Integer()),
  dispatchedAt: Type.String(),
  receivedBy: Nullable(Type.Integer()),
  receivedAt: Nullable(Type.String()),
  lines: Type.Array(
    Type.Object({
      lotId: Type.Integer(),
      lotNumber: Type.String(),
      productId: Type.Integer(),
      productCode: Type.String(),
      expiresOn: Type.String(),
      dispatchedDoses: Type.Integer(),
      receivedDoses: Nullable(Type.Integer()),
      discrepancyReason: Nullable(Type.String()),
    }),
  ),
});
export type TransferDto = Static<typeof Transfer>;
export const TransferListQuery = Type.Object({
  storeId: Id,
  direction: Type.Optional(Type.Union([Type.Literal('in'), Type.Literal('out')])),
  status: Type.Optional(Type.Union([Type.Literal('dispatched'), Type.Literal('received')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

export const AdjustmentKindSchema = Type.Union([
  Type.Literal('breakage'),
  Type.Literal('cold_chain_failure'),
  Type.Literal('expiry'),
  Type.Literal('count'),
  Type.Literal('found'),
  Type.Literal('other'),
]);
export const AdjustmentCreate = Type.Object(
  {
    lotId: Id,
    kind: AdjustmentKindSchema,
    quantityChange: Type.Optional(
      Type.Integer({
        minimum: -10_000_000,
        maximum: 10_000_000,
        description: 'Signed change in doses (not for a count).',
      }),
    ),
    countedDoses: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000_000,
        description: 'What a physical count found (kind count).',
      }),
    ),
    reason: Reason,
  },
  { additionalProperties: false },
);
export type AdjustmentCreateT = Static<typeof AdjustmentCreate>;
export const Adjustment = Type.Object({
  id: Type.Integer(),
  storeId: Type.Integer(),
  lotId: Type.Integer(),
  lotNumber: Type.String(),
  productCode: Type.String(),
  kind: Type.String(),
  quantityChange: Type.Integer(),
  countedDoses: Nullable(Type.Integer()),
  bookDoses: Nullable(Type.Integer()),
  reason: Type.String(),
  recordedBy: Nullable(Type.Integer()),
  recordedByName: Nullable(Type.String()),
  createdAt: Type.String(),
});

export const LedgerQuery = Type.Object({
  lotId: Type.Optional(Id),
  cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'The nextCursor of the previous page.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});
const Place = Type.Object({ storeId: Nullable(Type.Integer()), party: Nullable(Type.String()) });
export const LedgerPage = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.Integer(),
      recordedAt: Type.String(),
      kind: Type.String(),
      lotId: Type.Integer(),
      lotNumber: Type.String(),
      productCode: Type.String(),
      quantity: Type.Integer({ description: 'Signed for this store: + in, - out.' }),
      from: Place,
      to: Place,
      receiptId: Nullable(Type.Integer()),
      transferId: Nullable(Type.Integer()),
      adjustmentId: Nullable(Type.Integer()),
      vialId: Nullable(Type.Integer()),
      doseId: Nullable(Type.Integer()),
      recordedBy: Nullable(Type.Integer()),
    }),
  ),
  nextCursor: Nullable(Type.Integer()),
});

export const Vial = Type.Object({
  id: Type.Integer(),
  lotId: Type.Integer(),
  lotNumber: Type.String(),
  productCode: Type.String(),
  dosesPerVial: Type.Integer(),
  dosesUsed: Type.Integer(),
  openedAt: Type.String(),
  usableUntil: Type.String(),
  openedBy: Nullable(Type.Integer()),
  closedAt: Nullable(Type.String()),
  dosesWasted: Nullable(Type.Integer()),
  closeReason: Nullable(Type.String()),
});
export type VialDto = Static<typeof Vial>;
export const VialOpen = Type.Object({ lotId: Id }, { additionalProperties: false });
export const VialClose = Type.Object(
  { reason: Type.Union([Type.Literal('manual'), Type.Literal('damaged'), Type.Literal('session_end')]) },
  { additionalProperties: false },
);
export const VialParams = Type.Object({ id: Id, vialId: Id });
export const VialLogQuery = Type.Object({ date: Type.Optional(IsoDate) });

const SubtreeStore = Type.Optional(
  Type.Integer({
    minimum: 1,
    maximum: 2_147_483_647,
    description:
      'The store whose subtree (itself and every store below) is reported; omitted, the whole country (national staff).',
  }),
);
export const WastageQuery = Type.Object({ storeId: SubtreeStore, from: IsoDate, to: IsoDate });
export const Wastage = Type.Object({
  items: Type.Array(
    Type.Object({
      facilityId: Type.Integer(),
      facilityName: Type.String(),
      productId: Type.Integer(),
      productCode: Type.String(),
      administered: Type.Integer(),
      wasted: Type.Integer(),
      wastageRate: Nullable(Type.Number()),
    }),
  ),
});

export const AlertsQuery = Type.Object({ storeId: SubtreeStore });
export const Alerts = Type.Object({
  lowStock: Type.Array(
    Type.Object({
      storeId: Type.Integer(),
      storeName: Type.String(),
      productId: Type.Integer(),
      productCode: Type.String(),
      quantity: Type.Integer(),
      dailyUse: Type.Number(),
      daysOfSupply: Nullable(Type.Number()),
    }),
  ),
  expiringLots: Type.Array(
    Type.Object({
      storeId: Type.Integer(),
      storeName: Type.String(),
      lotId: Type.Integer(),
      lotNumber: Type.String(),
      productCode: Type.String(),
      expiresOn: Type.String(),
      quantity: Type.Integer(),
      expired: Type.Boolean(),
      daysLeft: Type.Integer(),
    }),
  ),
});
