import { Type, type Static } from '@sinclair/typebox';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const IsoDate = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD.' });
const IsoTime = Type.String({ format: 'date-time', description: 'An ISO-8601 time with its offset.' });
const Uuid = Type.String({ format: 'uuid', description: 'An id the client made (UUID).' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const BodySite = Type.Union(
  [
    Type.Literal('left_deltoid'),
    Type.Literal('right_deltoid'),
    Type.Literal('left_thigh'),
    Type.Literal('right_thigh'),
    Type.Literal('oral'),
    Type.Literal('other'),
  ],
  { description: 'Where the dose was given.' },
);
export const IdentityCheck = Type.Union(
  [
    Type.Literal('slip_code'),
    Type.Literal('card_qr'),
    Type.Literal('id_document'),
    Type.Literal('registration_number'),
  ],
  {
    description:
      "How the person's identity was confirmed: the appointment slip's 4-digit code, the card's QR, an identity document, or the registration number.",
  },
);

export const PersonParams = Type.Object({ id: Id });
export const PersonDoseParams = Type.Object({ id: Id, doseId: Id });
export const PersonItemParams = Type.Object({ personId: Id, id: Id });
export const FacilityDay = Type.Object(
  { date: Type.Optional(IsoDate) },
  { additionalProperties: false, description: "Default: today in the programme's time zone." },
);

// ---------------------------------------------------------------------------------------------
// Doses

export const DoseView = Type.Object({
  id: Type.Integer(),
  personId: Type.Integer(),
  doseNumber: Type.Integer(),
  productId: Type.Integer(),
  productCode: Type.String(),
  lotId: Nullable(Type.Integer()),
  lotNumber: Nullable(Type.String()),
  facilityId: Nullable(Type.Integer()),
  facilityName: Nullable(Type.String()),
  administeredOn: Type.String(),
  administeredAt: Type.String(),
  bodySite: Nullable(Type.String()),
  identityCheck: Nullable(Type.String()),
  recordedBy: Nullable(Type.String()),
  recordedAt: Type.String(),
  source: Type.String({ description: 'online, offline, correction or import.' }),
  flags: Type.Array(Type.String(), {
    description: 'lot_not_held, lot_expired, clock_skew: accepted, to be looked at.',
  }),
  vialId: Nullable(Type.Integer()),
  clientId: Nullable(Type.String()),
  voided: Type.Boolean(),
  createdByCorrection: Nullable(Type.Integer({ description: 'The correction that made this dose.' })),
  correction: Nullable(
    Type.Object(
      {
        id: Type.Integer(),
        kind: Type.String(),
        reason: Type.String(),
        correctedAt: Type.String(),
        correctedBy: Nullable(Type.String()),
        replacementPersonId: Nullable(Type.Integer()),
        replacementDoseId: Nullable(Type.Integer()),
      },
      { description: 'The correction that voided this dose.' },
    ),
  ),
});
export type DoseViewT = Static<typeof DoseView>;

export const DoseRecordBody = Type.Object(
  {
    facilityId: Id,
    productId: Id,
    lotId: Id,
    doseNumber: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10,
        description:
          'Computed from the history; when given it must agree (a dose the person has already had is flagged for review).',
      }),
    ),
    bodySite: BodySite,
    identityCheck: IdentityCheck,
    slipCode: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
    consent: Type.Boolean({ description: 'Must be true: the person (or guardian) agreed.' }),
    appointmentId: Type.Optional(Id),
    walkIn: Type.Optional(Type.Boolean({ description: 'The person has no appointment here today.' })),
    clientId: Type.Optional(Uuid),
    administeredAt: Type.Optional(IsoTime),
  },
  { additionalProperties: false },
);
export type DoseRecordBodyT = Static<typeof DoseRecordBody>;

export const ReviewRef = Type.Object({
  review: Type.Object({
    id: Type.Integer(),
    personId: Type.Integer(),
    reason: Type.String(),
    existingDoseId: Nullable(Type.Integer()),
  }),
});

