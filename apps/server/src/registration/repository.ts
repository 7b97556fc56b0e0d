import { sql, type Insertable, type Selectable } from 'kysely';
import type { Queryable } from '../db/database.ts';
import { prepared } from '../db/prepared.ts';
import { containsPattern } from '../db/like.ts';
import type { PersonTable, PriorityGroupTable } from '../db/schema.ts';
import type { NotificationRow } from '../notifications/outbox.ts';
import type { AuditRow } from '../audit/audit.ts';

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
/** What the screens show of a person (personDto): a registration returns exactly this. */
export type PersonDtoSource = Pick<
  PersonView,
  | 'id'
  | 'registration_number'
  | 'id_type'
  | 'id_last4'
  | 'nationality'
  | 'name_en'
  | 'name_bn'
  | 'date_of_birth'
  | 'gender'
  | 'area_id'
  | 'address_line'
  | 'occupation'
  | 'comorbidities'
  | 'priority_evidence'
  | 'priority_status'
  | 'preferred_facility_id'
  | 'preferred_product_id'
  | 'verification_status'
  | 'registered_via'
  | 'registered_at'
  | 'group_code'
  | 'group_name_en'
  | 'group_name_bn'
  | 'area_name_en'
  | 'area_name_bn'
  | 'facility_name_en'
  | 'facility_name_bn'
  | 'product_name'
>;

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

/** One fixed-window counter: its key, the window it counts in, and the most it may reach. */
export interface RateWindow {
  key: string;
  windowStart: Date;
  max: number;
}

/**
 * Phone sign-in in as few statements as the rules allow. Each statement is atomic on its own, so
 * none of them needs a transaction around it.
 */
export function otpRepository(db: Queryable) {
  return {
    /**
     * Counts one code request in each window, in order, and stores the challenge and its SMS only
     * when every window is within its limit. A window whose predecessor is over the limit is not
     * counted (as when the counters were bumped one statement at a time, stopping at the first
     * refusal). Each counter is an upsert on one row: concurrent requests cannot all pass a check
     * made before any of them counted.
     */
    async requestChallenge(
      windows: readonly [RateWindow, RateWindow, RateWindow],
      challenge: {
        id: string;
        phoneBlind: string;
        phoneEnc: string;
        codeHash: string;
        ip: string;
        expiresAt: Date;
        createdAt: Date;
      },
      message: NotificationRow,
    ): Promise<[number, number | null, number | null]> {
      const [first, second, third] = windows;
      // Counts in window `w`; after a previous window, only when that one is within its limit.
      const bump = (w: RateWindow, after?: { cte: string; max: number }) =>
        after === undefined
          ? sql`insert into rate_counter as c (key, window_start, count)
                select ${w.key}::text, ${w.windowStart}::timestamptz, 1 from async_commit
                on conflict (key, window_start) do update set count = c.count + 1
                returning c.count`
          : sql`insert into rate_counter as c (key, window_start, count)
                select ${w.key}::text, ${w.windowStart}::timestamptz, 1 from ${sql.table(after.cte)} p
                where p.count <= ${after.max}::int
                on conflict (key, window_start) do update set count = c.count + 1
                returning c.count`;
      // The challenge and its SMS are written (a data-modifying CTE always runs) when all three
      // counts are within their limits; the answer is the counts, for the caller to say which.
      // The statement commits without waiting for its log to reach the disk (synchronous_commit off
      // for this transaction only). The counter rows stay locked until the commit, and one client
      // address (a mobile operator's NAT, the benchmark's one host) is one row for every request
      // from it: waiting for a disk flush under that lock made all its requests take turns, about
      // 3 ms each. All a database crash can take from it is a code of the last moment before it,
      // which the citizen asks for again (the counters are unlogged and start over anyway).
      const { rows } = await sql<{ c1: number; c2: number | null; c3: number | null }>`${prepared}
        with async_commit as materialized (select set_config('synchronous_commit', 'off', true)),
        w1 as (${bump(first)}),
        w2 as (${bump(second, { cte: 'w1', max: first.max })}),
        w3 as (${bump(third, { cte: 'w2', max: second.max })}),
        challenge as (
          insert into otp_challenge (id, phone_blind, phone_enc, code_hash, ip, expires_at, created_at)
          select ${challenge.id}::uuid, ${challenge.phoneBlind}::text, ${challenge.phoneEnc}::text,
                 ${challenge.codeHash}::text, ${challenge.ip}::text, ${challenge.expiresAt}::timestamptz,
                 ${challenge.createdAt}::timestamptz
          from w3 where w3.count <= ${third.max}::int
          returning id
        ),
        message as (${insertNotification(message, 'challenge', null)})
        select w1.count as c1, w2.count as c2, w3.count as c3
        from w1 left join w2 on true left join w3 on true`.execute(db);
      const r = rows[0]!;
      return [r.c1, r.c2, r.c3];
    },

    /**
     * Counts one try at a live challenge, before any comparison: parallel guesses at one challenge
     * cannot get more than maxTries comparisons between them. Nothing when the challenge is not live.
     */
    async countTry(id: string, maxTries: number, now: Date) {
      const { rows } = await sql<{ attempts: number; code_hash: string }>`${prepared}
        update otp_challenge set attempts = attempts + 1
        where id = ${id}::uuid and consumed_at is null and locked_at is null
          and attempts < ${maxTries}::int and expires_at > ${now}::timestamptz
        returning attempts, code_hash`.execute(db);
      return rows[0];
    },

    /**
     * Consumes a challenge whose code was right and signs its phone in, in one statement: the
     * phone's account (made on first use) gets its sign-in time and the sign-in is audited. Nothing
     * when the challenge was consumed or locked in the meantime.
     */
    async consumeAndSignIn(id: string, now: Date, audit: { requestId: string; ip: string }) {
      const { rows } = await sql<{ id: number }>`${prepared}
        with consumed as (
          update otp_challenge set consumed_at = ${now}::timestamptz
          where id = ${id}::uuid and consumed_at is null and locked_at is null
          returning phone_blind, phone_enc
        ),
        known as (
          update citizen_account a set last_sign_in_at = ${now}::timestamptz
          from consumed c where a.phone_blind = c.phone_blind
          returning a.id
        ),
        created as (
          insert into citizen_account as a (phone_blind, phone_enc, last_sign_in_at)
          select phone_blind, phone_enc, ${now}::timestamptz from consumed
          where not exists (select 1 from known)
          on conflict (phone_blind) do update set last_sign_in_at = excluded.last_sign_in_at
          returning a.id
        ),
        account as (select id from known union all select id from created),
        audit as (
          insert into audit_event (actor_kind, actor_id, action, entity_type, entity_id, request_id, ip, details)
          select 'citizen', id, 'citizen.signed_in', 'citizen_account', id::text,
                 ${audit.requestId}::text, ${audit.ip}::text, '{}'::jsonb
          from account
        )
        select id from account`.execute(db);
      return rows[0]?.id;
    },
  };
}

