import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Db } from '../db/database.ts';
import { withTransaction } from '../db/database.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError, badRequest, unauthorized } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { Notify } from './ports.ts';

export interface OtpSettings {
  ttlS: number;
  maxTries: number;
  maxPerPhoneHour: number;
  maxPerPhoneDay: number;
  maxPerIpHour: number;
  tokenSecret: string;
  citizenTokenTtlS: number;
  indexKeyHex: string;
}

const AUDIENCE = 'dosewise-citizen';
const ISSUER = 'dosewise';

export interface CitizenPrincipal {
  accountId: number;
}

/**
 * Phone sign-in for citizens. Codes are six digits, stored only as an HMAC, valid for a few minutes,
 * with a bounded number of tries; requests are limited per phone (hour and day) and per client
 * address. Whether a phone is known never changes the answer.
 */
export function otpService(deps: {
  db: Db;
  vault: IdentifierVault;
  notify: Notify;
  settings: OtpSettings;
  now?: () => Date;
}) {
  const { db, vault, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const key = new TextEncoder().encode(settings.tokenSecret);
  const codeKey = Buffer.from(settings.indexKeyHex, 'hex');
  const codeHash = (challengeId: string, code: string) =>
    createHmac('sha256', codeKey).update(`otp:${challengeId}:${code}`).digest('base64url');

  /**
   * Per phone the recent challenges are few, so they are counted directly; per client address a
   * counter per hour is incremented, since one address (a help desk, a mobile carrier's NAT) may
   * send very many.
   */
  /**
   * Fixed-window counters per phone (hour and day) and per client address (hour), incremented in
   * one statement each: concurrent requests cannot all pass a check made before any of them counted.
   */
  async function limitExceeded(phoneBlind: string, ip: string): Promise<number | null> {
    const t = now().getTime();
    const hour = new Date(Math.floor(t / 3600_000) * 3600_000);
    const day = new Date(Math.floor(t / 86_400_000) * 86_400_000);
    const bump = async (key: string, windowStart: Date) =>
      (
        await db
          .insertInto('rate_counter')
          .values({ key, window_start: windowStart, count: 1 })
          .onConflict((oc) =>
            oc
              .columns(['key', 'window_start'])
              .doUpdateSet((eb) => ({ count: eb('rate_counter.count', '+', 1) })),
          )
          .returning('count')
          .executeTakeFirstOrThrow()
      ).count;
    const untilNext = (start: Date, ms: number) => Math.max(1, Math.ceil((start.getTime() + ms - t) / 1000));
    if ((await bump(`otp:phone:day:${phoneBlind}`, day)) > settings.maxPerPhoneDay)
      return untilNext(day, 86_400_000);
    if ((await bump(`otp:phone:hour:${phoneBlind}`, hour)) > settings.maxPerPhoneHour)
      return untilNext(hour, 3600_000);
    if ((await bump(`otp:ip:${ip}`, hour)) > settings.maxPerIpHour) return untilNext(hour, 3600_000);
    return null;
  }

  return {
    /** Sends a code to the phone; the answer is the same for every well-formed phone. */
    async request(phoneE164: string, ctx: { ip: string; requestId: string; locale: 'en' | 'bn' }) {
      const phoneBlind = vault.blindIndex('phone', phoneE164);
      const retryAfter = await limitExceeded(phoneBlind, ctx.ip);
      if (retryAfter !== null) {
        await recordAudit(db, {
          actorKind: 'anonymous',
          actorId: null,
          action: 'otp.rate_limited',
          requestId: ctx.requestId,
          ip: ctx.ip,
        });
        throw new AppError(
          429,
          'otp_rate_limited',
          'Too many codes were asked for. Wait a while before asking for another.',
          { retryAfterSeconds: retryAfter },
          { 'retry-after': String(retryAfter) },
        );
      }
      const id = randomUUID();
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const expiresAt = new Date(now().getTime() + settings.ttlS * 1000);
      await withTransaction(db, async (trx) => {
        await trx
          .insertInto('otp_challenge')
          .values({
            id,
            phone_blind: phoneBlind,
            phone_enc: vault.encrypt(phoneE164),
            code_hash: codeHash(id, code),
            ip: ctx.ip,
            expires_at: expiresAt,
            created_at: now(),
          })
          .execute();
        await deps.notify(trx, {
          to: phoneE164,
          template: 'otp',
          locale: ctx.locale,
          params: { code, minutes: Math.round(settings.ttlS / 60) },
        });
      });
      return { challengeId: id, expiresIn: settings.ttlS };
    },

    /** Checks a code; on success the phone's citizen account (made on first use) gets a session token. */
    async verify(challengeId: string, code: string, ctx: { ip: string; requestId: string }) {
      // Every try is counted before the code is compared, in one statement: parallel guesses at one
      // challenge cannot get more than maxTries comparisons between them.
      const counted = await db
        .updateTable('otp_challenge')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', challengeId)
        .where('consumed_at', 'is', null)
        .where('locked_at', 'is', null)
        .where('attempts', '<', settings.maxTries)
        .where('expires_at', '>', now())
        .returning(['attempts', 'code_hash', 'phone_blind', 'phone_enc'])
        .executeTakeFirst();
      if (!counted) {
        const challenge = await db
          .selectFrom('otp_challenge')
          .selectAll()
          .where('id', '=', challengeId)
          .executeTakeFirst();
        if (!challenge)
          throw badRequest('otp_unknown', 'This code request is not known. Ask for a new code.');
        if (challenge.consumed_at)
          throw badRequest('otp_used', 'This code has already been used. Ask for a new code.');
        if (challenge.locked_at || challenge.attempts >= settings.maxTries) {
          throw new AppError(429, 'otp_locked', 'Too many wrong codes. Ask for a new code.');
        }
        throw badRequest('otp_expired', 'This code has expired. Ask for a new code.');
      }
      const expected = Buffer.from(counted.code_hash);
      const given = Buffer.from(codeHash(challengeId, code));
      const right = expected.length === given.length && timingSafeEqual(expected, given);
      if (!right) {
        const attempts = counted.attempts;
        if (attempts >= settings.maxTries) {
          await db
            .updateTable('otp_challenge')
            .set({ locked_at: now() })
            .where('id', '=', challengeId)
            .where('locked_at', 'is', null)
            .execute();
          await recordAudit(db, {
            actorKind: 'anonymous',
            actorId: null,
            action: 'otp.locked',
            entityType: 'otp_challenge',
            entityId: challengeId,
            requestId: ctx.requestId,
            ip: ctx.ip,
          });
          throw new AppError(429, 'otp_locked', 'Too many wrong codes. Ask for a new code.');
        }
        throw badRequest('otp_wrong', `The code is not right. ${settings.maxTries - attempts} tries left.`, {
          triesLeft: settings.maxTries - attempts,
        });
      }
      const challenge = counted;
      const accountId = await withTransaction(db, async (trx) => {
        const consumed = await trx
          .updateTable('otp_challenge')
          .set({ consumed_at: now() })
          .where('id', '=', challengeId)
          .where('consumed_at', 'is', null)
          .where('locked_at', 'is', null)
          .executeTakeFirst();
        if (Number(consumed.numUpdatedRows) !== 1)
          throw badRequest('otp_used', 'This code has already been used. Ask for a new code.');
        const existing = await trx
          .selectFrom('citizen_account')
          .select('id')
          .where('phone_blind', '=', challenge.phone_blind)
          .executeTakeFirst();
        if (existing) {
          await trx
            .updateTable('citizen_account')
            .set({ last_sign_in_at: now() })
            .where('id', '=', existing.id)
            .execute();
          return existing.id;
        }
        const created = await trx
          .insertInto('citizen_account')
          .values({
            phone_blind: challenge.phone_blind,
            phone_enc: challenge.phone_enc,
            last_sign_in_at: now(),
          })
          .onConflict((oc) => oc.column('phone_blind').doUpdateSet({ last_sign_in_at: now() }))
          .returning('id')
          .executeTakeFirstOrThrow();
        return created.id;
      });
      await recordAudit(db, {
        actorKind: 'citizen',
        actorId: accountId,
        action: 'citizen.signed_in',
        entityType: 'citizen_account',
        entityId: accountId,
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(accountId))
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${settings.citizenTokenTtlS}s`)
        .sign(key);
      return { token, expiresIn: settings.citizenTokenTtlS, accountId };
    },

    async authenticate(token: string): Promise<CitizenPrincipal> {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
        });
        const accountId = Number(payload.sub);
        if (!Number.isInteger(accountId) || accountId <= 0) throw new Error('bad subject');
        return { accountId };
      } catch {
        throw unauthorized('invalid_token', 'Your sign-in has expired. Sign in again with a new code.');
      }
    },
  };
}

export type OtpService = ReturnType<typeof otpService>;
