import type { Insertable, Selectable } from 'kysely';
import type { Queryable } from '../db/database.ts';
import { containsPattern } from '../db/like.ts';
import type { PersonTable, PriorityGroupTable } from '../db/schema.ts';

export type PersonRow = Selectable<PersonTable>;
export type GroupRow = Selectable<PriorityGroupTable>;

/** A person with the names of what they point at, as staff and citizen screens show them. */
export function personWithNames(db: Queryable) {
  return db
    .selectFrom('person as p')
    .innerJoin('priority_group as g', 'g.id', 'p.priority_group_id')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .leftJoin('facility as f', 'f.id', 'p.preferred_facility_id')
    .leftJoin('area as fa', 'fa.id', 'f.area_id')
    .leftJoin('vaccine_product as v', 'v.id', 'p.preferred_product_id')
    .selectAll('p')
    .select([
      'g.code as group_code',
      'g.name_en as group_name_en',
      'g.name_bn as group_name_bn',
      'a.path as area_path',
      'a.name_en as area_name_en',
      'a.name_bn as area_name_bn',
      'f.name_en as facility_name_en',
      'f.name_bn as facility_name_bn',
      'fa.path as facility_area_path',
      'v.name as product_name',
    ]);
}
export type PersonView = Awaited<ReturnType<ReturnType<typeof personWithNames>['executeTakeFirstOrThrow']>>;

export function registrationRepository(db: Queryable) {
  return {
    /** The newest version of every group, active or not. */
    currentGroups() {
      return db
        .selectFrom('priority_group as g')
        .selectAll('g')
        .where('g.version', '=', (eb) =>
          eb
            .selectFrom('priority_group as h')
            .select((e) => e.fn.max('h.version').as('v'))
            .whereRef('h.code', '=', 'g.code'),
        )
        .orderBy('g.rank')
        .orderBy('g.code')
        .execute();
    },
    currentGroup(code: string) {
      return db
        .selectFrom('priority_group')
        .selectAll()
        .where('code', '=', code)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
    insertGroup(g: Insertable<PriorityGroupTable>) {
      return db.insertInto('priority_group').values(g).returningAll().executeTakeFirstOrThrow();
    },
    async onRoster(groupCode: string, idType: string, idBlind: string) {
      const r = await db
        .selectFrom('priority_roster')
        .select('group_code')
        .where('group_code', '=', groupCode)
        .where('id_type', '=', idType)
        .where('id_blind', '=', idBlind)
        .executeTakeFirst();
      return r !== undefined;
    },
    async addToRoster(
      rows: { group_code: string; id_type: string; id_blind: string; imported_by: number }[],
    ) {
      if (rows.length === 0) return 0;
      const r = await db
        .insertInto('priority_roster')
        .values(rows)
        .onConflict((oc) => oc.columns(['group_code', 'id_type', 'id_blind']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0);
    },
    /** Locks the account row: concurrent registrations on one phone count the family one at a time. */
    async lockAccount(accountId: number) {
      return db
        .selectFrom('citizen_account')
        .select(['id', 'phone_enc', 'phone_blind'])
        .where('id', '=', accountId)
        .forUpdate()
        .executeTakeFirst();
    },
    async accountByPhone(phoneBlind: string) {
      return db
        .selectFrom('citizen_account')
        .select(['id', 'phone_enc', 'phone_blind'])
        .where('phone_blind', '=', phoneBlind)
        .executeTakeFirst();
    },
    async createAccount(phoneBlind: string, phoneEnc: string) {
      return db
        .insertInto('citizen_account')
        .values({ phone_blind: phoneBlind, phone_enc: phoneEnc })
        .onConflict((oc) => oc.column('phone_blind').doUpdateSet({ phone_blind: phoneBlind }))
        .returning('id')
        .executeTakeFirstOrThrow();
    },
    async familySize(accountId: number) {
      const r = await db
        .selectFrom('person')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('citizen_account_id', '=', accountId)
        .where('removed_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async claimOwner(idType: string, idBlind: string) {
      return db
        .selectFrom('identity_claim')
        .select('person_id')
        .where('id_type', '=', idType)
        .where('id_blind', '=', idBlind)
        .executeTakeFirst();
    },
    insertPerson(p: Insertable<PersonTable>) {
      return db
        .insertInto('person')
        .values(p)
        .returning(['id', 'registration_number'])
        .executeTakeFirstOrThrow();
    },
    /** False when the document is claimed already (a concurrent claim waits for the other to settle). */
    async claimIdentity(idType: string, idBlind: string, personId: number) {
      const r = await db
        .insertInto('identity_claim')
        .values({ id_type: idType, id_blind: idBlind, person_id: personId })
        .onConflict((oc) => oc.columns(['id_type', 'id_blind']).doNothing())
        .returning('person_id')
        .executeTakeFirst();
      return r !== undefined;
    },
    async releaseIdentity(personId: number) {
      await db.deleteFrom('identity_claim').where('person_id', '=', personId).execute();
    },
    family(accountId: number) {
      return personWithNames(db)
        .where('p.citizen_account_id', '=', accountId)
        .where('p.removed_at', 'is', null)
        .orderBy('p.id')
        .execute();
    },
    view(personId: number) {
      return personWithNames(db).where('p.id', '=', personId).executeTakeFirst();
    },
    async registrationNumberTaken(n: string) {
      return (
        (await db
          .selectFrom('person')
          .select('id')
          .where('registration_number', '=', n)
          .executeTakeFirst()) !== undefined
      );
    },
    /** Staff search: one exact key, or a name inside area subtrees. */
    search(
      q: {
        idType?: string;
        idBlind?: string;
        registrationNumber?: string;
        phoneBlind?: string;
        name?: string;
      },
      /** null: everywhere; else where the person lives or chose a centre in these subtrees, or chose these facilities. */
      scope: { areaPaths: string[]; facilityIds: number[] } | null,
      limit: number,
    ) {
      let query = personWithNames(db).where('p.removed_at', 'is', null).orderBy('p.id').limit(limit);
      if (q.idBlind && q.idType)
        query = query
          .where('p.id_type', '=', q.idType as PersonRow['id_type'])
          .where('p.id_blind', '=', q.idBlind);
      if (q.registrationNumber) query = query.where('p.registration_number', '=', q.registrationNumber);
      if (q.phoneBlind) query = query.where('p.phone_blind', '=', q.phoneBlind);
      const name = q.name;
      if (name)
        query = query.where((eb) =>
          eb.or([
            eb('p.name_en', 'ilike', containsPattern(name)),
            eb('p.name_bn', 'like', containsPattern(name)),
          ]),
        );
      if (scope) {
        const { areaPaths, facilityIds } = scope;
        if (areaPaths.length === 0 && facilityIds.length === 0) return Promise.resolve([]);
        query = query.where((eb) =>
          eb.or([
            ...areaPaths.flatMap((p) => [eb('a.path', 'like', `${p}%`), eb('fa.path', 'like', `${p}%`)]),
            ...(facilityIds.length ? [eb('p.preferred_facility_id', 'in', facilityIds)] : []),
          ]),
        );
      }
      return query.execute();
    },
  };
}
export type RegistrationRepository = ReturnType<typeof registrationRepository>;
