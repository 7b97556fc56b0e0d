import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { nextDose } from '@dosewise/domain';
import { withTransaction, type Db, type Tx } from '../db/database.ts';
import { recordAudit } from '../audit/audit.ts';
import { authorize, type Principal, type Scope } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { notFound } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { PrepareNotification } from '../registration/ports.ts';
import type { CardKeys } from '../cards/keys.ts';
import { todayIn } from '../registration/calendar.ts';
import type { VaccinationCatalog } from './catalog.ts';
import { writeFailure, type LotInfo } from './repository.ts';
import { decideDose, doseMessage, type DoseDecision } from './rules.ts';
import type { SyncRecordT, SyncResultT } from './schemas.ts';

export interface OfflineSettings {
  timeZone: string;
  clockToleranceS: number;
}

type Result = SyncResultT['results'][number];

interface PersonFacts {
  id: number;
  name_en: string;
  name_bn: string | null;
  locale: 'en' | 'bn';
  phone_enc: string | null;
  date_of_birth: string;
  removed_at: string | null;
  priority_status: string;
  verification_status: string;
  registered_at: string;
  rank: number;
  doses: { id: number; doseNumber: number; productId: number; date: string; facilityId: number | null }[];
  appointments: {
    id: number;
    facilityId: number;
    sessionDate: string;
    doseNumber: number;
    sessionId: number;
  }[];
}

/** A record accepted for storing, with everything its rows need. */
interface Planned {
  rec: SyncRecordT;
  index: number;
  at: Date;
  date: string;
  decision: DoseDecision;
  person: PersonFacts;
  lot: LotInfo;
  vialId: number | null;
  appointmentId: number | null;
  sessionId: number | null;
}

interface PlannedReview {
  rec: SyncRecordT;
  index: number;
  reason: 'duplicate_dose' | 'conflict_elsewhere';
  existingDoseId: number;
  at: Date;
}

const slipHash = (appointmentId: number, code: string) =>
  createHash('sha256').update(`${appointmentId}:${code}`).digest('hex');

/**
 * The facility pack a vaccinator's device works from offline, and the upload of what it recorded.
 *
 * The upload is set-based: a batch is read with a few statements (people and their doses, records
 * already stored, balances, open vials), checked in memory with the same rules as on-line
 * recording, and written with one statement. A record is identified by its client id: sent again,
 * it is answered `already_stored` and nothing is written. A record of a dose the person has had
 * meanwhile (on-line, or from another device) becomes a dose review for a supervisor.
 */
