import { sql } from 'kysely';
import { addDays } from '@dosewise/domain';
import type { Db } from '../db/database.ts';

/**
 * A demo that is started on any day needs sessions in the coming days: every vaccination centre
 * and hospital gets one open session a day for the next `days` days (skipping days it already has
 * one), 09:00 to 17:00 in four slots, first and second doses of one vaccine per centre (the centre's
 * id picks it among the multi-dose vaccines), seats from the centre's daily capacity. Safe to run
 * on every start: it only fills the days that are missing.
 */
export async function ensureDemoSessions(db: Db, today: string, days = 14): Promise<number> {
  const from = addDays(today, 1);
  const to = addDays(today, days);
  const { rows } = await sql<{ n: number }>`
    with products as (
      select id, row_number() over (order by id) - 1 as i, count(*) over () as n
      from vaccine_product where active and primary_doses >= 2
    ), wanted as (
      select f.id as facility_id, d::date as session_date, p.id as product_id,
             greatest(40, least(f.daily_capacity, 400)) as capacity
      from facility f
      cross join generate_series(${from}::date, ${to}::date, interval '1 day') d
      join products p on p.i = f.id % p.n
      where f.active and f.type in ('vaccination_centre', 'hospital')
        and not exists (select 1 from vaccination_session s where s.facility_id = f.id and s.session_date = d::date)
    ), made as (
      insert into vaccination_session (facility_id, session_date, product_id, dose_numbers, min_age_years,
                                       starts_at, ends_at)
      select facility_id, session_date, product_id, '{1,2}', 18, '09:00', '17:00' from wanted
      returning id, facility_id, session_date
    ), slots as (
      insert into session_slot (session_id, starts_at, ends_at, capacity)
      select m.id, t.starts_at, t.ends_at, w.capacity / 4
      from made m
      join wanted w on w.facility_id = m.facility_id and w.session_date = m.session_date
      cross join (values ('09:00'::time, '11:00'::time), ('11:00', '13:00'), ('13:00', '15:00'), ('15:00', '17:00'))
        as t(starts_at, ends_at)
    )
    select count(*)::int as n from made`.execute(db);
  return rows[0]?.n ?? 0;
}
