import type { LightMyRequestResponse } from 'fastify';
import { addDays } from '@dosewise/domain';
import { todayIn } from '../../src/registration/calendar.ts';
import type { SessionT, AppointmentT } from '../../src/scheduling/schemas.ts';
import type { TestContext } from './app.ts';

/** Session planning and booking through the API, as the console and the citizen screens do it. */

export const dhakaToday = () => todayIn('Asia/Dhaka');
export const inDays = (n: number) => addDays(dhakaToday(), n);

export interface SessionOptions {
  facilityId: number;
  productId: number;
  date?: string;
  doseNumbers?: number[];
  minAgeYears?: number;
  maxAgeYears?: number | null;
  startsAt?: string;
  endsAt?: string;
  capacity?: number;
  slotMinutes?: number;
}

export function sessionBody(o: SessionOptions) {
  return {
    facilityId: o.facilityId,
    productId: o.productId,
    date: o.date ?? inDays(1),
    doseNumbers: o.doseNumbers ?? [1],
    minAgeYears: o.minAgeYears ?? 18,
    ...(o.maxAgeYears !== undefined ? { maxAgeYears: o.maxAgeYears } : {}),
    startsAt: o.startsAt ?? '09:00',
    endsAt: o.endsAt ?? '17:00',
    capacity: o.capacity ?? 100,
    ...(o.slotMinutes ? { slotMinutes: o.slotMinutes } : {}),
  };
}

function ok<T>(res: LightMyRequestResponse, status: number, what: string): T {
  if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  return res.json<T>();
}

export async function createSession(t: TestContext, o: SessionOptions, as = 'admin'): Promise<SessionT> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: { authorization: await t.auth(as) },
    payload: sessionBody(o),
  });
  return ok<SessionT>(res, 201, 'session creation');
}

export function book(
  t: TestContext,
  token: string,
  body: { personId: number; sessionId: number; slotId?: number; idempotencyKey?: string },
) {
  return t.app.inject({
    method: 'POST',
    url: '/api/citizen/appointments',
    headers: { authorization: `Bearer ${token}` },
    payload: body,
  });
}

export async function booked(
  t: TestContext,
  token: string,
  body: { personId: number; sessionId: number; slotId?: number },
): Promise<AppointmentT> {
  return ok<AppointmentT>(await book(t, token, body), 201, 'booking');
}

export async function productId(t: TestContext, code: string): Promise<number> {
  const p = await t.database.db
    .selectFrom('vaccine_product')
    .select('id')
    .where('code', '=', code)
    .executeTakeFirstOrThrow();
  return p.id;
}

export async function seatsTaken(t: TestContext, sessionId: number): Promise<number> {
  const r = await t.database.db
    .selectFrom('session_slot')
    .select((eb) => eb.fn.sum<number>('booked').as('n'))
    .where('session_id', '=', sessionId)
    .executeTakeFirstOrThrow();
  return Number(r.n ?? 0);
}
