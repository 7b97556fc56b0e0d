import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { addDays } from '@dosewise/domain';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import { facilityOfUser } from '../support/citizen.ts';
import { productId } from '../support/sessions.ts';
import type { Db } from '../../src/db/database.ts';
import { expectError } from './helpers.ts';
import { today, lotAt, balance, appointmentToday, priorDose } from '../support/vaccination.ts';

describe('offline: facility pack and upload', () => {
  let t: TestContext;
  let db: Db;
  let people: BulkPerson[];
  let next = 0;
  let facilityId: number;
  let comirnaty: number;
  let lotId: number;
  let vaccinator: string;
  const person = () => people[next++]!;

  beforeAll(async () => {
    t = await testApp();
    db = t.database.db;
    people = await bulkPeople(db, { count: 40, secrets: TEST_SECRETS, batch: 53 });
    facilityId = await facilityOfUser(db, 'vaccinator');
    comirnaty = await productId(db, 'COMIRNATY');
    lotId = await lotAt(db, { facilityId, productCode: 'COMIRNATY', doses: 100, dosesPerVial: 6 });
    vaccinator = await t.auth('vaccinator');
  });
  afterAll(() => t.close());

  const rec = (personId: number, extra: Record<string, unknown> = {}) => ({
    clientId: randomUUID(),
    personId,
    facilityId,
    productId: comirnaty,
    lotId,
    doseNumber: 1,
    bodySite: 'left_deltoid',
    identityCheck: 'slip_code',
    consent: true,
    administeredAt: new Date(Date.now() - 60_000).toISOString(),
    ...extra,
  });
  type SyncOut = {
    clockSkewMs: number;
    clockSkewed: boolean;
    results: { clientId: string; status: string; doseId?: number; reviewId?: number; code?: string }[];
  };
  const upload = async (records: unknown[], deviceTime = new Date().toISOString()) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/vaccinator/sync',
      headers: { authorization: vaccinator },
      payload: { deviceId: 'tablet-7', deviceTime, records },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<SyncOut>();
  };
  const count = async (table: 'dose' | 'dose_review' | 'stock_entry' | 'job' | 'notification') =>
    Number(
      (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0]!.n,
    );

  it("gives the device the day's appointments, products, held lots and card keys", async () => {
    const p = person();
    const appt = await appointmentToday(db, p.personId, facilityId);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/vaccinator/facilities/${facilityId}/pack`,
      headers: { authorization: vaccinator },
    });
    expect(res.statusCode, res.body).toBe(200);
    const pack = res.json<{
      facility: { id: number };
      date: string;
      appointments: {
        appointmentId: number;
        personId: number;
        slipCodeHash: string;
        doseNumber: number;
        productIds: number[];
        birthYear: number;
      }[];
      products: { code: string }[];
      lots: { lotId: number; quantity: number }[];
      cardKeys: { keys: { kid: string }[] };
    }>();
    expect(pack.facility.id).toBe(facilityId);
    expect(pack.date).toBe(today());
    const a = pack.appointments.find((x) => x.appointmentId === appt.id)!;
    expect(a).toMatchObject({ personId: p.personId, doseNumber: 1, birthYear: 1980 });
    expect(a.productIds).toContain(comirnaty);
    expect(a.slipCodeHash).toBe(createHash('sha256').update(`${appt.id}:${appt.code}`).digest('hex'));
    expect(JSON.stringify(a)).not.toContain(`"${appt.code}"`);
    expect(pack.lots).toContainEqual(expect.objectContaining({ lotId, quantity: 100 }));
    expect(pack.products.map((x) => x.code)).toContain('COMIRNATY');
    expect(pack.cardKeys.keys[0]!.kid).toBeTruthy();
  });

  it('stores a batch once: the same upload again answers already_stored and adds nothing', async () => {
    const ps = [person(), person(), person()];
    const appt = await appointmentToday(db, ps[0]!.personId, facilityId);
    const records = ps.map((p, i) => rec(p.personId, i === 0 ? { appointmentId: appt.id } : {}));
    const bal = await balance(db, facilityId, lotId);
    const first = await upload(records);
    expect(first.results, JSON.stringify(first.results)).toHaveLength(3);
    expect(first.clockSkewed).toBe(false);
    expect(
      first.results.map((r) => r.status),
      JSON.stringify(first.results),
    ).toEqual(['stored', 'stored', 'stored']);
    expect(await balance(db, facilityId, lotId)).toBe(bal - 3);
    const doses = await db
      .selectFrom('dose')
      .selectAll()
      .where(
        'person_id',
        'in',
        ps.map((p) => p.personId),
      )
      .execute();
    expect(doses.map((d) => d.source)).toEqual(['offline', 'offline', 'offline']);
    expect(doses.every((d) => d.device_id === 'tablet-7' && d.vial_id !== null)).toBe(true);
    const a = await db
      .selectFrom('appointment')
      .select('status')
      .where('id', '=', appt.id)
      .executeTakeFirstOrThrow();
    expect(a.status).toBe('attended');
    const waiting = await db
      .selectFrom('waiting_entry')
      .select(['person_id', 'dose_number'])
      .where(
        'person_id',
        'in',
        ps.map((p) => p.personId),
      )
      .execute();
    expect(waiting.map((w) => w.dose_number)).toEqual([2, 2, 2]);
    const jobs = await db
      .selectFrom('job')
      .select('payload')
      .where('kind', '=', 'certificate.issue')
      .execute();
    for (const d of doses)
      expect(jobs.map((j) => j.payload)).toContainEqual({ personId: d.person_id, doseId: d.id });

    const counts = await Promise.all(
      (['dose', 'dose_review', 'stock_entry', 'job', 'notification'] as const).map(count),
    );
    const again = await upload(records);
    expect(again.results.map((r) => r.status)).toEqual([
      'already_stored',
      'already_stored',
      'already_stored',
    ]);
    expect(again.results.map((r) => r.doseId)).toEqual(first.results.map((r) => r.doseId));
    expect(
      await Promise.all((['dose', 'dose_review', 'stock_entry', 'job', 'notification'] as const).map(count)),
    ).toEqual(counts);
    expect(await balance(db, facilityId, lotId)).toBe(bal - 3);
  });

  it('turns a record of a dose the person got elsewhere meanwhile into a review for a supervisor', async () => {
    const p = person();
    const other = await db
      .selectFrom('facility')
      .select('id')
      .where('type', '=', 'vaccination_centre')
      .where('id', '<>', facilityId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await sql`insert into dose (person_id, dose_number, product_id, facility_id, administered_on, administered_at)
              values (${p.personId}, 1, ${comirnaty}, ${other.id}, ${today()}::date, now())`.execute(db);
    const r = rec(p.personId);
    const out = await upload([r]);
    expect(out.results[0]).toMatchObject({ status: 'review', code: 'conflict_elsewhere' });
    const reviews = await db
      .selectFrom('dose_review')
      .selectAll()
      .where('person_id', '=', p.personId)
      .execute();
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ reason: 'conflict_elsewhere', client_id: r.clientId, status: 'open' });
    expect(
      await db.selectFrom('dose').select('id').where('person_id', '=', p.personId).execute(),
    ).toHaveLength(1);
    const again = await upload([r]);
    expect(again.results[0]).toMatchObject({ status: 'already_stored', reviewId: reviews[0]!.id });
    expect(
      await db.selectFrom('dose_review').select('id').where('person_id', '=', p.personId).execute(),
    ).toHaveLength(1);
  });

  it('detects a device clock that is off, and flags its records', async () => {
    const p = person();
    const ahead = new Date(Date.now() + 2 * 3_600_000);
    const out = await upload(
      [rec(p.personId, { administeredAt: new Date(ahead.getTime() - 60_000).toISOString() })],
      ahead.toISOString(),
    );
    expect(out.clockSkewed).toBe(true);
    expect(out.clockSkewMs).toBeGreaterThan(7_000_000);
    expect(out.results[0]!.status).toBe('stored');
    const d = await db
      .selectFrom('dose')
      .select(['flags', 'administered_at', 'device_recorded_at'])
      .where('person_id', '=', p.personId)
      .executeTakeFirstOrThrow();
    expect(d.flags).toEqual(['clock_skew']);
    // The time is put right by the measured difference; what the device said is kept beside it.
    expect(Math.abs(new Date(d.administered_at).getTime() - (Date.now() - 60_000))).toBeLessThan(30_000);
    expect(new Date(d.device_recorded_at!).getTime() - new Date(d.administered_at).getTime()).toBeGreaterThan(
      7_000_000,
    );
  });

  it('answers each failing record with its code and stores the rest', async () => {
    const expired = await lotAt(db, {
      facilityId,
      productCode: 'COMIRNATY',
      expiresOn: addDays(today(), -3),
    });
    const [a, b, c, d] = [person(), person(), person(), person()];
    await priorDose(db, c.personId, 'COMIRNATY', 3, facilityId);
    const records = [
      rec(a.personId, { lotId: expired }),
      rec(b.personId, { consent: false }),
      rec(c.personId, { doseNumber: 2 }),
      rec(d.personId),
      rec(999_999_999),
    ];
    const doses = await count('dose');
    const out = await upload(records);
    expect(out.results.map((r) => [r.status, r.code ?? null])).toEqual([
      ['rejected', 'lot_expired'],
      ['rejected', 'consent_required'],
      ['rejected', 'too_early'],
      ['stored', null],
      ['rejected', 'person_not_found'],
    ]);
    expect(await count('dose')).toBe(doses + 1);
  });

  it('refuses a batch larger than the limit, and changes nothing', async () => {
    const doses = await count('dose');
    const records = Array.from({ length: 501 }, () => rec(people[0]!.personId));
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/vaccinator/sync',
      headers: { authorization: vaccinator },
      payload: { deviceId: 'tablet-7', deviceTime: new Date().toISOString(), records },
    });
    expectError(res, 400, 'validation_failed');
    expect(await count('dose')).toBe(doses);
  });
});