export const CorrectionBody = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('wrong_lot'),
      Type.Literal('wrong_person'),
      Type.Literal('wrong_product'),
      Type.Literal('wrong_date'),
      Type.Literal('entered_in_error'),
    ]),
    reason: Type.String({ minLength: 3, maxLength: 500 }),
    lotId: Type.Optional(Id),
    productId: Type.Optional(Id),
    administeredOn: Type.Optional(IsoDate),
    toPersonId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type CorrectionBodyT = Static<typeof CorrectionBody>;

export const CorrectionResult = Type.Object({
  correctionId: Type.Integer(),
  kind: Type.String(),
  voided: DoseView,
  replacement: Nullable(DoseView),
});

export const DoseReview = Type.Object({
  id: Type.Integer(),
  personId: Type.Integer(),
  registrationNumber: Type.String(),
  nameEn: Type.String(),
  reason: Type.String(),
  status: Type.String(),
  existingDose: Nullable(DoseView),
  record: Type.Record(Type.String(), Type.Unknown()),
  clientId: Nullable(Type.String()),
  facilityId: Nullable(Type.Integer()),
  facilityName: Nullable(Type.String()),
  recordedBy: Nullable(Type.String()),
  createdAt: Type.String(),
  resolvedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String()),
  resolutionNote: Nullable(Type.String()),
});
export type DoseReviewT = Static<typeof DoseReview>;

export const ReviewList = Type.Object(
  {
    facilityId: Type.Optional(Id),
    status: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('kept_existing'), Type.Literal('replaced_existing')]),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);

export const ReviewResolveBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('keep_existing'), Type.Literal('replace_existing')]),
    note: Type.String({ minLength: 3, maxLength: 500 }),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------
// Vaccinator: queue and look-up

export const QueueItem = Type.Object({
  appointmentId: Type.Integer(),
  personId: Type.Integer(),
  registrationNumber: Type.String(),
  nameEn: Type.String(),
  nameBn: Nullable(Type.String()),
  age: Type.Integer(),
  gender: Type.String(),
  doseNumber: Type.Integer(),
  productId: Type.Integer(),
  productCode: Type.String(),
  slotStartsAt: Type.String(),
  status: Type.String(),
});

export const LookupBody = Type.Object(
  {
    facilityId: Id,
    cardToken: Type.Optional(Type.String({ minLength: 10, maxLength: 2000 })),
    registrationNumber: Type.Optional(Type.String({ minLength: 3, maxLength: 30 })),
    idType: Type.Optional(
      Type.Union([Type.Literal('nid'), Type.Literal('birth_registration'), Type.Literal('passport')]),
    ),
    idNumber: Type.Optional(Type.String({ minLength: 3, maxLength: 30 })),
  },
  { additionalProperties: false },
);
export type LookupBodyT = Static<typeof LookupBody>;

export const DueDose = Type.Object({
  doseNumber: Nullable(Type.Integer()),
  productIds: Type.Array(Type.Integer()),
  earliestDate: Nullable(Type.String()),
  dueDate: Nullable(Type.String()),
  eligible: Type.Boolean({ description: 'A dose may be given today.' }),
  reason: Type.Optional(Type.String()),
});

export const LookupResult = Type.Object({
  person: Type.Object({
    personId: Type.Integer(),
    registrationNumber: Type.String(),
    nameEn: Type.String(),
    nameBn: Nullable(Type.String()),
    age: Type.Integer(),
    gender: Type.String(),
  }),
  doses: Type.Array(DoseView),
  due: DueDose,
  appointment: Nullable(
    Type.Object({
      appointmentId: Type.Integer(),
      sessionId: Type.Integer(),
      doseNumber: Type.Integer(),
      productId: Type.Integer(),
      status: Type.String(),
    }),
  ),
});

// ---------------------------------------------------------------------------------------------
// Offline: facility pack and upload

