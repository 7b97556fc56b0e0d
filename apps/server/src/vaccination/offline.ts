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
import { writeFailure, type DoseWrite, type LotInfo } from './repository.ts';
import { writeDoses } from './dose-batch.ts';
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
  const { db, read, catalog, settings } = deps;
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
      planned.forEach((p, i) => {
        results[p.index] = { clientId: p.rec.clientId, status: 'stored', doseId: written.doses[i]! };
      });
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

  /** The batch's doses and reviews in one transaction (`writeDoses`). */
  async function writeBatch(
    staff: Principal,
    deviceId: string,
    planned: Planned[],
    reviews: PlannedReview[],
    products: Awaited<ReturnType<VaccinationCatalog['products']>>,
  ) {
    const writes = planned.map((p): DoseWrite => {
      const product = products.find((x) => x.id === p.rec.productId)!;
      const m = doseMessage(p.person, {
        doseNumber: p.decision.doseNumber,
        productName: product.name,
        date: p.date,
        next: p.decision.next,
      });
      return {
        personId: p.person.id,
        doseNumber: p.decision.doseNumber,
        productId: p.rec.productId,
        facilityId: p.rec.facilityId,
        administeredOn: p.date,
        administeredAt: p.at,
        appointmentId: p.appointmentId,
        recordedBy: staff.userId,
        lotId: p.rec.lotId,
        sessionId: p.sessionId,
        bodySite: p.rec.bodySite,
        identityCheck: p.rec.identityCheck,
        clientId: p.rec.clientId,
        source: 'offline',
        flags: p.decision.flags,
        draw: p.decision.draw,
        openVialHours: product.openVialHours,
        dosesPerVial: p.lot.dosesPerVial,
        next: p.decision.next,
        rank: p.person.rank,
        registeredAt: new Date(p.person.registered_at),
        sms: p.person.phone_enc
          ? deps.prepareMessage({
              to: { encrypted: p.person.phone_enc },
              template: m.template,
              locale: p.person.locale,
              params: m.params,
              personId: p.person.id,
            })
          : null,
        deviceId,
        deviceRecordedAt: new Date(p.rec.administeredAt),
        timeZone: tz,
      };
    });
    const written = await withTransaction(db, (trx) =>
      writeDoses(
        trx,
        writes,
        reviews.map((r) => ({
          personId: r.rec.personId,
          reason: r.reason,
          existingDoseId: r.existingDoseId,
          record: { ...r.rec, administeredAt: r.at.toISOString(), deviceId, source: 'offline' },
          clientId: r.rec.clientId,
          facilityId: r.rec.facilityId,
          recordedBy: staff.userId,
        })),
      ),
    );
    return { doses: written.doses.map((d) => d.id), reviews: written.reviews };
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
