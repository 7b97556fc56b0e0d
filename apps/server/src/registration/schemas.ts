import { Type, type Static } from '@sinclair/typebox';

export const IdTypeSchema = Type.Union(
  [Type.Literal('nid'), Type.Literal('birth_registration'), Type.Literal('passport')],
  {
    description:
      'nid: national ID card; birth_registration: birth registration number (12 and over without a national ID); passport: with nationality.',
  },
);
export const GenderSchema = Type.Union([
  Type.Literal('female'),
  Type.Literal('male'),
  Type.Literal('third_gender'),
]);
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
export const Locale = Type.Union([Type.Literal('en'), Type.Literal('bn')]);
export const Phone = Type.String({
  minLength: 6,
  maxLength: 24,
  pattern: '^[+0-9\u09E6-\u09EF ().-]+$',
  description: 'Mobile number, e.g. 01712345678 or +8801712345678 (Bengali digits are fine).',
});

export const RegistrationBody = Type.Object(
  {
    idType: IdTypeSchema,
    idNumber: Type.String({ minLength: 4, maxLength: 30 }),
    nationality: Type.Optional(
      Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2; needed with a passport.' }),
    ),
    dateOfBirth: IsoDate,
    nameEn: Type.String({
      minLength: 1,
      maxLength: 100,
      description: "Name as on the ID, in English. The registry's spelling wins when it answers.",
    }),
    nameBn: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    gender: GenderSchema,
    areaId: Type.Integer({ minimum: 1, description: 'Address: an area at the lowest level (a union).' }),
    addressLine: Type.Optional(Type.String({ maxLength: 200 })),
    occupation: Type.Optional(Type.String({ maxLength: 40 })),
    comorbidities: Type.Optional(
      Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20, uniqueItems: true }),
    ),
    priorityGroup: Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 40 }),
    evidence: Type.Optional(
      Type.Object(
        {
          note: Type.Optional(Type.String({ maxLength: 500 })),
          documentRef: Type.Optional(Type.String({ maxLength: 100 })),
        },
        {
          additionalProperties: false,
          description: 'What proves the priority group (an employer letter number, a staff ID...).',
        },
      ),
    ),
    preferredFacilityId: Type.Integer({ minimum: 1 }),
    preferredProductId: Type.Optional(Type.Integer({ minimum: 1 })),
    consent: Type.Object(
      { accepted: Type.Boolean(), noticeVersion: Type.String({ maxLength: 20 }) },
      { additionalProperties: false },
    ),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);
export type RegistrationBodyT = Static<typeof RegistrationBody>;

export const AssistedRegistrationBody = Type.Object(
  { ...RegistrationBody.properties, phone: Type.Optional(Phone) },
  {
    additionalProperties: false,
    description: 'Registration at a facility by staff; phone is optional (people without one).',
  },
);

const Named = Type.Object({ id: Type.Integer(), nameEn: Type.String(), nameBn: Type.String() });
export const Person = Type.Object(
  {
    id: Type.Integer(),
    registrationNumber: Type.String(),
    nameEn: Type.String(),
    nameBn: Type.Union([Type.String(), Type.Null()]),
    dateOfBirth: Type.String(),
    gender: GenderSchema,
    idType: IdTypeSchema,
    idLast4: Type.String({ description: 'Only the last four characters of the ID number are ever shown.' }),
    nationality: Type.String(),
    areaId: Type.Integer(),
    areaNameEn: Type.String(),
    areaNameBn: Type.String(),
    addressLine: Type.String(),
    occupation: Type.Union([Type.String(), Type.Null()]),
    comorbidities: Type.Array(Type.String()),
    priorityGroup: Type.Object({ code: Type.String(), nameEn: Type.String(), nameBn: Type.String() }),
    priorityStatus: Type.Union([
      Type.Literal('accepted'),
      Type.Literal('awaiting_approval'),
      Type.Literal('rejected'),
    ]),
    priorityEvidence: Type.Object(
      { note: Type.Optional(Type.String()), documentRef: Type.Optional(Type.String()) },
      { description: 'What the person gave as proof of the priority group, for the staff who approve it.' },
    ),
    preferredFacility: Type.Union([Named, Type.Null()]),
    preferredProduct: Type.Union([Type.Object({ id: Type.Integer(), name: Type.String() }), Type.Null()]),
    verificationStatus: Type.Union([
      Type.Literal('verified'),
      Type.Literal('pending'),
      Type.Literal('failed'),
      Type.Literal('in_person'),
    ]),
    registeredVia: Type.Union([Type.Literal('self'), Type.Literal('assisted')]),
    registeredAt: Type.String(),
  },
  { $id: 'Person' },
);

export const PriorityGroupSchema = Type.Object(
  {
    code: Type.String(),
    version: Type.Integer(),
    nameEn: Type.String(),
    nameBn: Type.String(),
    rank: Type.Integer(),
    minAgeYears: Type.Integer(),
    maxAgeYears: Type.Union([Type.Integer(), Type.Null()]),
    proofRule: Type.Union([
      Type.Literal('self_declared'),
      Type.Literal('staff_approval'),
      Type.Literal('roster'),
    ]),
    opensOn: Type.String(),
    active: Type.Boolean(),
    open: Type.Boolean({ description: 'Open for registration today.' }),
  },
  { $id: 'PriorityGroup' },
);

export const PriorityGroupInput = Type.Object(
  {
    nameEn: Type.String({ minLength: 1, maxLength: 100 }),
    nameBn: Type.String({ minLength: 1, maxLength: 100 }),
    rank: Type.Integer({ minimum: 1, maximum: 100 }),
    minAgeYears: Type.Integer({ minimum: 0, maximum: 130 }),
    maxAgeYears: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 130 }), Type.Null()])),
    proofRule: Type.Union([
      Type.Literal('self_declared'),
      Type.Literal('staff_approval'),
      Type.Literal('roster'),
    ]),
    opensOn: IsoDate,
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
