import { randomInt } from 'node:crypto';
import {
  checkGroupChoice,
  DEFAULT_ID_RULES,
  isValidIsoDate,
  makeRegistrationNumber,
  normaliseIdNumber,
  tooYoungForEveryOpenGroup,
  validateIdDocument,
  type IdRules,
  type PriorityGroup,
} from '@dosewise/domain';
import type { Db } from '../db/database.ts';
import { withTransaction } from '../db/database.ts';
import type { Gender, IdType } from '../db/schema.ts';
import type { Principal, Scope } from '../access/policy.ts';
import { authorize, listScope } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { auditRow, recordAudit } from '../audit/audit.ts';
import { enqueueJob } from '../jobs/queue.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { RegistryAnswer } from '../registry/adapter.ts';
import type { Notify, PrepareNotification } from './ports.ts';
import { todayIn } from './calendar.ts';
import {
  registrationConflict,
  registrationRepository,
  registrationWrites,
  type GroupRow,
  type PersonDtoSource,
  type PersonView,
  type RegistrationAccount,
  type RegistrationPlaces,
  type RegistrationReference,
} from './repository.ts';

/** Scopes that let staff see a person: where they live, and the centre they chose. */
export function personScopes(
  p: Pick<PersonView, 'area_path' | 'preferred_facility_id' | 'facility_area_path'>,
): Scope[] {
  const scopes: Scope[] = [{ kind: 'area', areaPath: p.area_path }];
  if (p.preferred_facility_id !== null && p.facility_area_path)
    scopes.push({ kind: 'facility', facilityId: p.preferred_facility_id, areaPath: p.facility_area_path });
  return scopes;
}

/** Whether staff may read a person with these scopes at all. */
export function seesPerson(staff: Principal, scopes: Scope[]): boolean {
  return scopes.some((s) => authorize(staff, 'person.read', s));
}

/**
 * The person's scopes when staff may read the person; undefined for a person outside the caller's
 * scope, as for one who does not exist. Staff routes of a person answer both with the same 404, so
 * that none tells staff who exists beyond what they may see.
 */
export async function personScopesSeenBy(
  db: Db,
  staff: Principal,
  personId: number,
): Promise<Scope[] | undefined> {
  const p = await registrationRepository(db).view(personId);
  if (!p) return undefined;
  const scopes = personScopes(p);
  return seesPerson(staff, scopes) ? scopes : undefined;
}

export interface RegistrationSettings {
  peoplePerPhone: number;
  registrationPrefix: string;
  consentVersion: string;
  idRules?: IdRules;
  /** Depth of the area (from the top) inside which the chosen centre must lie with the address: 1 = same district. */
  centreAreaDepth: number;
  /** IANA time zone whose calendar gives today's date. */
  timeZone: string;
}

export interface RegistrationInput {
  idType: IdType;
  idNumber: string;
  nationality?: string | undefined;
  dateOfBirth: string;
  nameEn: string;
  nameBn?: string | undefined;
  gender: Gender;
  areaId: number;
  addressLine?: string | undefined;
  occupation?: string | undefined;
  comorbidities?: string[] | undefined;
  priorityGroup: string;
  evidence?: { note?: string | undefined; documentRef?: string | undefined } | undefined;
  preferredFacilityId: number;
  preferredProductId?: number | undefined;
  consent: { accepted: boolean; noticeVersion: string };
  locale?: 'en' | 'bn' | undefined;
}

export type RegistrationChannel =
  | { kind: 'self'; accountId: number }
  | { kind: 'assisted'; staff: Principal; facilityId: number; phone?: string | undefined };

export const toGroup = (g: GroupRow): PriorityGroup => ({
  code: g.code,
  version: g.version,
  nameEn: g.name_en,
  nameBn: g.name_bn,
  rank: g.rank,
  minAgeYears: g.min_age_years,
  maxAgeYears: g.max_age_years,
  proofRule: g.proof_rule,
  opensOn: g.opens_on,
  active: g.active,
});

