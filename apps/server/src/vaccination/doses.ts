import { sql } from 'kysely';
import { ageInYears, nextDose, normaliseIdNumber, type IdType } from '@dosewise/domain';
import { verifyCardToken } from '@dosewise/certificates';
import { withTransaction, type Database, type Db, type Queryable, type Tx } from '../db/database.ts';
import { recordAudit } from '../audit/audit.ts';
import { authorize, listScope, type Principal, type Scope } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { PrepareNotification } from '../registration/ports.ts';
import type { CardKeys } from '../cards/keys.ts';
import { todayIn } from '../registration/calendar.ts';
import { requeue } from '../scheduling/queue.ts';
import { enqueueJob } from '../jobs/queue.ts';
import type { VaccinationCatalog } from './catalog.ts';
import {
  doseById,
  type doseRow,
  dosesOfPerson,
  personForDose,
  peopleForDoses,
  type DoseAsked,
  personReach,
  writeFailure,
  type PersonForDose,
} from './repository.ts';
import type { CatalogProduct } from './repository.ts';
import { doseWriter } from './dose-batch.ts';
import { coalesce } from '../db/coalesce.ts';
import { alreadyGiven, decideDose, doseMessage, type DoseRefusal } from './rules.ts';
import type { CorrectionBodyT, DoseRecordBodyT, DoseReviewT, DoseViewT, LookupBodyT } from './schemas.ts';

export const CERTIFICATE_JOB = 'certificate.issue';
export const CERTIFICATE_REVOKE_JOB = 'certificate.revoke';

export interface DoseSettings {
  timeZone: string;
  clockToleranceS: number;
}

type Recorded =
  | { status: 201 | 200; dose: DoseViewT }
  | { status: 202; review: { id: number; personId: number; reason: string; existingDoseId: number | null } };

export function refusalError(r: DoseRefusal, status = 409): AppError {
  return new AppError(status, r.code, r.message, r.details);
}

