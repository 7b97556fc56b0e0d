import { sql } from 'kysely';
import { addDays } from '@dosewise/domain';
import type { Db } from '../db/database.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { todayIn } from '../registration/calendar.ts';
import { areaDto, childAreas, findArea, inArea, inChildren, type AreaRow } from './scope.ts';
import type { PublicDashboardT } from './schemas.ts';
import { AGE_BANDS, rate } from './service.ts';

export interface PublicDashboardSettings {
  timeZone: string;
  refreshSeconds: number;
  /** Counts from 1 to this minus one are not shown. */
  suppressBelow: number;
}

const TREND_DAYS = 90;

/**
 * The public dashboard: figures for the country or one division, for anyone. Each answer is
 * computed at most once per refresh period per process (readers in between get the same one), and
 * small counts are suppressed so that no one can be singled out.
 */
export function publicDashboard(deps: { read: Db; settings: PublicDashboardSettings }) {
  const { read, settings } = deps;
  const cache = new Map<
    string,
    { at: number; value: PublicDashboardT | undefined; pending: Promise<PublicDashboardT> | undefined }
  >();

  /** null for a count that could single someone out; the count otherwise. */
  const shown = (n: number): number | null => (n > 0 && n < settings.suppressBelow ? null : n);
  /** A rate from shown counts: null when either is suppressed or there is no denominator. */
  const shownRate = (n: number | null, d: number | null) => (n === null || d === null ? null : rate(n, d));

  async function compute(area: AreaRow | null): Promise<PublicDashboardT> {
    const today = todayIn(settings.timeZone);
    const since = addDays(today, -(TREND_DAYS - 1));
    const [registered, doses, byBand, population, trend, divisions, divisionDoses, divisionPopulation] =
      await Promise.all([
        sql<{ people: number }>`select coalesce(sum(people), 0)::bigint as people from cube_registration_area
                                where ${inArea('area_id', area)}`.execute(read),
        sql<{ doses: number; first_dose: number; complete: number; booster: number }>`
          select coalesce(sum(c.doses), 0)::bigint as doses,
                 coalesce(sum(c.doses) filter (where c.dose_number = 1), 0)::bigint as first_dose,
                 coalesce(sum(c.doses) filter (where c.dose_number = p.primary_doses), 0)::bigint as complete,
                 coalesce(sum(c.doses) filter (where c.dose_number > p.primary_doses), 0)::bigint as booster
          from cube_dose_area c join vaccine_product p on p.id = c.product_id
          where ${inArea('c.area_id', area)}`.execute(read),
        sql<{ age_band: number; first_dose: number; complete: number }>`
          select c.age_band,
                 coalesce(sum(c.doses) filter (where c.dose_number = 1), 0)::bigint as first_dose,
                 coalesce(sum(c.doses) filter (where c.dose_number = p.primary_doses), 0)::bigint as complete
          from cube_dose_area c join vaccine_product p on p.id = c.product_id
          where ${inArea('c.area_id', area)} group by c.age_band`.execute(read),
        sql<{ age_band: number; people: number }>`
          select age_band, sum(people)::bigint as people from cube_population
          where ${inArea('area_id', area)} group by age_band`.execute(read),
        sql<{ day: string; doses: number }>`
          select day, sum(doses)::bigint as doses from cube_dose_trend
          where ${inArea('area_id', area)} and day between ${since} and ${today} group by day`.execute(read),
        childAreas(read, null),
        sql<{ area_id: number; first_dose: number; complete: number }>`
          select c.area_id,
                 coalesce(sum(c.doses) filter (where c.dose_number = 1), 0)::bigint as first_dose,
                 coalesce(sum(c.doses) filter (where c.dose_number = p.primary_doses), 0)::bigint as complete
          from cube_dose_area c join vaccine_product p on p.id = c.product_id
          where ${inChildren('c.area_id', null)} group by c.area_id`.execute(read),
        sql<{ area_id: number; people: number }>`
          select area_id, sum(people)::bigint as people from cube_population
          where ${inChildren('area_id', null)} group by area_id`.execute(read),
      ]);
    const d = doses.rows[0];
    const bandDoses = new Map(byBand.rows.map((r) => [Number(r.age_band), r]));
    const bandPopulation = new Map(population.rows.map((r) => [Number(r.age_band), Number(r.people)]));
    const perDay = new Map(trend.rows.map((r) => [r.day, Number(r.doses)]));
    const divDoses = new Map(divisionDoses.rows.map((r) => [Number(r.area_id), r]));
    const divPopulation = new Map(divisionPopulation.rows.map((r) => [Number(r.area_id), Number(r.people)]));
    const days: PublicDashboardT['trend'] = [];
    for (let day = since; day <= today; day = addDays(day, 1))
      days.push({ day, doses: shown(perDay.get(day) ?? 0) });
    const coverage = (first: number, complete: number, people: number | undefined) => {
      const population = people === undefined ? null : shown(people);
      const firstDose = shown(first);
      const completeShown = shown(complete);
      return {
        population,
        firstDose,
        complete: completeShown,
        coverageFirst: shownRate(firstDose, population),
        coverageComplete: shownRate(completeShown, population),
      };
    };
    return {
      generatedAt: new Date().toISOString(),
      refreshSeconds: settings.refreshSeconds,
      suppressedBelow: settings.suppressBelow,
      area: areaDto(area),
      totals: {
        registered: shown(Number(registered.rows[0]?.people ?? 0)),
        doses: shown(Number(d?.doses ?? 0)),
        firstDose: shown(Number(d?.first_dose ?? 0)),
        complete: shown(Number(d?.complete ?? 0)),
        booster: shown(Number(d?.booster ?? 0)),
        dosesToday: shown(perDay.get(today) ?? 0),
      },
      trend: days,
      coverageByAgeBand: AGE_BANDS.map((b) => {
        const r = bandDoses.get(b);
        return {
          ageBand: b,
          ...coverage(Number(r?.first_dose ?? 0), Number(r?.complete ?? 0), bandPopulation.get(b)),
        };
      }),
      divisions: divisions.map((a) => {
        const r = divDoses.get(a.id);
        const c = coverage(Number(r?.first_dose ?? 0), Number(r?.complete ?? 0), divPopulation.get(a.id));
        return {
          area: areaDto(a),
          firstDose: c.firstDose,
          complete: c.complete,
          population: c.population,
          coverageFirst: c.coverageFirst,
          coverageComplete: c.coverageComplete,
        };
      }),
    };
  }

  return {
    settings,
    /** The dashboard of the country (no area) or of a division, from the cache when fresh (or while a refresh is under way). */
    async get(areaId: number | undefined): Promise<PublicDashboardT> {
      let area: AreaRow | null = null;
      if (areaId !== undefined) {
        const found = await findArea(read, areaId);
        if (!found) throw notFound('The area');
        if (found.depth !== 0)
          throw badRequest(
            'not_a_division',
            'The public dashboard is shown for the country or one division.',
            [{ field: 'areaId' }],
          );
        area = found;
      }
      const key = String(area?.id ?? 'country');
      let entry = cache.get(key);
      if (!entry) cache.set(key, (entry = { at: 0, value: undefined, pending: undefined }));
      if (entry.value && Date.now() - entry.at < settings.refreshSeconds * 1000) return entry.value;
      const e = entry;
      // One computation at a time per answer; a failed one keeps the figures before it.
      e.pending ??= compute(area)
        .then((value) => {
          e.value = value;
          e.at = Date.now();
          return value;
        })
        .finally(() => {
          e.pending = undefined;
        });
      // Readers do not wait for a refresh: while it runs they get the figures before it.
      if (e.value) {
        e.pending.catch(() => undefined);
        return e.value;
      }
      return e.pending;
    },
  };
}

export type PublicDashboard = ReturnType<typeof publicDashboard>;
