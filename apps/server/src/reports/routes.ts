import { Type } from '@sinclair/typebox';
import type { onRequestHookHandler } from 'fastify';
import { principalOf } from '../http/access-hooks.ts';
import { ctxOf, errors, type App } from '../http/types.ts';
import { csvStream, csvText, sendCsv } from './csv.ts';
import type { PopulationService } from './population.ts';
import type { PublicDashboard as PublicDashboardService } from './public-dashboard.ts';
import {
  AefiReport,
  AGE_BAND_LABELS,
  AreaQuery,
  CoverageReport,
  FacilitiesQuery,
  FacilitiesReport,
  FunnelReport,
  PopulationImportResult,
  PopulationQuery,
  PopulationReport,
  PublicDashboard,
  PublicDashboardQuery,
  RangeQuery,
  RegistrationsReport,
  ReportStatus,
  StockQuery,
  StockReport,
  TrendQuery,
  VaccinationQuery,
  VaccinationReport,
  VaccinationTrend,
  type ReportAreaT,
} from './schemas.ts';
import { AGE_BANDS, type ReportService } from './service.ts';

const TAGS = ['reports'];
const CSV_NOTE = ' With `format=csv`, the main table as a CSV download (UTF-8 with a byte-order mark).';
const bandLabel = (b: number) =>
  AGE_BAND_LABELS[AGE_BANDS.indexOf(b as (typeof AGE_BANDS)[number])] ?? String(b);
const placeOf = (a: ReportAreaT | { code: string } | null) => a?.code ?? 'national';
const areaCells = (a: ReportAreaT) => [a?.code ?? '', a?.nameEn ?? '', a?.nameBn ?? ''];
const AREA_HEADER = ['area_code', 'area_name_en', 'area_name_bn'];

/**
 * Report routes. Each declares `report.read` (stock: `stock.read`) and is scoped in the service:
 * the area asked for must lie within the caller's grants (see scope.ts).
 */
