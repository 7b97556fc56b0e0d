import { sql } from 'kysely';
import type { Queryable } from '../db/database.ts';
import type { Role } from '../db/schema.ts';
import type { Grant } from './policy.ts';

export function accessRepository(db: Queryable) {
  return {
    findUserByUsername(username: string) {
      return db.selectFrom('staff_user').selectAll().where('username', '=', username).executeTakeFirst();
    },
    findUser(id: number) {
      return db
        .selectFrom('staff_user')
        .select(['id', 'username', 'display_name', 'active', 'locked_until', 'created_at'])
        .where('id', '=', id)
        .executeTakeFirst();
    },
    async recordFailure(userId: number, maxFailures: number, lockSeconds: number) {
      const row = await db
        .updateTable('staff_user')
        .set((eb) => ({
          failed_sign_ins: eb('failed_sign_ins', '+', 1),
          locked_until: sql<Date | null>`case when failed_sign_ins + 1 >= ${maxFailures}
            then now() + make_interval(secs => ${lockSeconds}) else locked_until end`,
        }))
        .where('id', '=', userId)
        .returning(['failed_sign_ins', 'locked_until'])
        .executeTakeFirstOrThrow();
      return row;
    },
    async resetFailures(userId: number) {
      await db
        .updateTable('staff_user')
        .set({ failed_sign_ins: 0, locked_until: null })
        .where('id', '=', userId)
        .execute();
    },
    async createSession(s: {
      id: string;
      userId: number;
      refreshHash: string;
      expiresAt: Date;
      userAgent: string | null;
    }) {
      await db
        .insertInto('staff_session')
        .values({
          id: s.id,
          user_id: s.userId,
          refresh_hash: s.refreshHash,
          expires_at: s.expiresAt,
          user_agent: s.userAgent,
        })
        .execute();
    },
    findSessionByRefresh(refreshHash: string) {
      return db
        .selectFrom('staff_session')
        .selectAll()
        .where('refresh_hash', '=', refreshHash)
        .executeTakeFirst();
    },
    findSession(id: string) {
      return db.selectFrom('staff_session').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** Rotates the refresh token; false when another request rotated it first. */
    async rotateRefresh(sessionId: string, oldHash: string, newHash: string) {
      const r = await db
        .updateTable('staff_session')
        .set({ refresh_hash: newHash })
        .where('id', '=', sessionId)
        .where('refresh_hash', '=', oldHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async revokeSession(id: string) {
      await db
        .updateTable('staff_session')
        .set({ revoked_at: new Date() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },
    async activeGrants(userId: number): Promise<Grant[]> {
      const rows = await db
        .selectFrom('role_grant as g')
        .leftJoin('facility as f', 'f.id', 'g.facility_id')
        .leftJoin('area as a', (j) => j.on(sql<boolean>`a.id = coalesce(g.area_id, f.area_id)`))
        .select(['g.id', 'g.role', 'g.area_id', 'g.facility_id', 'a.path'])
        .where('g.user_id', '=', userId)
        .where('g.revoked_at', 'is', null)
        .orderBy('g.id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        role: r.role,
        areaId: r.area_id,
        facilityId: r.facility_id,
        areaPath: r.path,
      }));
    },
    async createUser(u: {
      username: string;
      displayName: string;
      passwordHash: string;
      createdBy: number | null;
    }) {
      return db
        .insertInto('staff_user')
        .values({
          username: u.username,
          display_name: u.displayName,
          password_hash: u.passwordHash,
          created_by: u.createdBy,
        })
        .onConflict((oc) => oc.column('username').doNothing())
        .returning(['id'])
        .executeTakeFirst();
    },
    async addGrant(g: {
      userId: number;
      role: Role;
      areaId: number | null;
      facilityId: number | null;
      grantedBy: number | null;
    }) {
      return db
        .insertInto('role_grant')
        .values({
          user_id: g.userId,
          role: g.role,
          area_id: g.areaId,
          facility_id: g.facilityId,
          granted_by: g.grantedBy,
        })
        .returning(['id'])
        .executeTakeFirstOrThrow();
    },
    findGrant(id: number) {
      return db.selectFrom('role_grant').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async revokeGrant(id: number, by: number) {
      await db
        .updateTable('role_grant')
        .set({ revoked_at: new Date(), revoked_by: by })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },
    /** Staff with a live grant inside one of the subtrees or facilities, or everyone (`null`). */
    async listUsers(
      scope: { areaPaths: string[]; facilityIds: number[] } | null,
      limit: number,
      offset: number,
    ) {
      let q = db
        .selectFrom('staff_user as u')
        .select(['u.id', 'u.username', 'u.display_name', 'u.active', 'u.locked_until', 'u.created_at'])
        .orderBy('u.username')
        .limit(limit)
        .offset(offset);
      if (scope) {
        const { areaPaths, facilityIds } = scope;
        if (areaPaths.length === 0 && facilityIds.length === 0) return [];
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('role_grant as g')
              .leftJoin('facility as f', 'f.id', 'g.facility_id')
              .leftJoin('area as a', (j) => j.on(sql<boolean>`a.id = coalesce(g.area_id, f.area_id)`))
              .select(sql`1`.as('one'))
              .whereRef('g.user_id', '=', 'u.id')
              .where('g.revoked_at', 'is', null)
              .where((eb) =>
                eb.or([
                  ...areaPaths.map((p) => eb('a.path', 'like', `${p}%`)),
                  ...(facilityIds.length ? [eb('g.facility_id', 'in', facilityIds)] : []),
                ]),
              ),
          ),
        );
      }
      return q.execute();
    },
  };
}
export type AccessRepository = ReturnType<typeof accessRepository>;