export function personDto(p: PersonDtoSource) {
  return {
    id: p.id,
    registrationNumber: p.registration_number,
    nameEn: p.name_en,
    nameBn: p.name_bn,
    dateOfBirth: p.date_of_birth,
    gender: p.gender,
    idType: p.id_type,
    idLast4: p.id_last4,
    nationality: p.nationality,
    areaId: p.area_id,
    areaNameEn: p.area_name_en,
    areaNameBn: p.area_name_bn,
    addressLine: p.address_line,
    occupation: p.occupation,
    comorbidities: p.comorbidities,
    priorityGroup: { code: p.group_code, nameEn: p.group_name_en, nameBn: p.group_name_bn },
    priorityStatus: p.priority_status,
    priorityEvidence: p.priority_evidence as { note?: string; documentRef?: string },
    preferredFacility:
      p.preferred_facility_id === null
        ? null
        : { id: p.preferred_facility_id, nameEn: p.facility_name_en ?? '', nameBn: p.facility_name_bn ?? '' },
    preferredProduct:
      p.preferred_product_id === null ? null : { id: p.preferred_product_id, name: p.product_name ?? '' },
    verificationStatus: p.verification_status,
    registeredVia: p.registered_via,
    registeredAt: p.registered_at.toISOString(),
  };
}
export type PersonDto = ReturnType<typeof personDto>;

