import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Report answers. Every figure comes from the rollups and cubes (migrations/0009_reports.sql). */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Count = Type.Integer({ minimum: 0 });
const Rate = Nullable(
  Type.Number({ description: 'A fraction 0..1; null when the denominator is zero or unknown.' }),
);
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const IsoDay = Type.String({ format: 'date', description: 'YYYY-MM-DD', examples: ['2026-01-31'] });

export const AGE_BAND_LABELS = [
  '0-11',
  '12-17',
  '18-29',
  '30-39',
  '40-49',
  '50-59',
  '60-69',
  '70-79',
  '80+',
] as const;
export const AgeBand = Type.Integer({
  description: 'Lower bound of the age band in years: 0, 12, 18, 30, 40, 50, 60, 70 or 80 (80 and over).',
});
export const Gender = Type.Union([
  Type.Literal('female'),
  Type.Literal('male'),
  Type.Literal('third_gender'),
]);

export const ReportArea = Nullable(
  Type.Object(
    {
      id: Type.Integer(),
      code: Type.String(),
      nameEn: Type.String(),
      nameBn: Type.String(),
      depth: Type.Integer(),
    },
    { description: 'An area; null stands for the whole country.' },
  ),
);
export type ReportAreaT = Static<typeof ReportArea>;

// --- queries ---

const AreaId = Type.Optional(
  Type.Integer({
    minimum: 1,
    maximum: 2_147_483_647,
    description: 'The area reported on; by default the country (national grant) or the one area granted.',
  }),
);
const From = Type.Optional(
  Type.String({ description: 'First day, YYYY-MM-DD (default: 29 days before `to`).' }),
);
const To = Type.Optional(Type.String({ description: 'Last day, YYYY-MM-DD (default: today).' }));
const Format = Type.Optional(
  Type.Union([Type.Literal('json'), Type.Literal('csv')], {
    default: 'json',
    description: '`csv` answers the main table as a CSV download.',
  }),
);

