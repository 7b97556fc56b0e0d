import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, testConfig, type TestContext } from '../support/app.ts';
import {
  aged,
  auditEvents,
  personPicker,
  placeOf,
  register,
  registrationBody,
  registrationRows,
  signInCitizens,
  smsTo,
  type Citizen,
  type PersonDto,
} from '../support/citizen.ts';
import { expectError } from './helpers.ts';

const ATTEMPTS = 50;
const PEOPLE_PER_PHONE = testConfig().PEOPLE_PER_PHONE;

/**
 * Registrations that arrive at the same moment: the unique identity claim and the lock on the
 * phone's account must hold under real concurrency, on PGlite and on a PostgreSQL server alike.
 */
describe('concurrent registrations', () => {
  let t: TestContext;
  let citizens: Citizen[];
  const pick = personPicker();

  beforeAll(async () => {
    t = await testApp();
    citizens = await signInCitizens(t, ATTEMPTS);
  });
  afterAll(() => t.close());

  it(`${ATTEMPTS} phones registering the same ID at once: one registration, ${ATTEMPTS - 1} told it is taken`, async () => {
    const p = pick(aged(25, 55), 'adult');
    const place = await placeOf(t.database.db, p.areaCode);
    const body = registrationBody(p, place);
    const before = await registrationRows(t.database.db);

    const results = await Promise.all(citizens.map((c) => register(t, c, body)));

    const statuses = results.map((r) => r.statusCode);
    expect(
      statuses.filter((s) => s === 201),
      statuses.join(' '),
    ).toHaveLength(1);
    expect(
      statuses.filter((s) => s === 409),
      statuses.join(' '),
    ).toHaveLength(ATTEMPTS - 1);
    for (const r of results.filter((x) => x.statusCode !== 201)) expectError(r, 409, 'already_registered');

    const winner = results.find((r) => r.statusCode === 201)!.json<PersonDto>();
    const winnerIndex = results.findIndex((r) => r.statusCode === 201);
    expect(winner.nameEn).toBe(p.nameEn);

    // Exactly one person and one identity claim for the document, and nothing else left behind.
    const idBlind = t.services.vault.blindIndex('id:nid', p.nid);
    const people = await t.database.db
      .selectFrom('person')
      .select('id')
      .where('id_blind', '=', idBlind)
      .execute();
    expect(people.map((r) => r.id)).toEqual([winner.id]);
    const claims = await t.database.db
      .selectFrom('identity_claim')
      .select('person_id')
      .where('id_type', '=', 'nid')
      .where('id_blind', '=', idBlind)
      .execute();
    expect(claims.map((r) => r.person_id)).toEqual([winner.id]);
    const after = await registrationRows(t.database.db);
    expect(after).toEqual({
      person: before.person + 1,
      identity_claim: before.identity_claim + 1,
      notification: before.notification + 1,
      job: before.job + (winner.verificationStatus === 'pending' ? 1 : 0),
      registered_audit: before.registered_audit + 1,
    });
    expect(
      (await auditEvents(t.database.db, 'person.registered')).filter(
        (e) => e.entity_id === String(winner.id),
      ),
    ).toHaveLength(1);

    // Only the winner's phone hears about it; the others' families stay empty.
    await t.drain();
    citizens.forEach((c, i) =>
      expect(
        smsTo(t.smsFile, c.phone, 'registration_confirmed').concat(
          smsTo(t.smsFile, c.phone, 'registration_pending'),
        ),
      ).toHaveLength(i === winnerIndex ? 1 : 0),
    );
    const families = await Promise.all(
      citizens.map((c) =>
        t.app
          .inject({ method: 'GET', url: '/api/citizen/people', headers: c.headers })
          .then((r) => r.json<PersonDto[]>()),
      ),
    );
    expect(families.map((f) => f.length)).toEqual(citizens.map((_, i) => (i === winnerIndex ? 1 : 0)));
  });

  it(`one phone registering ${PEOPLE_PER_PHONE + 4} people at once: ${PEOPLE_PER_PHONE} accepted, the rest told the phone is full`, async () => {
    const [c] = await signInCitizens(t, 1);
    const bodies = await Promise.all(
      Array.from({ length: PEOPLE_PER_PHONE + 4 }, async () => {
        const p = pick(aged(25, 55), 'adult');
        return registrationBody(p, await placeOf(t.database.db, p.areaCode));
      }),
    );
    const before = await registrationRows(t.database.db);

    const results = await Promise.all(bodies.map((b) => register(t, c!, b)));

    const statuses = results.map((r) => r.statusCode);
    expect(
      statuses.filter((s) => s === 201),
      statuses.join(' '),
    ).toHaveLength(PEOPLE_PER_PHONE);
    for (const r of results.filter((x) => x.statusCode !== 201)) expectError(r, 409, 'phone_limit_reached');
    const family = await t.app.inject({ method: 'GET', url: '/api/citizen/people', headers: c!.headers });
    expect(family.json<PersonDto[]>()).toHaveLength(PEOPLE_PER_PHONE);
    const after = await registrationRows(t.database.db);
    expect(after.person - before.person).toBe(PEOPLE_PER_PHONE);
    expect(after.identity_claim - before.identity_claim).toBe(PEOPLE_PER_PHONE);
  });
});
