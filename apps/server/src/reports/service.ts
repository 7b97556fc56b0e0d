import { sql } from 'kysely';
import { addDays, daysBetween, daysOfSupply, isValidIsoDate, wastageRate } from '@dosewise/domain';
import { authorize, type Principal } from '../access/policy.ts';
import type { Db } from '../db/database.ts';
import { badRequest, forbidden, notFound } from '../http/errors.ts';
import { todayIn } from '../registration/calendar.ts';
import { rollupLagSeconds } from './rollups.ts';
import {
  areaDto,
  childAreas,
  facilityFilter,
  inArea,
  inChildren,
  resolveTarget,
  type AreaRow,
  type ReportTarget,
} from './scope.ts';
import type {
  AefiReportT,
  CoverageReportT,
  FacilitiesReportT,
  FacilityRowT,
  FunnelReportT,
  RegistrationsReportT,
  StockReportT,
  VaccinationReportT,
  VaccinationTrendT,
} from './schemas.ts';

export const AGE_BANDS = [0, 12, 18, 30, 40, 50, 60, 70, 80] as const;
export const GENDERS = ['female', 'male', 'third_gender'] as const;
export type GenderT = (typeof GENDERS)[number];
/** The longest period a report covers. */
export const MAX_RANGE_DAYS = 366;

export interface ReportSettings {
  timeZone: string;
}

/** A fraction rounded to 4 places; null without a denominator. */
export const rate = (n: number, d: number | null | undefined): number | null =>
  d ? Math.round((n / d) * 10_000) / 10_000 : null;

const num = (v: unknown) => Number(v ?? 0);

interface DoseSums {
  doses: number;
  first_dose: number;
  complete: number;
  booster: number;
}

/** Dose measures over cube rows `c` joined to their product `p`. */
const DOSE_SUMS = sql`coalesce(sum(c.doses), 0)::bigint as doses,
  coalesce(sum(c.doses) filter (where c.dose_number = 1), 0)::bigint as first_dose,
  coalesce(sum(c.doses) filter (where c.dose_number = p.primary_doses), 0)::bigint as complete,
  coalesce(sum(c.doses) filter (where c.dose_number > p.primary_doses), 0)::bigint as booster`;

const sums = (r: Partial<DoseSums> | undefined) => ({
  doses: num(r?.doses),
  firstDose: num(r?.first_dose),
  complete: num(r?.complete),
  booster: num(r?.booster),
});

export type Period = { from: string; to: string };

/**
 * The officers' reports. Every query reads the cubes and rollups kept by the worker (rollups.ts),
 * the population tables and a few reference tables; none counts people, doses or appointments.
 */
/**
 * The whole months inside a period, as [from, to) of first days of months (empty when from >= to):
 * they are read from the month cube, the days before and after them from the day cube.
 */
export function wholeMonths(range: { from: string; to: string }): { from: string; to: string } {
  const first = range.from.endsWith('-01') ? range.from : firstOfNextMonth(range.from);
  const end = firstOfNextMonth(range.to);
  // The month `to` falls in is whole only when `to` is its last day.
  const to = addDays(range.to, 1) === end ? end : `${range.to.slice(0, 7)}-01`;
  return first < to ? { from: first, to } : { from: first, to: first };
}

