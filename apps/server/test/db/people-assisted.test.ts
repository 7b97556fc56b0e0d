import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestContext } from '../support/app.ts';
import {
  aged,
  auditEvents,
  facilityOfUser,
  localPhone,
  newPhone,
  personPicker,
  placeInDivision,
  placeNearFacility,
  registrationBody,
  registrationRows,
  signInCitizen,
  smsTo,
  type PersonDto,
  type RegistrationBody,
} from '../support/citizen.ts';
import { expectError, userId } from './helpers.ts';

/** Staff register people at a facility, for those without a phone or who need help. */
describe('assisted registration at a facility', () => {
  let t: TestContext;
  let facilityId: number;
  const pick = personPicker();

  beforeAll(async () => {
    t = await testApp();
    facilityId = await facilityOfUser(t.database.db, 'vaccinator');
  });
  afterAll(() => t.close());

  const registerAt = async (username: string, facility: number, body: RegistrationBody) =>
    t.app.inject({
      method: 'POST',
      url: `/api/facilities/${facility}/registrations`,
      headers: { authorization: await t.auth(username) },
      payload: body,
    });

  async function localAdult(overrides: Partial<RegistrationBody> = {}) {
    const p = pick(aged(25, 55), 'adult');
    const place = await placeNearFacility(t.database.db, facilityId);
    return { p, body: registrationBody(p, place, overrides) };
  }

  it('lets the vaccinator register a person without a phone at their own centre', async () => {
    const { p, body } = await localAdult();
    const before = await registrationRows(t.database.db);
    const res = await registerAt('vaccinator', facilityId, body);
    expect(res.statusCode, res.body).toBe(201);
    const person = res.json<PersonDto>();
    expect(person).toMatchObject({
      nameEn: p.nameEn,
      nameBn: p.nameBn,
      verificationStatus: 'verified',
      registeredVia: 'assisted',
      preferredFacility: { id: facilityId },
    });

    const row = await t.database.db
      .selectFrom('person')
      .select(['citizen_account_id', 'phone_enc', 'phone_blind', 'registered_by', 'registered_via'])
      .where('id', '=', person.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      citizen_account_id: null,
      phone_enc: null,
      phone_blind: null,
      registered_by: await userId(t.database.db, 'vaccinator'),
      registered_via: 'assisted',
    });
    // No phone, no SMS; the registration is audited as the vaccinator's.
    const after = await registrationRows(t.database.db);
    expect(after).toMatchObject({
      person: before.person + 1,
      identity_claim: before.identity_claim + 1,
      notification: before.notification,
    });
    const audit = (await auditEvents(t.database.db, 'person.registered')).filter(
      (e) => e.entity_id === String(person.id),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_kind: 'staff',
      actor_id: await userId(t.database.db, 'vaccinator'),
    });

    // The vaccinator finds the person again by registration number.
    const view = await t.app.inject({
      method: 'GET',
      url: `/api/people/${person.id}`,
      headers: { authorization: await t.auth('vaccinator') },
    });
    expect(view.statusCode, view.body).toBe(200);
  });

  it('with a phone, links the person to that phone: they get the SMS and see the person after signing in', async () => {
    const phone = newPhone();
    const { body } = await localAdult({ phone: localPhone(phone), locale: 'en' });
    const res = await registerAt('vaccinator', facilityId, body);
    expect(res.statusCode, res.body).toBe(201);
    const person = res.json<PersonDto>();
    await t.drain();
    const [sms] = smsTo(t.smsFile, phone, 'registration_confirmed');
    expect(sms!.text).toContain(person.registrationNumber);

    const c = await signInCitizen(t, phone);
    const family = await t.app.inject({ method: 'GET', url: '/api/citizen/people', headers: c.headers });
    expect(family.json<PersonDto[]>().map((x) => x.id)).toEqual([person.id]);
  });

  it('refuses the same ID registered already by the person themself', async () => {
    const { body } = await localAdult();
    const self = await t.app.inject({
      method: 'POST',
      url: '/api/citizen/people',
      headers: (await signInCitizen(t)).headers,
      payload: body,
    });
    expect(self.statusCode, self.body).toBe(201);
    const before = await registrationRows(t.database.db);
    expectError(await registerAt('vaccinator', facilityId, body), 409, 'already_registered');
    expect(await registrationRows(t.database.db)).toEqual(before);
  });

  it("refuses a facility outside the vaccinator's scope, storing nothing", async () => {
    const p = pick(aged(25, 55), 'adult');
    const elsewhere = await placeInDivision(t.database.db, 'Chattagram');
    const body = registrationBody(p, elsewhere);
    const before = await registrationRows(t.database.db);
    expectError(await registerAt('vaccinator', elsewhere.facilityId, body), 403, 'forbidden');
    // Nor may a Dhaka admin register outside Dhaka; a store keeper cannot register at all.
    expectError(await registerAt('dhaka.admin', elsewhere.facilityId, body), 403, 'forbidden');
    expectError(await registerAt('storekeeper', facilityId, (await localAdult()).body), 403, 'forbidden');
    await t.drain();
    expect(await registrationRows(t.database.db)).toEqual(before);
    // The ID is still free: a national admin may register it there.
    const res = await registerAt('admin', elsewhere.facilityId, body);
    expect(res.statusCode, res.body).toBe(201);
  });

  it('refuses an unknown facility with 404', async () => {
    const { body } = await localAdult();
    expectError(await registerAt('admin', 987_654, body), 404, 'not_found');
  });

  it('applies the same rules as self registration', async () => {
    const { body } = await localAdult();
    const before = await registrationRows(t.database.db);
    expectError(
      await registerAt('vaccinator', facilityId, { ...body, consent: { ...body.consent, accepted: false } }),
      400,
      'consent_required',
    );
    expectError(
      await registerAt('vaccinator', facilityId, { ...body, phone: '01212345678' }),
      400,
      'invalid_phone',
    );
    expect(await registrationRows(t.database.db)).toEqual(before);
  });
});