export const AreaQuery = Type.Object({ areaId: AreaId, format: Format }, { additionalProperties: false });
export const VaccinationQuery = Type.Object(
  {
    areaId: AreaId,
    format: Format,
    table: Type.Optional(
      Type.Union(
        [
          Type.Literal('area'),
          Type.Literal('age_gender'),
          Type.Literal('product'),
          Type.Literal('dose'),
          Type.Literal('group'),
          Type.Literal('lowest'),
        ],
        {
          default: 'area',
          description:
            'Which table the CSV holds; `lowest` lists every lowest-level area under the area by age band and gender.',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export const RangeQuery = Type.Object(
  { areaId: AreaId, from: From, to: To, format: Format },
  { additionalProperties: false },
);
export const TrendQuery = Type.Object(
  { areaId: AreaId, from: From, to: To, productId: Type.Optional(Id), format: Format },
  { additionalProperties: false },
);
export const FacilitiesQuery = Type.Object(
  {
    areaId: AreaId,
    from: From,
    to: To,
    sort: Type.Optional(
      Type.Union(
        [
          Type.Literal('doses'),
          Type.Literal('noShowRate'),
          Type.Literal('capacityUsed'),
          Type.Literal('dosesPerVaccinatorHour'),
        ],
        { default: 'doses' },
      ),
    ),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
    format: Format,
  },
  { additionalProperties: false },
);
export const StockQuery = Type.Object(
  {
    areaId: AreaId,
    storeId: Type.Optional(Id),
    format: Format,
  },
  { additionalProperties: false },
);
export const PublicDashboardQuery = Type.Object(
  { areaId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'A division.' })) },
  { additionalProperties: false },
);
export const PopulationQuery = Type.Object({ areaId: AreaId }, { additionalProperties: false });

// --- answers ---

const DoseCounts = {
  doses: Count,
  firstDose: Count,
  complete: Count,
  booster: Count,
};

export const VaccinationReport = Type.Object(
  {
    area: ReportArea,
    totals: Type.Object(DoseCounts),
    byAgeGender: Type.Array(Type.Object({ ageBand: AgeBand, gender: Gender, doses: Count })),
    byProduct: Type.Array(
      Type.Object({ productId: Type.Integer(), code: Type.String(), name: Type.String(), doses: Count }),
    ),
    byDoseNumber: Type.Array(Type.Object({ doseNumber: Type.Integer(), doses: Count })),
    byGroup: Type.Array(
      Type.Object({ groupCode: Type.String(), nameEn: Type.String(), nameBn: Type.String(), doses: Count }),
    ),
    byArea: Type.Array(
      Type.Object({
        area: ReportArea,
        ...DoseCounts,
        population: Nullable(Count),
        coverageFirst: Rate,
        coverageComplete: Rate,
      }),
      { description: 'The areas one level below (empty at the lowest level).' },
    ),
  },
  {
    description:
      'Doses by where the vaccinated person lives. firstDose counts dose 1, complete the dose that completes ' +
      "the product's primary series, booster every dose after it.",
  },
);
export type VaccinationReportT = Static<typeof VaccinationReport>;

export const VaccinationTrend = Type.Object({
  area: ReportArea,
  from: IsoDay,
  to: IsoDay,
  days: Type.Array(
    Type.Object({
      day: IsoDay,
      ...DoseCounts,
      cumulative: Type.Integer({ description: 'Doses from the beginning up to and including this day.' }),
    }),
  ),
});
export type VaccinationTrendT = Static<typeof VaccinationTrend>;

const CoverageRow = {
  population: Nullable(Count),
  firstDose: Count,
  complete: Count,
  booster: Count,
  coverageFirst: Rate,
  coverageComplete: Rate,
};
export const CoverageReport = Type.Object(
  {
    area: ReportArea,
    totals: Type.Object({ ...CoverageRow, coverageBooster: Rate }),
    byAgeBand: Type.Array(Type.Object({ ageBand: AgeBand, ...CoverageRow })),
    byGender: Type.Array(Type.Object({ gender: Gender, ...CoverageRow })),
    byArea: Type.Array(Type.Object({ area: ReportArea, ...CoverageRow })),
  },
  {
    description:
      'People with a first dose, a complete series and a booster, over the population denominators. ' +
      'A dose counts in the age band of the person on the day of the dose.',
  },
);
export type CoverageReportT = Static<typeof CoverageReport>;

const FunnelRow = { registered: Count, booked: Count, vaccinated: Count, complete: Count };
export const FunnelReport = Type.Object(
  {
    area: ReportArea,
    totals: Type.Object(FunnelRow),
    byArea: Type.Array(Type.Object({ area: ReportArea, ...FunnelRow })),
  },
  {
    description:
      'registered: people registered; booked: people holding a first-dose appointment plus people with a ' +
      'first dose; vaccinated: people with a first dose; complete: people with a complete primary series.',
  },
);
export type FunnelReportT = Static<typeof FunnelReport>;

export const FacilityRow = Type.Object({
  facility: Type.Object({
    id: Type.Integer(),
    code: Type.String(),
    nameEn: Type.String(),
    nameBn: Type.String(),
    areaNameEn: Type.String(),
    areaNameBn: Type.String(),
  }),
  sessions: Count,
  capacity: Count,
  booked: Type.Integer({ description: 'Appointments taken and not cancelled (booked, attended or missed).' }),
  attended: Count,
  missed: Count,
  noShowRate: Rate,
  capacityUsed: Nullable(Type.Number({ description: 'booked / capacity; may exceed 1 with walk-ins.' })),
  doses: Count,
  vaccinators: Type.Integer({ description: 'Different staff who recorded doses here in the period.' }),
  dosesPerVaccinatorHour: Nullable(Type.Number()),
});
export const FacilitiesReport = Type.Object({
  from: IsoDay,
  to: IsoDay,
  total: Type.Integer(),
  items: Type.Array(FacilityRow),
});
export type FacilitiesReportT = Static<typeof FacilitiesReport>;
export type FacilityRowT = Static<typeof FacilityRow>;

const StoreRef = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  nameEn: Type.String(),
  nameBn: Type.String(),
  level: Type.String(),
});
export const StockReport = Type.Object({
  stores: Type.Array(
    Type.Object({
      store: StoreRef,
      products: Type.Array(
        Type.Object({
          productId: Type.Integer(),
          code: Type.String(),
          onHand: Type.Integer(),
          dailyUse: Type.Number({ description: 'Doses administered in the last 30 days, per day.' }),
          daysOfSupply: Nullable(Type.Number()),
          administered: Type.Integer({ description: 'Last 30 days.' }),
          wasted: Type.Integer({
            description: 'Last 30 days: opened vials wasted, expired, damaged or lost.',
          }),
          wastageRate: Rate,
        }),
      ),
    }),
  ),
  expiring: Type.Array(
    Type.Object({
      lot: Type.Object({
        id: Type.Integer(),
        lotNumber: Type.String(),
        productCode: Type.String(),
        expiresOn: IsoDay,
      }),
      store: StoreRef,
      doses: Type.Integer(),
      withinDays: Type.Union([Type.Literal(30), Type.Literal(60), Type.Literal(90)]),
    }),
  ),
});
export type StockReportT = Static<typeof StockReport>;

