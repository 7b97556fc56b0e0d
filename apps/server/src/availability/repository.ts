import { sql } from 'kysely';
import type { Queryable } from '../db/database.ts';

/**
 * What availability reads. Each query returns its rows as one JSON text built by the database:
 * the caches reload every second, and a reload that finds the text unchanged costs a string
 * comparison instead of a parse (see cache.ts).
 */

/** [id, code, parent_id, depth, path, name_en, name_bn, postcode] */
export type AreaTuple = [number, string, number | null, number, string, string, string, string | null];
/** [id, code, name_en, name_bn, type, area_id, address, latitude, longitude] */
export type FacilityTuple = [
  number,
  string,
  string,
  string,
  string,
  number,
  string,
  number | null,
  number | null,
];
/** [id, code, name, primary_doses, booster_allowed] */
export type ProductTuple = [number, string, string, number, boolean];
/** [id, starts_at, ends_at, capacity, booked] */
export type SlotTuple = [number, string, string, number, number];
/** [id, facility_id, session_date, product_id, dose_numbers, min_age_years, max_age_years, starts_at, ends_at, slots] */
export type SessionTuple = [
  number,
  number,
  string,
  number,
  number[],
  number,
  number | null,
  string,
  string,
  SlotTuple[],
];

async function text(db: Queryable, query: ReturnType<typeof sql<{ t: string }>>): Promise<string> {
  const { rows } = await query.execute(db);
  return rows[0]?.t ?? '[]';
}

/** What changed: [kind, facility_id, session_date] ('session' rows name a facility and date). */
export type ChangeTuple = ['session' | 'reference' | 'all', number | null, string | null];

export function availabilityRepository(db: Queryable) {
  return {
    /**
     * The oldest transaction still running (every change not yet visible now will come from it or
     * a later one) and the changes made by transactions from `sinceXmin` on: a poll that passes
     * the previous poll's xmin sees every change committed since that poll, and some twice.
     */
    async changesSince(sinceXmin: string | null): Promise<{ xmin: string; changes: string }> {
      const { rows } = await sql<{ xmin: string; changes: string }>`
        select pg_snapshot_xmin(pg_current_snapshot())::text as xmin,
               case when ${sinceXmin}::text is null then '[]'
               else coalesce((
                 select json_agg(json_build_array(kind, facility_id, session_date))
                 from (select distinct kind, facility_id, session_date from availability_change
                       where xid >= ${sinceXmin}::xid8) c), '[]')::text
               end as changes`.execute(db);
      return rows[0]!;
    },

    /** Drops change rows no reader needs any more. */
    async pruneChanges(olderThanSeconds: number): Promise<void> {
      await sql`delete from availability_change where changed_at < now() - make_interval(secs => ${olderThanSeconds})`.execute(
        db,
      );
    },

    /** The reference data public reads need: areas, vaccination facilities (active, not stores), products. */
    async reference(): Promise<{ areas: string; facilities: string; products: string }> {
      const [areas, facilities, products] = await Promise.all([
        text(
          db,
          sql<{ t: string }>`
            select coalesce(json_agg(json_build_array(id, code, parent_id, depth, path, name_en, name_bn, postcode)
                   order by id), '[]')::text as t
            from area`,
        ),
        text(
          db,
          sql<{ t: string }>`
            select coalesce(json_agg(json_build_array(id, code, name_en, name_bn, type, area_id, address, latitude,
                   longitude) order by id), '[]')::text as t
            from facility
            where active and type <> 'store'`,
        ),
        text(
          db,
          sql<{ t: string }>`
            select coalesce(json_agg(json_build_array(id, code, name, primary_doses, booster_allowed) order by id),
                   '[]')::text as t
            from vaccine_product`,
        ),
      ]);
      return { areas, facilities, products };
    },

    /**
     * The open sessions between two dates at these facilities, each with its slots (a session
     * without slots has no seats and is left out). Seats come from the slots, which bookings update.
     */
    openSessions(facilityIds: number[], from: string, to: string): Promise<string> {
      if (!facilityIds.length) return Promise.resolve('[]');
      // The lateral aggregate keeps the plan a nested loop over the slot index, whatever the statistics.
      return text(
        db,
        sql<{ t: string }>`
          select coalesce(json_agg(json_build_array(s.id, s.facility_id, s.session_date, s.product_id, s.dose_numbers,
                 s.min_age_years, s.max_age_years, s.starts_at, s.ends_at, sl.slots)
                 order by s.session_date, s.starts_at, s.id), '[]')::text as t
          from vaccination_session s
          cross join lateral (
            select json_agg(json_build_array(x.id, x.starts_at, x.ends_at, x.capacity, x.booked)
                   order by x.starts_at, x.id) as slots
            from session_slot x
            where x.session_id = s.id
          ) sl
          where s.status = 'open'
            and s.facility_id = any(${facilityIds}::bigint[])
            and s.session_date between ${from}::date and ${to}::date
            and sl.slots is not null`,
      );
    },
  };
}