export function offlineService(deps: {
  db: Db;
  read: Db;
  vault: IdentifierVault;
  prepareMessage: PrepareNotification;
  cardKeys: CardKeys;
  catalog: VaccinationCatalog;
  facilityScope: (facilityId: number) => Promise<Scope>;
  settings: OfflineSettings;
}) {
  const { db, read, vault, catalog, settings } = deps;
  const tz = settings.timeZone;

  async function pack(staff: Principal, facilityId: number, date: string | undefined, ctx: RequestContext) {
    const day = date ?? todayIn(tz);
    const facility = await catalog.facility(facilityId);
    if (!facility) throw notFound('The facility');
    const [rows, products, lots, acceptUnheldLots] = await Promise.all([
      sql<{
        id: number;
        person_id: number;
        dose_number: number;
        code: string;
        status: string;
        registration_number: string;
        name_en: string;
        name_bn: string | null;
        date_of_birth: string;
        gender: string;
        opens_on: string;
        doses: { doseNumber: number; productId: number; date: string }[];
      }>`
        select a.id, a.person_id, a.dose_number, a.code, a.status, p.registration_number, p.name_en, p.name_bn,
               p.date_of_birth, p.gender, g.opens_on,
               coalesce((select json_agg(json_build_object('doseNumber', d.dose_number, 'productId', d.product_id,
                                                           'date', d.administered_on))
                         from dose d where d.person_id = p.id and d.voided_at is null), '[]') as doses
        from appointment a
        join person p on p.id = a.person_id
        join priority_group g on g.id = p.priority_group_id
        where a.facility_id = ${facilityId} and a.session_date = ${day} and a.status in ('booked', 'attended')
        order by a.id`.execute(read),
      catalog.products(),
      read
        .selectFrom('stock_balance as b')
        .innerJoin('lot as l', 'l.id', 'b.lot_id')
        .select(['l.id', 'l.product_id', 'l.lot_number', 'l.expires_on', 'l.doses_per_vial', 'b.quantity'])
        .where('b.store_id', '=', facilityId)
        .where('b.quantity', '>', 0)
        .where('l.expires_on', '>=', day)
        .orderBy('l.expires_on')
        .execute(),
      catalog.acceptUnheldLots(),
    ]);
    await recordAudit(db, {
      actorKind: 'staff',
      actorId: staff.userId,
      action: 'facility.pack_downloaded',
      entityType: 'facility',
      entityId: facilityId,
      areaId: facility.areaId,
      requestId: ctx.requestId,
      ip: ctx.ip,
      details: { date: day, people: rows.rows.map((r) => r.person_id) },
    });
    const now = new Date().toISOString();
    return {
      facility: { id: facility.id, code: facility.code, nameEn: facility.nameEn, nameBn: facility.nameBn },
      date: day,
      generatedAt: now,
      serverTime: now,
      appointments: rows.rows.map((r) => {
        const next = nextDose(r.doses, products, day);
        return {
          appointmentId: r.id,
          personId: r.person_id,
          registrationNumber: r.registration_number,
          nameEn: r.name_en,
          nameBn: r.name_bn,
          birthYear: Number(r.date_of_birth.slice(0, 4)),
          gender: r.gender,
          doseNumber: r.dose_number,
          productIds: next.kind === 'due' ? next.productIds : [],
          earliestDate:
            next.kind === 'due' ? (r.opens_on > next.earliestDate ? r.opens_on : next.earliestDate) : null,
          slipCodeHash: slipHash(r.id, r.code),
          status: r.status,
        };
      }),
      products: products
        .filter((p) => p.active)
        .map((p) => ({
          id: p.id,
          code: p.code,
          name: p.name,
          primaryDoses: p.primaryDoses,
          minIntervalDays: p.minIntervalDays,
          recommendedIntervalDays: p.recommendedIntervalDays,
          boosterAllowed: p.boosterAllowed,
          boosterMinIntervalDays: p.boosterMinIntervalDays,
          minAgeYears: p.minAgeYears,
          dosesPerVial: p.dosesPerVial,
          openVialHours: p.openVialHours,
        })),
      lots: lots.map((l) => ({
        lotId: l.id,
        productId: l.product_id,
        lotNumber: l.lot_number,
        expiresOn: l.expires_on,
        dosesPerVial: l.doses_per_vial,
        quantity: l.quantity,
      })),
      cardKeys: { keys: deps.cardKeys.publicJwks as Record<string, unknown>[] },
      acceptUnheldLots,
    };
  }

  /** People, their doses and booked appointments, and what of this batch is stored already: one statement. */
  async function readFacts(q: Db | Tx, records: readonly SyncRecordT[]) {
    const personIds = [...new Set(records.map((r) => r.personId))];
    const { rows } = await sql<{
      people: PersonFacts[] | null;
      stored: { person_id: number; client_id: string; id: number }[] | null;
      reviewed: { person_id: number; client_id: string; id: number }[] | null;
      balances: { store_id: number; lot_id: number; quantity: number }[] | null;
      stores: number[] | null;
    }>`
      with ids as (select unnest(${personIds}::bigint[]) as id),
      keys as (select * from unnest(${records.map((r) => r.personId)}::bigint[], ${records.map((r) => r.clientId)}::uuid[])
               as k(person_id, client_id)),
      pairs as (select distinct * from unnest(${records.map((r) => r.facilityId)}::bigint[], ${records.map((r) => r.lotId)}::bigint[])
               as x(store_id, lot_id))
      select
        (select json_agg(json_build_object(
           'id', p.id, 'name_en', p.name_en, 'name_bn', p.name_bn, 'locale', p.locale, 'phone_enc', p.phone_enc,
           'date_of_birth', p.date_of_birth, 'removed_at', p.removed_at, 'priority_status', p.priority_status,
           'verification_status', p.verification_status, 'registered_at', p.registered_at, 'rank', g.rank,
           'doses', coalesce((select json_agg(json_build_object('id', d.id, 'doseNumber', d.dose_number,
                                'productId', d.product_id, 'date', d.administered_on, 'facilityId', d.facility_id))
                              from dose d where d.person_id = p.id and d.voided_at is null), '[]'),
           'appointments', coalesce((select json_agg(json_build_object('id', a.id, 'facilityId', a.facility_id,
                                'sessionDate', a.session_date, 'doseNumber', a.dose_number, 'sessionId', a.session_id))
                              from appointment a where a.person_id = p.id and a.status = 'booked'), '[]')))
         from ids join person p on p.id = ids.id join priority_group g on g.id = p.priority_group_id) as people,
        (select json_agg(json_build_object('person_id', d.person_id, 'client_id', d.client_id, 'id', d.id))
         from keys join dose d on d.person_id = keys.person_id and d.client_id = keys.client_id) as stored,
        (select json_agg(json_build_object('person_id', r.person_id, 'client_id', r.client_id, 'id', r.id))
         from keys join dose_review r on r.person_id = keys.person_id and r.client_id = keys.client_id) as reviewed,
        (select json_agg(json_build_object('store_id', b.store_id, 'lot_id', b.lot_id, 'quantity', b.quantity))
         from pairs join stock_balance b on b.store_id = pairs.store_id and b.lot_id = pairs.lot_id) as balances,
        (select json_agg(s.facility_id) from store s
         where s.facility_id = any(${[...new Set(records.map((r) => r.facilityId))]}::bigint[])) as stores`.execute(
      q,
    );
    const r = rows[0]!;
    return {
      people: new Map((r.people ?? []).map((p) => [p.id, p])),
      stored: new Map((r.stored ?? []).map((s) => [`${s.person_id}:${s.client_id}`, s.id])),
      reviewed: new Map((r.reviewed ?? []).map((s) => [`${s.person_id}:${s.client_id}`, s.id])),
      balances: new Map((r.balances ?? []).map((b) => [`${b.store_id}:${b.lot_id}`, b.quantity])),
      stores: new Set(r.stores ?? []),
    };
  }

  /** Open vials of the batch's lots at its facilities, locked until the batch commits. */
  async function lockVials(trx: Tx, pairs: { facilityId: number; lotId: number }[]) {
    if (!pairs.length) return [];
    const { rows } = await sql<{
      id: number;
      facility_id: number;
      lot_id: number;
      doses_per_vial: number;
      doses_used: number;
      usable_until: Date;
    }>`
      select v.id, v.facility_id, v.lot_id, v.doses_per_vial, v.doses_used, v.usable_until
      from open_vial v
      join unnest(${pairs.map((p) => p.facilityId)}::bigint[], ${pairs.map((p) => p.lotId)}::bigint[]) as x(f, l)
        on v.facility_id = x.f and v.lot_id = x.l
      where v.closed_at is null and v.doses_used < v.doses_per_vial
      order by v.opened_at, v.id
      for update of v`.execute(trx);
    return rows;
  }

  function endOfDay(date: string): Date {
    // Midnight after `date` in the programme's time zone: the offset at that instant, found by formatting.
    const guess = new Date(`${date}T00:00:00Z`);
    guess.setUTCDate(guess.getUTCDate() + 1);
    const local = new Date(guess.toLocaleString('en-US', { timeZone: tz }));
    const utc = new Date(guess.toLocaleString('en-US', { timeZone: 'UTC' }));
    return new Date(guess.getTime() - (local.getTime() - utc.getTime()));
  }

  async function syncOnce(
    staff: Principal,
    body: { deviceId: string; deviceTime: string; records: SyncRecordT[] },
    allowed: Set<number>,
    skewMs: number,
    skewed: boolean,
  ): Promise<Result[]> {
    const results: (Result | undefined)[] = body.records.map(() => undefined);
    const now = Date.now();
    const [facts, products, lots, acceptUnheld] = await Promise.all([
      readFacts(db, body.records),
      catalog.products(),
      catalog.lots(body.records.map((r) => r.lotId)),
      catalog.acceptUnheldLots(),
    ]);
    const reject = (i: number, code: string, message: string) =>
      (results[i] = { clientId: body.records[i]!.clientId, status: 'rejected', code, message });

    // Oldest first, so a batch holding two doses of one person is read in the order they were given.
    const order = body.records
      .map((rec, index) => ({
        rec,
        index,
        at: new Date(Date.parse(rec.administeredAt) - (skewed ? skewMs : 0)),
      }))
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.index - b.index);
    const seen = new Map<string, number>();
    const remaining = new Map(facts.balances);
    const planned: Planned[] = [];
    const reviews: PlannedReview[] = [];
    for (const { rec, index, at } of order) {
      const key = `${rec.personId}:${rec.clientId}`;
      const storedId = facts.stored.get(key);
      if (storedId !== undefined) {
        results[index] = { clientId: rec.clientId, status: 'already_stored', doseId: storedId };
        continue;
      }
      const reviewId = facts.reviewed.get(key);
      if (reviewId !== undefined) {
        results[index] = { clientId: rec.clientId, status: 'already_stored', reviewId };
        continue;
      }
      if (seen.has(key)) {
        // The same record twice in one batch: stored once, the copy answered like a replay.
        seen.set(key, seen.get(key)!);
        continue;
      }
      seen.set(key, index);
      if (!allowed.has(rec.facilityId)) {
        reject(index, 'forbidden_facility', 'You may not record doses at this facility.');
        continue;
      }
      if (!rec.consent) {
        reject(index, 'consent_required', 'Consent was not recorded; the dose cannot be stored.');
        continue;
      }
      const person = facts.people.get(rec.personId);
      if (!person || person.removed_at) {
        reject(index, 'person_not_found', 'The person was not found.');
        continue;
      }
      if (person.priority_status !== 'accepted' || person.verification_status === 'failed') {
        reject(index, 'not_eligible', 'This person is not eligible for vaccination.');
        continue;
      }
      const lot = lots.get(rec.lotId);
      if (!lot) {
        reject(index, 'unknown_lot', 'This lot does not exist.');
        continue;
      }
      if (lot.productId !== rec.productId) {
        reject(index, 'lot_wrong_product', `Lot ${lot.lotNumber} is of another product.`);
        continue;
      }
      if (at.getTime() > now + settings.clockToleranceS * 1000) {
        reject(index, 'administered_in_future', 'The time of the dose is in the future.');
        continue;
      }
      const date = todayIn(tz, at);
      const existing = person.doses.find((d) => d.doseNumber === rec.doseNumber);
      if (existing) {
        reviews.push({
          rec,
          index,
          at,
          existingDoseId: existing.id,
          reason: existing.facilityId === rec.facilityId ? 'duplicate_dose' : 'conflict_elsewhere',
        });
        continue;
      }
      const balanceKey = `${rec.facilityId}:${rec.lotId}`;
      const held = facts.stores.has(rec.facilityId) && (remaining.get(balanceKey) ?? 0) > 0;
      const decided = decideDose({
        doses: person.doses,
        products,
        productId: rec.productId,
        doseNumber: rec.doseNumber,
        date,
        dateOfBirth: person.date_of_birth,
        lot,
        held,
        acceptUnheldLots: acceptUnheld,
      });
      if (!decided.ok) {
        reject(index, decided.refusal.code, decided.refusal.message);
        continue;
      }
      const decision = decided.decision;
      if (skewed) decision.flags.push('clock_skew');
      if (decision.draw) remaining.set(balanceKey, remaining.get(balanceKey)! - 1);
      const appointment =
        person.appointments.find((a) => a.id === rec.appointmentId) ??
        person.appointments.find(
          (a) => a.facilityId === rec.facilityId && a.sessionDate === date && a.doseNumber === rec.doseNumber,
        );
      planned.push({
        rec,
        index,
        at,
        date,
        decision,
        person,
        lot,
        vialId: null,
        appointmentId: appointment?.id ?? null,
        sessionId: appointment?.sessionId ?? null,
      });
      person.doses.push({
        id: 0,
        doseNumber: decision.doseNumber,
        productId: rec.productId,
        date,
        facilityId: rec.facilityId,
      });
      person.appointments = person.appointments.filter((a) => a.doseNumber !== decision.doseNumber);
    }

    if (planned.length || reviews.length) {
      const written = await writeBatch(staff, body.deviceId, planned, reviews, products);
      for (const p of planned)
        results[p.index] = {
          clientId: p.rec.clientId,
          status: 'stored',
          doseId: written.doses.get(`${p.rec.personId}:${p.rec.clientId}`)!,
        };
      for (const r of reviews)
        results[r.index] = {
          clientId: r.rec.clientId,
          status: 'review',
          reviewId: written.reviews.get(`${r.rec.personId}:${r.rec.clientId}`)!,
          code: r.reason,
          message:
            r.reason === 'conflict_elsewhere'
              ? `This person already has dose ${r.rec.doseNumber} on record from another facility; a supervisor will review this record.`
              : `This person already has dose ${r.rec.doseNumber} on record; a supervisor will review this record.`,
        };
    }
    // Copies of a record within the batch answer like a replay of the first.
    body.records.forEach((rec, i) => {
      if (results[i]) return;
      const first = results[seen.get(`${rec.personId}:${rec.clientId}`)!]!;
      results[i] =
        first.status === 'rejected'
          ? { ...first, clientId: rec.clientId }
          : {
              clientId: rec.clientId,
              status: 'already_stored',
              ...(first.doseId ? { doseId: first.doseId } : {}),
              ...(first.reviewId ? { reviewId: first.reviewId } : {}),
            };
    });
    return results as Result[];
  }

  /** The batch's rows in one transaction: lock the vials, plan the draws, then one statement. */
  async function writeBatch(
    staff: Principal,
    deviceId: string,
    planned: Planned[],
    reviews: PlannedReview[],
    products: Awaited<ReturnType<VaccinationCatalog['products']>>,
  ) {
    // Rows in facility and lot order: batches running at once lock balances and vials in the same order.
    planned.sort(
      (a, b) =>
        a.rec.facilityId - b.rec.facilityId || a.rec.lotId - b.rec.lotId || a.at.getTime() - b.at.getTime(),
    );
    return withTransaction(db, async (trx) => {
      const drawing = planned.filter((p) => p.decision.draw);
      const pairKeys = [...new Set(drawing.map((p) => `${p.rec.facilityId}:${p.rec.lotId}`))];
      const pairs = pairKeys.map((k) => {
        const [f, l] = k.split(':');
        return { facilityId: Number(f), lotId: Number(l) };
      });
      const open = await lockVials(trx, pairs);
      // Vials in use per facility and lot: existing open ones first, then new ones opened at the dose's time.
      const used = new Map<number, { used: number; perVial: number; closeAt: Date | null }>();
      const fresh: {
        key: number;
        facilityId: number;
        lotId: number;
        perVial: number;
        used: number;
        openedAt: Date;
        usableUntil: Date;
        closeAt: Date | null;
      }[] = [];
      const pools = new Map<
        string,
        { id: number; left: number; perVial: number; until: number; fresh: boolean }[]
      >();
      for (const v of open) {
        const k = `${v.facility_id}:${v.lot_id}`;
        const list = pools.get(k) ?? [];
        list.push({
          id: v.id,
          left: v.doses_per_vial - v.doses_used,
          perVial: v.doses_per_vial,
          until: new Date(v.usable_until).getTime(),
          fresh: false,
        });
        pools.set(k, list);
        used.set(v.id, { used: v.doses_used, perVial: v.doses_per_vial, closeAt: null });
      }
      for (const p of drawing) {
        const k = `${p.rec.facilityId}:${p.rec.lotId}`;
        const list = pools.get(k) ?? [];
        pools.set(k, list);
        let vial = list.find((v) => v.left > 0 && v.until > p.at.getTime());
        if (!vial) {
          const product = products.find((x) => x.id === p.rec.productId)!;
          const until =
            product.openVialHours > 0
              ? new Date(p.at.getTime() + product.openVialHours * 3_600_000)
              : endOfDay(p.date);
          vial = {
            id: -(fresh.length + 1),
            left: p.lot.dosesPerVial,
            perVial: p.lot.dosesPerVial,
            until: until.getTime(),
            fresh: true,
          };
          list.push(vial);
          fresh.push({
            key: vial.id,
            facilityId: p.rec.facilityId,
            lotId: p.rec.lotId,
            perVial: p.lot.dosesPerVial,
            used: 0,
            openedAt: p.at,
            usableUntil: until,
            closeAt: null,
          });
        }
        vial.left--;
        p.vialId = vial.id;
        if (vial.fresh) {
          const f = fresh.find((x) => x.key === vial.id)!;
          f.used++;
          if (vial.left === 0) f.closeAt = p.at;
        } else {
          const u = used.get(vial.id)!;
          u.used++;
          if (vial.left === 0) u.closeAt = p.at;
        }
      }
      // Ids for the new vials, so the doses can name them in the same statement.
      if (fresh.length) {
        const { rows } = await sql<{ id: number }>`
          select nextval(pg_get_serial_sequence('open_vial', 'id'))::bigint as id
          from generate_series(1, ${fresh.length}::int)`.execute(trx);
        const ids = new Map(fresh.map((f, i) => [f.key, rows[i]!.id]));
        for (const f of fresh) f.key = ids.get(f.key)!;
        for (const p of drawing) if (p.vialId! < 0) p.vialId = ids.get(p.vialId!)!;
      }
      const touched = [...used.entries()].filter(
        ([id]) => open.find((v) => v.id === id)!.doses_used !== used.get(id)!.used,
      );

      const sms = planned.map((p) => {
        if (!p.person.phone_enc) return null;
        const product = products.find((x) => x.id === p.rec.productId)!;
        const m = doseMessage(p.person, {
          doseNumber: p.decision.doseNumber,
          productName: product.name,
          date: p.date,
          next: p.decision.next,
        });
        return deps.prepareMessage({
          to: vault.decrypt(p.person.phone_enc),
          template: m.template,
          locale: p.person.locale,
          params: m.params,
          personId: p.person.id,
        });
      });
      // The waiting queue follows each person's last dose of the batch.
      const lastOf = new Map<number, Planned>();
      for (const p of planned) lastOf.set(p.person.id, p);
      const queued = [...lastOf.values()];

      const col = <T>(f: (p: Planned) => T) => planned.map(f);
      const { rows } = await sql<{
        kind: 'dose' | 'review';
        person_id: number;
        client_id: string;
        id: number;
      }>`
        with vial_upd as (
          update open_vial v set doses_used = u.used,
                 closed_at = u.close_at, doses_wasted = case when u.close_at is not null then 0 end,
                 close_reason = case when u.close_at is not null then 'used_up' end
          from unnest(${touched.map(([id]) => id)}::bigint[], ${touched.map(([, u]) => u.used)}::int[],
                      ${touched.map(([, u]) => u.closeAt)}::timestamptz[]) as u(id, used, close_at)
          where v.id = u.id
        ), vial_new as (
          insert into open_vial (id, facility_id, lot_id, doses_per_vial, doses_used, opened_at, usable_until, opened_by,
                                 closed_at, doses_wasted, close_reason)
          overriding system value
          select n.id, n.f, n.l, n.per_vial, n.used, n.opened_at, n.until, ${staff.userId}::bigint, n.close_at,
                 case when n.close_at is not null then 0 end, case when n.close_at is not null then 'used_up' end
          from unnest(${fresh.map((f) => f.key)}::bigint[], ${fresh.map((f) => f.facilityId)}::bigint[],
                      ${fresh.map((f) => f.lotId)}::bigint[], ${fresh.map((f) => f.perVial)}::int[],
                      ${fresh.map((f) => f.used)}::int[], ${fresh.map((f) => f.openedAt)}::timestamptz[],
                      ${fresh.map((f) => f.usableUntil)}::timestamptz[], ${fresh.map((f) => f.closeAt)}::timestamptz[])
            as n(id, f, l, per_vial, used, opened_at, until, close_at)
          returning id
        ), src as (
          select * from unnest(
            ${col((p) => p.person.id)}::bigint[], ${col((p) => p.decision.doseNumber)}::int[],
            ${col((p) => p.rec.productId)}::bigint[], ${col((p) => p.rec.facilityId)}::bigint[],
            ${col((p) => p.date)}::date[], ${col((p) => p.at)}::timestamptz[], ${col((p) => p.appointmentId)}::bigint[],
            ${col((p) => p.rec.lotId)}::bigint[], ${col((p) => p.sessionId)}::bigint[], ${col((p) => p.rec.bodySite)}::text[],
            ${col((p) => p.rec.identityCheck)}::text[], ${col((p) => p.vialId)}::bigint[], ${col((p) => p.rec.clientId)}::uuid[],
            ${col((p) => new Date(p.rec.administeredAt))}::timestamptz[], ${col((p) => p.decision.flags.join(','))}::text[],
            ${col((p) => p.decision.draw)}::boolean[],
            ${sms.map((m) => m?.recipient_enc ?? null)}::text[], ${sms.map((m) => m?.template ?? null)}::text[],
            ${sms.map((m) => m?.locale ?? null)}::text[], ${sms.map((m) => m?.params ?? null)}::jsonb[])
          as s(person_id, dose_number, product_id, facility_id, administered_on, administered_at, appointment_id, lot_id,
               session_id, body_site, identity_check, vial_id, client_id, device_at, flags, draw, sms_to, sms_template,
               sms_locale, sms_params)
        ), dose_rows as (
          insert into dose (person_id, dose_number, product_id, facility_id, administered_on, administered_at,
                            appointment_id, recorded_by, lot_id, session_id, body_site, identity_check, consent, vial_id,
                            client_id, device_id, device_recorded_at, source, flags)
          select person_id, dose_number, product_id, facility_id, administered_on, administered_at, appointment_id,
                 ${staff.userId}::bigint, lot_id, session_id, body_site, identity_check, true, vial_id, client_id,
                 ${deviceId}::text, device_at, 'offline',
                 case when flags = '' then '{}'::text[] else string_to_array(flags, ',') end
          from src
          returning id, person_id, client_id
        ), ledger as (
          insert into stock_entry (lot_id, quantity, from_store_id, to_party, kind, vial_id, person_id, dose_id, recorded_by)
          select s.lot_id, 1, s.facility_id, 'administered', 'administered', s.vial_id, s.person_id, d.id,
                 ${staff.userId}::bigint
          from dose_rows d join src s on s.person_id = d.person_id and s.client_id = d.client_id
          where s.draw
        ), attended as (
          update appointment a set status = 'attended', attended_at = s.administered_at, updated_at = now()
          from src s where a.person_id = s.person_id and a.id = s.appointment_id and a.status = 'booked'
        ), stale as (
          update appointment a set status = 'cancelled', cancel_reason = 'staff', cancelled_at = now(), updated_at = now()
          from src s
          where a.person_id = s.person_id and a.dose_number = s.dose_number and a.status = 'booked'
            and a.id is distinct from s.appointment_id
          returning a.slot_id
        ), freed as (
          update session_slot sl set booked = greatest(0, sl.booked - f.n)
          from (select slot_id, count(*)::int as n from stale group by slot_id) f where sl.id = f.slot_id
        ), unqueue as (
          delete from waiting_entry w using src s where w.person_id = s.person_id and w.dose_number <= s.dose_number
        ), queue as (
          insert into waiting_entry (person_id, dose_number, product_id, facility_id, earliest_date, due_date,
                                     priority_rank, registered_at, reason)
          select q.person_id, q.dose_number, q.product_id, q.facility_id, q.earliest, q.due, q.rank, q.registered_at,
                 'next_dose'
          from unnest(${queued.map((p) => p.person.id)}::bigint[], ${queued.map((p) => p.decision.next?.doseNumber ?? null)}::int[],
                      ${queued.map((p) => p.decision.next?.productId ?? null)}::bigint[], ${queued.map((p) => p.rec.facilityId)}::bigint[],
                      ${queued.map((p) => p.decision.next?.earliestDate ?? null)}::date[],
                      ${queued.map((p) => p.decision.next?.dueDate ?? null)}::date[], ${queued.map((p) => p.person.rank)}::int[],
                      ${queued.map((p) => p.person.registered_at)}::timestamptz[])
            as q(person_id, dose_number, product_id, facility_id, earliest, due, rank, registered_at)
          where q.dose_number is not null
            and not exists (select 1 from appointment a where a.person_id = q.person_id and a.dose_number = q.dose_number
                            and a.status = 'booked')
          on conflict (person_id, dose_number) do update
            set product_id = excluded.product_id, facility_id = excluded.facility_id,
                earliest_date = excluded.earliest_date, due_date = excluded.due_date, reason = 'next_dose',
                since = now(), unplaced_reason = null, unplaced_at = null
        ), certificate as (
          insert into job (kind, payload)
          select 'certificate.issue', jsonb_build_object('personId', d.person_id, 'doseId', d.id) from dose_rows d
        ), sms as (
          insert into notification (recipient_enc, template, locale, params, person_id)
          select s.sms_to, s.sms_template, s.sms_locale, s.sms_params, s.person_id
          from dose_rows d join src s on s.person_id = d.person_id and s.client_id = d.client_id
          where s.sms_to is not null
        ), review_rows as (
          insert into dose_review (person_id, reason, existing_dose_id, record, client_id, facility_id, recorded_by)
          select r.person_id, r.reason, r.existing, r.record, r.client_id, r.facility_id, ${staff.userId}::bigint
          from unnest(${reviews.map((r) => r.rec.personId)}::bigint[], ${reviews.map((r) => r.reason)}::text[],
                      ${reviews.map((r) => r.existingDoseId)}::bigint[],
                      ${reviews.map((r) => JSON.stringify({ ...r.rec, administeredAt: r.at.toISOString(), deviceId, source: 'offline' }))}::jsonb[],
                      ${reviews.map((r) => r.rec.clientId)}::uuid[], ${reviews.map((r) => r.rec.facilityId)}::bigint[])
            as r(person_id, reason, existing, record, client_id, facility_id)
          on conflict (person_id, client_id) where client_id is not null do nothing
          returning id, person_id, client_id
        )
        select 'dose' as kind, person_id, client_id, id from dose_rows
        union all
        select 'review', person_id, client_id, id from review_rows`.execute(trx);
      const doses = new Map<string, number>();
      const reviewIds = new Map<string, number>();
      for (const r of rows)
        (r.kind === 'dose' ? doses : reviewIds).set(`${r.person_id}:${r.client_id}`, r.id);
      return { doses, reviews: reviewIds };
    });
  }

  return {
    pack,

    async sync(
      staff: Principal,
      body: { deviceId: string; deviceTime: string; records: SyncRecordT[] },
    ): Promise<SyncResultT> {
      const serverNow = Date.now();
      const skewMs = Date.parse(body.deviceTime) - serverNow;
      const skewed = Math.abs(skewMs) > settings.clockToleranceS * 1000;
      const allowed = new Set<number>();
      for (const facilityId of new Set(body.records.map((r) => r.facilityId))) {
        try {
          if (authorize(staff, 'dose.record', await deps.facilityScope(facilityId))) allowed.add(facilityId);
        } catch {
          // An unknown facility: its records are refused one by one.
        }
      }
      let results: Result[] | undefined;
      // A dose recorded on-line meanwhile (or the same batch arriving twice at once) makes the single
      // statement fail whole; read again and the records concerned answer review or already_stored.
      for (let attempt = 1; !results; attempt++) {
        try {
          results = await syncOnce(staff, body, allowed, skewMs, skewed);
        } catch (err) {
          const deadlock = (err as { code?: string }).code === '40P01';
          if (attempt >= 4 || !(writeFailure(err) || deadlock)) throw err;
        }
      }
      return {
        serverTime: new Date(serverNow).toISOString(),
        clockSkewMs: Math.round(skewMs),
        clockSkewed: skewed,
        results,
      };
    },
  };
}

export type OfflineService = ReturnType<typeof offlineService>;
