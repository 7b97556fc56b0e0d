import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { stockCheck } from '../../src/stock/check.ts';
import { testApp, type TestContext } from '../support/app.ts';
import { areaId, bearer, expectError, fingerprint, userId, type Method } from './helpers.ts';

/**
 * Withdrawing an allocation plan: a draft or an approved plan not yet dispatched is cancelled by
 * an officer who may approve it, with a reason; a cancelled plan goes no further, and a dispatched
 * one is never cancelled.
 */

const PLAN_TABLES = [
  'allocation_plan',
  'allocation_line',
  'stock_transfer',
  'stock_transfer_line',
  'stock_entry',
  'stock_balance',
] as const;

interface PlanBody {
  id: number;
  status: string;
  dispatched: boolean;
  transferIds: number[];
  totalDoses: number;
  lines: { toStoreId: number; doses: number }[];
}

describe('cancelling an allocation plan', () => {
  let t: TestContext;
  let db: Db;
  let districtStore: number;
  let productId: number;
  const CTG_ADMIN = { username: 'ctg.plan.admin', password: 'ctg-plan-admin-password' };

  const send = (authorization: string, method: Method, url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { authorization },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const call = async (username: string, method: Method, url: string, payload?: unknown) =>
    send(await t.auth(username), method, url, payload);
  const cancel = (id: number, reason: unknown, as = 'dhaka.admin') =>
    call(as, 'POST', `/api/allocation-plans/${id}/cancel`, { reason });

  const draftPlan = async (): Promise<PlanBody> => {
    const res = await call('storekeeper', 'POST', `/api/stores/${districtStore}/allocation-plans`, {
      productId,
      totalDoses: 40,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<PlanBody>();
  };
  const approvedPlan = async (): Promise<PlanBody> => {
    const plan = await draftPlan();
    const res = await call('dhaka.admin', 'POST', `/api/allocation-plans/${plan.id}/approve`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<PlanBody>();
  };
  const cancelEvents = (id: number) =>
    db
      .selectFrom('audit_event')
      .select(['actor_id', 'area_id', 'details'])
      .where('action', '=', 'stock.plan.cancelled')
      .where('entity_type', '=', 'allocation_plan')
      .where('entity_id', '=', String(id))
      .execute();

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    const grant = await db
      .selectFrom('role_grant as g')
      .innerJoin('staff_user as u', 'u.id', 'g.user_id')
      .select('g.facility_id')
      .where('u.username', '=', 'storekeeper')
      .executeTakeFirstOrThrow();
    districtStore = grant.facility_id!;
    // A vaccine the district store holds enough unexpired doses of to dispatch a small plan.
    const held = await db
      .selectFrom('stock_balance as b')
      .innerJoin('lot as l', 'l.id', 'b.lot_id')
      .select('l.product_id')
      .where('b.store_id', '=', districtStore)
      .where('l.expires_on', '>', '2000-01-01')
      .groupBy('l.product_id')
      .orderBy(({ fn }) => fn.sum('b.quantity'), 'desc')
      .executeTakeFirstOrThrow();
    productId = held.product_id;
    // An area admin of Chattogram division: may approve plans, but not those of Dhaka's stores.
    const made = await call('admin', 'POST', '/api/users', {
      username: CTG_ADMIN.username,
      displayName: 'Chattogram Division Administrator',
      password: CTG_ADMIN.password,
      role: 'area_admin',
      areaId: await areaId(db, 'DIV1'),
    });
    expect(made.statusCode, made.body).toBe(201);
  });
  afterAll(() => t.close());

  it('cancels a draft plan, says why in the audit trail, and shows it cancelled', async () => {
    const plan = await draftPlan();
    const res = await cancel(plan.id, '  The district asked for another vaccine.  ');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<PlanBody>();
    expect(body).toMatchObject({ id: plan.id, status: 'cancelled', dispatched: false, transferIds: [] });
    expect(body.lines).toHaveLength(plan.lines.length);

    const read = await call('storekeeper', 'GET', `/api/allocation-plans/${plan.id}`);
    expect(read.json<PlanBody>().status).toBe('cancelled');

    const events = await cancelEvents(plan.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.actor_id).toBe(await userId(db, 'dhaka.admin'));
    const store = await db
      .selectFrom('facility')
      .select('area_id')
      .where('id', '=', districtStore)
      .executeTakeFirstOrThrow();
    expect(events[0]!.area_id).toBe(store.area_id);
    expect(events[0]!.details).toEqual({ from: 'draft', reason: 'The district asked for another vaccine.' });
  });

  it('cancels an approved plan that has not been dispatched', async () => {
    const plan = await approvedPlan();
    expect(plan.status).toBe('approved');
    const res = await cancel(plan.id, 'Cold chain at the district store is down.', 'admin');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<PlanBody>().status).toBe('cancelled');
    const events = await cancelEvents(plan.id);
    expect(events.map((e) => e.details)).toEqual([
      { from: 'approved', reason: 'Cold chain at the district store is down.' },
    ]);
    expect(events[0]!.actor_id).toBe(await userId(db, 'admin'));
  });

  it('refuses to cancel a dispatched plan, and leaves the plan and its transfers as they were', async () => {
    const plan = await approvedPlan();
    const dispatched = await call('storekeeper', 'POST', `/api/allocation-plans/${plan.id}/dispatch`);
    expect(dispatched.statusCode, dispatched.body).toBe(200);
    const transferIds = dispatched.json<{ plan: PlanBody }>().plan.transferIds;
    expect(transferIds.length).toBeGreaterThan(0);

    const before = await fingerprint(db, PLAN_TABLES);
    const error = expectError(await cancel(plan.id, 'Too late now.'), 409, 'plan_already_dispatched');
    expect(error.message).toMatch(/dispatched/);
    expect(error.message).toMatch(/no longer be cancelled/);
    expect(await fingerprint(db, PLAN_TABLES)).toEqual(before);
    expect(await cancelEvents(plan.id)).toEqual([]);

    const read = (await call('storekeeper', 'GET', `/api/allocation-plans/${plan.id}`)).json<PlanBody>();
    expect(read).toMatchObject({ status: 'approved', dispatched: true, transferIds });
    const transfer = await call('storekeeper', 'GET', `/api/transfers/${transferIds[0]}`);
    expect(transfer.json<{ status: string; planId: number }>()).toMatchObject({
      status: 'dispatched',
      planId: plan.id,
    });
    expect((await stockCheck(db)).ok).toBe(true);
  });

  it('refuses to cancel a plan twice, and records the first cancellation only', async () => {
    const plan = await draftPlan();
    expect((await cancel(plan.id, 'Duplicate plan.')).statusCode).toBe(200);
    const before = await fingerprint(db, PLAN_TABLES);
    const error = expectError(await cancel(plan.id, 'Again.'), 409, 'plan_cancelled');
    expect(error.message).toMatch(/already been cancelled/);
    expect(await fingerprint(db, PLAN_TABLES)).toEqual(before);
    expect((await cancelEvents(plan.id)).map((e) => e.details)).toEqual([
      { from: 'draft', reason: 'Duplicate plan.' },
    ]);
  });

  it('asks for a reason of at most 500 characters, and changes nothing without one', async () => {
    const plan = await draftPlan();
    const before = await fingerprint(db, PLAN_TABLES);
    expectError(await cancel(plan.id, ''), 400, 'validation_failed');
    expectError(await cancel(plan.id, '   '), 400, 'reason_required');
    expectError(await cancel(plan.id, 'x'.repeat(501)), 400, 'validation_failed');
    expectError(
      await call('dhaka.admin', 'POST', `/api/allocation-plans/${plan.id}/cancel`, {}),
      400,
      'validation_failed',
    );
    expect(await fingerprint(db, PLAN_TABLES)).toEqual(before);
    expect(await cancelEvents(plan.id)).toEqual([]);
    expect((await cancel(plan.id, 'y'.repeat(500))).statusCode).toBe(200);
  });

  it('answers 404 for a plan that does not exist', async () => {
    expectError(await cancel(999_999_999, 'No such plan.'), 404, 'not_found');
  });

  it('is for officers who may approve the plan, in its scope', async () => {
    const plan = await draftPlan();
    const before = await fingerprint(db, PLAN_TABLES);
    // The store keeper makes and dispatches plans but does not approve or withdraw them.
    expectError(await cancel(plan.id, 'Not mine to withdraw.', 'storekeeper'), 403, 'forbidden');
    expectError(await cancel(plan.id, 'Not mine to withdraw.', 'manager'), 403, 'forbidden');
    expectError(await cancel(plan.id, 'Not mine to withdraw.', 'auditor'), 403, 'forbidden');
    const ctg = await bearer(t.app, CTG_ADMIN.username, CTG_ADMIN.password);
    expectError(
      await send(ctg, 'POST', `/api/allocation-plans/${plan.id}/cancel`, { reason: 'Outside my division.' }),
      403,
      'forbidden',
    );
    expect(await fingerprint(db, PLAN_TABLES)).toEqual(before);
    expect(await cancelEvents(plan.id)).toEqual([]);
  });

  it('a cancelled plan cannot be changed, approved or dispatched', async () => {
    const draft = await draftPlan();
    const approved = await approvedPlan();
    expect((await cancel(draft.id, 'Replaced by a new plan.')).statusCode).toBe(200);
    expect((await cancel(approved.id, 'Replaced by a new plan.')).statusCode).toBe(200);
    const before = await fingerprint(db, PLAN_TABLES);

    for (const plan of [draft, approved]) {
      const lines = await call('storekeeper', 'PUT', `/api/allocation-plans/${plan.id}/lines`, {
        lines: plan.lines.map((l) => ({ toStoreId: l.toStoreId, doses: 1 })),
      });
      expect(expectError(lines, 409, 'plan_cancelled').message).toMatch(/cancelled/);
      expectError(
        await call('dhaka.admin', 'POST', `/api/allocation-plans/${plan.id}/approve`),
        409,
        'plan_cancelled',
      );
      expectError(
        await call('storekeeper', 'POST', `/api/allocation-plans/${plan.id}/dispatch`),
        409,
        'plan_cancelled',
      );
    }
    expect(await fingerprint(db, PLAN_TABLES)).toEqual(before);
  });

  it('a cancel racing a dispatch leaves exactly one of them done', async () => {
    const staff = { officer: await t.auth('dhaka.admin'), keeper: await t.auth('storekeeper') };
    for (let round = 0; round < 4; round++) {
      const plan = await approvedPlan();
      const [cancelled, dispatched] = await Promise.all([
        send(staff.officer, 'POST', `/api/allocation-plans/${plan.id}/cancel`, { reason: 'Race.' }),
        send(staff.keeper, 'POST', `/api/allocation-plans/${plan.id}/dispatch`),
      ]);
      const codes = [cancelled.statusCode, dispatched.statusCode].sort();
      expect(codes, `${cancelled.body.slice(0, 300)} / ${dispatched.body.slice(0, 300)}`).toEqual([200, 409]);
      const read = (await call('storekeeper', 'GET', `/api/allocation-plans/${plan.id}`)).json<PlanBody>();
      const transfers = await db
        .selectFrom('stock_transfer')
        .select('id')
        .where('plan_id', '=', plan.id)
        .execute();
      const events = await cancelEvents(plan.id);
      if (cancelled.statusCode === 200) {
        expectError(dispatched, 409, 'plan_cancelled');
        expect(read.status).toBe('cancelled');
        expect(transfers).toEqual([]);
        expect(events).toHaveLength(1);
      } else {
        expectError(cancelled, 409, 'plan_already_dispatched');
        expect(read).toMatchObject({ status: 'approved', dispatched: true });
        expect(transfers.length).toBeGreaterThan(0);
        expect(events).toEqual([]);
      }
    }
    expect((await stockCheck(db)).ok).toBe(true);
  });
});
