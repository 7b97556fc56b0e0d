import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError, badRequest, unauthorized } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { PrepareNotification } from './ports.ts';
import { otpRepository } from './repository.ts';

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
  /** Turns the code's SMS into its outbox row, stored with the challenge in one statement. */
  prepareMessage: PrepareNotification;
  settings: OtpSettings;
  now?: () => Date;
}) {
  const { db, vault, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const tokens = citizenTokens(settings.tokenSecret);
  const codeKey = Buffer.from(settings.indexKeyHex, 'hex');
  const codeHash = (challengeId: string, code: string) =>
    createHmac('sha256', codeKey).update(`otp:${challengeId}:${code}`).digest('base64url');
  const repo = otpRepository(db);

  return {
    /**
     * Sends a code to the phone; the answer is the same for every well-formed phone. Requests are
     * counted in fixed windows per phone (day, then hour) and per client address (hour), in the
     * statement that stores the challenge: concurrent requests cannot all pass a check made before
     * any of them counted.
     */
    async request(phoneE164: string, ctx: { ip: string; requestId: string; locale: 'en' | 'bn' }) {
      const phoneBlind = vault.blindIndex('phone', phoneE164);
      const at = now();
      const t = at.getTime();
      const hour = new Date(Math.floor(t / 3600_000) * 3600_000);
      const day = new Date(Math.floor(t / 86_400_000) * 86_400_000);
      const id = randomUUID();
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const counts = await repo.requestChallenge(
        [
          { key: `otp:phone:day:${phoneBlind}`, windowStart: day, max: settings.maxPerPhoneDay },
          { key: `otp:phone:hour:${phoneBlind}`, windowStart: hour, max: settings.maxPerPhoneHour },
          { key: `otp:ip:${ctx.ip}`, windowStart: hour, max: settings.maxPerIpHour },
        ],
        {
          id,
          phoneBlind,
          phoneEnc: vault.encrypt(phoneE164),
          codeHash: codeHash(id, code),
          ip: ctx.ip,
          expiresAt: new Date(t + settings.ttlS * 1000),
          createdAt: at,
        },
        deps.prepareMessage({
          to: phoneE164,
          template: 'otp',
          locale: ctx.locale,
          params: { code, minutes: Math.round(settings.ttlS / 60) },
        }),
      );
      const untilNext = (start: Date, ms: number) =>
        Math.max(1, Math.ceil((start.getTime() + ms - t) / 1000));
      const [perDay, perHour, perIp] = counts;
      const retryAfter =
        perDay > settings.maxPerPhoneDay
          ? untilNext(day, 86_400_000)
          : (perHour ?? 0) > settings.maxPerPhoneHour || (perIp ?? 0) > settings.maxPerIpHour
            ? untilNext(hour, 3600_000)
            : null;
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
      return { challengeId: id, expiresIn: settings.ttlS };
    },

    /** Checks a code; on success the phone's citizen account (made on first use) gets a session token. */
    async verify(challengeId: string, code: string, ctx: { ip: string; requestId: string }) {
      // Every try is counted before the code is compared, in one statement: parallel guesses at one
      // challenge cannot get more than maxTries comparisons between them.
      const counted = await repo.countTry(challengeId, settings.maxTries, now());
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
      // The challenge is consumed, the phone's account found or made and the sign-in audited in one
      // statement: all of it happens, or (a concurrent use of the same code won) none of it.
      const accountId = await repo.consumeAndSignIn(challengeId, now(), {
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
      if (accountId === undefined)
        throw badRequest('otp_used', 'This code has already been used. Ask for a new code.');
      const token = tokens.issue(accountId, settings.citizenTokenTtlS);
      return { token, expiresIn: settings.citizenTokenTtlS, accountId };
    },

    async authenticate(token: string): Promise<CitizenPrincipal> {
      const accountId = tokens.verify(token);
      if (accountId === null)
        throw unauthorized('invalid_token', 'Your sign-in has expired. Sign in again with a new code.');
      return { accountId };
    },
  };
}

export type OtpService = ReturnType<typeof otpService>;

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const HEADER = base64url(JSON.stringify({ alg: 'HS256' }));

/**
 * Citizen session tokens: JWTs signed with HMAC-SHA-256 (`{"alg":"HS256"}`), subject the account
 * id, with issuer, audience, issued-at and expiry, as any JWT library reads and writes them.
 * Signed and checked here with node:crypto directly: a JWT library's WebCrypto path costs several
 * times the CPU, and every citizen request checks one.
 *
 * A token is accepted only when its signature is the expected one (compared in constant time)
 * over exactly its header and payload text, its header names HS256 and nothing critical, the
 * issuer and audience are ours, it has not expired, is not before its nbf, and its subject is an
 * account id. Times are whole seconds since the epoch.
 */
export function citizenTokens(secret: string) {
  const key = Buffer.from(secret, 'utf8');
  const signature = (signed: string) => createHmac('sha256', key).update(signed).digest('base64url');
  const objectOf = (part: string): Record<string, unknown> | null => {
    try {
      const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  };
  return {
    issue(accountId: number, ttlS: number, nowS = Math.floor(Date.now() / 1000)): string {
      const payload = base64url(
        JSON.stringify({ sub: String(accountId), iss: ISSUER, aud: AUDIENCE, iat: nowS, exp: nowS + ttlS }),
      );
      const signed = `${HEADER}.${payload}`;
      return `${signed}.${signature(signed)}`;
    },
    /** The account id of a valid token; null for anything else. */
    verify(token: string, nowS = Math.floor(Date.now() / 1000)): number | null {
      const parts = token.split('.');
      if (parts.length !== 3) return null;
      const [header, payload, given] = parts as [string, string, string];
      const expected = Buffer.from(signature(`${header}.${payload}`));
      const actual = Buffer.from(given);
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
      const h = objectOf(header);
      if (!h || h.alg !== 'HS256' || h.crit !== undefined || (h.b64 !== undefined && h.b64 !== true))
        return null;
      const p = objectOf(payload);
      if (!p || p.iss !== ISSUER) return null;
      if (!(p.aud === AUDIENCE || (Array.isArray(p.aud) && p.aud.includes(AUDIENCE)))) return null;
      if (typeof p.exp !== 'number' || p.exp <= nowS) return null;
      if (p.nbf !== undefined && (typeof p.nbf !== 'number' || p.nbf > nowS)) return null;
      if (p.iat !== undefined && typeof p.iat !== 'number') return null;
      const accountId = typeof p.sub === 'string' && /^[1-9]\d{0,15}$/.test(p.sub) ? Number(p.sub) : NaN;
      return Number.isSafeInteger(accountId) ? accountId : null;
    },
  };
}