export function doseService(deps: {
  db: Db;
  read: Db;
  database: Pick<Database, 'pool' | 'kind'>;
  vault: IdentifierVault;
  prepareMessage: PrepareNotification;
  cardKeys: CardKeys;
  catalog: VaccinationCatalog;
  facilityScope: (facilityId: number) => Promise<Scope>;
  settings: DoseSettings;
}) {
  const { db, read, vault, catalog, settings } = deps;
  const tz = settings.timeZone;
  const writer = doseWriter({ pool: deps.database.pool, kind: deps.database.kind, db });
  // Doses asked about while other reads are in progress are read together, as they are written.
  const personFor = coalesce(
    (q: DoseAsked) => personForDose(deps.database, q),
    (qs: DoseAsked[]) => peopleForDoses(deps.database, qs),
  );

  async function insertReview(
    q: Queryable,
    r: {
      personId: number;
      reason: 'duplicate_dose' | 'conflict_elsewhere';
      existingDoseId: number | null;
      record: Record<string, unknown>;
      clientId: string | null;
      facilityId: number;
      recordedBy: number | null;
    },
  ) {
    const row = await q
      .insertInto('dose_review')
      .values({
        person_id: r.personId,
        reason: r.reason,
        existing_dose_id: r.existingDoseId,
        record: JSON.stringify(r.record),
        client_id: r.clientId,
        facility_id: r.facilityId,
        recorded_by: r.recordedBy,
      })
      .onConflict((oc) =>
        oc.columns(['person_id', 'client_id']).where('client_id', 'is not', null).doNothing(),
      )
      .returning(['id', 'reason', 'existing_dose_id'])
      .executeTakeFirst();
    if (row)
      return { id: row.id, personId: r.personId, reason: row.reason, existingDoseId: row.existing_dose_id };
    const again = await q
      .selectFrom('dose_review')
      .select(['id', 'reason', 'existing_dose_id'])
      .where('person_id', '=', r.personId)
      .where('client_id', '=', r.clientId)
      .executeTakeFirstOrThrow();
    return {
      id: again.id,
      personId: r.personId,
      reason: again.reason,
      existingDoseId: again.existing_dose_id,
    };
  }

  async function reviewRef(personId: number, reviewId: number) {
    const r = await db
      .selectFrom('dose_review')
      .select(['id', 'reason', 'existing_dose_id'])
      .where('person_id', '=', personId)
      .where('id', '=', reviewId)
      .executeTakeFirstOrThrow();
    return { id: r.id, personId, reason: r.reason, existingDoseId: r.existing_dose_id };
  }

  function personRefusal(p: PersonForDose) {
    if (p.priority_status !== 'accepted')
      return conflict(
        'not_eligible',
        p.priority_status === 'awaiting_approval'
          ? "This person's priority group still waits for approval; a dose can be given once it is approved."
          : 'This registration was not accepted for vaccination.',
      );
    if (p.verification_status === 'failed')
      return conflict(
        'identity_not_verified',
        'The national ID of this person could not be verified; correct the registration at a help desk first.',
      );
    return undefined;
  }

  /** Records one dose given at a facility by the signed-in vaccinator. */
  async function record(staff: Principal, personId: number, body: DoseRecordBodyT): Promise<Recorded> {
    if (!body.consent)
      throw badRequest(
        'consent_required',
        'Consent is required: ask the person (or guardian) before vaccinating.',
        [{ field: 'consent' }],
      );
    if (body.identityCheck === 'slip_code' && !body.slipCode)
      throw badRequest('slip_code_required', "Type the 4-digit code on the person's appointment slip.", [
        { field: 'slipCode' },
      ]);
    const at = body.administeredAt ? new Date(body.administeredAt) : new Date();
    if (at.getTime() > Date.now() + settings.clockToleranceS * 1000)
      throw badRequest('administered_in_future', 'The time of the dose is in the future.', [
        { field: 'administeredAt' },
      ]);
    const date = todayIn(tz, at);
    const clientId = body.clientId ?? null;
    const [person, products, lot, facility, acceptUnheld] = await Promise.all([
      personFor({
        personId,
        facilityId: body.facilityId,
        lotId: body.lotId,
        clientId,
        date,
        appointmentId: body.appointmentId ?? null,
      }),
      catalog.products(),
      catalog.lot(body.lotId),
      catalog.facility(body.facilityId),
      catalog.acceptUnheldLots(),
    ]);
    if (!person || person.removed_at) throw notFound('The person');
    if (person.replay_dose_id)
      return { status: 200, dose: (await doseById(db, personId, person.replay_dose_id))! };
    if (person.replay_review_id)
      return { status: 202, review: await reviewRef(personId, person.replay_review_id) };
    if (!facility) throw notFound('The facility');
    if (!lot) throw badRequest('unknown_lot', 'This lot does not exist.', [{ field: 'lotId' }]);
    const refused = personRefusal(person);
    if (refused) throw refused;

    if (lot.productId !== body.productId)
      throw conflict(
        'lot_wrong_product',
        `Lot ${lot.lotNumber} is of another product. Check the vial and choose its lot.`,
      );
    // A dose the person already has is a second record of it, whatever else it says: a supervisor looks.
    const recordJson = {
      productId: body.productId,
      lotId: body.lotId,
      doseNumber: body.doseNumber ?? null,
      facilityId: body.facilityId,
      administeredAt: at.toISOString(),
      bodySite: body.bodySite,
      identityCheck: body.identityCheck,
      appointmentId: body.appointmentId ?? person.appointment?.id ?? null,
      source: 'online',
    };
    const duplicate = alreadyGiven(person.doses, body.doseNumber, date);
    if (duplicate)
      return {
        status: 202,
        review: await insertReview(db, {
          personId,
          reason: 'duplicate_dose',
          existingDoseId: duplicate.id,
          record: recordJson,
          clientId,
          facilityId: body.facilityId,
          recordedBy: staff.userId,
        }),
      };

    let appointment = person.appointment;
    if (body.appointmentId !== undefined) {
      if (!appointment) throw notFound('The appointment');
      if (appointment.facilityId !== body.facilityId || (appointment.sessionDate !== date && !body.walkIn))
        throw conflict(
          'not_at_facility',
          'This appointment is at another facility or on another day. Record the dose as a walk-in if it is given here today.',
        );
    }
    if (appointment && appointment.status !== 'booked') appointment = null;
    if (!appointment && !body.walkIn)
      throw conflict(
        'not_at_facility',
        'This person has no appointment at this facility today. Record the dose as a walk-in if it is given here.',
      );
    if (body.identityCheck === 'slip_code') {
      if (!appointment)
        throw conflict(
          'slip_code_without_appointment',
          'A slip code is checked against an appointment; there is none here today.',
        );
      if (appointment.code !== body.slipCode)
        throw conflict(
          'slip_code_mismatch',
          "The slip code does not match the appointment's. Check the slip and the person.",
        );
    }

    const decided = decideDose({
      doses: person.doses,
      products,
      productId: body.productId,
      doseNumber: body.doseNumber,
      date,
      dateOfBirth: person.date_of_birth,
      lot,
      held: person.has_store && (person.balance ?? 0) > 0,
      acceptUnheldLots: acceptUnheld,
    });
    if (!decided.ok) throw refusalError(decided.refusal);
    const d = decided.decision;
    const product = products.find((p) => p.id === body.productId)!;
    const message = doseMessage(person, {
      doseNumber: d.doseNumber,
      productName: product.name,
      date,
      next: d.next,
    });
    const sms = person.phone_enc
      ? deps.prepareMessage({
          to: { encrypted: person.phone_enc },
          template: message.template,
          locale: person.locale,
          params: message.params,
          personId,
        })
      : null;
    let written: { id: number; recorded_at: Date; vial_id: number | null };
    try {
      written = await writer.write({
        personId,
        doseNumber: d.doseNumber,
        productId: body.productId,
        facilityId: body.facilityId,
        administeredOn: date,
        administeredAt: at,
        appointmentId: appointment?.id ?? null,
        recordedBy: staff.userId,
        lotId: body.lotId,
        sessionId: appointment?.sessionId ?? null,
        bodySite: body.bodySite,
        identityCheck: body.identityCheck,
        clientId,
        source: 'online',
        flags: d.flags,
        draw: d.draw,
        openVialHours: product.openVialHours,
        dosesPerVial: lot.dosesPerVial,
        next: d.next,
        rank: person.rank,
        registeredAt: person.registered_at,
        sms,
        deviceId: null,
        deviceRecordedAt: null,
        timeZone: tz,
      });
    } catch (err) {
      const failure = writeFailure(err);
      if (failure === 'duplicate_client' && clientId) {
        const again = await db
          .selectFrom('dose')
          .select('id')
          .where('person_id', '=', personId)
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        if (again) return { status: 200, dose: (await doseById(db, personId, again.id))! };
      }
      if (failure === 'duplicate_dose') {
        // Recorded meanwhile by someone else: this record goes to a supervisor, not into the history twice.
        const existing = await db
          .selectFrom('dose')
          .select('id')
          .where('person_id', '=', personId)
          .where('dose_number', '=', d.doseNumber)
          .where('voided_at', 'is', null)
          .executeTakeFirst();
        return {
          status: 202,
          review: await insertReview(db, {
            personId,
            reason: 'duplicate_dose',
            existingDoseId: existing?.id ?? null,
            record: { ...recordJson, doseNumber: d.doseNumber },
            clientId,
            facilityId: body.facilityId,
            recordedBy: staff.userId,
          }),
        };
      }
      if (failure === 'out_of_stock')
        throw conflict('lot_not_held', `The facility's store has no doses of lot ${lot.lotNumber} left.`);
      throw err;
    }
    return {
      status: 201,
      dose: {
        id: written.id,
        personId,
        doseNumber: d.doseNumber,
        productId: body.productId,
        productCode: product.code,
        lotId: body.lotId,
        lotNumber: lot.lotNumber,
        facilityId: body.facilityId,
        facilityName: facility.nameEn,
        administeredOn: date,
        administeredAt: at.toISOString(),
        bodySite: body.bodySite,
        identityCheck: body.identityCheck,
        recordedBy: staff.username,
        recordedAt: new Date(written.recorded_at).toISOString(),
        source: 'online',
        flags: d.flags,
        vialId: written.vial_id,
        clientId,
        voided: false,
        createdByCorrection: null,
        correction: null,
      },
    };
  }

  /** Where staff find a person: their home area, their centre, or a facility where they had a dose or appointment. */
  async function reachOf(personId: number) {
    const reach = await personReach(read, personId);
    if (!reach) return undefined;
    const scopes: Scope[] = [
      { kind: 'area', areaPath: reach.area_path },
      ...(reach.facilities ?? []).map((f) => ({
        kind: 'facility' as const,
        facilityId: f.id,
        areaPath: f.path,
      })),
    ];
    return { reach, scopes };
  }

  /**
   * Whether staff may do this with the person. Staff who may not even read the person learn nothing
   * (404, as for no such person); staff who may read them but not do this are refused (403).
   */
  async function ensureMaySee(staff: Principal, personId: number, action: 'person.read' | 'dose.record') {
    const found = await reachOf(personId);
    if (!found) throw notFound('The person');
    if (!found.scopes.some((s) => authorize(staff, action, s))) {
      if (!found.scopes.some((s) => authorize(staff, 'person.read', s))) throw notFound('The person');
      throw forbidden();
    }
    return found.reach;
  }

  /** Whether staff may read this person at all (false too when there is no such person). */
  async function seesPerson(staff: Principal, personId: number): Promise<boolean> {
    const found = await reachOf(personId);
    return !!found && found.scopes.some((s) => authorize(staff, 'person.read', s));
  }

  async function auditRead(
    staff: Principal,
    personId: number,
    areaId: number,
    ctx: RequestContext,
    details: Record<string, unknown>,
  ) {
    await recordAudit(db, {
      actorKind: 'staff',
      actorId: staff.userId,
      action: 'person.viewed',
      entityType: 'person',
      entityId: personId,
      areaId,
      requestId: ctx.requestId,
      ip: ctx.ip,
      details,
    });
  }

  async function dueFor(personId: number, today: string) {
    const p = await read
      .selectFrom('person as p')
      .innerJoin('priority_group as g', 'g.id', 'p.priority_group_id')
      .select(['p.priority_status', 'p.verification_status', 'p.removed_at', 'g.opens_on'])
      .where('p.id', '=', personId)
      .executeTakeFirstOrThrow();
    const doses = await read
      .selectFrom('dose')
      .select(['dose_number', 'product_id', 'administered_on'])
      .where('person_id', '=', personId)
      .where('voided_at', 'is', null)
      .execute();
    const products = await catalog.products();
    const empty = { doseNumber: null, productIds: [], earliestDate: null, dueDate: null };
    if (p.priority_status !== 'accepted')
      return { ...empty, eligible: false, reason: `priority_${p.priority_status}` };
    if (p.verification_status === 'failed')
      return { ...empty, eligible: false, reason: 'identity_not_verified' };
    const next = nextDose(
      doses.map((d) => ({ doseNumber: d.dose_number, productId: d.product_id, date: d.administered_on })),
      products,
      today,
    );
    if (next.kind === 'complete') return { ...empty, eligible: false, reason: 'complete' };
    const earliest = p.opens_on > next.earliestDate ? p.opens_on : next.earliestDate;
    const eligible = earliest <= today;
    return {
      doseNumber: next.doseNumber,
      productIds: next.productIds,
      earliestDate: earliest,
      dueDate: next.dueDate < earliest ? earliest : next.dueDate,
      eligible,
      ...(eligible ? {} : { reason: p.opens_on > today ? 'group_not_open' : 'too_early' }),
    };
  }

  async function findPerson(body: LookupBodyT): Promise<{ id: number; via: string }> {
    const keys = [body.cardToken, body.registrationNumber, body.idNumber].filter(
      (k) => k !== undefined,
    ).length;
    if (keys !== 1)
      throw badRequest(
        'lookup_key_required',
        'Look a person up by exactly one of: the card QR, the registration number, or the ID number (with its type).',
      );
    if (body.cardToken !== undefined) {
      const verified = await verifyCardToken(body.cardToken, deps.cardKeys.publicJwks);
      if (!verified.valid)
        throw badRequest(
          'card_invalid',
          `This QR code is not a valid vaccination card (${verified.reason.replace(/_/g, ' ')}).`,
          {
            reason: verified.reason,
          },
        );
      const p = await read
        .selectFrom('person')
        .select(['id', 'registration_number'])
        .where('id', '=', Number(verified.claims.pid))
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (!p || p.registration_number !== verified.claims.rn) throw notFound('The person on this card');
      return { id: p.id, via: 'card_qr' };
    }
    if (body.registrationNumber !== undefined) {
      const p = await read
        .selectFrom('person')
        .select('id')
        .where('registration_number', '=', body.registrationNumber.trim().toUpperCase())
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (!p) throw notFound('A person with this registration number');
      return { id: p.id, via: 'registration_number' };
    }
    const idType: IdType = body.idType ?? 'nid';
    const p = await read
      .selectFrom('person')
      .select('id')
      .where('id_type', '=', idType)
      .where('id_blind', '=', vault.blindIndex(`id:${idType}`, normaliseIdNumber(idType, body.idNumber!)))
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!p) throw notFound('A person with this ID number');
    return { id: p.id, via: 'id_number' };
  }

  /** The facility of a dose, for scope checks (national when the dose names none). */
  async function doseScope(personId: number, doseId: number): Promise<Scope> {
    const d = await read
      .selectFrom('dose')
      .select('facility_id')
      .where('person_id', '=', personId)
      .where('id', '=', doseId)
      .executeTakeFirst();
    if (!d) throw notFound('The dose');
    return d.facility_id ? deps.facilityScope(d.facility_id) : { kind: 'national' };
  }

  /** Gives a dose's stock back to the store it came from (when it came from one). */
  async function giveBack(
    trx: Tx,
    dose: { person_id: number; id: number; lot_id: number | null },
    staffId: number,
  ) {
    if (dose.lot_id === null) return;
    await sql`
      insert into stock_entry (lot_id, quantity, from_party, to_store_id, kind, person_id, dose_id, recorded_by)
      select e.lot_id, 1, 'administered', e.from_store_id, 'dose_correction', e.person_id, e.dose_id, ${staffId}::bigint
      from stock_entry e
      where e.person_id = ${dose.person_id}::bigint and e.dose_id = ${dose.id}::bigint and e.to_party = 'administered'
        and e.from_store_id is not null
        and not exists (select 1 from stock_entry g where g.person_id = e.person_id and g.dose_id = e.dose_id
                        and g.from_party = 'administered')
      limit 1`.execute(trx);
  }

  /** Takes a dose from the facility store's lot, when the store holds it; false when it does not. */
  async function take(
    trx: Tx,
    dose: { person_id: number; id: number; lot_id: number; facility_id: number },
    staffId: number,
  ): Promise<boolean> {
    const held = await trx
      .selectFrom('stock_balance')
      .select('quantity')
      .where('store_id', '=', dose.facility_id)
      .where('lot_id', '=', dose.lot_id)
      .executeTakeFirst();
    if (!held || held.quantity <= 0) return false;
    await trx
      .insertInto('stock_entry')
      .values({
        lot_id: dose.lot_id,
        quantity: 1,
        from_store_id: dose.facility_id,
        to_party: 'administered',
        kind: 'dose_correction',
        person_id: dose.person_id,
        dose_id: dose.id,
        recorded_by: staffId,
      })
      .execute();
    return true;
  }

  async function requeueAfter(trx: Tx, personId: number, products: readonly CatalogProduct[]) {
    await trx.deleteFrom('waiting_entry').where('person_id', '=', personId).execute();
    await requeue(trx, personId, 'next_dose', products, todayIn(tz));
  }

  /**
   * What a correction needs from the catalog, read before its transaction opens: on the embedded
   * database the transaction holds the one connection.
   */
  async function correctionContext(lotIds: (number | null | undefined)[]) {
    const [products, acceptUnheld, lots] = await Promise.all([
      catalog.products(),
      catalog.acceptUnheldLots(),
      catalog.lots(lotIds.filter((l): l is number => typeof l === 'number')),
    ]);
    return { products, acceptUnheld, lots };
  }
  type CorrectionContext = Awaited<ReturnType<typeof correctionContext>>;

  type DoseRowT = NonNullable<Awaited<ReturnType<typeof doseRow>>>;

  /**
   * A correction: the dose is voided by a new correction row and, unless it was entered in error,
   * replaced by a new dose that says what really happened. Stock follows the lot: the old lot gets
   * its dose back, the new lot gives one.
   */
  async function applyCorrection(
    trx: Tx,
    staff: Principal,
    old: DoseRowT,
    cx: CorrectionContext,
    c: {
      kind:
        | 'wrong_lot'
        | 'wrong_person'
        | 'wrong_product'
        | 'wrong_date'
        | 'entered_in_error'
        | 'review_resolution';
      reason: string;
      replacement: null | {
        personId: number;
        doseNumber: number;
        productId: number;
        lotId: number | null;
        facilityId: number | null;
        administeredOn: string;
        administeredAt: Date;
        bodySite: string | null;
        identityCheck: string | null;
        recordedBy: number | null;
        vialId: number | null;
        clientId: string | null;
        deviceId: string | null;
        deviceRecordedAt: Date | null;
        flags: string[];
        appointmentId: number | null;
        sessionId: number | null;
      };
      /** The lot changes: give the old lot its dose back and draw from the new one. */
      restock: boolean;
    },
  ) {
    const correction = await trx
      .insertInto('dose_correction')
      .values({
        person_id: old.person_id,
        dose_id: old.id,
        kind: c.kind,
        reason: c.reason,
        replacement_person_id: null,
        replacement_dose_id: null,
        corrected_by: staff.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('dose')
      .set({ voided_at: sql`now()`, voided_by_correction: correction.id })
      .where('person_id', '=', old.person_id)
      .where('id', '=', old.id)
      .execute();
    if (c.restock || !c.replacement) await giveBack(trx, old, staff.userId);
    let replacementId: number | null = null;
    if (c.replacement) {
      const r = c.replacement;
      const flags = [...r.flags];
      const inserted = await trx
        .insertInto('dose')
        .values({
          person_id: r.personId,
          dose_number: r.doseNumber,
          product_id: r.productId,
          facility_id: r.facilityId,
          administered_on: r.administeredOn,
          administered_at: r.administeredAt,
          appointment_id: r.appointmentId,
          recorded_by: r.recordedBy,
          voided_at: null,
          lot_id: r.lotId,
          session_id: r.sessionId,
          body_site: r.bodySite as DoseRowT['body_site'],
          identity_check: r.identityCheck as DoseRowT['identity_check'],
          consent: true,
          vial_id: r.vialId,
          client_id: r.clientId,
          device_id: r.deviceId,
          device_recorded_at: r.deviceRecordedAt,
          source: 'correction',
          flags,
          created_by_correction: correction.id,
          voided_by_correction: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      replacementId = inserted.id;
      if (c.restock && r.lotId !== null && r.facilityId !== null) {
        const taken = await take(
          trx,
          { person_id: r.personId, id: inserted.id, lot_id: r.lotId, facility_id: r.facilityId },
          staff.userId,
        );
        if (!taken && !flags.includes('lot_not_held'))
          await trx
            .updateTable('dose')
            .set({ flags: [...flags, 'lot_not_held'] })
            .where('person_id', '=', r.personId)
            .where('id', '=', inserted.id)
            .execute();
      }
      await trx
        .updateTable('dose_correction')
        .set({ replacement_person_id: r.personId, replacement_dose_id: inserted.id })
        .where('person_id', '=', old.person_id)
        .where('id', '=', correction.id)
        .execute();
      await enqueueJob(trx, CERTIFICATE_JOB, { personId: r.personId, doseId: inserted.id });
    }
    await enqueueJob(trx, CERTIFICATE_REVOKE_JOB, {
      personId: old.person_id,
      doseId: old.id,
      correctionId: correction.id,
    });
    await requeueAfter(trx, old.person_id, cx.products);
    if (c.replacement && c.replacement.personId !== old.person_id)
      await requeueAfter(trx, c.replacement.personId, cx.products);
    await recordAudit(trx, {
      actorKind: 'staff',
      actorId: staff.userId,
      action: 'dose.corrected',
      entityType: 'dose',
      entityId: old.id,
      details: {
        personId: old.person_id,
        kind: c.kind,
        correctionId: correction.id,
        replacementDoseId: replacementId,
      },
    });
    return {
      correctionId: correction.id,
      replacementId,
      replacementPersonId: c.replacement?.personId ?? null,
    };
  }

  async function lotHeldFlags(
    trx: Queryable,
    cx: CorrectionContext,
    lotId: number,
    facilityId: number | null,
    date: string,
  ) {
    const lot = cx.lots.get(lotId);
    if (!lot) throw badRequest('unknown_lot', 'This lot does not exist.', [{ field: 'lotId' }]);
    const held = facilityId
      ? await trx
          .selectFrom('stock_balance')
          .select('quantity')
          .where('store_id', '=', facilityId)
          .where('lot_id', '=', lotId)
          .executeTakeFirst()
      : undefined;
    const flags: string[] = [];
    if (!held || held.quantity <= 0) {
      if (!cx.acceptUnheld)
        throw conflict('lot_not_held', `The facility's store holds no doses of lot ${lot.lotNumber}.`);
      flags.push('lot_not_held');
    }
    if (lot.expiresOn < date) {
      if (!cx.acceptUnheld)
        throw conflict('lot_expired', `Lot ${lot.lotNumber} expired on ${lot.expiresOn}.`);
      flags.push('lot_expired');
    }
    return { lot, flags };
  }

  return {
    record,
    doseScope,
    seesPerson,
    insertReview,

    /** Today's appointments at a facility, in slot order. */
    async queue(facilityId: number, date: string | undefined) {
      const day = date ?? todayIn(tz);
      const rows = await read
        .selectFrom('appointment as a')
        .innerJoin('person as p', 'p.id', 'a.person_id')
        .innerJoin('vaccine_product as v', 'v.id', 'a.product_id')
        .innerJoin('session_slot as sl', 'sl.id', 'a.slot_id')
        .select([
          'a.id',
          'a.person_id',
          'a.dose_number',
          'a.status',
          'a.product_id',
          'p.registration_number',
          'p.name_en',
          'p.name_bn',
          'p.date_of_birth',
          'p.gender',
          'v.code',
          'sl.starts_at',
        ])
        .where('a.facility_id', '=', facilityId)
        .where('a.session_date', '=', day)
        .where('a.status', 'in', ['booked', 'attended'])
        .orderBy('sl.starts_at')
        .orderBy('p.name_en')
        .limit(5000)
        .execute();
      return {
        items: rows.map((r) => ({
          appointmentId: r.id,
          personId: r.person_id,
          registrationNumber: r.registration_number,
          nameEn: r.name_en,
          nameBn: r.name_bn,
          age: ageInYears(r.date_of_birth, day),
          gender: r.gender,
          doseNumber: r.dose_number,
          productId: r.product_id,
          productCode: r.code,
          slotStartsAt: r.starts_at.slice(0, 5),
          status: r.status,
        })),
      };
    },

    /** Finds a person for the vaccinator (card QR, registration number or ID): an audited read. */
    async lookup(staff: Principal, body: LookupBodyT, ctx: RequestContext) {
      const found = await findPerson(body);
      const today = todayIn(tz);
      const p = await read
        .selectFrom('person')
        .select(['id', 'registration_number', 'name_en', 'name_bn', 'date_of_birth', 'gender', 'area_id'])
        .where('id', '=', found.id)
        .executeTakeFirstOrThrow();
      await auditRead(staff, p.id, p.area_id, ctx, { via: found.via, facilityId: body.facilityId });
      const [doses, due, appointment] = await Promise.all([
        dosesOfPerson(read, p.id),
        dueFor(p.id, today),
        read
          .selectFrom('appointment')
          .select(['id', 'session_id', 'dose_number', 'product_id', 'status'])
          .where('person_id', '=', p.id)
          .where('facility_id', '=', body.facilityId)
          .where('session_date', '=', today)
          .where('status', 'in', ['booked', 'attended'])
          .orderBy('id', 'desc')
          .executeTakeFirst(),
      ]);
      return {
        person: {
          personId: p.id,
          registrationNumber: p.registration_number,
          nameEn: p.name_en,
          nameBn: p.name_bn,
          age: ageInYears(p.date_of_birth, today),
          gender: p.gender,
        },
        doses,
        due,
        appointment: appointment
          ? {
              appointmentId: appointment.id,
              sessionId: appointment.session_id,
              doseNumber: appointment.dose_number,
              productId: appointment.product_id,
              status: appointment.status,
            }
          : null,
      };
    },

    /** A person's doses, corrections and void ones included (an audited read). */
    async history(staff: Principal, personId: number, ctx: RequestContext) {
      const reach = await ensureMaySee(staff, personId, 'person.read');
      await auditRead(staff, personId, reach.area_id, ctx, { view: 'doses' });
      return { items: await dosesOfPerson(read, personId) };
    },

    async correct(staff: Principal, personId: number, doseId: number, body: CorrectionBodyT) {
      const current = await db
        .selectFrom('dose')
        .select('lot_id')
        .where('person_id', '=', personId)
        .where('id', '=', doseId)
        .executeTakeFirst();
      const cx = await correctionContext([body.lotId, current?.lot_id]);
      const result = await withTransaction(db, async (trx) => {
        const old = await trx
          .selectFrom('dose')
          .selectAll()
          .where('person_id', '=', personId)
          .where('id', '=', doseId)
          .forUpdate()
          .executeTakeFirst();
        if (!old) throw notFound('The dose');
        if (old.voided_at)
          throw conflict('dose_voided', 'This dose was already corrected; correct its replacement instead.');
        const base = {
          personId: old.person_id,
          doseNumber: old.dose_number,
          productId: old.product_id,
          lotId: old.lot_id,
          facilityId: old.facility_id,
          administeredOn: old.administered_on,
          administeredAt: new Date(old.administered_at),
          bodySite: old.body_site,
          identityCheck: old.identity_check,
          recordedBy: old.recorded_by,
          vialId: old.vial_id,
          clientId: null,
          deviceId: old.device_id,
          deviceRecordedAt: old.device_recorded_at ? new Date(old.device_recorded_at) : null,
          flags: old.flags.filter((f) => f !== 'lot_not_held' && f !== 'lot_expired'),
          appointmentId: old.appointment_id,
          sessionId: old.session_id,
        };
        switch (body.kind) {
          case 'entered_in_error':
            return applyCorrection(trx, staff, old, cx, {
              kind: body.kind,
              reason: body.reason,
              replacement: null,
              restock: true,
            });
          case 'wrong_lot': {
            if (!body.lotId)
              throw badRequest('lot_required', 'Name the lot that was really used.', [{ field: 'lotId' }]);
            if (body.lotId === old.lot_id)
              throw badRequest('same_lot', 'The dose already names this lot.', [{ field: 'lotId' }]);
            const { lot, flags } = await lotHeldFlags(
              trx,
              cx,
              body.lotId,
              old.facility_id,
              old.administered_on,
            );
            if (lot.productId !== old.product_id)
              throw conflict(
                'lot_wrong_product',
                `Lot ${lot.lotNumber} is of another product; correct the product instead.`,
              );
            return applyCorrection(trx, staff, old, cx, {
              kind: body.kind,
              reason: body.reason,
              replacement: { ...base, lotId: lot.id, vialId: null, flags: [...base.flags, ...flags] },
              restock: true,
            });
          }
          case 'wrong_product': {
            if (!body.productId || !body.lotId)
              throw badRequest(
                'product_and_lot_required',
                'Name the product and the lot that were really used.',
                [{ field: body.productId ? 'lotId' : 'productId' }],
              );
            if (body.productId === old.product_id)
              throw badRequest('same_product', 'The dose already names this product.', [
                { field: 'productId' },
              ]);
            const { lot, flags } = await lotHeldFlags(
              trx,
              cx,
              body.lotId,
              old.facility_id,
              old.administered_on,
            );
            if (lot.productId !== body.productId)
              throw conflict('lot_wrong_product', `Lot ${lot.lotNumber} is not of the product named.`);
            return applyCorrection(trx, staff, old, cx, {
              kind: body.kind,
              reason: body.reason,
              replacement: {
                ...base,
                productId: body.productId,
                lotId: lot.id,
                vialId: null,
                flags: [...base.flags, ...flags],
              },
              restock: true,
            });
          }
          case 'wrong_date': {
            if (!body.administeredOn)
              throw badRequest('date_required', 'Name the date the dose was really given.', [
                { field: 'administeredOn' },
              ]);
            if (body.administeredOn > todayIn(tz))
              throw badRequest('date_in_future', 'The date is in the future.', [{ field: 'administeredOn' }]);
            if (body.administeredOn === old.administered_on)
              throw badRequest('same_date', 'The dose already has this date.', [{ field: 'administeredOn' }]);
            const shift =
              Date.parse(`${body.administeredOn}T00:00:00Z`) - Date.parse(`${old.administered_on}T00:00:00Z`);
            return applyCorrection(trx, staff, old, cx, {
              kind: body.kind,
              reason: body.reason,
              replacement: {
                ...base,
                administeredOn: body.administeredOn,
                administeredAt: new Date(base.administeredAt.getTime() + shift),
              },
              restock: false,
            });
          }
          case 'wrong_person': {
            if (!body.toPersonId)
              throw badRequest('person_required', 'Name the person who really received the dose.', [
                { field: 'toPersonId' },
              ]);
            if (body.toPersonId === personId)
              throw badRequest('same_person', 'The dose is already on this person.', [
                { field: 'toPersonId' },
              ]);
            const target = await trx
              .selectFrom('person')
              .select(['id', 'date_of_birth', 'removed_at'])
              .where('id', '=', body.toPersonId)
              .executeTakeFirst();
            if (!target || target.removed_at) throw notFound('The person who received the dose');
            const theirs = await trx
              .selectFrom('dose')
              .select(['id', 'dose_number', 'product_id', 'administered_on', 'facility_id'])
              .where('person_id', '=', target.id)
              .where('voided_at', 'is', null)
              .forUpdate()
              .execute();
            const lot = old.lot_id ? cx.lots.get(old.lot_id) : undefined;
            const decided = decideDose({
              doses: theirs.map((d) => ({
                doseNumber: d.dose_number,
                productId: d.product_id,
                date: d.administered_on,
              })),
              products: cx.products,
              productId: old.product_id,
              doseNumber: undefined,
              date: old.administered_on,
              dateOfBirth: target.date_of_birth,
              lot: lot ?? {
                id: 0,
                productId: old.product_id,
                lotNumber: '-',
                expiresOn: '9999-12-31',
                dosesPerVial: 1,
              },
              held: true,
              acceptUnheldLots: true,
            });
            if (!decided.ok) throw refusalError(decided.refusal);
            return applyCorrection(trx, staff, old, cx, {
              kind: body.kind,
              reason: body.reason,
              replacement: {
                ...base,
                personId: target.id,
                doseNumber: decided.decision.doseNumber,
                appointmentId: null,
                sessionId: null,
                flags: old.flags,
              },
              restock: false,
            });
          }
          default:
            body.kind satisfies never;
            throw badRequest('unknown_kind', 'Unknown kind of correction.');
        }
      });
      return {
        correctionId: result.correctionId,
        kind: body.kind,
        voided: (await doseById(db, personId, doseId))!,
        replacement:
          result.replacementId && result.replacementPersonId
            ? ((await doseById(db, result.replacementPersonId, result.replacementId)) ?? null)
            : null,
      };
    },

    // -------------------------------------------------------------------------------------------
    // Reviews

    async reviewScope(personId: number, id: number): Promise<Scope> {
      const r = await read
        .selectFrom('dose_review')
        .select('facility_id')
        .where('person_id', '=', personId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!r) throw notFound('The dose review');
      return r.facility_id ? deps.facilityScope(r.facility_id) : { kind: 'national' };
    },

    async reviews(
      staff: Principal,
      q: { facilityId?: number | undefined; status?: string | undefined; limit: number },
    ): Promise<{ items: DoseReviewT[] }> {
      if (
        q.facilityId !== undefined &&
        !authorize(staff, 'dose.correct', await deps.facilityScope(q.facilityId))
      )
        throw forbidden();
      const scope = listScope(staff, 'dose.correct');
      let query = read
        .selectFrom('dose_review as r')
        .innerJoin('person as p', 'p.id', 'r.person_id')
        .leftJoin('facility as f', 'f.id', 'r.facility_id')
        .leftJoin('area as a', 'a.id', 'f.area_id')
        .leftJoin('staff_user as u', 'u.id', 'r.recorded_by')
        .leftJoin('staff_user as ru', 'ru.id', 'r.resolved_by')
        .select([
          'r.id',
          'r.person_id',
          'p.registration_number',
          'p.name_en',
          'r.reason',
          'r.status',
          'r.existing_dose_id',
          'r.record',
          'r.client_id',
          'r.facility_id',
          'f.name_en as facility_name',
          'u.username as recorded_by',
          'r.created_at',
          'ru.username as resolved_by',
          'r.resolved_at',
          'r.resolution_note',
        ])
        .where('r.status', '=', (q.status ?? 'open') as 'open')
        .orderBy('r.created_at', 'desc')
        .limit(q.limit);
      if (q.facilityId !== undefined) query = query.where('r.facility_id', '=', q.facilityId);
      if (!scope.all) {
        const { areaPaths, facilityIds } = scope;
        if (!areaPaths.length && !facilityIds.length) return { items: [] };
        query = query.where((eb) =>
          eb.or([
            ...(facilityIds.length ? [eb('r.facility_id', 'in', facilityIds)] : []),
            ...areaPaths.map((path) => eb('a.path', 'like', `${path}%`)),
          ]),
        );
      }
      const rows = await query.execute();
      const items: DoseReviewT[] = [];
      for (const r of rows)
        items.push({
          id: r.id,
          personId: r.person_id,
          registrationNumber: r.registration_number,
          nameEn: r.name_en,
          reason: r.reason,
          status: r.status,
          existingDose: r.existing_dose_id
            ? ((await doseById(read, r.person_id, r.existing_dose_id)) ?? null)
            : null,
          record: r.record,
          clientId: r.client_id,
          facilityId: r.facility_id,
          facilityName: r.facility_name,
          recordedBy: r.recorded_by,
          createdAt: new Date(r.created_at).toISOString(),
          resolvedBy: r.resolved_by,
          resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
          resolutionNote: r.resolution_note,
        });
      return { items };
    },

    /** Settles a review: keep the dose on record, or replace it with the reviewed record (a correction). */
    async resolveReview(
      staff: Principal,
      personId: number,
      id: number,
      body: { decision: 'keep_existing' | 'replace_existing'; note: string },
    ) {
      const pending = await db
        .selectFrom('dose_review')
        .select('record')
        .where('person_id', '=', personId)
        .where('id', '=', id)
        .executeTakeFirst();
      const existingLot = await db
        .selectFrom('dose_review as r')
        .innerJoin('dose as d', (j) =>
          j.onRef('d.person_id', '=', 'r.person_id').onRef('d.id', '=', 'r.existing_dose_id'),
        )
        .select('d.lot_id')
        .where('r.person_id', '=', personId)
        .where('r.id', '=', id)
        .executeTakeFirst();
      const cx = await correctionContext([
        (pending?.record as { lotId?: number } | undefined)?.lotId,
        existingLot?.lot_id,
      ]);
      return withTransaction(db, async (trx) => {
        const review = await trx
          .selectFrom('dose_review')
          .selectAll()
          .where('person_id', '=', personId)
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!review) throw notFound('The dose review');
        if (review.status !== 'open')
          throw conflict('review_resolved', 'This review has already been settled.');
        let correctionId: number | null = null;
        let replacementDoseId: number | null = null;
        if (body.decision === 'replace_existing') {
          if (!review.existing_dose_id)
            throw conflict('no_existing_dose', 'There is no dose on record to replace.');
          const old = await trx
            .selectFrom('dose')
            .selectAll()
            .where('person_id', '=', personId)
            .where('id', '=', review.existing_dose_id)
            .forUpdate()
            .executeTakeFirst();
          if (!old || old.voided_at)
            throw conflict(
              'existing_dose_voided',
              'The dose on record was corrected meanwhile; keep it instead.',
            );
          const rec = review.record as {
            productId: number;
            lotId: number;
            facilityId: number;
            administeredAt: string;
            bodySite: string;
            identityCheck: string;
            appointmentId: number | null;
            deviceId?: string | null;
          };
          const at = new Date(rec.administeredAt);
          const date = todayIn(tz, at);
          if (!cx.lots.get(rec.lotId))
            throw conflict('unknown_lot', 'The reviewed record names a lot that does not exist.');
          // The record was given already: a lot the store no longer holds is kept, flagged.
          const { flags } = await lotHeldFlags(
            trx,
            { ...cx, acceptUnheld: true },
            rec.lotId,
            rec.facilityId,
            date,
          );
          const done = await applyCorrection(trx, staff, old, cx, {
            kind: 'review_resolution',
            reason: body.note,
            replacement: {
              personId,
              doseNumber: old.dose_number,
              productId: rec.productId,
              lotId: rec.lotId,
              facilityId: rec.facilityId,
              administeredOn: date,
              administeredAt: at,
              bodySite: rec.bodySite,
              identityCheck: rec.identityCheck,
              recordedBy: review.recorded_by,
              vialId: null,
              clientId: review.client_id,
              deviceId: rec.deviceId ?? null,
              deviceRecordedAt: null,
              flags,
              appointmentId: rec.appointmentId,
              sessionId: null,
            },
            restock: true,
          });
          correctionId = done.correctionId;
          replacementDoseId = done.replacementId;
        }
        await trx
          .updateTable('dose_review')
          .set({
            status: body.decision === 'keep_existing' ? 'kept_existing' : 'replaced_existing',
            resolved_by: staff.userId,
            resolved_at: sql`now()`,
            resolution_note: body.note,
          })
          .where('person_id', '=', personId)
          .where('id', '=', id)
          .execute();
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: staff.userId,
          action: 'dose_review.resolved',
          entityType: 'dose_review',
          entityId: id,
          details: { personId, decision: body.decision, correctionId, replacementDoseId },
        });
        return {
          id,
          personId,
          status: body.decision === 'keep_existing' ? 'kept_existing' : 'replaced_existing',
          correctionId,
          replacementDoseId,
        };
      });
    },
  };
}

export type DoseService = ReturnType<typeof doseService>;