export function registrationService(deps: {
  db: Db;
  read: Db;
  vault: IdentifierVault;
  registry: { verify(idType: IdType, number: string, dateOfBirth: string): Promise<RegistryAnswer> };
  notify: Notify;
  /** A registration's SMS as its outbox row, stored in the registration's statement. */
  prepareMessage: PrepareNotification;
  /** Priority groups and the lowest area level, cached briefly (RegistrationReference). */
  reference: RegistrationReference;
  settings: RegistrationSettings;
}) {
  const { db, vault, settings, reference } = deps;
  const rules = settings.idRules ?? DEFAULT_ID_RULES;
  // Today's date, worked out at most once a second (a registration asks for it several times).
  let day = { at: 0, date: '' };
  const today = () => {
    const now = Date.now();
    if (now - day.at >= 1000) day = { at: now, date: todayIn(settings.timeZone, new Date(now)) };
    return day.date;
  };

  /** Everything that can be refused before touching the database or the registry. */
  function precheck(input: RegistrationInput) {
    if (!input.consent.accepted)
      throw badRequest('consent_required', 'Consent to the processing of your data is needed to register.', [
        { field: 'consent.accepted' },
      ]);
    if (input.consent.noticeVersion !== settings.consentVersion) {
      throw badRequest(
        'consent_outdated',
        'The privacy notice has changed. Read the current notice and consent again.',
        [{ field: 'consent.noticeVersion' }],
      );
    }
    if (!isValidIsoDate(input.dateOfBirth) || input.dateOfBirth > today()) {
      throw badRequest('invalid_date_of_birth', 'The date of birth is not a real date in the past.', [
        { field: 'dateOfBirth' },
      ]);
    }
    const number = normaliseIdNumber(input.idType, input.idNumber);
    const check = validateIdDocument(
      input.idType,
      number,
      { dateOfBirth: input.dateOfBirth, today: today(), nationality: input.nationality },
      rules,
    );
    if (!check.ok) throw badRequest(check.code, check.message, [{ field: check.field }]);
    return check.normalised;
  }

  async function resolveGroup(input: RegistrationInput, idBlind: string) {
    const rows = await reference.currentGroups();
    const groups = rows.map(toGroup);
    const young = tooYoungForEveryOpenGroup(input.dateOfBirth, groups, today());
    if (young.tooYoung) {
      throw badRequest('too_young', young.message, [{ field: 'dateOfBirth' }]);
    }
    const index = rows.findIndex((g) => g.code === input.priorityGroup);
    const row = rows[index];
    if (!row)
      throw badRequest('unknown_group', 'This priority group does not exist.', [{ field: 'priorityGroup' }]);
    const group = groups[index]!;
    const hasEvidence = Boolean(input.evidence?.note?.trim() || input.evidence?.documentRef?.trim());
    const onRoster =
      group.proofRule === 'roster'
        ? await registrationRepository(db).onRoster(group.code, input.idType, idBlind)
        : false;
    const choice = checkGroupChoice(group, {
      dateOfBirth: input.dateOfBirth,
      today: today(),
      onRoster,
      hasEvidence,
      comorbidities: input.comorbidities ?? [],
    });
    if (!choice.ok) throw badRequest(choice.code, choice.message, [{ field: 'priorityGroup' }]);
    return { row, status: choice.status };
  }

  async function checkPlace(input: RegistrationInput, places: RegistrationPlaces) {
    const area = places.area;
    if (!area) throw badRequest('unknown_area', 'The address area does not exist.', [{ field: 'areaId' }]);
    if (area.depth !== (await reference.lowestAreaDepth()))
      throw badRequest('area_not_lowest', 'Choose the address down to the lowest area level.', [
        { field: 'areaId' },
      ]);
    const facility = places.facility;
    if (!facility || !facility.active || facility.type === 'store') {
      throw badRequest(
        'unknown_facility',
        'The chosen vaccination centre does not exist or does not vaccinate.',
        [{ field: 'preferredFacilityId' }],
      );
    }
    const region =
      area.path
        .split('/')
        .slice(0, settings.centreAreaDepth + 2)
        .join('/') + '/';
    if (!facility.path.startsWith(region)) {
      throw badRequest(
        'facility_outside_area',
        'The chosen vaccination centre is outside the area of your address. Choose a centre near you.',
        [{ field: 'preferredFacilityId' }],
      );
    }
    if (input.preferredProductId !== undefined) {
      const product = places.product;
      if (!product?.active)
        throw badRequest('unknown_product', 'The chosen vaccine is not offered.', [
          { field: 'preferredProductId' },
        ]);
    }
  }

  const newRegistrationNumber = () =>
    makeRegistrationNumber(
      settings.registrationPrefix,
      new Date().getUTCFullYear(),
      String(randomInt(0, 100_000_000)).padStart(8, '0'),
    );

  async function register(input: RegistrationInput, channel: RegistrationChannel, ctx: RequestContext) {
    const number = precheck(input);
    const idBlind = vault.blindIndex(`id:${input.idType}`, number);
    const writes = registrationWrites(db);
    // One round trip before the registry: is the document claimed, the phone of the account, and
    // the area, centre and vaccine named (checked once the registry has answered, as before).
    const known = await writes.beforeRegistry({
      idType: input.idType,
      idBlind,
      accountId: channel.kind === 'self' ? channel.accountId : null,
      areaId: input.areaId,
      facilityId: input.preferredFacilityId,
      productId: input.preferredProductId ?? null,
      staffFacilityId: channel.kind === 'assisted' ? channel.facilityId : null,
    });
    if (known.claimed) throw alreadyRegistered();

    // The registry is asked outside any transaction: it may be slow, and a slow answer must not hold locks.
    let verification: 'verified' | 'pending' | 'in_person' = 'in_person';
    let names = { nameEn: input.nameEn, nameBn: input.nameBn ?? null, gender: input.gender };
    if (input.idType !== 'passport') {
      const answer = await deps.registry.verify(input.idType, number, input.dateOfBirth);
      switch (answer.status) {
        case 'matched':
          verification = 'verified';
          names = {
            nameEn: answer.person.nameEn,
            nameBn: answer.person.nameBn,
            gender: answer.person.gender,
          };
          break;
        case 'mismatch':
          throw badRequest(
            'date_of_birth_mismatch',
            'The date of birth does not match the national ID registry. Check it against your ID card.',
            [{ field: 'dateOfBirth' }],
          );
        case 'not_found':
          throw badRequest(
            'id_not_found',
            'This ID number is not in the national ID registry. Check the number, or go to a help desk.',
            [{ field: 'idNumber' }],
          );
        case 'unavailable':
          verification = 'pending';
          break;
      }
    }

    const locale = input.locale ?? 'bn';
    await checkPlace(input, known);
    if (
      channel.kind === 'assisted' &&
      !authorize(channel.staff, 'person.register', {
        kind: 'facility',
        facilityId: channel.facilityId,
        areaPath: staffFacilityPath(known.staffFacilityPath),
      })
    ) {
      throw forbidden();
    }
    const group = await resolveGroup(input, idBlind);

    let account: RegistrationAccount | null = null;
    let phonePlain: string | undefined;
    if (channel.kind === 'self') {
      if (known.accountPhoneEnc === null) throw notFound('Your account');
      account = { kind: 'existing', id: channel.accountId };
      phonePlain = vault.decrypt(known.accountPhoneEnc);
    } else if (channel.phone) {
      phonePlain = channel.phone;
      account = {
        kind: 'phone',
        phoneBlind: vault.blindIndex('phone', channel.phone),
        phoneEnc: vault.encrypt(channel.phone),
      };
    }
    const idEnc = vault.encrypt(number);
    // Registration numbers are random: the rare one already taken is drawn again.
    for (let draw = 1; ; draw++) {
      const registrationNumber = newRegistrationNumber();
      const now = new Date();
      try {
        const person = await writes.register({
          person: {
            registration_number: registrationNumber,
            id_type: input.idType,
            id_blind: idBlind,
            id_enc: idEnc,
            id_last4: number.slice(-4),
            nationality: input.nationality ?? 'BD',
            name_en: names.nameEn,
            name_bn: names.nameBn,
            date_of_birth: input.dateOfBirth,
            gender: names.gender,
            area_id: input.areaId,
            address_line: input.addressLine ?? '',
            occupation: input.occupation ?? null,
            comorbidities: input.comorbidities ?? [],
            priority_group_id: group.row.id,
            priority_evidence: JSON.stringify(input.evidence ?? {}),
            priority_status: group.status,
            priority_approved_by: null,
            preferred_facility_id: input.preferredFacilityId,
            preferred_product_id: input.preferredProductId ?? null,
            consent_version: input.consent.noticeVersion,
            consent_at: now,
            verification_status: verification,
            verification_checked_at: verification === 'pending' ? null : now,
            locale,
            registered_via: channel.kind,
            registered_by: channel.kind === 'assisted' ? channel.staff.userId : null,
          },
          account,
          peoplePerPhone: settings.peoplePerPhone,
          message: phonePlain
            ? deps.prepareMessage({
                to: phonePlain,
                template: verification === 'pending' ? 'registration_pending' : 'registration_confirmed',
                locale,
                params: {
                  registrationNumber,
                  name: locale === 'bn' && names.nameBn ? names.nameBn : names.nameEn,
                },
              })
            : null,
          job:
            verification === 'pending'
              ? { kind: 'registration.recheck', runAt: new Date(Date.now() + 60_000) }
              : null,
          audit: auditRow({
            actorKind: channel.kind === 'self' ? 'citizen' : 'staff',
            actorId: channel.kind === 'self' ? channel.accountId : channel.staff.userId,
            action: 'person.registered',
            entityType: 'person',
            areaId: input.areaId,
            requestId: ctx.requestId,
            ip: ctx.ip,
            details: { via: channel.kind, verification, group: group.row.code },
          }),
        });
        if (person === 'phone_full') {
          throw conflict(
            'phone_limit_reached',
            `One phone number can register at most ${settings.peoplePerPhone} people. Use another phone, or ask a help desk.`,
          );
        }
        return personDto(person);
      } catch (err) {
        // The key of identity_claim is what stops a second registration of the same document, also
        // when two arrive at the same moment: the later one finds the claim taken and stores nothing.
        const clash = registrationConflict(err);
        if (clash === 'identity_claimed') throw alreadyRegistered();
        if (clash === 'registration_number_taken' && draw < 5) continue;
        throw err;
      }
    }
  }

  function staffFacilityPath(path: string | null) {
    if (path === null) throw notFound('The facility');
    return path;
  }

  async function staffView(
    staff: Principal,
    personId: number,
    action: 'person.read' | 'person.correct' | 'person.approve',
    ctx: RequestContext,
  ) {
    const p = await registrationRepository(db).view(personId);
    if (!p) throw notFound('The person');
    const scopes = personScopes(p);
    if (!scopes.some((s) => authorize(staff, action, s))) {
      // Staff who may not even read the person learn nothing: the same 404 as for no such person.
      if (!seesPerson(staff, scopes)) throw notFound('The person');
      throw forbidden();
    }
    if (action === 'person.read') {
      await recordAudit(db, {
        actorKind: 'staff',
        actorId: staff.userId,
        action: 'person.viewed',
        entityType: 'person',
        entityId: p.id,
        areaId: p.area_id,
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
    }
    return p;
  }

  return {
    register,

    async family(accountId: number) {
      return (await registrationRepository(db).family(accountId)).map(personDto);
    },

    async familyMember(accountId: number, personId: number) {
      const p = await registrationRepository(db).view(personId);
      if (!p || p.citizen_account_id !== accountId || p.removed_at)
        throw notFound('This person in your family');
      return p;
    },

    /** Takes a person off the phone's family list and frees their ID for a new registration. */
    async removeFromFamily(accountId: number, personId: number, ctx: RequestContext) {
      await withTransaction(db, async (trx) => {
        const p = await trx
          .selectFrom('person')
          .select(['id', 'citizen_account_id', 'removed_at', 'area_id'])
          .where('id', '=', personId)
          .forUpdate()
          .executeTakeFirst();
        if (!p || p.citizen_account_id !== accountId || p.removed_at)
          throw notFound('This person in your family');
        await trx
          .updateTable('person')
          .set({ removed_at: new Date(), removed_reason: 'removed by the account holder' })
          .where('id', '=', personId)
          .execute();
        await registrationRepository(trx).releaseIdentity(personId);
        await recordAudit(trx, {
          actorKind: 'citizen',
          actorId: accountId,
          action: 'person.removed',
          entityType: 'person',
          entityId: personId,
          areaId: p.area_id,
          requestId: ctx.requestId,
          ip: ctx.ip,
        });
      });
    },

    async staffGet(staff: Principal, personId: number, ctx: RequestContext) {
      return personDto(await staffView(staff, personId, 'person.read', ctx));
    },

    async search(
      staff: Principal,
      q: {
        idType?: IdType | undefined;
        idNumber?: string | undefined;
        registrationNumber?: string | undefined;
        phone?: string | undefined;
        name?: string | undefined;
      },
      ctx: RequestContext,
    ) {
      const scope = listScope(staff, 'person.read');
      if (!q.idNumber && !q.registrationNumber && !q.phone && !(q.name && q.name.trim().length >= 3)) {
        throw badRequest(
          'search_too_broad',
          'Search by ID number, registration number, phone, or at least 3 letters of a name.',
        );
      }
      const rows = await registrationRepository(db).search(
        {
          ...(q.idNumber && q.idType
            ? {
                idType: q.idType,
                idBlind: vault.blindIndex(`id:${q.idType}`, normaliseIdNumber(q.idType, q.idNumber)),
              }
            : {}),
          ...(q.registrationNumber ? { registrationNumber: q.registrationNumber.trim().toUpperCase() } : {}),
          ...(q.phone ? { phoneBlind: vault.blindIndex('phone', q.phone) } : {}),
          ...(q.name ? { name: q.name.trim() } : {}),
        },
        scope.all ? null : scope,
        50,
      );
      await recordAudit(db, {
        actorKind: 'staff',
        actorId: staff.userId,
        action: 'person.searched',
        entityType: 'person',
        requestId: ctx.requestId,
        ip: ctx.ip,
        details: {
          keys: Object.keys(q).filter((k) => q[k as keyof typeof q]),
          results: rows.map((r) => r.id),
        },
      });
      return rows.map(personDto);
    },

    /** Demographic correction: a new state plus a record of the old values, who and why. */
    async correct(
      staff: Principal,
      personId: number,
      changes: {
        nameEn?: string | undefined;
        nameBn?: string | undefined;
        dateOfBirth?: string | undefined;
        gender?: Gender | undefined;
        areaId?: number | undefined;
        addressLine?: string | undefined;
      },
      reason: string,
      ctx: RequestContext,
    ) {
      const before = await staffView(staff, personId, 'person.correct', ctx);
      if (
        changes.dateOfBirth !== undefined &&
        (!isValidIsoDate(changes.dateOfBirth) || changes.dateOfBirth > today())
      ) {
        throw badRequest('invalid_date_of_birth', 'The date of birth is not a real date in the past.', [
          { field: 'dateOfBirth' },
        ]);
      }
      if (changes.areaId !== undefined) {
        const area = await db
          .selectFrom('area')
          .select(['id', 'depth', 'path'])
          .where('id', '=', changes.areaId)
          .executeTakeFirst();
        if (!area)
          throw badRequest('unknown_area', 'The address area does not exist.', [{ field: 'areaId' }]);
        const lowest = await db
          .selectFrom('area_level')
          .select((eb) => eb.fn.max('depth').as('d'))
          .executeTakeFirstOrThrow();
        if (area.depth !== lowest.d)
          throw badRequest('area_not_lowest', 'Choose the address down to the lowest area level.', [
            { field: 'areaId' },
          ]);
        // Moving a person's address needs the right where it goes, as well as where they are.
        if (!authorize(staff, 'person.correct', { kind: 'area', areaPath: area.path })) {
          throw forbidden('You may not move a person into an area outside your own.');
        }
      }
      const fields = {
        name_en: changes.nameEn,
        name_bn: changes.nameBn,
        date_of_birth: changes.dateOfBirth,
        gender: changes.gender,
        area_id: changes.areaId,
        address_line: changes.addressLine,
      };
      const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      if (Object.keys(set).length === 0)
        throw badRequest('nothing_to_change', 'Give at least one field to correct.');
      const old = Object.fromEntries(
        Object.keys(set).map((k) => [k, (before as unknown as Record<string, unknown>)[k]]),
      );
      await withTransaction(db, async (trx) => {
        await trx.updateTable('person').set(set).where('id', '=', personId).execute();
        await trx
          .insertInto('person_correction')
          .values({
            person_id: personId,
            changes: JSON.stringify({ before: old, after: set }),
            reason,
            corrected_by: staff.userId,
          })
          .execute();
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: staff.userId,
          action: 'person.corrected',
          entityType: 'person',
          entityId: personId,
          areaId: before.area_id,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { fields: Object.keys(set) },
        });
        // Certificates that state the old name or date of birth are replaced, in their own job.
        await enqueueJob(trx, 'certificate.refresh', { personId, reason: 'person_corrected' });
      });
      return personDto((await registrationRepository(db).view(personId))!);
    },

    async corrections(staff: Principal, personId: number, ctx: RequestContext) {
      await staffView(staff, personId, 'person.read', ctx);
      const rows = await db
        .selectFrom('person_correction as c')
        .leftJoin('staff_user as u', 'u.id', 'c.corrected_by')
        .select(['c.id', 'c.changes', 'c.reason', 'c.corrected_at', 'u.username'])
        .where('c.person_id', '=', personId)
        .orderBy('c.id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        changes: r.changes,
        reason: r.reason,
        correctedAt: r.corrected_at.toISOString(),
        correctedBy: r.username,
      }));
    },

    async decidePriority(staff: Principal, personId: number, approve: boolean, ctx: RequestContext) {
      const p = await staffView(staff, personId, 'person.approve', ctx);
      if (p.priority_status !== 'awaiting_approval')
        throw conflict(
          'not_awaiting_approval',
          'This registration is not waiting for a priority group decision.',
        );
      await withTransaction(db, async (trx) => {
        await trx
          .updateTable('person')
          .set({ priority_status: approve ? 'accepted' : 'rejected', priority_approved_by: staff.userId })
          .where('id', '=', personId)
          .execute();
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: staff.userId,
          action: approve ? 'person.priority_approved' : 'person.priority_rejected',
          entityType: 'person',
          entityId: personId,
          areaId: p.area_id,
          requestId: ctx.requestId,
          ip: ctx.ip,
        });
      });
      return personDto((await registrationRepository(db).view(personId))!);
    },

    /** The background re-check of a registration accepted while the registry could not answer. */
    async recheck(personId: number) {
      const p = await db
        .selectFrom('person')
        .select([
          'id',
          'id_type',
          'id_enc',
          'date_of_birth',
          'verification_status',
          'phone_enc',
          'name_en',
          'name_bn',
          'registration_number',
          'area_id',
          'locale',
        ])
        .where('id', '=', personId)
        .executeTakeFirst();
      if (!p || p.verification_status !== 'pending') return;
      const answer = await deps.registry.verify(p.id_type, vault.decrypt(p.id_enc), p.date_of_birth);
      if (answer.status === 'unavailable')
        throw new AppError(503, 'registry_unavailable', 'The national ID registry is still unavailable.');
      await withTransaction(db, async (trx) => {
        const verified = answer.status === 'matched';
        await trx
          .updateTable('person')
          .set({
            verification_status: verified ? 'verified' : 'failed',
            verification_checked_at: new Date(),
            ...(verified
              ? { name_en: answer.person.nameEn, name_bn: answer.person.nameBn, gender: answer.person.gender }
              : {}),
          })
          .where('id', '=', personId)
          .where('verification_status', '=', 'pending')
          .execute();
        if (p.phone_enc) {
          await deps.notify(trx, {
            to: { encrypted: p.phone_enc },
            template: verified ? 'registration_verified' : 'registration_failed_verification',
            locale: p.locale,
            params: {
              registrationNumber: p.registration_number,
              // The registry's spelling once it has answered; the person's own until then.
              name: verified
                ? p.locale === 'bn'
                  ? answer.person.nameBn
                  : answer.person.nameEn
                : p.locale === 'bn' && p.name_bn
                  ? p.name_bn
                  : p.name_en,
            },
            personId,
          });
        }
        await recordAudit(trx, {
          actorKind: 'system',
          actorId: null,
          action: verified ? 'person.verified' : 'person.verification_failed',
          entityType: 'person',
          entityId: personId,
          areaId: p.area_id,
          details: { registry: answer.status },
        });
      });
    },
  };
}

const alreadyRegistered = () =>
  new AppError(
    409,
    'already_registered',
    'This ID is already registered. If you did not register it, go to a help desk with your ID card: they can find the registration and correct it.',
  );

export type RegistrationService = ReturnType<typeof registrationService>;
