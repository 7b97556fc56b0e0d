import { isValidRegistrationNumber } from '@dosewise/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, testConfig, type TestContext } from '../support/app.ts';
import {
  aged,
  auditEvents,
  CONSENT_VERSION,
  otherCentreInDistrict,
  personPicker,
  placeOf,
  register,
  registered,
  registrationBody,
  registrationRows,
  signInCitizen,
  smsTo,
  unknownNid,
  withBadCheckDigit,
  type Citizen,
  type PersonDto,
  type RegistrationBody,
} from '../support/citizen.ts';
import { expectError, fieldsOf } from './helpers.ts';

const PEOPLE_PER_PHONE = testConfig().PEOPLE_PER_PHONE;

describe('citizen registration', () => {
  let t: TestContext;
  let citizen: Citizen;
  const pick = personPicker();

  beforeAll(async () => {
    t = await testApp();
    citizen = await signInCitizen(t);
  });
  afterAll(() => t.close());

  /** An adult of 25 to 55 from the registry, with a valid registration at their registry union. */
  async function adult(overrides: Partial<RegistrationBody> = {}) {
    const p = pick(aged(25, 55), 'adult of 25 to 55');
    const place = await placeOf(t.database.db, p.areaCode);
    return { p, place, body: registrationBody(p, place, overrides) };
  }

  /** Sends a registration that must be refused with `status` and `code`, and checks that nothing was stored. */
  async function refused(body: RegistrationBody, status: number, code: string, who: Citizen = citizen) {
    const before = await registrationRows(t.database.db);
    const res = await register(t, who, body);
    const error = expectError(res, status, code);
    await t.drain();
    expect(await registrationRows(t.database.db)).toEqual(before);
    return error;
  }

  const family = async (c: Citizen) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/citizen/people', headers: c.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<PersonDto[]>();
  };

  it('tells the screens the consent notice version and the family size', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/registration/settings' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      consentVersion: CONSENT_VERSION,
      peoplePerPhone: PEOPLE_PER_PHONE,
      otpTtlSeconds: testConfig().OTP_TTL_S,
    });
  });

  it('needs a signed-in phone', async () => {
    const { body } = await adult();
    const before = await registrationRows(t.database.db);
    const res = await t.app.inject({ method: 'POST', url: '/api/citizen/people', payload: body });
    expectError(res, 401, 'not_signed_in');
    const forged = await register(t, { ...citizen, headers: { authorization: 'Bearer not-a-token' } }, body);
    expectError(forged, 401, 'invalid_token');
    expect(await registrationRows(t.database.db)).toEqual(before);
  });

  describe('refuses, changing nothing', () => {
    it('an ID number of the wrong length', async () => {
      const { body } = await adult();
      const error = await refused({ ...body, idNumber: body.idNumber.slice(0, 8) }, 400, 'invalid_format');
      expect(fieldsOf(error)).toEqual(['idNumber']);
      expect(error.message).toMatch(/10, 13 or 17 digits/);
    });

    it('an ID number with letters in it', async () => {
      const { body } = await adult();
      await refused({ ...body, idNumber: `${body.idNumber.slice(0, 9)}X` }, 400, 'invalid_format');
    });

    it('a 10-digit NID whose check digit is wrong', async () => {
      const { body } = await adult();
      const error = await refused(
        { ...body, idNumber: withBadCheckDigit(body.idNumber) },
        400,
        'invalid_check_digit',
      );
      expect(fieldsOf(error)).toEqual(['idNumber']);
    });

    it('a date of birth the registry does not hold for this ID', async () => {
      const { p, body } = await adult();
      const [y, m, d] = p.dateOfBirth.split('-');
      const otherDay = `${y}-${m}-${d === '10' ? '11' : '10'}`;
      const error = await refused({ ...body, dateOfBirth: otherDay }, 400, 'date_of_birth_mismatch');
      expect(fieldsOf(error)).toEqual(['dateOfBirth']);
    });

    it('an ID number the registry does not know', async () => {
      const { body } = await adult();
      const error = await refused({ ...body, idNumber: unknownNid() }, 400, 'id_not_found');
      expect(fieldsOf(error)).toEqual(['idNumber']);
      expect(error.message).toMatch(/help desk/i);
    });

    it('a child younger than every open group', async () => {
      const child = pick(aged(0, 10), 'child under 11');
      const place = await placeOf(t.database.db, child.areaCode);
      const error = await refused(
        registrationBody(child, place, { priorityGroup: 'general_18_plus' }),
        400,
        'too_young',
      );
      expect(error.message).toMatch(/at least 12 years/);
    });

    it('a date of birth in the future', async () => {
      const { body } = await adult();
      await refused({ ...body, dateOfBirth: '2999-01-01' }, 400, 'invalid_date_of_birth');
    });

    it('a group the person is too old for', async () => {
      const { body } = await adult();
      await refused({ ...body, priorityGroup: 'children_12_17' }, 400, 'too_old_for_group');
    });

    it('a group that does not exist', async () => {
      const { body } = await adult();
      await refused({ ...body, priorityGroup: 'astronauts' }, 400, 'unknown_group');
    });

    it('an ID that is registered already, and points to the help desk', async () => {
      const { body } = await adult();
      await registered(t, await signInCitizen(t), body);
      const other = await signInCitizen(t);
      const error = await refused({ ...body, nameEn: 'Somebody Else' }, 409, 'already_registered', other);
      expect(error.message).toMatch(/help desk/i);
      // Also from the phone that registered it.
      await refused(body, 409, 'already_registered');
    });

    it(`a ${PEOPLE_PER_PHONE + 1}th person on one phone`, async () => {
      const full = await signInCitizen(t);
      for (let i = 0; i < PEOPLE_PER_PHONE; i++) await registered(t, full, (await adult()).body);
      expect(await family(full)).toHaveLength(PEOPLE_PER_PHONE);
      const error = await refused((await adult()).body, 409, 'phone_limit_reached', full);
      expect(error.message).toContain(String(PEOPLE_PER_PHONE));
      expect(await family(full)).toHaveLength(PEOPLE_PER_PHONE);
    });

    it('a frontline worker group without proof', async () => {
      const { body } = await adult({ priorityGroup: 'frontline_worker' });
      const error = await refused(body, 400, 'proof_required');
      expect(fieldsOf(error)).toEqual(['priorityGroup']);
      await refused({ ...body, evidence: { note: '   ' } }, 400, 'proof_required');
    });

    it('the health worker group for an ID not on its roster', async () => {
      const { body } = await adult({ priorityGroup: 'health_worker' });
      await refused(body, 400, 'not_on_roster');
    });

    it('the chronic condition group without a condition', async () => {
      const p = pick(aged(45, 59), 'adult of 45 to 59');
      const body = registrationBody(p, await placeOf(t.database.db, p.areaCode), {
        priorityGroup: 'comorbidity_40_plus',
      });
      await refused(body, 400, 'proof_required');
      await refused({ ...body, comorbidities: ['freckles'] }, 400, 'proof_required');
    });

    it('a centre that does not exist, or does not vaccinate', async () => {
      const { body, place } = await adult();
      const error = await refused({ ...body, preferredFacilityId: 987_654 }, 400, 'unknown_facility');
      expect(fieldsOf(error)).toEqual(['preferredFacilityId']);
      const store = await t.database.db
        .selectFrom('facility as f')
        .innerJoin('area as a', 'a.id', 'f.area_id')
        .select('f.id')
        .where('f.type', '=', 'store')
        .where('a.path', '=', place.districtPath)
        .executeTakeFirstOrThrow();
      await refused({ ...body, preferredFacilityId: store.id }, 400, 'unknown_facility');
    });

    it('a centre outside the district of the address', async () => {
      const { body, place } = await adult();
      const elsewhere = await t.database.db
        .selectFrom('facility as f')
        .innerJoin('area as a', 'a.id', 'f.area_id')
        .select('f.id')
        .where('f.type', '=', 'vaccination_centre')
        .where('a.path', 'not like', `${place.districtPath}%`)
        .orderBy('f.code')
        .executeTakeFirstOrThrow();
      const error = await refused(
        { ...body, preferredFacilityId: elsewhere.id },
        400,
        'facility_outside_area',
      );
      expect(fieldsOf(error)).toEqual(['preferredFacilityId']);
    });

    it('an address that is not a union', async () => {
      const { body, place } = await adult();
      const district = await t.database.db
        .selectFrom('area')
        .select('id')
        .where('path', '=', place.districtPath)
        .executeTakeFirstOrThrow();
      await refused({ ...body, areaId: district.id }, 400, 'area_not_lowest');
      await refused({ ...body, areaId: 987_654 }, 400, 'unknown_area');
    });

    it('without consent, or with consent to an old notice', async () => {
      const { body } = await adult();
      const error = await refused(
        { ...body, consent: { accepted: false, noticeVersion: CONSENT_VERSION } },
        400,
        'consent_required',
      );
      expect(fieldsOf(error)).toEqual(['consent.accepted']);
      await refused(
        { ...body, consent: { accepted: true, noticeVersion: '2020-01' } },
        400,
        'consent_outdated',
      );
    });

    it('a birth registration number for an adult', async () => {
      const { p, body } = await adult();
      await refused(
        { ...body, idType: 'birth_registration', idNumber: p.birthRegistrationNumber },
        400,
        'wrong_age_for_document',
      );
    });

    it('a passport without the country that issued it', async () => {
      const { body } = await adult();
      const error = await refused(
        { ...body, idType: 'passport', idNumber: 'P1234567' },
        400,
        'nationality_required',
      );
      expect(fieldsOf(error)).toEqual(['nationality']);
    });
  });

  describe('accepts', () => {
    it('a self registration, verified, with the registry names winning over the typed ones', async () => {
      const c = await signInCitizen(t);
      const { p, place, body } = await adult({
        nameEn: 'Typed Differently',
        nameBn: 'অন্য নাম',
        locale: 'en',
      });
      body.gender = p.gender === 'female' ? 'male' : 'female';
      const res = await register(t, c, body);
      expect(res.statusCode, res.body).toBe(201);
      const person = res.json<PersonDto>();
      expect(person).toMatchObject({
        nameEn: p.nameEn,
        nameBn: p.nameBn,
        gender: p.gender,
        dateOfBirth: p.dateOfBirth,
        idType: 'nid',
        idLast4: p.nid.slice(-4),
        nationality: 'BD',
        areaId: place.areaId,
        priorityGroup: { code: 'general_18_plus' },
        priorityStatus: 'accepted',
        preferredFacility: { id: place.facilityId },
        verificationStatus: 'verified',
        registeredVia: 'self',
      });
      expect(isValidRegistrationNumber(person.registrationNumber)).toBe(true);
      expect(person.registrationNumber).toMatch(
        new RegExp(`^BD-${new Date().getUTCFullYear()}-\\d{4}-\\d{4}-\\d{2}$`),
      );
      expect(JSON.stringify(person)).not.toContain(p.nid);

      expect(await family(c)).toEqual([person]);

      // The phone is told, in the language chosen, with the registry's name and the number.
      expect(smsTo(t.smsFile, c.phone, 'registration_confirmed')).toEqual([]);
      await t.drain();
      const [sms, ...more] = smsTo(t.smsFile, c.phone, 'registration_confirmed');
      expect(more).toEqual([]);
      expect(sms!.locale).toBe('en');
      expect(sms!.text).toBe(
        `Dosewise: ${p.nameEn} is registered for vaccination. Registration number: ${person.registrationNumber}. Keep it to book an appointment.`,
      );

      const audit = (await auditEvents(t.database.db, 'person.registered')).filter(
        (e) => e.entity_id === String(person.id),
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_kind: 'citizen', area_id: place.areaId });
      expect(JSON.stringify(audit[0]!.details)).not.toContain(p.nid);
    });

    it('a registration in Bengali, told by SMS in Bengali', async () => {
      const c = await signInCitizen(t);
      const { p, body } = await adult({ locale: 'bn' });
      const person = await registered(t, c, body);
      await t.drain();
      const [sms] = smsTo(t.smsFile, c.phone, 'registration_confirmed');
      expect(sms!.locale).toBe('bn');
      expect(sms!.text).toContain('টিকার জন্য নিবন্ধিত হয়েছেন');
      expect(sms!.text).toContain('নিবন্ধন নম্বর');
      expect(sms!.text).toContain(p.nameBn);
      expect(sms!.text).toContain(person.registrationNumber);
    });

    it('an ID number typed with spaces and Bengali digits, as the same number', async () => {
      const { p, body } = await adult();
      const bengali = p.nid.replace(/\d/g, (d) => String.fromCharCode(0x09e6 + Number(d)));
      const spaced = `${bengali.slice(0, 3)} ${bengali.slice(3, 6)}-${bengali.slice(6)}`;
      const person = await registered(t, await signInCitizen(t), { ...body, idNumber: spaced });
      expect(person.idLast4).toBe(p.nid.slice(-4));
      // It is the same ID: registering the plain digits again is refused.
      await refused(body, 409, 'already_registered', await signInCitizen(t));
    });

    it('a family member on the same phone', async () => {
      const c = await signInCitizen(t);
      const first = await registered(t, c, (await adult()).body);
      const { p, body } = await adult({ locale: 'en' });
      const second = await registered(t, c, body);
      expect(second.nameEn).toBe(p.nameEn);
      expect((await family(c)).map((x) => x.id)).toEqual([first.id, second.id]);

      const rows = await t.database.db
        .selectFrom('person')
        .select(['citizen_account_id', 'phone_blind'])
        .where('id', 'in', [first.id, second.id])
        .execute();
      expect(new Set(rows.map((r) => r.citizen_account_id)).size).toBe(1);
      expect(new Set(rows.map((r) => r.phone_blind)).size).toBe(1);

      await t.drain();
      const texts = smsTo(t.smsFile, c.phone, 'registration_confirmed').map((m) => m.text);
      expect(texts).toHaveLength(2);
      expect(texts.filter((x) => x.includes(first.registrationNumber))).toHaveLength(1);
      expect(texts.filter((x) => x.includes(second.registrationNumber))).toHaveLength(1);

      // Another phone does not see them.
      expect(await family(await signInCitizen(t))).toEqual([]);
    });

    it('a 12 to 17 year old with a birth registration number', async () => {
      const c = await signInCitizen(t);
      const teen = pick(aged(12, 17), 'teenager of 12 to 17');
      const place = await placeOf(t.database.db, teen.areaCode);
      const person = await registered(
        t,
        c,
        registrationBody(teen, place, {
          idType: 'birth_registration',
          idNumber: teen.birthRegistrationNumber,
          priorityGroup: 'children_12_17',
        }),
      );
      expect(person).toMatchObject({
        idType: 'birth_registration',
        idLast4: teen.birthRegistrationNumber.slice(-4),
        nameEn: teen.nameEn,
        verificationStatus: 'verified',
        priorityGroup: { code: 'children_12_17' },
        priorityStatus: 'accepted',
      });
    });

    it('a foreign passport with its country, to be checked in person', async () => {
      const c = await signInCitizen(t);
      const { place } = await adult();
      const body: RegistrationBody = {
        idType: 'passport',
        idNumber: 'n1234567',
        nationality: 'NP',
        dateOfBirth: '1985-03-14',
        nameEn: 'Sita Sharma',
        gender: 'female',
        areaId: place.areaId,
        priorityGroup: 'general_18_plus',
        preferredFacilityId: place.facilityId,
        consent: { accepted: true, noticeVersion: CONSENT_VERSION },
      };
      const person = await registered(t, c, body);
      expect(person).toMatchObject({
        idType: 'passport',
        idLast4: '4567',
        nationality: 'NP',
        nameEn: 'Sita Sharma',
        verificationStatus: 'in_person',
      });
      // The same passport, in other letters' case, is the same document.
      await refused({ ...body, idNumber: 'N1234567' }, 409, 'already_registered', await signInCitizen(t));
    });

    it('a Bangladeshi passport holder from the registry, checked in person', async () => {
      const holder = pick((p) => p.passportNumber !== null && p.age >= 18, 'adult passport holder');
      const place = await placeOf(t.database.db, holder.areaCode);
      const person = await registered(
        t,
        await signInCitizen(t),
        registrationBody(holder, place, {
          idType: 'passport',
          idNumber: holder.passportNumber!,
          nationality: 'BD',
        }),
      );
      expect(person).toMatchObject({
        idType: 'passport',
        nationality: 'BD',
        verificationStatus: 'in_person',
      });
    });

    it('a group that needs staff approval as awaiting approval, then approved by staff', async () => {
      const c = await signInCitizen(t);
      const { body } = await adult({
        priorityGroup: 'frontline_worker',
        occupation: 'frontline_worker',
        evidence: { note: 'Police ID card 4471' },
      });
      const person = await registered(t, c, body);
      expect(person.priorityGroup.code).toBe('frontline_worker');
      expect(person.priorityStatus).toBe('awaiting_approval');

      const decide = (username: string, approve: boolean) =>
        t.auth(username).then((authorization) =>
          t.app.inject({
            method: 'POST',
            url: `/api/people/${person.id}/priority-decision`,
            headers: { authorization },
            payload: { approve },
          }),
        );

      // A vaccinator cannot decide, and an approval is needed only once.
      expectError(await decide('vaccinator', true), 403, 'forbidden');
      const approved = await decide('admin', true);
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json<PersonDto>()).toMatchObject({
        id: person.id,
        priorityStatus: 'accepted',
        priorityGroup: { code: 'frontline_worker' },
      });
      expectError(await decide('admin', false), 409, 'not_awaiting_approval');

      expect((await family(c))[0]!.priorityStatus).toBe('accepted');
      const audit = (await auditEvents(t.database.db, 'person.priority_approved')).filter(
        (e) => e.entity_id === String(person.id),
      );
      expect(audit).toHaveLength(1);
      const row = await t.database.db
        .selectFrom('person')
        .select(['priority_approved_by', 'priority_evidence'])
        .where('id', '=', person.id)
        .executeTakeFirstOrThrow();
      expect(row.priority_approved_by).not.toBeNull();
      expect(row.priority_evidence).toEqual({ note: 'Police ID card 4471' });
    });

    it('a rejected group decision, kept as rejected', async () => {
      const { body } = await adult({ priorityGroup: 'student', evidence: { documentRef: 'DU-2024-1182' } });
      const person = await registered(t, await signInCitizen(t), body);
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/people/${person.id}/priority-decision`,
        headers: { authorization: await t.auth('admin') },
        payload: { approve: false },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<PersonDto>().priorityStatus).toBe('rejected');
    });

    it('a person removed from the family: the ID can be registered again', async () => {
      const c = await signInCitizen(t);
      const { body } = await adult();
      const person = await registered(t, c, body);
      const removed = await t.app.inject({
        method: 'DELETE',
        url: `/api/citizen/people/${person.id}`,
        headers: c.headers,
      });
      expect(removed.statusCode, removed.body).toBe(204);
      expect(await family(c)).toEqual([]);
      const again = await registered(t, await signInCitizen(t), body);
      expect(again.id).not.toBe(person.id);
      // Someone else's person cannot be removed.
      const other = await t.app.inject({
        method: 'DELETE',
        url: `/api/citizen/people/${again.id}`,
        headers: c.headers,
      });
      expectError(other, 404, 'not_found');
    });

    it('a person on a full phone once another is removed from its family', async () => {
      const c = await signInCitizen(t);
      const people: PersonDto[] = [];
      for (let i = 0; i < PEOPLE_PER_PHONE; i++) people.push(await registered(t, c, (await adult()).body));
      await refused((await adult()).body, 409, 'phone_limit_reached', c);
      const removed = await t.app.inject({
        method: 'DELETE',
        url: `/api/citizen/people/${people[0]!.id}`,
        headers: c.headers,
      });
      expect(removed.statusCode, removed.body).toBe(204);
      const next = await registered(t, c, (await adult()).body);
      expect((await family(c)).map((p) => p.id)).toEqual([...people.slice(1).map((p) => p.id), next.id]);
      await refused((await adult()).body, 409, 'phone_limit_reached', c);
    });

    it('another centre of the same district', async () => {
      const { body, place } = await adult();
      const other = await otherCentreInDistrict(t.database.db, place);
      const person = await registered(t, await signInCitizen(t), { ...body, preferredFacilityId: other.id });
      expect(person.preferredFacility?.id).toBe(other.id);
    });
  });
});