export const AefiReport = Type.Object(
  {
    from: IsoDay,
    to: IsoDay,
    byProduct: Type.Array(
      Type.Object({
        productId: Type.Integer(),
        code: Type.String(),
        reports: Count,
        serious: Count,
        doses: Type.Integer({
          description:
            'Doses of the product given in the period: to the people living in the area (the country), or at ' +
            'the facilities of staff bound to facilities.',
        }),
        per100k: Nullable(Type.Number()),
        seriousPer100k: Nullable(Type.Number()),
      }),
    ),
    byLot: Type.Array(
      Type.Object({
        lot: Type.Object({ id: Type.Integer(), lotNumber: Type.String(), productCode: Type.String() }),
        reports: Count,
        serious: Count,
        doses: Type.Integer({ description: 'Every dose given from the lot.' }),
        per100k: Nullable(Type.Number()),
      }),
    ),
    investigations: Type.Array(Type.Object({ status: Type.String(), count: Count })),
  },
  {
    description:
      'Side-effect reports made in the period, by the area of the facility where the dose was given.',
  },
);
export type AefiReportT = Static<typeof AefiReport>;

const RegistrationCounts = { people: Count, female: Count, male: Count, thirdGender: Count };
export const RegistrationsReport = Type.Object(
  {
    area: ReportArea,
    from: IsoDay,
    to: IsoDay,
    totals: Type.Object({ ...RegistrationCounts, femaleShare: Rate }),
    byGroup: Type.Array(
      Type.Object({
        groupCode: Type.String(),
        nameEn: Type.String(),
        nameBn: Type.String(),
        ...RegistrationCounts,
      }),
    ),
    byAgeGender: Type.Array(Type.Object({ ageBand: AgeBand, gender: Gender, people: Count })),
    byArea: Type.Array(Type.Object({ area: ReportArea, ...RegistrationCounts, femaleShare: Rate })),
    trend: Type.Array(Type.Object({ day: IsoDay, people: Count, cumulative: Count })),
  },
  {
    description:
      'People registered and living in the area (totals and tables: everyone registered so far; trend: ' +
      'registrations per day in the period, with the running total from the beginning).',
  },
);
export type RegistrationsReportT = Static<typeof RegistrationsReport>;

export const ReportStatus = Type.Object({
  lagSeconds: Type.Number({ description: 'Age of the oldest fact not yet in the reports (0: all in).' }),
  appliedAt: Nullable(Type.String({ format: 'date-time' })),
  rebuiltAt: Nullable(Type.String({ format: 'date-time' })),
});

export const PopulationImportResult = Type.Object({
  imported: Type.Integer({ description: 'Lines stored.' }),
  areas: Type.Integer({ description: 'Different areas in the file.' }),
});

export const PopulationReport = Type.Object({
  area: ReportArea,
  total: Count,
  byAgeBand: Type.Array(Type.Object({ ageBand: AgeBand, label: Type.String(), people: Count })),
  byGender: Type.Array(Type.Object({ gender: Gender, people: Count })),
});
export type PopulationReportT = Static<typeof PopulationReport>;

const Suppressed = Nullable(
  Type.Integer({ description: 'null when suppressed (1 to suppressedBelow - 1).' }),
);
export const PublicDashboard = Type.Object(
  {
    generatedAt: Type.String({ format: 'date-time' }),
    refreshSeconds: Type.Integer(),
    suppressedBelow: Type.Integer(),
    area: ReportArea,
    totals: Type.Object({
      registered: Suppressed,
      doses: Suppressed,
      firstDose: Suppressed,
      complete: Suppressed,
      booster: Suppressed,
      dosesToday: Suppressed,
    }),
    trend: Type.Array(Type.Object({ day: IsoDay, doses: Suppressed })),
    coverageByAgeBand: Type.Array(
      Type.Object({
        ageBand: AgeBand,
        population: Suppressed,
        firstDose: Suppressed,
        complete: Suppressed,
        coverageFirst: Rate,
        coverageComplete: Rate,
      }),
    ),
    divisions: Type.Array(
      Type.Object({
        area: ReportArea,
        firstDose: Suppressed,
        complete: Suppressed,
        population: Suppressed,
        coverageFirst: Rate,
        coverageComplete: Rate,
      }),
    ),
  },
  {
    description:
      'Figures for everyone to see. A count from 1 to suppressedBelow - 1 is null, and so is a rate computed from it.',
  },
);
export type PublicDashboardT = Static<typeof PublicDashboard>;