/**
 * An outbox row as a data-modifying CTE body: inserted once for each row of `from` (a CTE that
 * returns the fact's id, or none), with `personColumn` of that CTE as the person it is about.
 */
function insertNotification(m: NotificationRow, from: string, personColumn: string | null) {
  return sql`insert into notification (recipient_enc, template, locale, params, person_id)
    select ${m.recipient_enc}::text, ${m.template}::text, ${m.locale}::text, ${m.params}::jsonb,
           ${personColumn === null ? sql`null::bigint` : sql.ref(`${from}.${personColumn}`)}
    from ${sql.table(from)}
    returning id`;
}

/**
 * Reference data that every registration reads and that changes a few times a year (the priority
 * groups, the depth of the lowest area level), kept in this process for at most `ttlMs`.
 *
 * Staleness is bounded by `ttlMs`: an edit made through another process (or straight in the
 * database) is seen here within that time; a priority group edited through this process is seen at
 * once (`invalidateGroups`). `ttlMs` 0 reads every time. The area, centre and vaccine a
 * registration names are not cached: they are read in the statement that runs before the registry
 * is asked (registrationWrites.beforeRegistry), fresh and at no extra round trip.
 */
export function registrationReference(db: Queryable, opts: { ttlMs: number; now?: () => number }) {
  const now = opts.now ?? Date.now;

  function cached<V>(load: () => Promise<V>) {
    let entry: { at: number; value: Promise<V> } | undefined;
    return {
      get(): Promise<V> {
        if (opts.ttlMs <= 0) return load();
        const t = now();
        if (entry && t - entry.at < opts.ttlMs) return entry.value;
        // Concurrent misses share one query; a failure is not kept.
        const current = { at: t, value: load() };
        current.value.catch(() => {
          if (entry === current) entry = undefined;
        });
        entry = current;
        return current.value;
      },
      clear: () => {
        entry = undefined;
      },
    };
  }

  const groups = cached(() => registrationRepository(db).currentGroups());
  const lowest = cached(async () => {
    const r = await db
      .selectFrom('area_level')
      .select((eb) => eb.fn.max('depth').as('d'))
      .executeTakeFirstOrThrow();
    return r.d;
  });

  return {
    /** The newest version of every group, active or not (as `currentGroups`). */
    currentGroups: () => groups.get(),
    /** Depth of the lowest area level (where addresses are given), or null when there are no levels. */
    lowestAreaDepth: () => lowest.get(),
    invalidateGroups: () => groups.clear(),
  };
}
export type RegistrationReference = ReturnType<typeof registrationReference>;

