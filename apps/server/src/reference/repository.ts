import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Queryable } from '../db/database.ts';
import { containsPattern } from '../db/like.ts';
import type { AreaTable, FacilityTable, FacilityType, VaccineProductTable } from '../db/schema.ts';

export type AreaRow = Selectable<AreaTable> & { child_count?: number };
export type FacilityRow = Selectable<FacilityTable>;
export type ProductRow = Selectable<VaccineProductTable>;

/** Rows the caller may see: inside one of the subtrees, or (for areas) above them. */
export interface Visibility {
  areaPaths: string[];
  /** area paths of facilities the caller is bound to */
  facilityAreaPaths: string[];
  facilityIds: number[];
}

export function areaRepository(db: Queryable) {
  const withChildCount = () =>
    db
      .selectFrom('area as a')
      .selectAll('a')
      .select(sql<number>`(select count(*) from area c where c.parent_id = a.id)::int`.as('child_count'));
  return {
    levels() {
      return db.selectFrom('area_level').selectAll().orderBy('depth').execute();
    },
    findById(id: number) {
      return withChildCount().where('a.id', '=', id).executeTakeFirst();
    },
    findByCodes(codes: string[]) {
      if (codes.length === 0) return Promise.resolve([]);
      return db.selectFrom('area').selectAll().where('code', 'in', codes).execute();
    },
    /** Children of a parent (or top-level areas), optionally filtered by name, limited to what is visible. */
    children(parentId: number | null, vis: Visibility | null, q: string | undefined, limit: number) {
      // A name search without a parent looks through every level; otherwise one level at a time.
      let query = withChildCount().orderBy('a.depth').orderBy('a.name_en').limit(limit);
      if (parentId !== null || !q)
        query = query.where('a.parent_id', parentId === null ? 'is' : '=', parentId);
      if (q)
        query = query.where((eb) =>
          eb.or([
            eb('a.name_en', 'ilike', containsPattern(q)),
            eb('a.name_bn', 'like', containsPattern(q)),
            eb('a.code', '=', q),
          ]),
        );
      if (vis) {
        const below = vis.areaPaths;
        const above = [...vis.areaPaths, ...vis.facilityAreaPaths];
        if (above.length === 0) return Promise.resolve([]);
        query = query.where((eb) =>
          eb.or([
            ...below.map((p) => eb('a.path', 'like', `${p}%`)),
            ...above.map((p) => eb(sql.lit(p), 'like', sql<string>`a.path || '%'`)),
          ]),
        );
      }
      return query.execute();
    },
    /** An area (by its path) and its descendants down to `depth` levels below it, in path order. */
    subtree(path: string, depth: number) {
      const levels = path.split('/').length - 3; // '/3/41/' is depth 1
      return db
        .selectFrom('area')
        .selectAll()
        .where('path', 'like', `${path}%`)
        .where('depth', '<=', levels + depth)
        .orderBy('path')
        .limit(20_000)
        .execute();
    },
    async insert(a: Omit<Insertable<AreaTable>, 'path'>, parentPath: string | null) {
      const row = await db
        .insertInto('area')
        .values({ ...a, path: `pending:${a.code}` })
        .returning('id')
        .executeTakeFirstOrThrow();
      const path = `${parentPath ?? '/'}${row.id}/`;
      await db.updateTable('area').set({ path }).where('id', '=', row.id).execute();
      return { id: row.id, path };
    },
    async update(id: number, fields: Omit<Updateable<AreaTable>, 'id' | 'path' | 'parent_id' | 'depth'>) {
      await db
        .updateTable('area')
        .set({ ...fields, updated_at: new Date() })
        .where('id', '=', id)
        .execute();
    },
  };
}

export interface FacilityFilter {
  areaPath?: string | undefined;
  type?: FacilityType | undefined;
  q?: string | undefined;
  active?: boolean | undefined;
  limit: number;
  offset: number;
}

export function facilityRepository(db: Queryable) {
  const base = () =>
    db
      .selectFrom('facility as f')
      .innerJoin('area as a', 'a.id', 'f.area_id')
      .selectAll('f')
      .select(['a.path as area_path', 'a.name_en as area_name_en', 'a.name_bn as area_name_bn']);
  return {
    findById(id: number) {
      return base().where('f.id', '=', id).executeTakeFirst();
    },
    findByCodes(codes: string[]) {
      if (codes.length === 0) return Promise.resolve([]);
      return db.selectFrom('facility').selectAll().where('code', 'in', codes).execute();
    },
    list(filter: FacilityFilter, vis: Omit<Visibility, 'facilityAreaPaths'> | null) {
      let q = base().orderBy('f.name_en').orderBy('f.id').limit(filter.limit).offset(filter.offset);
      if (filter.areaPath) q = q.where('a.path', 'like', `${filter.areaPath}%`);
      if (filter.type) q = q.where('f.type', '=', filter.type);
      if (filter.active !== undefined) q = q.where('f.active', '=', filter.active);
      if (filter.q) {
        const text = filter.q;
        q = q.where((eb) =>
          eb.or([
            eb('f.name_en', 'ilike', containsPattern(text)),
            eb('f.name_bn', 'like', containsPattern(text)),
            eb('f.code', '=', text),
          ]),
        );
      }
      if (vis) {
        const { areaPaths, facilityIds } = vis;
        if (areaPaths.length === 0 && facilityIds.length === 0) return Promise.resolve([]);
        q = q.where((eb) =>
          eb.or([
            ...areaPaths.map((p) => eb('a.path', 'like', `${p}%`)),
            ...(facilityIds.length ? [eb('f.id', 'in', facilityIds)] : []),
          ]),
        );
      }
      return q.execute();
    },
    insert(f: Insertable<FacilityTable>) {
      return db.insertInto('facility').values(f).returning('id').executeTakeFirstOrThrow();
    },
    async update(id: number, fields: Updateable<FacilityTable>) {
      await db
        .updateTable('facility')
        .set({ ...fields, updated_at: new Date() })
        .where('id', '=', id)
        .execute();
    },
  };
}

export function productRepository(db: Queryable) {
  return {
    list(includeInactive: boolean) {
      let q = db.selectFrom('vaccine_product').selectAll().orderBy('name');
      if (!includeInactive) q = q.where('active', '=', true);
      return q.execute();
    },
    findById(id: number) {
      return db.selectFrom('vaccine_product').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findByCode(code: string) {
      return db.selectFrom('vaccine_product').selectAll().where('code', '=', code).executeTakeFirst();
    },
    insert(p: Insertable<VaccineProductTable>) {
      return db.insertInto('vaccine_product').values(p).returning('id').executeTakeFirstOrThrow();
    },
    async update(id: number, fields: Updateable<VaccineProductTable>) {
      await db
        .updateTable('vaccine_product')
        .set({ ...fields, updated_at: new Date() })
        .where('id', '=', id)
        .execute();
    },
  };
}