export const FacilityPack = Type.Object({
  facility: Type.Object({
    id: Type.Integer(),
    code: Type.String(),
    nameEn: Type.String(),
    nameBn: Type.String(),
  }),
  date: Type.String(),
  generatedAt: Type.String(),
  serverTime: Type.String(),
  appointments: Type.Array(
    Type.Object({
      appointmentId: Type.Integer(),
      personId: Type.Integer(),
      registrationNumber: Type.String(),
      nameEn: Type.String(),
      nameBn: Nullable(Type.String()),
      birthYear: Type.Integer(),
      gender: Type.String(),
      doseNumber: Type.Integer(),
      productIds: Type.Array(Type.Integer()),
      earliestDate: Nullable(Type.String()),
      slipCodeHash: Type.String({ description: 'Hex SHA-256 of `${appointmentId}:${code}`.' }),
      status: Type.String(),
    }),
  ),
  products: Type.Array(
    Type.Object({
      id: Type.Integer(),
      code: Type.String(),
      name: Type.String(),
      primaryDoses: Type.Integer(),
      minIntervalDays: Type.Integer(),
      recommendedIntervalDays: Type.Integer(),
      boosterAllowed: Type.Boolean(),
      boosterMinIntervalDays: Nullable(Type.Integer()),
      minAgeYears: Type.Integer(),
      dosesPerVial: Type.Integer(),
      openVialHours: Type.Integer(),
    }),
  ),
  lots: Type.Array(
    Type.Object({
      lotId: Type.Integer(),
      productId: Type.Integer(),
      lotNumber: Type.String(),
      expiresOn: Type.String(),
      dosesPerVial: Type.Integer(),
      quantity: Type.Integer(),
    }),
  ),
  cardKeys: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }),
  acceptUnheldLots: Type.Boolean(),
});

export const SyncRecord = Type.Object(
  {
    clientId: Uuid,
    personId: Id,
    facilityId: Id,
    productId: Id,
    lotId: Id,
    doseNumber: Type.Integer({ minimum: 1, maximum: 10 }),
    bodySite: BodySite,
    identityCheck: IdentityCheck,
    consent: Type.Boolean(),
    appointmentId: Type.Optional(Id),
    administeredAt: IsoTime,
  },
  { additionalProperties: false },
);
export type SyncRecordT = Static<typeof SyncRecord>;

export const SyncBody = (max: number) =>
  Type.Object(
    {
      deviceId: Type.String({ minLength: 1, maxLength: 100 }),
      deviceTime: IsoTime,
      records: Type.Array(SyncRecord, { minItems: 1, maxItems: max }),
    },
    { additionalProperties: false },
  );

export const SyncResult = Type.Object({
  serverTime: Type.String(),
  clockSkewMs: Type.Integer({ description: "The device's clock minus the server's, in milliseconds." }),
  clockSkewed: Type.Boolean(),
  results: Type.Array(
    Type.Object({
      clientId: Type.String(),
      status: Type.Union([
        Type.Literal('stored'),
        Type.Literal('already_stored'),
        Type.Literal('review'),
        Type.Literal('rejected'),
      ]),
      doseId: Type.Optional(Type.Integer()),
      reviewId: Type.Optional(Type.Integer()),
      code: Type.Optional(Type.String()),
      message: Type.Optional(Type.String()),
    }),
  ),
});
export type SyncResultT = Static<typeof SyncResult>;

// ---------------------------------------------------------------------------------------------
// AEFI, alerts and programme settings

export const AefiBody = Type.Object(
  {
    doseId: Id,
    symptoms: Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 20, uniqueItems: true }),
    onsetAt: IsoTime,
    severity: Type.Union([Type.Literal('non_serious'), Type.Literal('serious')]),
    seriousCriteria: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Literal('death'),
          Type.Literal('life_threatening'),
          Type.Literal('hospitalisation'),
          Type.Literal('disability'),
          Type.Literal('congenital_anomaly'),
          Type.Literal('cluster'),
        ]),
        {
          uniqueItems: true,
          maxItems: 6,
        },
      ),
    ),
    outcome: Type.Union([
      Type.Literal('recovered'),
      Type.Literal('recovering'),
      Type.Literal('not_recovered'),
      Type.Literal('recovered_with_sequelae'),
      Type.Literal('died'),
      Type.Literal('unknown'),
    ]),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type AefiBodyT = Static<typeof AefiBody>;