/** What a registration names, as the database holds it when the registration starts. */
export interface RegistrationPlaces {
  area: { path: string; depth: number } | null;
  /** The chosen centre, with the path of its area. */
  facility: { type: string; active: boolean; path: string } | null;
  product: { active: boolean } | null;
  /** Assisted registration: the path of the area of the staff member's facility. */
  staffFacilityPath: string | null;
}

/** Who a registration's phone belongs to, when it has one. */
export type RegistrationAccount =
  { kind: 'existing'; id: number } | { kind: 'phone'; phoneBlind: string; phoneEnc: string };

export interface RegistrationWrite {
  person: Omit<
    Insertable<PersonTable>,
    'citizen_account_id' | 'phone_blind' | 'phone_enc' | 'priority_evidence' | 'comorbidities'
  > & { priority_evidence: string; comorbidities: string[] };
  account: RegistrationAccount | null;
  /** The most people one phone's account may hold. */
  peoplePerPhone: number;
  message: NotificationRow | null;
  /** A job about the new person, its payload `{ personId }`. */
  job: { kind: string; runAt: Date } | null;
  audit: Omit<AuditRow, 'entity_id'>;
}

/** A unique key that refused a registration's insert. */
export type RegistrationConflict = 'identity_claimed' | 'registration_number_taken';

export function registrationConflict(err: unknown): RegistrationConflict | null {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  if (!e || e.code !== '23505') return null;
  if (e.constraint === 'identity_claim_pkey') return 'identity_claimed';
  if (e.constraint === 'person_registration_number_key') return 'registration_number_taken';
  return null;
}

