import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_KM, MAX_RANGE_DAYS } from './service.ts';

const Id = (description?: string) =>
  Type.Integer({ minimum: 1, maximum: 2_147_483_647, ...(description ? { description } : {}) });
const IsoDate = (description: string) => Type.String({ format: 'date', description });

export const AvailabilityQuery = Type.Object(
  {
    areaId: Type.Optional(Id("Sessions at facilities in this area's subtree.")),
    facilityId: Type.Optional(Id()),
    from: Type.Optional(IsoDate('First date, YYYY-MM-DD (default: today; earlier dates count as today).')),
    to: Type.Optional(
      IsoDate(`Last date, YYYY-MM-DD (default: six days after from); at most ${MAX_RANGE_DAYS} days in all.`),
    ),
    productId: Type.Optional(Id()),
    product: Type.Optional(
      Type.String({ pattern: '^[A-Z0-9_-]{1,40}$', description: 'Vaccine product code, e.g. COMIRNATY.' }),
    ),
    dose: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10, description: 'Only sessions that give this dose number.' }),
    ),
    lat: Type.Optional(
      Type.Number({ minimum: -90, maximum: 90, description: 'Latitude of a point (with lon).' }),
    ),
    lon: Type.Optional(
      Type.Number({ minimum: -180, maximum: 180, description: 'Longitude of a point (with lat).' }),
    ),
    km: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 200,
        description: `Radius around the point, in km (default ${DEFAULT_KM}).`,
      }),
    ),
    age: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 130,
        description: 'Only sessions whose age band admits this age.',
      }),
    ),
    withRoom: Type.Optional(Type.Boolean({ description: 'Only sessions with a seat left.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type AvailabilityQueryT = Static<typeof AvailabilityQuery>;

const Hhmm = Type.String({ pattern: '^\\d{2}:\\d{2}$' });

export const AvailableSessionSchema = Type.Object({
  sessionId: Type.Integer(),
  date: Type.String({ format: 'date' }),
  startsAt: Hhmm,
  endsAt: Hhmm,
  minAgeYears: Type.Integer(),
  maxAgeYears: Type.Union([Type.Integer(), Type.Null()]),
  doseNumbers: Type.Array(Type.Integer()),
  product: Type.Object({ id: Type.Integer(), code: Type.String(), name: Type.String() }),
  facility: Type.Object({
    id: Type.Integer(),
    code: Type.String(),
    nameEn: Type.String(),
    nameBn: Type.String(),
    type: Type.String(),
    address: Type.String(),
    areaId: Type.Integer(),
    areaNameEn: Type.String(),
    areaNameBn: Type.String(),
    postcode: Type.Union([Type.String(), Type.Null()]),
    latitude: Type.Union([Type.Number(), Type.Null()]),
    longitude: Type.Union([Type.Number(), Type.Null()]),
    distanceKm: Type.Optional(Type.Number({ description: 'From the point searched around.' })),
  }),
  capacity: Type.Integer({ description: "Seats in the session's slots." }),
  available: Type.Integer({ description: 'Seats left.' }),
  availableByDose: Type.Array(Type.Object({ doseNumber: Type.Integer(), available: Type.Integer() }), {
    description: 'Seats left per dose number of the product; 0 for a dose the session does not give.',
  }),
  slots: Type.Array(
    Type.Object({
      slotId: Type.Integer(),
      startsAt: Hhmm,
      endsAt: Hhmm,
      capacity: Type.Integer(),
      available: Type.Integer(),
    }),
  ),
});

export const AvailabilityResult = Type.Object({
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  sessions: Type.Array(AvailableSessionSchema),
  truncated: Type.Boolean({ description: 'More sessions matched than `limit`.' }),
});
