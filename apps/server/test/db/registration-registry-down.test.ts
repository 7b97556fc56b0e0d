import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestContext } from '../support/app.ts';
import {
  aged,
  auditEvents,
  personPicker,
  placeOf,
  registered,
  registrationBody,
  settle,
  signInCitizen,
  smsTo,
  type Citizen,
  type PersonDto,
} from '../support/citizen.ts';

/**
 * When the national ID registry cannot answer, a registration is accepted as pending and checked
 * again later by a background job. The circuit breaker is set out of reach here: this file is about
 * the pending path, not about when the client stops calling a failing registry.
 */
describe('registration while the national ID registry is down', () => {
  let t: TestContext;
  const pick = personPicker();

  beforeAll(async () => {
    t = await testApp({ NID_REGISTRY_BREAKER_FAILURES: '1000' });
  });
  afterEach(() => t.registry.setMode('normal'));
  afterAll(() => t.close());

  const recheckJob = async (personId: number) => {
    const jobs = await t.database.db
      .selectFrom('job')
      .selectAll()
      .where('kind', '=', 'registration.recheck')
      .where(sql<boolean>`payload->>'personId' = ${String(personId)}`)
      .execute();
    expect(jobs).toHaveLength(1);
    return jobs[0]!;
  };
  /** Makes the re-check due now instead of waiting for it. */
  const makeDue = (jobId: number) =>
    t.database.db
      .updateTable('job')
      .set({ run_at: sql<Date>`now()` })
      .where('id', '=', jobId)
      .execute();
  const familyMember = async (c: Citizen, id: number) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/citizen/people', headers: c.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<PersonDto[]>().find((p) => p.id === id)!;
  };

  /** Registers an adult while the registry is down; their typed names differ from the registry's. */
  async function registerWhileDown(dateOfBirth?: string) {
    const c = await signInCitizen(t);
    const p = pick(aged(25, 55), 'adult');
    const place = await placeOf(t.database.db, p.areaCode);
    t.registry.setMode('down');
    const person = await registered(
      t,
      c,
      registrationBody(p, place, {
        nameEn: 'Typed Name',
        locale: 'bn',
        ...(dateOfBirth ? { dateOfBirth } : {}),
      }),
    );
    return { c, p, person };
  }

  it('accepts the registration as pending, tells the person, and queues a re-check', async () => {
    const { c, person } = await registerWhileDown();
    expect(person).toMatchObject({ verificationStatus: 'pending', nameEn: 'Typed Name', nameBn: null });

    await t.drain();
    const [sms, ...more] = smsTo(t.smsFile, c.phone, 'registration_pending');
    expect(more).toEqual([]);
    expect(sms!.locale).toBe('bn');
    expect(sms!.text).toContain(person.registrationNumber);
    expect(sms!.text).toContain('যাচাই এখনো বাকি');
    expect(smsTo(t.smsFile, c.phone, 'registration_confirmed')).toEqual([]);

    const job = await recheckJob(person.id);
    expect(job.status).toBe('queued');
    expect(job.payload).toEqual({ personId: person.id });
    expect(job.run_at.getTime()).toBeGreaterThan(Date.now());
    // The job row holds an id, nothing personal.
    expect(JSON.stringify(job)).not.toContain('Typed Name');

    // Not due yet: a drain leaves the person pending.
    await t.drain();
    expect((await familyMember(c, person.id)).verificationStatus).toBe('pending');
  });

  it('verifies the person when the re-check finds the registry back: registry names, SMS verified', async () => {
    const { c, p, person } = await registerWhileDown();
    const job = await recheckJob(person.id);

    t.registry.setMode('normal');
    await makeDue(job.id);
    await settle(t);

    expect(await familyMember(c, person.id)).toMatchObject({
      verificationStatus: 'verified',
      nameEn: p.nameEn,
      nameBn: p.nameBn,
      gender: p.gender,
      registrationNumber: person.registrationNumber,
    });
    const done = await recheckJob(person.id);
    expect(done.status).toBe('done');

    const [sms, ...more] = smsTo(t.smsFile, c.phone, 'registration_verified');
    expect(more).toEqual([]);
    expect(sms!.text).toContain(person.registrationNumber);
    expect(sms!.text).toContain('যাচাই সম্পন্ন হয়েছে');

    const audit = (await auditEvents(t.database.db, 'person.verified')).filter(
      (e) => e.entity_id === String(person.id),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_kind).toBe('system');

    // Running it again changes nothing and sends nothing more.
    await t.database.db
      .updateTable('job')
      .set({ status: 'queued', run_at: sql<Date>`now()` })
      .where('id', '=', job.id)
      .execute();
    await settle(t);
    expect(smsTo(t.smsFile, c.phone, 'registration_verified')).toHaveLength(1);
  });

  it('names the person in the verified SMS as the registry does, not as they were typed', async () => {
    const { c, p, person } = await registerWhileDown();
    t.registry.setMode('normal');
    await makeDue((await recheckJob(person.id)).id);
    await settle(t);
    const [sms] = smsTo(t.smsFile, c.phone, 'registration_verified');
    expect(sms!.text).toContain(person.registrationNumber);
    expect(sms!.text).not.toContain('Typed Name');
    expect(sms!.text).toContain(p.nameBn);
  });

  it('sends the later SMS in the language the person registered in', async () => {
    const c = await signInCitizen(t);
    const p = pick(aged(25, 55), 'adult');
    const place = await placeOf(t.database.db, p.areaCode);
    t.registry.setMode('down');
    const person = await registered(t, c, registrationBody(p, place, { locale: 'en' }));
    await t.drain();
    expect(smsTo(t.smsFile, c.phone, 'registration_pending')[0]!.locale).toBe('en');

    t.registry.setMode('normal');
    await makeDue((await recheckJob(person.id)).id);
    await settle(t);
    const [sms] = smsTo(t.smsFile, c.phone, 'registration_verified');
    expect(sms!.locale).toBe('en');
    expect(sms!.text).toMatch(/^Dosewise: the national ID of .* is verified\./);
  });

  it('keeps the person pending and tries again later while the registry is still down', async () => {
    const { c, person } = await registerWhileDown();
    const job = await recheckJob(person.id);
    await makeDue(job.id);
    await settle(t);

    expect((await familyMember(c, person.id)).verificationStatus).toBe('pending');
    const retried = await recheckJob(person.id);
    expect(retried.status).toBe('queued');
    expect(retried.attempts).toBe(1);
    expect(retried.run_at.getTime()).toBeGreaterThan(Date.now());
    expect(smsTo(t.smsFile, c.phone, 'registration_verified')).toEqual([]);
    expect(smsTo(t.smsFile, c.phone, 'registration_failed_verification')).toEqual([]);

    // Once it is back, the next run verifies.
    t.registry.setMode('normal');
    await makeDue(job.id);
    await t.drain();
    expect((await familyMember(c, person.id)).verificationStatus).toBe('verified');
  });

  it('marks the registration failed when the registry, back again, says the date of birth does not match', async () => {
    const p0 = pick(aged(25, 55), 'adult');
    const [y, m, d] = p0.dateOfBirth.split('-');
    const wrongDob = `${y}-${m}-${d === '10' ? '11' : '10'}`;
    // Registered by the same person data, but with a date of birth the registry does not hold.
    const c = await signInCitizen(t);
    const place = await placeOf(t.database.db, p0.areaCode);
    t.registry.setMode('down');
    const person = await registered(
      t,
      c,
      registrationBody(p0, place, { nameEn: 'Typed Name', dateOfBirth: wrongDob, locale: 'bn' }),
    );
    expect(person.verificationStatus).toBe('pending');

    t.registry.setMode('normal');
    await makeDue((await recheckJob(person.id)).id);
    await settle(t);

    expect(await familyMember(c, person.id)).toMatchObject({
      verificationStatus: 'failed',
      nameEn: 'Typed Name',
      dateOfBirth: wrongDob,
    });
    const [sms, ...more] = smsTo(t.smsFile, c.phone, 'registration_failed_verification');
    expect(more).toEqual([]);
    expect(sms!.text).toContain(person.registrationNumber);
    expect(sms!.text).toContain('যাচাই করা যায়নি');
    expect(smsTo(t.smsFile, c.phone, 'registration_verified')).toEqual([]);
    expect(
      (await auditEvents(t.database.db, 'person.verification_failed')).some(
        (e) => e.entity_id === String(person.id),
      ),
    ).toBe(true);
  });

  it('accepts as pending also when the registry is too slow to answer', async () => {
    const c = await signInCitizen(t);
    const p = pick(aged(25, 55), 'adult');
    const place = await placeOf(t.database.db, p.areaCode);
    // Slower than the client's timeout (NID_REGISTRY_TIMEOUT_MS is 500 in the test harness).
    t.registry.setMode('slow', 5_000);
    const person = await registered(t, c, registrationBody(p, place));
    expect(person.verificationStatus).toBe('pending');
    await recheckJob(person.id);
  });
});
