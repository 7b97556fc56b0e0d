import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const Name = (what: string) => Type.String({ minLength: 1, maxLength: 200, description: what });
export const Code = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'Stable code, unique in its kind.',
});
const Latitude = Type.Number({ minimum: -90, maximum: 90 });
const Longitude = Type.Number({ minimum: -180, maximum: 180 });

export const AreaLevel = Type.Object(
  { depth: Type.Integer(), code: Type.String(), nameEn: Type.String(), nameBn: Type.String() },
  { $id: 'AreaLevel' },
);

export const Area = Type.Object(
  {
    id: Type.Integer(),
    code: Type.String(),
    parentId: Type.Union([Type.Integer(), Type.Null()]),
    depth: Type.Integer(),
    nameEn: Type.String(),
    nameBn: Type.String(),
    population: Type.Union([Type.Integer(), Type.Null()]),
    postcode: Type.Union([Type.String(), Type.Null()]),
    latitude: Nullable(Type.Number()),
    longitude: Nullable(Type.Number()),
    childCount: Type.Optional(Type.Integer()),
  },
  { $id: 'Area' },
);
export type AreaDto = Static<typeof Area>;

export const AreaCreate = Type.Object(
  {
    code: Code,
    parentId: Type.Optional(Type.Integer({ minimum: 1, description: 'Omit for a top-level area.' })),
    nameEn: Name('Name in English'),
    nameBn: Name('Name in Bengali'),
    population: Type.Optional(Type.Integer({ minimum: 0 })),
    postcode: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z -]{2,12}$' })),
    latitude: Type.Optional(Latitude),
    longitude: Type.Optional(Longitude),
  },
  { additionalProperties: false },
);
export const AreaUpdate = Type.Partial(Type.Omit(AreaCreate, ['parentId']), {
  additionalProperties: false,
  minProperties: 1,
});

export const FacilityType = Type.Union([
  Type.Literal('vaccination_centre'),
  Type.Literal('hospital'),
  Type.Literal('clinic'),
  Type.Literal('outreach_site'),
  Type.Literal('store'),
]);

export const Facility = Type.Object(
  {
    id: Type.Integer(),
    code: Type.String(),
    nameEn: Type.String(),
    nameBn: Type.String(),
    type: FacilityType,
    areaId: Type.Integer(),
    areaNameEn: Type.String(),
    areaNameBn: Type.String(),
    address: Type.String(),
    latitude: Nullable(Type.Number()),
    longitude: Nullable(Type.Number()),
    dailyCapacity: Type.Integer(),
    active: Type.Boolean(),
  },
  { $id: 'Facility' },
);
export type FacilityDto = Static<typeof Facility>;

export const FacilityCreate = Type.Object(
  {
    code: Code,
    nameEn: Name('Name in English'),
    nameBn: Name('Name in Bengali'),
    type: FacilityType,
    areaId: Type.Integer({ minimum: 1 }),
    address: Type.Optional(Type.String({ maxLength: 500 })),
    latitude: Type.Optional(Latitude),
    longitude: Type.Optional(Longitude),
    dailyCapacity: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const FacilityUpdate = Type.Partial(FacilityCreate, { additionalProperties: false, minProperties: 1 });

const ProductFields = {
  code: Type.String({
    pattern: '^[A-Z0-9_-]{2,40}$',
    description: 'Short code in capitals, e.g. COMIRNATY.',
  }),
  name: Name('Product name'),
  manufacturer: Name('Manufacturer'),
  euProductCode: Type.Optional(
    Type.Union([Type.String({ maxLength: 40 }), Type.Null()], {
      description: 'EU union register product code (DCC `mp`).',
    }),
  ),
  euProphylaxisCode: Type.Optional(
    Type.Union([Type.String({ maxLength: 40 }), Type.Null()], {
      description: 'Vaccine or prophylaxis code (DCC `vp`, SNOMED CT / ATC).',
    }),
  ),
  euManufacturerCode: Type.Optional(
    Type.Union([Type.String({ maxLength: 40 }), Type.Null()], {
      description: 'Marketing authorisation holder (DCC `ma`).',
    }),
  ),
  icd11Code: Type.Optional(
    Type.Union([Type.String({ maxLength: 40 }), Type.Null()], {
      description: 'ICD-11 vaccine code (WHO DDCC).',
    }),
  ),
  cvxCode: Type.Optional(Type.Union([Type.String({ maxLength: 10 }), Type.Null()])),
  snomedCode: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
  atcCode: Type.Optional(Type.Union([Type.String({ maxLength: 10 }), Type.Null()])),
  primaryDoses: Type.Integer({ minimum: 1, maximum: 5 }),
  minIntervalDays: Type.Integer({ minimum: 0, maximum: 3650 }),
  recommendedIntervalDays: Type.Integer({ minimum: 0, maximum: 3650 }),
  boosterAllowed: Type.Optional(Type.Boolean()),
  boosterMinIntervalDays: Type.Optional(
    Type.Union([Type.Integer({ minimum: 0, maximum: 3650 }), Type.Null()]),
  ),
  minAgeYears: Type.Integer({ minimum: 0, maximum: 130 }),
  dosesPerVial: Type.Integer({ minimum: 1, maximum: 50 }),
  openVialHours: Type.Integer({ minimum: 0, maximum: 72 }),
  storageMinC: Type.Number({ minimum: -90, maximum: 30 }),
  storageMaxC: Type.Number({ minimum: -90, maximum: 30 }),
  active: Type.Optional(Type.Boolean()),
};
export const ProductCreate = Type.Object(ProductFields, { additionalProperties: false });
export const ProductUpdate = Type.Partial(ProductCreate, { additionalProperties: false, minProperties: 1 });
export const Product = Type.Object(
  {
    id: Type.Integer(),
    ...ProductFields,
    euProductCode: Type.Union([Type.String(), Type.Null()]),
    euProphylaxisCode: Type.Union([Type.String(), Type.Null()]),
    euManufacturerCode: Type.Union([Type.String(), Type.Null()]),
    icd11Code: Type.Union([Type.String(), Type.Null()]),
    cvxCode: Type.Union([Type.String(), Type.Null()]),
    snomedCode: Type.Union([Type.String(), Type.Null()]),
    atcCode: Type.Union([Type.String(), Type.Null()]),
    boosterAllowed: Type.Boolean(),
    boosterMinIntervalDays: Type.Union([Type.Integer(), Type.Null()]),
    active: Type.Boolean(),
  },
  { $id: 'Product' },
);
export type ProductDto = Static<typeof Product>;
export type ProductInput = Static<typeof ProductCreate>;

export const ImportReport = Type.Object(
  {
    total: Type.Integer(),
    created: Type.Integer(),
    updated: Type.Integer(),
    rejected: Type.Integer(),
    errors: Type.Array(
      Type.Object({
        row: Type.Integer({ description: 'Line number in the file, header is line 1.' }),
        code: Type.Optional(Type.String()),
        field: Type.Optional(Type.String()),
        message: Type.String(),
      }),
    ),
  },
  { $id: 'ImportReport' },
);
export type ImportReportDto = Static<typeof ImportReport>;