export function reportRoutes(
  app: App,
  deps: {
    reports: ReportService;
    populations: PopulationService;
    dashboard: PublicDashboardService;
    importBodyLimit: number;
    publicPerIpMinute: number;
  },
) {
  const { reports, populations, dashboard } = deps;
  const access = { access: { action: 'report.read' as const } };

  app.get(
    '/api/reports/vaccination',
    {
      schema: {
        operationId: 'vaccinationReport',
        tags: TAGS,
        summary: 'Doses by age band and gender, product, dose number, priority group and area below',
        description: 'By where the vaccinated people live.' + CSV_NOTE,
        querystring: VaccinationQuery,
        response: { 200: VaccinationReport, ...errors(400, 401, 403, 404) },
      },
      config: access,
    },
    async (req, reply) => {
      const q = req.query;
      const p = principalOf(req);
      if (q.format === 'csv' && q.table === 'lowest') {
        const { area, pages } = await reports.lowestAreaPages(p, q.areaId);
        const rows = (async function* () {
          for await (const page of pages)
            yield page.map((r) => [
              r.area.code,
              r.area.name_en,
              r.area.name_bn,
              bandLabel(r.ageBand),
              r.gender,
              r.doses,
              r.firstDose,
              r.complete,
              r.booster,
            ]);
        })();
        return sendCsv(
          reply,
          `vaccination-lowest-${placeOf(area)}`,
          csvStream(
            [...AREA_HEADER, 'age_band', 'gender', 'doses', 'first_dose', 'complete', 'booster'],
            rows,
          ),
        );
      }
      const r = await reports.vaccination(p, q.areaId);
      if (q.format !== 'csv') return r;
      const name = `vaccination-${placeOf(r.area)}`;
      switch (q.table ?? 'area') {
        case 'age_gender':
          return sendCsv(
            reply,
            name,
            csvText(
              ['age_band', 'gender', 'doses'],
              r.byAgeGender.map((x) => [bandLabel(x.ageBand), x.gender, x.doses]),
            ),
          );
        case 'product':
          return sendCsv(
            reply,
            name,
            csvText(
              ['product_code', 'product_name', 'doses'],
              r.byProduct.map((x) => [x.code, x.name, x.doses]),
            ),
          );
        case 'dose':
          return sendCsv(
            reply,
            name,
            csvText(
              ['dose_number', 'doses'],
              r.byDoseNumber.map((x) => [x.doseNumber, x.doses]),
            ),
          );
        case 'group':
          return sendCsv(
            reply,
            name,
            csvText(
              ['group_code', 'group_name_en', 'group_name_bn', 'doses'],
              r.byGroup.map((x) => [x.groupCode, x.nameEn, x.nameBn, x.doses]),
            ),
          );
        case 'area':
        case 'lowest':
          return sendCsv(
            reply,
            name,
            csvText(
              [
                ...AREA_HEADER,
                'doses',
                'first_dose',
                'complete',
                'booster',
                'population',
                'coverage_first',
                'coverage_complete',
              ],
              r.byArea.map((x) => [
                ...areaCells(x.area),
                x.doses,
                x.firstDose,
                x.complete,
                x.booster,
                x.population,
                x.coverageFirst,
                x.coverageComplete,
              ]),
            ),
          );
      }
    },
  );

  app.get(
    '/api/reports/vaccination/trend',
    {
      schema: {
        operationId: 'vaccinationTrendReport',
        tags: TAGS,
        summary: 'Doses per day over a period (every day present), with the running total',
        description: 'The period is at most 366 days; by default the last 30 days.' + CSV_NOTE,
        querystring: TrendQuery,
        response: { 200: VaccinationTrend, ...errors(400, 401, 403, 404) },
      },
      config: access,
    },
    async (req, reply) => {
      const r = await reports.vaccinationTrend(principalOf(req), req.query);
      if (req.query.format !== 'csv') return r;
      return sendCsv(
        reply,
        `vaccination-trend-${placeOf(r.area)}`,
        csvText(
          ['day', 'doses', 'first_dose', 'complete', 'booster', 'cumulative'],
          r.days.map((d) => [d.day, d.doses, d.firstDose, d.complete, d.booster, d.cumulative]),
        ),
      );
    },
  );

  app.get(
    '/api/reports/coverage',
    {
      schema: {
        operationId: 'coverageReport',
        tags: TAGS,
        summary: 'Coverage over the population denominators, by age band, gender and area below',
        description: CSV_NOTE.trim() + ' (the table by area).',
        querystring: AreaQuery,
        response: { 200: CoverageReport, ...errors(400, 401, 403, 404) },
      },
      config: access,
    },
    async (req, reply) => {
      const r = await reports.coverage(principalOf(req), req.query.areaId);
      if (req.query.format !== 'csv') return r;
      return sendCsv(
        reply,
        `coverage-${placeOf(r.area)}`,
        csvText(
          [
            ...AREA_HEADER,
            'population',
            'first_dose',
            'complete',
            'booster',
            'coverage_first',
            'coverage_complete',
          ],
          r.byArea.map((x) => [
            ...areaCells(x.area),
            x.population,
            x.firstDose,
            x.complete,
            x.booster,
            x.coverageFirst,
            x.coverageComplete,
          ]),
        ),
      );
    },
  );

  app.get(
    '/api/reports/funnel',
    {
      schema: {
        operationId: 'funnelReport',
        tags: TAGS,
        summary: 'Registered, booked, vaccinated and complete, for the area and each area below',
        description: CSV_NOTE.trim() + ' (the table by area).',
        querystring: AreaQuery,
        response: { 200: FunnelReport, ...errors(400, 401, 403, 404) },
      },
      config: access,
    },
    async (req, reply) => {
      const r = await reports.funnel(principalOf(req), req.query.areaId);
      if (req.query.format !== 'csv') return r;
      return sendCsv(
        reply,
        `funnel-${placeOf(r.area)}`,
        csvText(
          [...AREA_HEADER, 'registered', 'booked', 'vaccinated', 'complete'],
          r.byArea.map((x) => [...areaCells(x.area), x.registered, x.booked, x.vaccinated, x.complete]),
        ),
      );
    },
  );

  app.get(
    '/api/reports/facilities',
    {
      schema: {
        operationId: 'facilitiesReport',
        tags: TAGS,
        summary:
          'Facility performance over a period: sessions, capacity used, no-shows, doses per vaccinator hour',
        description:
          'Facilities in the area (staff bound to facilities: their own). ' +
          'With `format=csv` every facility of the area, in the order asked (limit and offset do not apply).',
        querystring: FacilitiesQuery,
        response: { 200: FacilitiesReport, ...errors(400, 401, 403, 404) },
      },
      config: access,
    },
    async (req, reply) => {
      const q = req.query;
      const p = principalOf(req);
      if (q.format !== 'csv') return reports.facilities(p, q);
      const { area, pages } = await reports.facilityPages(p, q);
      const rows = (async function* () {
        for await (const page of pages)
          yield page.map((x) => [
            x.facility.code,
            x.facility.nameEn,
            x.facility.nameBn,
            x.facility.areaNameEn,
            x.facility.areaNameBn,
            x.sessions,
            x.capacity,
            x.booked,
            x.attended,
            x.missed,
            x.noShowRate,
            x.capacityUsed,
            x.doses,
            x.vaccinators,
            x.dosesPerVaccinatorHour,
          ]);
      })();
      return sendCsv(
        reply,
        `facilities-${placeOf(area)}`,
        csvStream(
          [
            'facility_code',
            'facility_name_en',
            'facility_name_bn',
            'area_name_en',
            'area_name_bn',
            'sessions',
            'capacity',
            'booked',
            'attended',
            'missed',
            'no_show_rate',
            'capacity_used',
            'doses',
            'vaccinators',
            'doses_per_vaccinator_hour',
          ],
          rows,
        ),
      );
    },
  );

  app.get(
    '/api/reports/stock',
    {
      schema: {
        operationId: 'stockReport',
        tags: TAGS,
        summary:
          'Stock on hand, use, days of supply and wastage by store and product; lots expiring within 90 days',
        description:
          'Of one store (storeId) or of the stores in an area.' + CSV_NOTE + ' (by store and product)',
        querystring: StockQuery,
        response: { 200: StockReport, ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'stock.read' } },
    },
    async (req, reply) => {
      const r = await reports.stock(principalOf(req), req.query);
      if (req.query.format !== 'csv') return r;
      const place = req.query.storeId ? (r.stores[0]?.store.code ?? 'store') : placeOf(r.area);
      return sendCsv(
        reply,
        `stock-${place}`,
        csvText(
          [
            'store_code',
            'store_name_en',
            'store_name_bn',
            'store_level',
            'product_code',
            'on_hand',
            'daily_use',
            'days_of_supply',
            'administered_30d',
            'wasted_30d',
            'wastage_rate',
          ],
          r.stores.flatMap((s) =>
            s.products.map((x) => [
              s.store.code,
              s.store.nameEn,
              s.store.nameBn,
              s.store.level,
              x.code,
              x.onHand,
              x.dailyUse,
              x.daysOfSupply,
              x.administered,
              x.wasted,
              x.wastageRate,
            ]),
          ),
        ),
      );
    },
  );

  app.get(
    '/api/reports/aefi',
    {
      schema: {
        operationId: 'aefiRatesReport',
        tags: TAGS,
        summary: 'Side-effect reports per 100,000 doses by product and by lot; investigations by status',
        description: CSV_NOTE.trim() + ' (the table by product).',
        querystring: RangeQuery,
        response: { 200: AefiReport, ...errors(400, 401, 403, 404) },
      },
      config: access,
    },
    async (req, reply) => {
      const r = await reports.aefi(principalOf(req), req.query);
      if (req.query.format !== 'csv') return r;
      return sendCsv(
        reply,
        `aefi-${placeOf(r.area)}`,
        csvText(
          ['product_code', 'reports', 'serious', 'doses', 'per_100k', 'serious_per_100k'],
          r.byProduct.map((x) => [x.code, x.reports, x.serious, x.doses, x.per100k, x.seriousPer100k]),
        ),
      );
    },
  );

  app.get(
    '/api/reports/registrations',
    {
      schema: {
        operationId: 'registrationsReport',
        tags: TAGS,
        summary:
          'People registered by gender, priority group, age band and area below; registrations per day',
        description: CSV_NOTE.trim() + ' (the table by area).',
        querystring: RangeQuery,
        response: { 200: RegistrationsReport, ...errors(400, 401, 403, 404) },
      },
      config: access,
    },
    async (req, reply) => {
      const r = await reports.registrations(principalOf(req), req.query);
      if (req.query.format !== 'csv') return r;
      return sendCsv(
        reply,
        `registrations-${placeOf(r.area)}`,
        csvText(
          [...AREA_HEADER, 'people', 'female', 'male', 'third_gender', 'female_share'],
          r.byArea.map((x) => [
            ...areaCells(x.area),
            x.people,
            x.female,
            x.male,
            x.thirdGender,
            x.femaleShare,
          ]),
        ),
      );
    },
  );

  app.get(
    '/api/reports/status',
    {
      schema: {
        operationId: 'reportStatus',
        tags: TAGS,
        summary: 'How far behind the facts the reports are',
        response: { 200: ReportStatus, ...errors(401, 403) },
      },
      config: access,
    },
    () => reports.status(),
  );

  app.post(
    '/api/populations',
    {
      bodyLimit: deps.importBodyLimit,
      schema: {
        operationId: 'importPopulations',
        tags: TAGS,
        summary: 'Import population denominators from CSV (area_code, age_band, gender, population)',
        description:
          'Lowest-level areas only; age_band is one of 0-11, 12-17, 18-29, 30-39, 40-49, 50-59, 60-69, ' +
          '70-79, 80+; gender female, male or third_gender. The whole file is stored or, when a line is ' +
          'wrong, nothing: the error lists each wrong line with its number (the header is line 1).',
        consumes: ['text/csv'],
        body: Type.String({ description: 'CSV text with a header row.' }),
        response: { 200: PopulationImportResult, ...errors(400, 401, 403, 413, 415) },
      },
      config: { access: { action: 'area.write' } },
    },
    (req) => populations.importCsv(principalOf(req), req.body, ctxOf(req)),
  );

  app.get(
    '/api/populations',
    {
      schema: {
        operationId: 'getPopulation',
        tags: TAGS,
        summary: "An area's population denominators by age band and gender",
        querystring: PopulationQuery,
        response: { 200: PopulationReport, ...errors(400, 401, 403, 404) },
      },
      config: access,
    },
    (req) => populations.population(principalOf(req), req.query.areaId),
  );

  const limit = app.rateLimit({
    max: deps.publicPerIpMinute,
    timeWindow: '1 minute',
  }) as onRequestHookHandler;
  app.get(
    '/api/public/dashboard',
    {
      onRequest: limit,
      schema: {
        operationId: 'publicDashboard',
        tags: TAGS,
        summary: 'Vaccination figures for everyone: the country or one division',
        description:
          'No sign-in. Recomputed at most every `refreshSeconds`; a count from 1 to `suppressedBelow` - 1 is ' +
          'null, and so is any rate computed from it.',
        security: [],
        querystring: PublicDashboardQuery,
        response: { 200: PublicDashboard, ...errors(400, 404, 429) },
      },
      config: { public: true },
    },
    async (req, reply) => {
      const r = await dashboard.get(req.query.areaId);
      void reply.header('cache-control', `public, max-age=${dashboard.settings.refreshSeconds}`);
      return r;
    },
  );
}
