import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { App } from '../../src/http/types.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo.ts';

/** Shared helpers of the db test files (the harness itself is ../support). */

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ErrorShape {
  code: string;
  message: string;
  details?: unknown;
  requestId: string;
}

/**
 * Asserts the one error body (`{ error: { code, message, details?, requestId } }`) with this status
 * and code, and that the request id is the one in the `x-request-id` header. Returns the error.
 */
export function expectError(res: LightMyRequestResponse, status: number, code: string): ErrorShape {
  expect(res.statusCode, `${res.statusCode} ${res.body.slice(0, 300)}`).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json<{ error?: ErrorShape }>();
  expect(body.error, res.body).toBeDefined();
  const error = body.error!;
  expect(error.code, error.message).toBe(code);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
  expect(typeof error.requestId).toBe('string');
  expect(error.requestId.length).toBeGreaterThan(0);
  expect(error.requestId).toBe(res.headers['x-request-id']);
  expect(Object.keys(error).every((k) => ['code', 'message', 'details', 'requestId'].includes(k))).toBe(true);
  return error;
}

/** The `details[].field` names of a validation error. */
export function fieldsOf(error: ErrorShape): string[] {
  return Array.isArray(error.details)
    ? (error.details as { field?: unknown }[]).map((d) => String(d.field))
    : [];
}

/**
 * The tables requests write to, which `fingerprint` hashes by default. Not `rate_counter`: it counts
 * code requests per client address, it holds no data.
 */
export const MUTABLE_TABLES = [
  'area',
  'facility',
  'vaccine_product',
  'staff_user',
  'role_grant',
  'staff_session',
  'audit_event',
  'citizen_account',
  'otp_challenge',
  'priority_group',
  'priority_roster',
  'person',
  'identity_claim',
  'person_correction',
  'notification',
  'job',
] as const;
/**
 * The tables of stores, stock, doses, side effects and certificates, for tests of the routes that
 * write them (not in MUTABLE_TABLES: most tests touch none of them).
 */
export const VACCINATION_TABLES = [
  'store',
  'lot',
  'stock_receipt',
  'stock_document',
  'allocation_plan',
  'allocation_line',
  'stock_transfer',
  'stock_transfer_line',
  'stock_adjustment',
  'open_vial',
  'stock_entry',
  'stock_balance',
  'programme_setting',
  'dose',
  'dose_correction',
  'dose_review',
  'aefi_report',
  'aefi_investigation_event',
  'officer_alert',
  'certificate',
  'certificate_revocation',
  'certificate_signing_key',
] as const;
export type MutableTable = (typeof MUTABLE_TABLES)[number] | (typeof VACCINATION_TABLES)[number];

/**
 * Row count and a hash of every row of each table: equal fingerprints before and after a request
 * mean the request changed nothing in them (an update changes `updated_at` and so the hash).
 */
export async function fingerprint(
  db: Db,
  tables: readonly MutableTable[] = MUTABLE_TABLES,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await sql<{ n: number; h: string }>`
      select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h
      from ${sql.table(table)} t`.execute(db);
    out[table] = `${rows[0]!.n} rows, md5 ${rows[0]!.h}`;
  }
  return out;
}

export async function countRows(
  db: Db,
  table: MutableTable | 'nid_registry.person' | 'area_level',
): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
  return rows[0]!.n;
}

export async function areaId(db: Db, code: string): Promise<number> {
  const row = await db.selectFrom('area').select('id').where('code', '=', code).executeTakeFirst();
  if (!row) throw new Error(`no area ${code} in the test database`);
  return row.id;
}

export async function facilityId(db: Db, code: string): Promise<number> {
  const row = await db.selectFrom('facility').select('id').where('code', '=', code).executeTakeFirst();
  if (!row) throw new Error(`no facility ${code} in the test database`);
  return row.id;
}

export async function userId(db: Db, username: string): Promise<number> {
  const row = await db
    .selectFrom('staff_user')
    .select('id')
    .where('username', '=', username)
    .executeTakeFirst();
  if (!row) throw new Error(`no staff user ${username} in the test database`);
  return row.id;
}

let clientNumber = 0;
/**
 * A client address of its own: sign-in is rate limited per address (20 a minute), so helpers that
 * sign in many times use a fresh address each time unless a test is about the limit.
 */
export function freshAddress(): string {
  clientNumber++;
  return `10.${(clientNumber >> 16) & 255}.${(clientNumber >> 8) & 255}.${clientNumber & 255}`;
}

export function signIn(
  app: App,
  username: string,
  password = DEMO_PASSWORD,
  extra: Partial<InjectOptions> = {},
) {
  return app.inject({
    method: 'POST',
    url: '/api/auth/sign-in',
    payload: { username, password },
    remoteAddress: freshAddress(),
    ...extra,
  });
}

/** Signs in and returns the Authorization header value; fails the test when the sign-in does. */
export async function bearer(app: App, username: string, password = DEMO_PASSWORD): Promise<string> {
  const res = await signIn(app, username, password);
  expect(res.statusCode, `sign-in of ${username}: ${res.body}`).toBe(200);
  return `Bearer ${res.json<{ accessToken: string }>().accessToken}`;
}

/** Latest audit events, newest first. */
export function latestAudit(db: Db, limit = 20) {
  return db.selectFrom('audit_event').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