const Causality = Type.Union([
  Type.Literal('vaccine_product_related'),
  Type.Literal('vaccine_quality_defect'),
  Type.Literal('immunization_error'),
  Type.Literal('immunization_anxiety'),
  Type.Literal('coincidental'),
  Type.Literal('indeterminate'),
  Type.Literal('unclassifiable'),
]);

export const AefiReport = Type.Object({
  id: Type.Integer(),
  personId: Type.Integer(),
  registrationNumber: Type.String(),
  nameEn: Type.String(),
  doseId: Type.Integer(),
  doseNumber: Type.Integer(),
  productId: Type.Integer(),
  productCode: Type.String(),
  lotId: Nullable(Type.Integer()),
  lotNumber: Nullable(Type.String()),
  facilityId: Nullable(Type.Integer()),
  facilityName: Nullable(Type.String()),
  symptoms: Type.Array(Type.String()),
  onsetAt: Type.String(),
  severity: Type.String(),
  seriousCriteria: Type.Array(Type.String()),
  outcome: Type.String(),
  description: Type.String(),
  reportedVia: Type.String(),
  investigationStatus: Type.String(),
  causality: Nullable(Type.String()),
  createdAt: Type.String(),
  events: Type.Array(
    Type.Object({
      status: Type.String(),
      note: Type.String(),
      causality: Nullable(Type.String()),
      recordedBy: Nullable(Type.String()),
      createdAt: Type.String(),
    }),
  ),
});
export type AefiReportT = Static<typeof AefiReport>;

export const AefiList = Type.Object(
  {
    severity: Type.Optional(Type.Union([Type.Literal('non_serious'), Type.Literal('serious')])),
    status: Type.Optional(
      Type.Union([
        Type.Literal('not_required'),
        Type.Literal('open'),
        Type.Literal('investigating'),
        Type.Literal('closed'),
      ]),
    ),
    lotId: Type.Optional(Id),
    facilityId: Type.Optional(Id),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);

export const InvestigationBody = Type.Object(
  {
    status: Type.Union([Type.Literal('open'), Type.Literal('investigating'), Type.Literal('closed')]),
    note: Type.String({ minLength: 3, maxLength: 2000 }),
    causality: Type.Optional(Causality),
  },
  { additionalProperties: false },
);

export const LotSignal = Type.Object({
  lotId: Type.Integer(),
  lotNumber: Type.String(),
  productId: Type.Integer(),
  productCode: Type.String(),
  reports: Type.Integer(),
  serious: Type.Integer(),
  dosesGiven: Type.Integer(),
  reportsPer10000: Nullable(Type.Number()),
});

export const AlertView = Type.Object({
  id: Type.Integer(),
  areaId: Nullable(Type.Integer()),
  areaName: Nullable(Type.String()),
  kind: Type.String(),
  title: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
  acknowledgedBy: Nullable(Type.String()),
  acknowledgedAt: Nullable(Type.String()),
});

export const AlertList = Type.Object(
  {
    open: Type.Optional(Type.Boolean({ description: 'Only alerts not yet acknowledged.' })),
    kind: Type.Optional(Type.String({ maxLength: 40 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);

export const ProgrammeSettings = Type.Object(
  {
    acceptUnheldLots: Type.Boolean({
      description:
        'Keep a dose recorded with a lot the facility does not hold or that has expired, flagged for review, instead of refusing it.',
    }),
  },
  { additionalProperties: false },
);
export type ProgrammeSettingsT = Static<typeof ProgrammeSettings>;
