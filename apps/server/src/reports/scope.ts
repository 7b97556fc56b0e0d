import { sql, type RawBuilder } from 'kysely';
import { roleAllows, type Action, type Principal } from '../access/policy.ts';
import type { Db } from '../db/database.ts';
import { AppError, badRequest, forbidden, notFound } from '../http/errors.ts';
import type { ReportAreaT } from './schemas.ts';

/** An area as reports need it: its place in the tree and its names. */
export interface AreaRow {
  id: number;
  code: string;
  name_en: string;
  name_bn: string;
  depth: number;
  path: string;
}

/**
 * What one report covers: an area (null = the whole country) and, for staff bound to facilities,
 * only those facilities (null = every facility in the area).
 */
export interface ReportTarget {
  area: AreaRow | null;
  facilityIds: number[] | null;
}

export const areaDto = (a: AreaRow | null): ReportAreaT =>
  a ? { id: a.id, code: a.code, nameEn: a.name_en, nameBn: a.name_bn, depth: a.depth } : null;

export async function findArea(db: Db, id: number): Promise<AreaRow | undefined> {
  return db
    .selectFrom('area')
    .select(['id', 'code', 'name_en', 'name_bn', 'depth', 'path'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Which area a report is about, and whether the principal may see it.
 * - `area` reports (by where people live) need an area or national grant: staff bound only to
 *   facilities get 403 `area_report_needs_area_grant`.
 * - `facility` reports (by where doses were given or stock is kept) narrow facility-bound staff
 *   to their own facilities.
 * Without `areaId`: the country for a national grant, the one area of a single area grant, else 400.
 */
export async function resolveTarget(
  db: Db,
  principal: Pick<Principal, 'grants'>,
  action: Action,
  areaId: number | undefined,
  kind: 'area' | 'facility',
): Promise<ReportTarget> {
  const grants = principal.grants.filter((g) => roleAllows(g.role, action));
  if (!grants.length) throw forbidden();
  const national = grants.some((g) => g.areaPath === null && g.facilityId === null);
  const areaGrants = grants.filter((g) => g.facilityId === null && g.areaPath !== null);
  const facilityGrants = grants.filter((g) => g.facilityId !== null);
  const needsAreaGrant = () =>
    new AppError(
      403,
      'area_report_needs_area_grant',
      'This report is by where people live; it needs a role for an area, not only for a facility.',
    );

  if (areaId !== undefined) {
    const area = await findArea(db, areaId);
    if (!area) throw notFound('The area');
    if (national || areaGrants.some((g) => area.path.startsWith(g.areaPath!)))
      return { area, facilityIds: null };
    if (kind === 'facility') {
      const own = facilityGrants
        .filter((g) => (g.areaPath ?? '').startsWith(area.path))
        .map((g) => g.facilityId!);
      if (own.length) return { area, facilityIds: [...new Set(own)] };
      throw forbidden();
    }
    if (!areaGrants.length && facilityGrants.some((g) => (g.areaPath ?? '').startsWith(area.path)))
      throw needsAreaGrant();
    throw forbidden();
  }
  if (national) return { area: null, facilityIds: null };
  const areaIds = [...new Set(areaGrants.map((g) => g.areaId!))];
  if (areaIds.length === 1) {
    const area = await findArea(db, areaIds[0]!);
    if (!area) throw notFound('The area');
    return { area, facilityIds: null };
  }
  if (areaIds.length > 1)
    throw badRequest('area_required', 'You hold roles for several areas: choose one with areaId.', [
      { field: 'areaId' },
    ]);
  if (kind === 'area') throw needsAreaGrant();
  return { area: null, facilityIds: [...new Set(facilityGrants.map((g) => g.facilityId!))] };
}

/** The id under which the area cubes hold the whole country (migrations/0009_reports.sql). */
export const COUNTRY = 0;

/** `col` is the area itself, or the country's row of the cube. */
export function inArea(col: string, area: AreaRow | null): RawBuilder<unknown> {
  return sql`${sql.ref(col)} = ${area ? area.id : COUNTRY}`;
}

/** `col` is one of the areas one level below (the divisions below the country). */
export function inChildren(col: string, area: AreaRow | null): RawBuilder<unknown> {
  return area
    ? sql`${sql.ref(col)} in (select id from area where parent_id = ${area.id})`
    : sql`${sql.ref(col)} in (select id from area where parent_id is null)`;
}

/** The areas one level below, in name order. */
export async function childAreas(db: Db, area: AreaRow | null): Promise<AreaRow[]> {
  let q = db.selectFrom('area').select(['id', 'code', 'name_en', 'name_bn', 'depth', 'path']);
  q = area ? q.where('parent_id', '=', area.id) : q.where('parent_id', 'is', null);
  return q.orderBy('name_en').orderBy('id').execute();
}

/**
 * Facilities of the target, as a condition on `fcol` (a facility id): the facility's area lies in
 * the target area (by the area path index), and it is one of the facility-bound staff's own.
 */
export function facilityFilter(fcol: string, t: ReportTarget): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  if (t.area)
    parts.push(
      sql`${sql.ref(fcol)} in (select f.id from facility f join area fa on fa.id = f.area_id
                              where fa.path like ${t.area.path + '%'})`,
    );
  if (t.facilityIds) parts.push(sql`${sql.ref(fcol)} = any(${t.facilityIds}::bigint[])`);
  return parts.length ? sql.join(parts, sql` and `) : sql`true`;
}
