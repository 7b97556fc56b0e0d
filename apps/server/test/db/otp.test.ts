import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestContext } from '../support/app.ts';
import {
  auditEvents,
  citizenAddress,
  codeIn,
  localPhone,
  newPhone,
  otpFromSms,
  requestOtp,
  signInCitizen,
  smsTo,
  verifyOtp,
} from '../support/citizen.ts';
import { expectError } from './helpers.ts';

const TTL_S = 30;
const PER_PHONE_HOUR = 3;
const PER_IP_HOUR = 4;
const MAX_TRIES = 5;

interface Challenge {
  challengeId: string;
  expiresIn: number;
}

/** A code that is not `code`. */
const wrong = (code: string, n = 1) => String((Number(code) + n) % 1_000_000).padStart(6, '0');

describe('citizen sign-in with a code sent by SMS', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await testApp({
      OTP_TTL_S: String(TTL_S),
      OTP_MAX_TRIES: String(MAX_TRIES),
      OTP_MAX_PER_PHONE_HOUR: String(PER_PHONE_HOUR),
      OTP_MAX_PER_IP_HOUR: String(PER_IP_HOUR),
    });
  });
  afterAll(() => t.close());

  const challengeRow = (id: string) =>
    t.database.db.selectFrom('otp_challenge').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const accounts = async () =>
    Number(
      (
        await t.database.db
          .selectFrom('citizen_account')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** A fresh challenge for a fresh phone, and the code the SMS carried. */
  async function challenge(phone = newPhone()) {
    const res = await requestOtp(t, phone);
    expect(res.statusCode, res.body).toBe(202);
    const { challengeId } = res.json<Challenge>();
    return { phone, challengeId, code: await otpFromSms(t, phone) };
  }

  it('sends a six-digit code by SMS and keeps it only as a hash', async () => {
    const phone = newPhone();
    const res = await requestOtp(t, localPhone(phone), { locale: 'en' });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json<Challenge>();
    expect(body.challengeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(body.expiresIn).toBe(TTL_S);

    // The code reaches the phone, written as the person typed it, in E.164.
    await t.drain();
    const [sms, ...more] = smsTo(t.smsFile, phone, 'otp');
    expect(more).toEqual([]);
    expect(sms!.locale).toBe('en');
    expect(sms!.text).toMatch(/^Your Dosewise code is \d{6}\./);
    const code = codeIn(sms!.text);

    // The challenge holds a hash of the code, and the phone only encrypted.
    const row = await challengeRow(body.challengeId);
    expect(row.code_hash).not.toBe(code);
    expect(row.code_hash.length).toBeGreaterThanOrEqual(32);
    const rowText = JSON.stringify(row);
    expect(rowText).not.toContain(code);
    expect(rowText).not.toContain(phone.slice(4));

    // The outbox row keeps the code encrypted: no plain code in its parameters.
    const notification = await t.database.db
      .selectFrom('notification')
      .selectAll()
      .where('id', '=', sms!.notificationId)
      .executeTakeFirstOrThrow();
    expect(notification.template).toBe('otp');
    expect(Object.keys(notification.params).sort()).toEqual(['$secret', 'minutes']);
    expect(notification.params).not.toHaveProperty('code');
    expect(typeof notification.params.$secret).toBe('string');
    expect(JSON.stringify(notification)).not.toContain(code);
    expect(notification.recipient_enc).not.toContain(phone.slice(4));

    // No table holds the code in plain text.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from otp_challenge c
      where c::text like ${`%${code}%`}`.execute(t.database.db);
    expect(rows[0]!.n).toBe(0);

    // And the code signs the phone in.
    const verified = await verifyOtp(t, body.challengeId, code);
    expect(verified.statusCode, verified.body).toBe(200);
    const { token, expiresIn } = verified.json<{ token: string; expiresIn: number }>();
    expect(token.split('.')).toHaveLength(3);
    expect(expiresIn).toBeGreaterThan(0);
    const family = await t.app.inject({
      method: 'GET',
      url: '/api/citizen/people',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(family.statusCode, family.body).toBe(200);
    expect(family.json()).toEqual([]);
  });

  it('sends the code in Bengali by default', async () => {
    const phone = newPhone();
    expect((await requestOtp(t, phone)).statusCode).toBe(202);
    await t.drain();
    const [sms] = smsTo(t.smsFile, phone, 'otp');
    expect(sms!.locale).toBe('bn');
    expect(sms!.text).toContain('আপনার Dosewise কোড');
    expect(codeIn(sms!.text)).toMatch(/^\d{6}$/);
  });

  it('answers a known phone and an unknown phone the same way', async () => {
    const known = await signInCitizen(t);
    const unknown = newPhone();
    const before = await accounts();

    const a = await requestOtp(t, known.phone);
    const b = await requestOtp(t, unknown);
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    const ba = a.json<Challenge>();
    const bb = b.json<Challenge>();
    expect(Object.keys(ba).sort()).toEqual(Object.keys(bb).sort());
    expect(ba.expiresIn).toBe(bb.expiresIn);
    expect(ba.challengeId).not.toBe(bb.challengeId);
    expect(a.headers['content-type']).toBe(b.headers['content-type']);
    expect(a.headers['retry-after']).toBeUndefined();
    expect(b.headers['retry-after']).toBeUndefined();

    // Both phones get a code; asking creates no account.
    await t.drain();
    expect(smsTo(t.smsFile, known.phone, 'otp')).toHaveLength(2);
    expect(smsTo(t.smsFile, unknown, 'otp')).toHaveLength(1);
    expect(await accounts()).toBe(before);
  });

  it('refuses a wrong code, says how many tries are left, and still takes the right one', async () => {
    const { challengeId, code } = await challenge();
    const res = await verifyOtp(t, challengeId, wrong(code));
    const error = expectError(res, 400, 'otp_wrong');
    expect(error.details).toEqual({ triesLeft: MAX_TRIES - 1 });
    expect(error.message).toMatch(/4 tries left/);

    const again = await verifyOtp(t, challengeId, wrong(code, 2));
    expect(expectError(again, 400, 'otp_wrong').details).toEqual({ triesLeft: MAX_TRIES - 2 });

    const right = await verifyOtp(t, challengeId, code);
    expect(right.statusCode, right.body).toBe(200);
  });

  it(`locks the code after ${MAX_TRIES} wrong tries: audited, and the right code no longer works`, async () => {
    const { challengeId, code } = await challenge();
    const accountsBefore = await accounts();
    for (let i = 1; i < MAX_TRIES; i++) {
      const res = await verifyOtp(t, challengeId, wrong(code, i));
      expect(expectError(res, 400, 'otp_wrong').details).toEqual({ triesLeft: MAX_TRIES - i });
    }
    const last = await verifyOtp(t, challengeId, wrong(code, MAX_TRIES));
    expectError(last, 429, 'otp_locked');

    const locked = (await auditEvents(t.database.db, 'otp.locked')).filter(
      (e) => e.entity_id === challengeId,
    );
    expect(locked).toHaveLength(1);
    expect(locked[0]!.actor_kind).toBe('anonymous');

    const right = await verifyOtp(t, challengeId, code);
    expectError(right, 429, 'otp_locked');
    expect(await accounts()).toBe(accountsBefore);
    expect((await challengeRow(challengeId)).consumed_at).toBeNull();
  });

  it(`does not let parallel guesses test more than ${MAX_TRIES} codes`, async () => {
    // 30 wrong guesses and then the right one, sent together (from many addresses, as a botnet
    // would). Only ${MAX_TRIES} tries exist: the right code, coming after 30 wrong ones, must not sign in.
    const { challengeId, code } = await challenge();
    const accountsBefore = await accounts();
    const guesses = [...Array.from({ length: 30 }, (_, i) => wrong(code, i + 1)), code];
    const answers = await Promise.all(guesses.map((g) => verifyOtp(t, challengeId, g)));

    const wrongAnswers = answers.slice(0, -1);
    expect(wrongAnswers.every((r) => r.statusCode === 400 || r.statusCode === 429)).toBe(true);
    expect(wrongAnswers.filter((r) => r.statusCode === 400).length).toBeLessThanOrEqual(MAX_TRIES - 1);
    const rightAnswer = answers[answers.length - 1]!;
    expect(rightAnswer.statusCode, `the right code after 30 wrong ones: ${rightAnswer.body}`).toBe(429);
    expect(await accounts()).toBe(accountsBefore);
    const row = await challengeRow(challengeId);
    expect(row.attempts).toBeLessThanOrEqual(MAX_TRIES);
    expect(row.consumed_at).toBeNull();
  });

  it('refuses an expired code', async () => {
    const { challengeId, code } = await challenge();
    // The code's time is moved to the past instead of waiting for it.
    await t.database.db
      .updateTable('otp_challenge')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', challengeId)
      .execute();
    const res = await verifyOtp(t, challengeId, code);
    expectError(res, 400, 'otp_expired');
    expect((await challengeRow(challengeId)).consumed_at).toBeNull();
  });

  it('refuses a code used once already', async () => {
    const { challengeId, code } = await challenge();
    const first = await verifyOtp(t, challengeId, code);
    expect(first.statusCode, first.body).toBe(200);
    const second = await verifyOtp(t, challengeId, code);
    expectError(second, 400, 'otp_used');
  });

  it('refuses a challenge that does not exist', async () => {
    const res = await verifyOtp(t, '00000000-0000-4000-8000-000000000000', '123456');
    expectError(res, 400, 'otp_unknown');
  });

  it('signs the same phone into the same account every time', async () => {
    const phone = newPhone();
    await signInCitizen(t, phone);
    const after = await accounts();
    await signInCitizen(t, phone);
    expect(await accounts()).toBe(after);
  });

  it(`limits codes per phone to ${PER_PHONE_HOUR} an hour, with Retry-After`, async () => {
    const phone = newPhone();
    for (let i = 0; i < PER_PHONE_HOUR; i++) {
      const ok = await requestOtp(t, phone);
      expect(ok.statusCode, ok.body).toBe(202);
    }
    const refused = await requestOtp(t, phone);
    const error = expectError(refused, 429, 'otp_rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(error.details).toEqual({ retryAfterSeconds: retryAfter });

    // Written the local way it is the same phone, and still refused.
    expectError(await requestOtp(t, localPhone(phone)), 429, 'otp_rate_limited');

    // Only the codes that were accepted went out; another phone is not affected.
    await t.drain();
    expect(smsTo(t.smsFile, phone, 'otp')).toHaveLength(PER_PHONE_HOUR);
    expect((await requestOtp(t, newPhone())).statusCode).toBe(202);
    expect((await auditEvents(t.database.db, 'otp.rate_limited')).length).toBeGreaterThanOrEqual(2);
  });

  it('holds the per-phone limit also when the requests arrive together', async () => {
    const phone = newPhone();
    const answers = await Promise.all(Array.from({ length: 10 }, () => requestOtp(t, phone)));
    const statuses = answers.map((r) => r.statusCode);
    expect(
      statuses.filter((s) => s === 202),
      statuses.join(' '),
    ).toHaveLength(PER_PHONE_HOUR);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10 - PER_PHONE_HOUR);
    await t.drain();
    expect(smsTo(t.smsFile, phone, 'otp')).toHaveLength(PER_PHONE_HOUR);
  });

  it(`limits codes per client address to ${PER_IP_HOUR} an hour, with Retry-After`, async () => {
    const address = citizenAddress();
    for (let i = 0; i < PER_IP_HOUR; i++) {
      const ok = await requestOtp(t, newPhone(), { remoteAddress: address });
      expect(ok.statusCode, ok.body).toBe(202);
    }
    const phone = newPhone();
    const refused = await requestOtp(t, phone, { remoteAddress: address });
    expectError(refused, 429, 'otp_rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await t.drain();
    expect(smsTo(t.smsFile, phone)).toEqual([]);

    // The same phone from another address is fine.
    expect((await requestOtp(t, phone)).statusCode).toBe(202);
  });

  it('refuses a number that is not a mobile phone, storing and sending nothing', async () => {
    const count = async () =>
      (
        await sql<{ c: number; n: number }>`
          select (select count(*)::int from otp_challenge) as c, (select count(*)::int from notification) as n`.execute(
          t.database.db,
        )
      ).rows[0]!;
    const before = await count();
    for (const phone of ['01212345678', '+880 1712 34567', '017123456789', '12345678']) {
      const res = await requestOtp(t, phone);
      const error = expectError(res, 400, 'invalid_phone');
      expect(error.details).toEqual([{ field: 'phone' }]);
    }
    expect(await count()).toEqual(before);
  });

  it('takes a phone number written in Bengali digits, as the phone rules promise', async () => {
    // packages/domain/src/phone.ts: "sometimes in Bengali digits ... all of those are the same number".
    const phone = newPhone();
    const bengali = localPhone(phone).replace(/\d/g, (d) => String.fromCharCode(0x09e6 + Number(d)));
    const res = await requestOtp(t, bengali);
    expect(res.statusCode, res.body).toBe(202);
    await t.drain();
    expect(smsTo(t.smsFile, phone, 'otp')).toHaveLength(1);
  });
});