export function registrationWrites(db: Queryable) {
  return {
    /**
     * Everything a registration reads before the registry is asked, in one round trip: whether the
     * identity document is claimed, the phone of the citizen's account, and the area, centre and
     * vaccine the registration names (and, when assisted, the staff member's facility).
     */
    async beforeRegistry(q: {
      idType: string;
      idBlind: string;
      accountId: number | null;
      areaId: number;
      facilityId: number;
      productId: number | null;
      staffFacilityId: number | null;
    }): Promise<{ claimed: boolean; accountPhoneEnc: string | null } & RegistrationPlaces> {
      const { rows } = await sql<{
        owner: number | null;
        phone_enc: string | null;
        area_path: string | null;
        area_depth: number | null;
        facility_type: string | null;
        facility_active: boolean | null;
        facility_path: string | null;
        product_active: boolean | null;
        staff_facility_path: string | null;
      }>`${prepared}
        select
          (select person_id from identity_claim where id_type = ${q.idType}::text and id_blind = ${q.idBlind}::text) as owner,
          (select phone_enc from citizen_account where id = ${q.accountId}::bigint) as phone_enc,
          a.path as area_path, a.depth as area_depth,
          f.type as facility_type, f.active as facility_active, fa.path as facility_path,
          (select active from vaccine_product where id = ${q.productId}::bigint) as product_active,
          (select sa.path from facility s join area sa on sa.id = s.area_id where s.id = ${q.staffFacilityId}::bigint)
            as staff_facility_path
        from (select 1) one
        left join area a on a.id = ${q.areaId}::bigint
        left join facility f on f.id = ${q.facilityId}::bigint
        left join area fa on fa.id = f.area_id`.execute(db);
      const r = rows[0]!;
      return {
        claimed: r.owner !== null,
        accountPhoneEnc: r.phone_enc,
        area: r.area_path === null ? null : { path: r.area_path, depth: r.area_depth! },
        facility:
          r.facility_type === null
            ? null
            : { type: r.facility_type, active: r.facility_active!, path: r.facility_path! },
        product: r.product_active === null ? null : { active: r.product_active },
        staffFacilityPath: r.staff_facility_path,
      };
    },

    /**
     * Stores a registration in one statement: the phone's account locked while it holds fewer
     * people than the limit (registrations on one phone are counted one at a time; the database
     * keeps the count, migrations/0006), the person, the identity claim, the SMS, the re-check job
     * and the audit row, all or nothing; it answers with the person as the screens show them.
     *
     * `phone_full` when the phone's account holds its limit (nothing is stored). The identity claim's
     * key refuses a document claimed already, also by a registration that commits while this one
     * waits: the statement then fails with a unique violation (see registrationConflict) and leaves
     * nothing behind; so does the rare registration number that is taken.
     */
    async register(w: RegistrationWrite): Promise<PersonDtoSource | 'phone_full'> {
      const p = w.person;
      const account =
        w.account === null
          ? null
          : w.account.kind === 'existing'
            ? sql`select id, phone_blind, phone_enc from citizen_account
                  where id = ${w.account.id}::bigint and family_size < ${w.peoplePerPhone}::int
                  for update`
            : sql`insert into citizen_account as a (phone_blind, phone_enc)
                  values (${w.account.phoneBlind}::text, ${w.account.phoneEnc}::text)
                  on conflict (phone_blind) do update set phone_blind = excluded.phone_blind
                    where a.family_size < ${w.peoplePerPhone}::int
                  returning a.id, a.phone_blind, a.phone_enc`;
      const a = w.audit;
      const { rows } = await sql<PersonDtoSource>`${prepared}
        with ${account === null ? sql`` : sql`account as (${account}),`}
        registered as (
          insert into person (
            registration_number, citizen_account_id, id_type, id_blind, id_enc, id_last4, nationality,
            name_en, name_bn, date_of_birth, gender, phone_blind, phone_enc, area_id, address_line,
            occupation, comorbidities, priority_group_id, priority_evidence, priority_status,
            priority_approved_by, preferred_facility_id, preferred_product_id, consent_version,
            consent_at, verification_status, verification_checked_at, locale, registered_via,
            registered_by)
          select
            ${p.registration_number}::text,
            ${account === null ? sql`null::bigint, ` : sql`account.id, `}
            ${p.id_type}::text, ${p.id_blind}::text, ${p.id_enc}::text, ${p.id_last4}::text,
            ${p.nationality ?? 'BD'}::text, ${p.name_en}::text, ${p.name_bn ?? null}::text,
            ${p.date_of_birth}::date, ${p.gender}::text,
            ${account === null ? sql`null::text, null::text, ` : sql`account.phone_blind, account.phone_enc, `}
            ${p.area_id}::bigint, ${p.address_line ?? ''}::text, ${p.occupation ?? null}::text,
            ${p.comorbidities}::text[], ${p.priority_group_id}::bigint, ${p.priority_evidence}::jsonb,
            ${p.priority_status}::text, ${p.priority_approved_by ?? null}::bigint,
            ${p.preferred_facility_id ?? null}::bigint, ${p.preferred_product_id ?? null}::bigint,
            ${p.consent_version}::text, ${p.consent_at}::timestamptz, ${p.verification_status}::text,
            ${p.verification_checked_at ?? null}::timestamptz, ${p.locale ?? 'bn'}::text,
            ${p.registered_via}::text, ${p.registered_by ?? null}::bigint
          ${account === null ? sql`` : sql`from account`}
          returning id, registration_number, id_type, id_blind, id_last4, nationality, name_en, name_bn,
            date_of_birth, gender, area_id, address_line, occupation, comorbidities, priority_group_id,
            priority_evidence, priority_status, preferred_facility_id, preferred_product_id,
            verification_status, registered_via, registered_at
        ),
        claim as (
          insert into identity_claim (id_type, id_blind, person_id)
          select id_type, id_blind, id from registered
        ),
        ${w.message === null ? sql`` : sql`message as (${insertNotification(w.message, 'registered', 'id')}),`}
        ${
          w.job === null
            ? sql``
            : sql`job as (
                insert into job (kind, payload, run_at)
                select ${w.job.kind}::text, jsonb_build_object('personId', id), ${w.job.runAt}::timestamptz
                from registered
              ),`
        }
        audit as (
          insert into audit_event (actor_kind, actor_id, action, entity_type, entity_id, area_id, request_id, ip, details)
          select ${a.actor_kind}::text, ${a.actor_id}::bigint, ${a.action}::text, ${a.entity_type}::text,
                 id::text, ${a.area_id}::bigint, ${a.request_id}::text, ${a.ip}::text, ${a.details}::jsonb
          from registered
        )
        select p.id, p.registration_number, p.id_type, p.id_last4, p.nationality, p.name_en, p.name_bn,
          p.date_of_birth, p.gender, p.area_id, p.address_line, p.occupation, p.comorbidities,
          p.priority_evidence, p.priority_status, p.preferred_facility_id, p.preferred_product_id,
          p.verification_status, p.registered_via, p.registered_at,
          g.code as group_code, g.name_en as group_name_en, g.name_bn as group_name_bn,
          ar.name_en as area_name_en, ar.name_bn as area_name_bn,
          f.name_en as facility_name_en, f.name_bn as facility_name_bn,
          v.name as product_name
        from registered p
        join priority_group g on g.id = p.priority_group_id
        join area ar on ar.id = p.area_id
        left join facility f on f.id = p.preferred_facility_id
        left join vaccine_product v on v.id = p.preferred_product_id`.execute(db);
      return rows[0] ?? 'phone_full';
    },
  };
}