function firstOfNextMonth(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

export function reportService(deps: { read: Db; db: Db; settings: ReportSettings }) {
  const { read, settings } = deps;

  function period(q: { from?: string | undefined; to?: string | undefined }): Period {
    for (const field of ['from', 'to'] as const) {
      const v = q[field];
      if (v !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(v) || !isValidIsoDate(v)))
        throw badRequest('invalid_date', `The ${field} date must be a real date written YYYY-MM-DD.`, [
          { field },
        ]);
    }
    const to = q.to ?? todayIn(settings.timeZone);
    const from = q.from ?? addDays(to, -29);
    if (daysBetween(from, to) < 0)
      throw badRequest('invalid_range', 'The period ends before it begins: `to` must not be before `from`.', [
        { field: 'to' },
      ]);
    if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS)
      throw badRequest('range_too_long', `A report covers at most ${MAX_RANGE_DAYS} days.`, [
        { field: 'from' },
      ]);
    return { from, to };
  }

  const target = (p: Principal, areaId: number | undefined, kind: 'area' | 'facility' = 'area') =>
    resolveTarget(read, p, 'report.read', areaId, kind);

  /** Doses by the area's own cube rows, grouped by `group` (columns of cube_dose_area). */
  async function doseTable<K extends string>(area: AreaRow | null, group: K[]) {
    const cols = group.map((g) => sql.ref(`c.${g}`));
    const { rows } = await sql<Record<K, number | string> & DoseSums>`
      select ${cols.length ? sql`${sql.join(cols)},` : sql``} ${DOSE_SUMS}
      from cube_dose_area c join vaccine_product p on p.id = c.product_id
      where ${inArea('c.area_id', area)}
      ${cols.length ? sql`group by ${sql.join(cols)} having sum(c.doses) <> 0 order by ${sql.join(cols)}` : sql``}`.execute(
      read,
    );
    return rows;
  }

  /** Dose measures of each area one level below. */
  async function childDoses(area: AreaRow | null) {
    const { rows } = await sql<DoseSums & { area_id: number }>`
      select c.area_id, ${DOSE_SUMS}
      from cube_dose_area c join vaccine_product p on p.id = c.product_id
      where ${inChildren('c.area_id', area)} group by c.area_id`.execute(read);
    return new Map(rows.map((r) => [num(r.area_id), sums(r)]));
  }

  /** Population of each area one level below (absent: no denominators imported there). */
  async function childPopulation(area: AreaRow | null) {
    const { rows } = await sql<{ area_id: number; people: number }>`
      select area_id, sum(people)::bigint as people from cube_population
      where ${inChildren('area_id', area)} group by area_id`.execute(read);
    return new Map(rows.map((r) => [num(r.area_id), num(r.people)]));
  }

  async function populationBy(area: AreaRow | null) {
    const { rows } = await sql<{ age_band: number; gender: GenderT; people: number }>`
      select age_band, gender, sum(people)::bigint as people from cube_population
      where ${inArea('area_id', area)} group by age_band, gender`.execute(read);
    return rows.map((r) => ({ ageBand: num(r.age_band), gender: r.gender, people: num(r.people) }));
  }

  async function vaccination(p: Principal, areaId: number | undefined): Promise<VaccinationReportT> {
    const { area } = await target(p, areaId);
    const [totals, ageGender, product, dose, group, children, childSums, childPop] = await Promise.all([
      doseTable(area, []),
      doseTable(area, ['age_band', 'gender']),
      doseTable(area, ['product_id']),
      doseTable(area, ['dose_number']),
      doseTable(area, ['group_id']),
      childAreas(read, area),
      childDoses(area),
      childPopulation(area),
    ]);
    const [products, groups] = await Promise.all([
      read.selectFrom('vaccine_product').select(['id', 'code', 'name']).execute(),
      read.selectFrom('priority_group').select(['id', 'code', 'name_en', 'name_bn']).execute(),
    ]);
    const productOf = new Map(products.map((x) => [x.id, x]));
    const groupOf = new Map(groups.map((x) => [x.id, x]));
    return {
      area: areaDto(area),
      totals: sums(totals[0]),
      byAgeGender: ageGender.map((r) => ({
        ageBand: num(r.age_band),
        gender: r.gender as GenderT,
        doses: num(r.doses),
      })),
      byProduct: product
        .map((r) => {
          const x = productOf.get(num(r.product_id));
          return {
            productId: num(r.product_id),
            code: x?.code ?? '',
            name: x?.name ?? '',
            doses: num(r.doses),
          };
        })
        .sort((a, b) => b.doses - a.doses || a.code.localeCompare(b.code)),
      byDoseNumber: dose.map((r) => ({ doseNumber: num(r.dose_number), doses: num(r.doses) })),
      byGroup: group
        .map((r) => {
          const g = groupOf.get(num(r.group_id));
          return {
            groupCode: g?.code ?? String(r.group_id),
            nameEn: g?.name_en ?? '',
            nameBn: g?.name_bn ?? '',
            doses: num(r.doses),
          };
        })
        .sort((a, b) => b.doses - a.doses || a.groupCode.localeCompare(b.groupCode)),
      byArea: children.map((c) => {
        const s = childSums.get(c.id) ?? sums(undefined);
        const population = childPop.get(c.id) ?? null;
        return {
          area: areaDto(c),
          ...s,
          population,
          coverageFirst: rate(s.firstDose, population),
          coverageComplete: rate(s.complete, population),
        };
      }),
    };
  }

  async function vaccinationTrend(
    p: Principal,
    q: {
      areaId?: number | undefined;
      from?: string | undefined;
      to?: string | undefined;
      productId?: number | undefined;
    },
  ): Promise<VaccinationTrendT> {
    const range = period(q);
    const { area } = await target(p, q.areaId);
    const product = q.productId === undefined ? sql`true` : sql`c.product_id = ${q.productId}`;
    const [daily, total, after] = await Promise.all([
      sql<DoseSums & { day: string }>`
        select c.day, ${DOSE_SUMS}
        from cube_dose_trend c join vaccine_product p on p.id = c.product_id
        where ${inArea('c.area_id', area)} and ${product} and c.day between ${range.from} and ${range.to}
        group by c.day`.execute(read),
      sql<{ doses: number }>`
        select coalesce(sum(c.doses), 0)::bigint as doses from cube_dose_area c
        where ${inArea('c.area_id', area)} and ${product}`.execute(read),
      sql<{ doses: number }>`
        select coalesce(sum(c.doses), 0)::bigint as doses from cube_dose_trend c
        where ${inArea('c.area_id', area)} and ${product} and c.day > ${range.to}`.execute(read),
    ]);
    const byDay = new Map(daily.rows.map((r) => [r.day, sums(r)]));
    // Doses before the period: all of them (the area cube, a few rows) less those of the period
    // and after it (the day cube, a short range), instead of every day since the beginning.
    const inPeriod = daily.rows.reduce((n, r) => n + num(r.doses), 0);
    let cumulative = num(total.rows[0]?.doses) - inPeriod - num(after.rows[0]?.doses);
    const days: VaccinationTrendT['days'] = [];
    for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
      const s = byDay.get(day) ?? sums(undefined);
      cumulative += s.doses;
      days.push({ day, ...s, cumulative });
    }
    return { area: areaDto(area), ...range, days };
  }

  async function coverage(p: Principal, areaId: number | undefined): Promise<CoverageReportT> {
    const { area } = await target(p, areaId);
    const [pop, doses, children, childSums, childPop] = await Promise.all([
      populationBy(area),
      doseTable(area, ['age_band', 'gender']),
      childAreas(read, area),
      childDoses(area),
      childPopulation(area),
    ]);
    const row = (population: number | null, s: ReturnType<typeof sums>) => ({
      population,
      firstDose: s.firstDose,
      complete: s.complete,
      booster: s.booster,
      coverageFirst: rate(s.firstDose, population),
      coverageComplete: rate(s.complete, population),
    });
    const hasPopulation = pop.length > 0;
    const add = (a: ReturnType<typeof sums>, b: ReturnType<typeof sums>) => ({
      doses: a.doses + b.doses,
      firstDose: a.firstDose + b.firstDose,
      complete: a.complete + b.complete,
      booster: a.booster + b.booster,
    });
    const doseSum = (pick: (r: (typeof doses)[number]) => boolean) =>
      doses.filter(pick).reduce((acc, r) => add(acc, sums(r)), sums(undefined));
    const popSum = (pick: (r: (typeof pop)[number]) => boolean) =>
      hasPopulation ? pop.filter(pick).reduce((n, r) => n + r.people, 0) : null;
    const all = doseSum(() => true);
    const total = popSum(() => true);
    return {
      area: areaDto(area),
      totals: { ...row(total, all), coverageBooster: rate(all.booster, total) },
      byAgeBand: AGE_BANDS.map((b) => ({
        ageBand: b,
        ...row(
          popSum((r) => r.ageBand === b),
          doseSum((r) => num(r.age_band) === b),
        ),
      })),
      byGender: GENDERS.map((g) => ({
        gender: g,
        ...row(
          popSum((r) => r.gender === g),
          doseSum((r) => r.gender === g),
        ),
      })),
      byArea: children.map((c) => ({
        area: areaDto(c),
        ...row(childPop.get(c.id) ?? null, childSums.get(c.id) ?? sums(undefined)),
      })),
    };
  }

  async function funnel(p: Principal, areaId: number | undefined): Promise<FunnelReportT> {
    const { area } = await target(p, areaId);
    const measures = async (where: ReturnType<typeof inArea>) => {
      const [reg, appt, dose] = await Promise.all([
        sql<{ area_id: number; people: number }>`
          select c.area_id, sum(c.people)::bigint as people from cube_registration_area c
          where ${where} group by c.area_id`.execute(read),
        sql<{ area_id: number; booked: number }>`
          select c.area_id, sum(c.booked)::bigint as booked from cube_appointment_area c
          where ${where} and c.dose_number = 1 group by c.area_id`.execute(read),
        sql<DoseSums & { area_id: number }>`
          select c.area_id, ${DOSE_SUMS} from cube_dose_area c join vaccine_product p on p.id = c.product_id
          where ${where} group by c.area_id`.execute(read),
      ]);
      const out = new Map<
        number,
        { registered: number; booked: number; vaccinated: number; complete: number }
      >();
      const get = (id: number) => {
        let v = out.get(id);
        if (!v) out.set(id, (v = { registered: 0, booked: 0, vaccinated: 0, complete: 0 }));
        return v;
      };
      for (const r of reg.rows) get(num(r.area_id)).registered += num(r.people);
      for (const r of appt.rows) get(num(r.area_id)).booked += num(r.booked);
      for (const r of dose.rows) {
        const v = get(num(r.area_id));
        v.booked += num(r.first_dose);
        v.vaccinated += num(r.first_dose);
        v.complete += num(r.complete);
      }
      return out;
    };
    const [own, below, children] = await Promise.all([
      measures(inArea('c.area_id', area)),
      measures(inChildren('c.area_id', area)),
      childAreas(read, area),
    ]);
    const totals = { registered: 0, booked: 0, vaccinated: 0, complete: 0 };
    for (const v of own.values()) {
      totals.registered += v.registered;
      totals.booked += v.booked;
      totals.vaccinated += v.vaccinated;
      totals.complete += v.complete;
    }
    return {
      area: areaDto(area),
      totals,
      byArea: children.map((c) => ({
        area: areaDto(c),
        ...(below.get(c.id) ?? { registered: 0, booked: 0, vaccinated: 0, complete: 0 }),
      })),
    };
  }

  const FACILITY_SORT = {
    doses: sql`doses`,
    noShowRate: sql`missed::float8 / nullif(attended + missed, 0)`,
    capacityUsed: sql`booked::float8 / nullif(capacity, 0)`,
    dosesPerVaccinatorHour: sql`doses::float8 / nullif(vaccinator_hours, 0)`,
  } as const;

  type FacilityQuery = {
    areaId?: number | undefined;
    from?: string | undefined;
    to?: string | undefined;
    sort?: keyof typeof FACILITY_SORT | undefined;
    order?: 'asc' | 'desc' | undefined;
    limit?: number | undefined;
    offset?: number | undefined;
  };

  interface FacilityDbRow {
    id: number;
    code: string;
    name_en: string;
    name_bn: string;
    area_name_en: string;
    area_name_bn: string;
    sessions: number;
    capacity: number;
    booked: number;
    attended: number;
    missed: number;
    doses: number;
    vaccinators: number;
    vaccinator_hours: number;
    total: number;
  }

  /** Facility figures over a period, sorted; `after` pages by facility id instead (CSV). */
  async function facilityRows(
    t: ReportTarget,
    range: Period,
    q: FacilityQuery,
    page: { limit: number; offset: number },
  ) {
    const sortBy = FACILITY_SORT[q.sort ?? 'doses'];
    const dir = q.order === 'asc' ? sql`asc` : sql`desc`;
    const months = wholeMonths(range);
    // The page is chosen from the facility-day cube alone; the different vaccinators of the
    // period are then counted for the page's facilities only.
    const { rows } = await sql<FacilityDbRow>`
      with f as (
        select f.id, f.code, f.name_en, f.name_bn, a.name_en as area_name_en, a.name_bn as area_name_bn
        from facility f join area a on a.id = f.area_id
        where f.type <> 'store' and ${facilityFilter('f.id', t)}
      ),
      x as (
        select facility_id, sessions, capacity, booked, attended, missed, doses, vaccinator_minutes
        from cube_facility_month
        where month >= ${months.from} and month < ${months.to} and facility_id in (select id from f)
        union all
        select facility_id, sessions, capacity, booked, attended, missed, doses, vaccinator_minutes
        from cube_facility_day
        where day between ${range.from} and ${range.to} and not (day >= ${months.from} and day < ${months.to})
          and facility_id in (select id from f)
      ),
      d as (
        select facility_id, sum(sessions)::bigint as sessions, sum(capacity)::bigint as capacity,
               sum(booked + attended + missed)::bigint as booked, sum(attended)::bigint as attended,
               sum(missed)::bigint as missed, sum(doses)::bigint as doses,
               (sum(vaccinator_minutes) / 60.0)::float8 as vaccinator_hours
        from x group by facility_id
      ),
      r as (
        select f.*, coalesce(d.sessions, 0) as sessions, coalesce(d.capacity, 0) as capacity,
               coalesce(d.booked, 0) as booked, coalesce(d.attended, 0) as attended,
               coalesce(d.missed, 0) as missed, coalesce(d.doses, 0) as doses,
               coalesce(d.vaccinator_hours, 0) as vaccinator_hours
        from f left join d on d.facility_id = f.id
      ),
      page as (
        select r.*, count(*) over ()::bigint as total,
               row_number() over (order by ${sortBy} ${dir} nulls last, code) as position
        from r order by position limit ${page.limit} offset ${page.offset}
      )
      select page.*,
             (select count(distinct v.staff_id) from cube_vaccinator_day v
              where v.facility_id = page.id and v.day between ${range.from} and ${range.to} and v.doses <> 0
             )::bigint as vaccinators
      from page order by position`.execute(read);
    return rows;
  }

  const facilityItem = (r: FacilityDbRow): FacilityRowT => {
    const hours = num(r.vaccinator_hours);
    return {
      facility: {
        id: num(r.id),
        code: r.code,
        nameEn: r.name_en,
        nameBn: r.name_bn,
        areaNameEn: r.area_name_en,
        areaNameBn: r.area_name_bn,
      },
      sessions: num(r.sessions),
      capacity: num(r.capacity),
      booked: num(r.booked),
      attended: num(r.attended),
      missed: num(r.missed),
      noShowRate: rate(num(r.missed), num(r.attended) + num(r.missed)),
      capacityUsed: rate(num(r.booked), num(r.capacity)),
      doses: num(r.doses),
      vaccinators: num(r.vaccinators),
      dosesPerVaccinatorHour: hours > 0 ? Math.round((num(r.doses) / hours) * 100) / 100 : null,
    };
  };

  async function facilities(p: Principal, q: FacilityQuery): Promise<FacilitiesReportT> {
    const range = period(q);
    const t = await target(p, q.areaId, 'facility');
    const rows = await facilityRows(t, range, q, { limit: q.limit ?? 50, offset: q.offset ?? 0 });
    let total = num(rows[0]?.total);
    if (!rows.length && (q.offset ?? 0) > 0)
      total = num((await facilityRows(t, range, q, { limit: 1, offset: 0 }))[0]?.total);
    return { ...range, total, items: rows.map(facilityItem) };
  }

  /** Every facility row of the period, `chunk` at a time, for a CSV download. */
  async function facilityPages(p: Principal, q: FacilityQuery, chunk = 500) {
    const range = period(q);
    const t = await target(p, q.areaId, 'facility');
    async function* pages() {
      for (let offset = 0; ; offset += chunk) {
        const rows = await facilityRows(t, range, q, { limit: chunk, offset });
        yield rows.map(facilityItem);
        if (rows.length < chunk) return;
      }
    }
    return { area: t.area, pages: pages() };
  }

  /** The stores a stock report covers: one store, or the stores of the target. */
  async function stockTarget(p: Principal, q: { areaId?: number | undefined; storeId?: number | undefined }) {
    if (q.storeId !== undefined) {
      const s = await read
        .selectFrom('store as s')
        .innerJoin('facility as f', 'f.id', 's.facility_id')
        .innerJoin('area as a', 'a.id', 'f.area_id')
        .select(['s.facility_id', 's.level', 'a.path'])
        .where('s.facility_id', '=', q.storeId)
        .executeTakeFirst();
      if (!s) throw notFound('The store');
      // The national store belongs to the whole country (as in the stock module).
      const scope = {
        kind: 'facility' as const,
        facilityId: s.facility_id,
        areaPath: s.level === 'national' ? '/' : s.path,
      };
      if (!authorize(p, 'stock.read', scope)) throw forbidden();
      return { where: sql`s.facility_id = ${s.facility_id}`, area: null };
    }
    const t = await resolveTarget(read, p, 'stock.read', q.areaId, 'facility');
    return { where: facilityFilter('s.facility_id', t), area: t.area };
  }

  /** `area`: the area reported on (null: the country, one store or the caller's facilities), for file names. */
  async function stock(
    p: Principal,
    q: { areaId?: number | undefined; storeId?: number | undefined },
  ): Promise<StockReportT & { area: AreaRow | null }> {
    const { where, area } = await stockTarget(p, q);
    const today = todayIn(settings.timeZone);
    const since = addDays(today, -29);
    const [stores, onHand, moves, expiring] = await Promise.all([
      sql<{ id: number; code: string; name_en: string; name_bn: string; level: string }>`
        select s.facility_id as id, f.code, f.name_en, f.name_bn, s.level::text as level
        from store s join facility f on f.id = s.facility_id where ${where}
        order by case s.level when 'national' then 0 when 'division' then 1 when 'district' then 2 else 3 end, f.code`.execute(
        read,
      ),
      sql<{ store_id: number; product_id: number; doses: number }>`
        select b.store_id, l.product_id, sum(b.quantity)::bigint as doses
        from stock_balance b join lot l on l.id = b.lot_id join store s on s.facility_id = b.store_id
        where ${where} group by b.store_id, l.product_id`.execute(read),
      sql<{ store_id: number; product_id: number; administered: number; wasted: number }>`
        select r.store_id, r.product_id,
               coalesce(sum(r.doses_out - r.doses_in) filter (where r.party = 'administered'), 0)::bigint as administered,
               coalesce(sum(r.doses_out - r.doses_in) filter (where r.party = 'wasted'), 0)::bigint as wasted
        from rollup_stock r join store s on s.facility_id = r.store_id
        where ${where} and r.day between ${since} and ${today} and r.party in ('administered', 'wasted')
        group by r.store_id, r.product_id`.execute(read),
      sql<{
        store_id: number;
        lot_id: number;
        lot_number: string;
        product_code: string;
        expires_on: string;
        doses: number;
      }>`
        select b.store_id, l.id as lot_id, l.lot_number, p.code as product_code, l.expires_on, b.quantity as doses
        from stock_balance b join lot l on l.id = b.lot_id join vaccine_product p on p.id = l.product_id
        join store s on s.facility_id = b.store_id
        where ${where} and b.quantity > 0 and l.expires_on between ${today} and ${addDays(today, 90)}
        order by l.expires_on, l.lot_number, b.store_id limit 1000`.execute(read),
    ]);
    const products = await read.selectFrom('vaccine_product').select(['id', 'code']).execute();
    const storeOf = new Map(
      stores.rows.map((s) => [
        num(s.id),
        { id: num(s.id), code: s.code, nameEn: s.name_en, nameBn: s.name_bn, level: s.level },
      ]),
    );
    const key = (s: number, pr: number) => `${s}:${pr}`;
    const figures = new Map<string, { onHand: number; administered: number; wasted: number }>();
    const fig = (s: number, pr: number) => {
      let v = figures.get(key(s, pr));
      if (!v) figures.set(key(s, pr), (v = { onHand: 0, administered: 0, wasted: 0 }));
      return v;
    };
    for (const r of onHand.rows) fig(num(r.store_id), num(r.product_id)).onHand += num(r.doses);
    for (const r of moves.rows) {
      const v = fig(num(r.store_id), num(r.product_id));
      v.administered += Math.max(0, num(r.administered));
      v.wasted += Math.max(0, num(r.wasted));
    }
    return {
      area,
      stores: [...storeOf.values()].map((store) => ({
        store,
        products: products
          .filter((pr) => figures.has(key(store.id, pr.id)))
          .map((pr) => {
            const v = figures.get(key(store.id, pr.id))!;
            const supply = daysOfSupply(v.onHand, v.administered, 30);
            return {
              productId: pr.id,
              code: pr.code,
              onHand: v.onHand,
              dailyUse: supply.dailyUse,
              daysOfSupply: supply.daysOfSupply,
              administered: v.administered,
              wasted: v.wasted,
              wastageRate: wastageRate(v.administered, v.wasted),
            };
          })
          .sort((a, b) => a.code.localeCompare(b.code)),
      })),
      expiring: expiring.rows.flatMap((r) => {
        const store = storeOf.get(num(r.store_id));
        if (!store) return [];
        const left = daysBetween(today, r.expires_on);
        return [
          {
            lot: {
              id: num(r.lot_id),
              lotNumber: r.lot_number,
              productCode: r.product_code,
              expiresOn: r.expires_on,
            },
            store,
            doses: num(r.doses),
            withinDays: left <= 30 ? (30 as const) : left <= 60 ? (60 as const) : (90 as const),
          },
        ];
      }),
    };
  }

  async function aefi(
    p: Principal,
    q: { areaId?: number | undefined; from?: string | undefined; to?: string | undefined },
  ): Promise<AefiReportT & { area: AreaRow | null }> {
    const range = period(q);
    const t = await target(p, q.areaId, 'facility');
    const scoped = t.area !== null || t.facilityIds !== null;
    // Reports made in the period (by the day in the programme's time zone).
    const inPeriod = sql`(r.created_at at time zone ${settings.timeZone})::date between ${range.from} and ${range.to}`;
    const reportScope = scoped ? facilityFilter('r.facility_id', t) : sql`true`;
    const [byProduct, byLot, investigations, productDoses] = await Promise.all([
      sql<{ product_id: number; reports: number; serious: number }>`
        select r.product_id, count(*)::bigint as reports,
               count(*) filter (where r.severity = 'serious')::bigint as serious
        from aefi_report r where ${inPeriod} and ${reportScope} group by r.product_id`.execute(read),
      sql<{ lot_id: number; lot_number: string; product_code: string; reports: number; serious: number }>`
        select l.id as lot_id, l.lot_number, v.code as product_code, count(*)::bigint as reports,
               count(*) filter (where r.severity = 'serious')::bigint as serious
        from aefi_report r join lot l on l.id = r.lot_id join vaccine_product v on v.id = l.product_id
        where ${inPeriod} and ${reportScope}
        group by l.id, l.lot_number, v.code order by count(*) desc, l.lot_number limit 500`.execute(read),
      sql<{ status: string; count: number }>`
        select r.investigation_status::text as status, count(*)::bigint as count
        from aefi_report r where ${inPeriod} and ${reportScope} group by 1 order by 1`.execute(read),
      // Doses of the period by product: for an area (or the country) its people's doses from the
      // dose cube; for staff bound to facilities, their facilities' from the daily rollup (a few
      // facilities: a short index range).
      t.facilityIds === null
        ? sql<{ product_id: number; doses: number }>`
            select c.product_id, sum(c.doses)::bigint as doses from cube_dose_trend c
            where ${inArea('c.area_id', t.area)} and c.day between ${range.from} and ${range.to}
            group by c.product_id`.execute(read)
        : sql<{ product_id: number; doses: number }>`
            select c.product_id, sum(c.doses)::bigint as doses from rollup_dose c
            where c.day between ${range.from} and ${range.to} and ${facilityFilter('c.facility_id', t)}
            group by c.product_id`.execute(read),
    ]);
    const lotIds = byLot.rows.map((r) => num(r.lot_id));
    const lotDoses = lotIds.length
      ? await sql<{ lot_id: number; doses: number }>`
          select c.lot_id, sum(c.doses)::bigint as doses from cube_lot c
          where c.lot_id = any(${lotIds}::bigint[]) and ${scoped ? facilityFilter('c.facility_id', t) : sql`true`}
          group by c.lot_id`.execute(read)
      : { rows: [] };
    const products = await read.selectFrom('vaccine_product').select(['id', 'code']).execute();
    const dosesOf = new Map(productDoses.rows.map((r) => [num(r.product_id), num(r.doses)]));
    const lotDosesOf = new Map(lotDoses.rows.map((r) => [num(r.lot_id), num(r.doses)]));
    const reportsOf = new Map(byProduct.rows.map((r) => [num(r.product_id), r]));
    const per100k = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 100_000 * 100) / 100 : null);
    return {
      area: t.area,
      ...range,
      byProduct: products
        .filter((x) => reportsOf.has(x.id) || dosesOf.has(x.id))
        .map((x) => {
          const r = reportsOf.get(x.id);
          const doses = dosesOf.get(x.id) ?? 0;
          const reports = num(r?.reports);
          const serious = num(r?.serious);
          return {
            productId: x.id,
            code: x.code,
            reports,
            serious,
            doses,
            per100k: per100k(reports, doses),
            seriousPer100k: per100k(serious, doses),
          };
        })
        .sort((a, b) => a.code.localeCompare(b.code)),
      byLot: byLot.rows.map((r) => {
        const doses = lotDosesOf.get(num(r.lot_id)) ?? 0;
        return {
          lot: { id: num(r.lot_id), lotNumber: r.lot_number, productCode: r.product_code },
          reports: num(r.reports),
          serious: num(r.serious),
          doses,
          per100k: per100k(num(r.reports), doses),
        };
      }),
      investigations: investigations.rows.map((r) => ({ status: r.status, count: num(r.count) })),
    };
  }

  async function registrations(
    p: Principal,
    q: { areaId?: number | undefined; from?: string | undefined; to?: string | undefined },
  ): Promise<RegistrationsReportT> {
    const range = period(q);
    const { area } = await target(p, q.areaId);
    const [cells, children, below, daily, after, groups] = await Promise.all([
      sql<{ age_band: number; gender: GenderT; group_id: number; people: number }>`
        select c.age_band, c.gender, c.group_id, sum(c.people)::bigint as people from cube_registration_area c
        where ${inArea('c.area_id', area)} group by 1, 2, 3 having sum(c.people) <> 0`.execute(read),
      childAreas(read, area),
      sql<{ area_id: number; gender: GenderT; people: number }>`
        select c.area_id, c.gender, sum(c.people)::bigint as people from cube_registration_area c
        where ${inChildren('c.area_id', area)} group by 1, 2`.execute(read),
      sql<{ day: string; people: number }>`
        select c.day, sum(c.people)::bigint as people from cube_registration_trend c
        where ${inArea('c.area_id', area)} and c.day between ${range.from} and ${range.to} group by c.day`.execute(
        read,
      ),
      sql<{ people: number }>`
        select coalesce(sum(c.people), 0)::bigint as people from cube_registration_trend c
        where ${inArea('c.area_id', area)} and c.day > ${range.to}`.execute(read),
      read.selectFrom('priority_group').select(['id', 'code', 'name_en', 'name_bn']).execute(),
    ]);
    type Counts = { people: number; female: number; male: number; thirdGender: number };
    const empty = (): Counts => ({ people: 0, female: 0, male: 0, thirdGender: 0 });
    const addTo = (c: Counts, gender: GenderT, n: number) => {
      c.people += n;
      if (gender === 'female') c.female += n;
      else if (gender === 'male') c.male += n;
      else c.thirdGender += n;
    };
    const totals = empty();
    const byGroup = new Map<number, Counts>();
    const ageGender = new Map<string, number>();
    for (const r of cells.rows) {
      const n = num(r.people);
      addTo(totals, r.gender, n);
      const gid = num(r.group_id);
      if (!byGroup.has(gid)) byGroup.set(gid, empty());
      addTo(byGroup.get(gid)!, r.gender, n);
      const k = `${num(r.age_band)}:${r.gender}`;
      ageGender.set(k, (ageGender.get(k) ?? 0) + n);
    }
    const childCounts = new Map<number, Counts>();
    for (const r of below.rows) {
      const id = num(r.area_id);
      if (!childCounts.has(id)) childCounts.set(id, empty());
      addTo(childCounts.get(id)!, r.gender, num(r.people));
    }
    const groupOf = new Map(groups.map((g) => [g.id, g]));
    const perDay = new Map(daily.rows.map((r) => [r.day, num(r.people)]));
    // People registered before the period: everyone (the area cube) less the period and after it.
    let cumulative =
      totals.people - [...perDay.values()].reduce((n, v) => n + v, 0) - num(after.rows[0]?.people);
    const trend: RegistrationsReportT['trend'] = [];
    for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
      const people = perDay.get(day) ?? 0;
      cumulative += people;
      trend.push({ day, people, cumulative });
    }
    return {
      area: areaDto(area),
      ...range,
      totals: { ...totals, femaleShare: rate(totals.female, totals.people) },
      byGroup: [...byGroup.entries()]
        .map(([id, c]) => {
          const g = groupOf.get(id);
          return {
            groupCode: g?.code ?? String(id),
            nameEn: g?.name_en ?? '',
            nameBn: g?.name_bn ?? '',
            ...c,
          };
        })
        .sort((a, b) => b.people - a.people || a.groupCode.localeCompare(b.groupCode)),
      byAgeGender: AGE_BANDS.flatMap((b) =>
        GENDERS.flatMap((g) => {
          const people = ageGender.get(`${b}:${g}`) ?? 0;
          return people ? [{ ageBand: b, gender: g, people }] : [];
        }),
      ),
      byArea: children.map((c) => {
        const v = childCounts.get(c.id) ?? empty();
        return { area: areaDto(c), ...v, femaleShare: rate(v.female, v.people) };
      }),
      trend,
    };
  }

  async function status() {
    const [lagSeconds, state] = await Promise.all([
      rollupLagSeconds(read),
      read.selectFrom('rollup_state').select(['applied_at', 'rebuilt_at']).executeTakeFirst(),
    ]);
    return {
      lagSeconds: Math.round(lagSeconds * 10) / 10,
      appliedAt: state?.applied_at ? new Date(state.applied_at).toISOString() : null,
      rebuiltAt: state?.rebuilt_at ? new Date(state.rebuilt_at).toISOString() : null,
    };
  }

  /**
   * Every lowest-level area under the target, by age band and gender, in pages of `chunk` areas
   * (keyset on the area id), for a CSV download of any size.
   */
  async function lowestAreaPages(p: Principal, areaId: number | undefined, chunk = 500) {
    const { area } = await target(p, areaId);
    return { area, pages: lowestAreas(area, chunk) };
  }

  async function* lowestAreas(area: AreaRow | null, chunk: number) {
    const deepest = await read
      .selectFrom('area_level')
      .select((eb) => eb.fn.max('depth').as('depth'))
      .executeTakeFirst();
    const depth = num(deepest?.depth);
    let after = 0;
    for (;;) {
      let q = read
        .selectFrom('area')
        .select(['id', 'code', 'name_en', 'name_bn', 'depth', 'path'])
        .where('depth', '=', depth)
        .where('id', '>', after)
        .orderBy('id')
        .limit(chunk);
      if (area) q = q.where('path', 'like', `${area.path}%`);
      const areas = await q.execute();
      if (!areas.length) return;
      after = areas[areas.length - 1]!.id;
      const { rows } = await sql<DoseSums & { area_id: number; age_band: number; gender: GenderT }>`
        select c.area_id, c.age_band, c.gender, ${DOSE_SUMS}
        from cube_dose_area c join vaccine_product p on p.id = c.product_id
        where c.area_id = any(${areas.map((a) => a.id)}::bigint[])
        group by 1, 2, 3 having sum(c.doses) <> 0`.execute(read);
      const cell = new Map(rows.map((r) => [`${num(r.area_id)}:${num(r.age_band)}:${r.gender}`, sums(r)]));
      yield areas.flatMap((a) =>
        AGE_BANDS.flatMap((b) =>
          GENDERS.map((g) => ({
            area: a,
            ageBand: b,
            gender: g,
            ...(cell.get(`${a.id}:${b}:${g}`) ?? sums(undefined)),
          })),
        ),
      );
      if (areas.length < chunk) return;
    }
  }

  return {
    period,
    vaccination,
    vaccinationTrend,
    coverage,
    funnel,
    facilities,
    facilityPages,
    stock,
    aefi,
    registrations,
    status,
    lowestAreaPages,
  };
}

export type ReportService = ReturnType<typeof reportService>;
