import { sql } from 'kysely';
import type { Queryable } from '../db/database.ts';

/**
 * Every facility that holds stock has a `store` row; this derives the missing ones from what is
 * known of each facility, so it runs after a facility is created or imported, and at demo seed.
 *
 * - The national store is named explicitly (its facility code): nothing about a facility says it
 *   is the country's store, and there is exactly one.
 * - Other facilities of type `store` take their level from the depth of their area: 0 division,
 *   1 district, 2 upazila (a store deeper than that is a facility-level store).
 * - Every other facility (centre, hospital, clinic, outreach site) is a `facility` store.
 * - A store's parent is the nearest store above it: the one whose area is the deepest ancestor of
 *   the facility's area (for a facility, its own area counts too, so a district hospital hangs
 *   under its district store), preferring any other store to the national one, which is the
 *   parent of last resort. With no upazila stores, an upazila centre's parent is its district store.
 *
 * Rows that exist are never changed. Returns how many rows were made at each level.
 */
export async function ensureStores(
  db: Queryable,
  opts: { nationalStoreCode?: string } = {},
): Promise<{ created: number; byLevel: Record<string, number>; nationalStoreId: number | null }> {
  const byLevel: Record<string, number> = {};
  let national = await db
    .selectFrom('store')
    .select('facility_id')
    .where('level', '=', 'national')
    .executeTakeFirst();
  if (!national && opts.nationalStoreCode) {
    const f = await db
      .selectFrom('facility')
      .select('id')
      .where('code', '=', opts.nationalStoreCode)
      .executeTakeFirst();
    if (f) {
      await db
        .insertInto('store')
        .values({ facility_id: f.id, level: 'national', parent_facility_id: null })
        .execute();
      national = { facility_id: f.id };
      byLevel.national = 1;
    }
  }
  if (!national) return { created: 0, byLevel, nationalStoreId: null };
  const nationalId = national.facility_id;

  const levels: {
    level: 'division' | 'district' | 'upazila' | 'facility';
    stores: boolean;
    depth?: number;
  }[] = [
    { level: 'division', stores: true, depth: 0 },
    { level: 'district', stores: true, depth: 1 },
    { level: 'upazila', stores: true, depth: 2 },
    { level: 'facility', stores: true },
    { level: 'facility', stores: false },
  ];
  for (const l of levels) {
    // A store's parent lies strictly above its area; a facility's may share its area.
    const parentArea = l.stores ? sql`a.path like sa.path || '_%'` : sql`a.path like sa.path || '%'`;
    const which = l.stores
      ? l.depth === undefined
        ? sql`f.type = 'store' and a.depth > 2`
        : sql`f.type = 'store' and a.depth = ${l.depth}`
      : sql`f.type <> 'store'`;
    const { rows } = await sql<{ n: number }>`
      with made as (
        insert into store (facility_id, level, parent_facility_id)
        select f.id, ${l.level}, coalesce((
          select s.facility_id
          from store s
          join facility sf on sf.id = s.facility_id
          join area sa on sa.id = sf.area_id
          where s.level <> 'facility' and ${parentArea}
          order by length(sa.path) desc, (s.level = 'national'), s.facility_id
          limit 1), ${nationalId})
        from facility f
        join area a on a.id = f.area_id
        where ${which}
          and not exists (select 1 from store x where x.facility_id = f.id)
        order by f.id
        returning 1
      )
      select count(*)::int as n from made`.execute(db);
    const n = rows[0]?.n ?? 0;
    if (n) byLevel[l.level] = (byLevel[l.level] ?? 0) + n;
  }
  const created = Object.values(byLevel).reduce((s, n) => s + n, 0);
  return { created, byLevel, nationalStoreId: nationalId };
}
