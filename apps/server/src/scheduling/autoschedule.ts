import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { to as copyTo } from 'pg-copy-streams';
import {
  addDays,
  autoSchedule,
  type Assignment,
  type FacilityPoint,
  type GeoPoint,
  type OpenSlot,
  type UnplacedReason,
  type WaitingPerson,
} from '@dosewise/domain';
import type { ListScope } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { recordAudit } from '../audit/audit.ts';
import { withTransaction, type Database, type Db, type Tx } from '../db/database.ts';
import { conflict, notFound } from '../http/errors.ts';
import { enqueueJob } from '../jobs/queue.ts';
import { todayIn } from '../registration/calendar.ts';
import { appointmentSmsParams } from './queue.ts';

/**
 * The auto-scheduler run, end to end: read the waiting queue and the open slots of the coming days,
 * run the scheduler of packages/domain (a pure function), write the appointments, leave the placed
 * people's queue entries and say why the others are still waiting.
 *
 * Writing is in batches of WRITE_BATCH appointments, each one transaction of a few statements over
 * arrays (unnest), never a statement per person. Citizens keep booking while a run writes, so each
 * batch takes its seats with a guarded increment (`booked + n <= capacity`, re-checked on the newest
 * row once its lock is granted): a slot that filled meanwhile gives the batch only the seats it has
 * left, and the people it cannot take stay in the queue. A person who booked for themselves
 * meanwhile has no queue entry any more and gets no second appointment. Each batch takes its locks
 * in the order a booking does (slot first), so the two do not deadlock; a batch that still meets a
 * deadlock is rolled back and written again.
 */

export const JOB_KIND = 'schedule.run';
/** Appointments written per transaction. */
const WRITE_BATCH = 25_000;
/** Waiting entries read per round trip. */
const READ_PAGE = 50_000;
/** A running run that has not moved for this long is taken for dead: the next run may start. */
const STALE_AFTER_MINUTES = 10;

export interface AutoscheduleSettings {
  timeZone: string;
  daysAhead: number;
  fallbackKm: number;
}

export type RunStatus = 'running' | 'done' | 'failed';

export interface RunParams {
  days: number;
  areaId: number | null;
  fromDate: string;
  toDate: string;
  fallbackKm: number;
}

export interface RunSummary {
  /** Waiting entries the run looked at. */
  considered: number;
  placed: number;
  unplaced: { total: number; byReason: Record<string, number> };
  byDose: Record<string, { placed: number; unplaced: number }>;
  /** Appointment SMS queued (people without a phone get none). */
  sms: number;
  /** Placements given up because citizens took those seats while the run was writing. */
  seatsTakenMeanwhile: number;
  /** People placed by the run who booked for themselves (or were removed) before it wrote. */
  leftQueueMeanwhile: number;
  /** The scheduler's objective: priority weights of the people placed minus the penalties. */
  objective: number;
  seconds: { reading: number; assigning: number; writing: number; recording: number; total: number };
}

export interface ScheduleRun {
  id: number;
  status: RunStatus;
  params: RunParams;
  progress: number;
  phase: string;
  summary: RunSummary | null;
  error: string | null;
  startedBy: number | null;
  startedAt: string;
  finishedAt: string | null;
}

/** Called as a run moves on (the CLI prints it); the run goes on when what it returns settles. */
export type RunProgress = (run: { progress: number; phase: string }) => void | Promise<void>;

// ---- Repository: the SQL, nothing else -------------------------------------------------------------

interface SlotRow {
  id: number;
  session_id: number;
  facility_id: number;
  session_date: string;
  starts_at: string;
  product_id: number;
  dose_numbers: number[];
  min_age: number;
  max_age: number | null;
  remaining: number;
  latitude: number | null;
  longitude: number | null;
}

type QueueRow = [
  personId: number,
  doseNumber: number,
  rank: number,
  earliest: string,
  due: string | null,
  productId: number | null,
  previousFacilityId: number | null,
  dateOfBirth: string,
  preferredFacilityId: number | null,
  preferredProductId: number | null,
  areaId: number,
];

/** The waiting queue in queue order; `filter` narrows it to the people of an area. */
const queueSql = (filter: string) => `
  select w.person_id, w.dose_number, w.priority_rank, w.earliest_date, w.due_date, w.product_id, w.facility_id,
         p.date_of_birth, p.preferred_facility_id, p.preferred_product_id, p.area_id
  from waiting_entry w
  join person p on p.id = w.person_id
  where p.removed_at is null ${filter}
  order by w.priority_rank, w.registered_at, w.person_id, w.dose_number`;

/** A line of COPY's text format: tab-separated, \N for null (no value here holds a tab or a backslash). */
function queueRow(line: string): QueueRow {
  const f = line.split('\t');
  const n = (i: number) => (f[i] === '\\N' ? null : Number(f[i]));
  const s = (i: number) => (f[i] === '\\N' ? null : f[i]!);
  return [n(0)!, n(1)!, n(2)!, s(3)!, s(4), n(5), n(6), s(7)!, n(8), n(9), n(10)!];
}

function scheduleRepository(db: Db) {
  return {
    async areaPath(areaId: number): Promise<string | null> {
      const row = await db.selectFrom('area').select('path').where('id', '=', areaId).executeTakeFirst();
      return row?.path ?? null;
    },

    /** Every slot of the open sessions in the window at active facilities (of the area), full ones too. */
    async slots(from: string, to: string, areaPath: string | null): Promise<SlotRow[]> {
      const { rows } = await sql<SlotRow>`
        select sl.id, sl.session_id, s.facility_id, s.session_date, to_char(sl.starts_at, 'HH24:MI') as starts_at,
               s.product_id, s.dose_numbers, greatest(s.min_age_years, v.min_age_years) as min_age,
               s.max_age_years as max_age, sl.capacity - sl.booked as remaining, f.latitude, f.longitude
        from vaccination_session s
        join session_slot sl on sl.session_id = s.id
        join facility f on f.id = s.facility_id
        join vaccine_product v on v.id = s.product_id
        join area a on a.id = f.area_id
        where s.status = 'open' and s.session_date between ${from}::date and ${to}::date
          and f.active and f.type <> 'store'
          and (${areaPath}::text is null or a.path like ${areaPath}::text || '%')`.execute(db);
      return rows;
    },

    /** Where every facility is: people are anchored at their previous or preferred one. */
    facilities(): Promise<{ id: number; latitude: number | null; longitude: number | null }[]> {
      return db.selectFrom('facility').select(['id', 'latitude', 'longitude']).execute();
    },

    areas(): Promise<{ id: number; path: string; latitude: number | null; longitude: number | null }[]> {
      return db.selectFrom('area').select(['id', 'path', 'latitude', 'longitude']).execute();
    },

    products(): Promise<{ id: number; active: boolean; booster_allowed: boolean }[]> {
      return db
        .selectFrom('vaccine_product')
        .select(['id', 'active', 'booster_allowed'])
        .orderBy('id')
        .execute();
    },

    /**
     * The waiting queue in queue order, page by page, in one read-only transaction (one sorted scan
     * and a consistent picture of the queue): COPY on a server (the fastest way out of it), a
     * cursor on the embedded database, whose adapter has no COPY. The reading of a national queue
     * may take longer than a request's statement timeout.
     */
    async readQueue(
      database: Pick<Database, 'pool' | 'kind'>,
      areaPath: string | null,
      page: (rows: QueueRow[]) => void,
    ): Promise<void> {
      const client = await database.pool.connect();
      try {
        await client.query('begin isolation level repeatable read read only');
        await client.query("set local statement_timeout = '10min'");
        const filter =
          areaPath === null
            ? ''
            : `and p.area_id in (select id from area where path like ${client.escapeLiteral(`${areaPath}%`)})`;
        if (database.kind === 'postgres') {
          const stream = client.query(copyTo(`copy (${queueSql(filter)}) to stdout`));
          let rest = '';
          let rows: QueueRow[] = [];
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            const lines = (rest + chunk.toString('utf8')).split('\n');
            rest = lines.pop()!;
            for (const line of lines) rows.push(queueRow(line));
            if (rows.length >= READ_PAGE) {
              page(rows);
              rows = [];
            }
          }
          if (rest) rows.push(queueRow(rest));
          if (rows.length) page(rows);
        } else {
          await client.query(`declare waiting no scroll cursor for ${queueSql(filter)}`);
          for (;;) {
            const { rows } = await client.query<QueueRow>({
              text: `fetch ${READ_PAGE} from waiting`,
              rowMode: 'array',
            });
            if (rows.length) page(rows);
            if (rows.length < READ_PAGE) break;
          }
        }
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },

    /**
     * Seats for a batch: each slot's count goes up by its share in one statement, where it still
     * fits and the session is still open. Slots where it no longer fits are locked and given what
     * they have left. Returns the seats granted per slot.
     */
    async takeSeats(trx: Tx, wanted: Map<number, number>): Promise<Map<number, number>> {
      const ids = [...wanted.keys()];
      const counts = ids.map((id) => wanted.get(id)!);
      // Locked in the order every writer of seats locks them (bookings taking seats meanwhile).
      await sql`select id from session_slot where id = any(${ids}::bigint[]) order by starts_at, id for update`.execute(
        trx,
      );
      const { rows } = await sql<{ id: number }>`
        update session_slot s set booked = s.booked + v.n
        from unnest(${ids}::bigint[], ${counts}::int[]) as v(id, n), vaccination_session vs
        where s.id = v.id and vs.id = s.session_id and vs.status = 'open' and s.booked + v.n <= s.capacity
        returning s.id`.execute(trx);
      const granted = new Map<number, number>(rows.map((r) => [r.id, wanted.get(r.id)!]));
      const short = ids.filter((id) => !granted.has(id));
      if (short.length) {
        const { rows: left } = await sql<{ id: number; free: number }>`
          select s.id, greatest(0, s.capacity - s.booked) as free
          from session_slot s join vaccination_session vs on vs.id = s.session_id and vs.status = 'open'
          where s.id = any(${short}::bigint[])
          for update of s`.execute(trx);
        const partial = left
          .filter((r) => r.free > 0)
          .map((r) => [r.id, Math.min(r.free, wanted.get(r.id)!)]);
        if (partial.length) {
          await sql`
            update session_slot s set booked = s.booked + v.n
            from unnest(${partial.map((p) => p[0])}::bigint[], ${partial.map((p) => p[1])}::int[]) as v(id, n)
            where s.id = v.id`.execute(trx);
          for (const [id, n] of partial) granted.set(id!, n!);
        }
      }
      return granted;
    },

    async releaseSeats(trx: Tx, seats: Map<number, number>): Promise<void> {
      if (!seats.size) return;
      await sql`
        update session_slot s set booked = s.booked - v.n
        from unnest(${[...seats.keys()]}::bigint[], ${[...seats.values()]}::int[]) as v(id, n)
        where s.id = v.id`.execute(trx);
    },

    /** Which of these entries are in the queue (read without a lock). */
    async stillWaiting(people: number[], doses: number[]): Promise<Set<string>> {
      const { rows } = await sql<{ person_id: number; dose_number: number }>`
        select w.person_id, w.dose_number
        from waiting_entry w
        join unnest(${people}::bigint[], ${doses}::int[]) as v(person_id, dose_number)
          on w.person_id = v.person_id and w.dose_number = v.dose_number`.execute(db);
      return new Set(rows.map((r) => `${r.person_id}/${r.dose_number}`));
    },

    /** Takes these entries out of the queue; returns those that were still there. */
    async leaveQueue(trx: Tx, people: number[], doses: number[]): Promise<Set<string>> {
      const { rows } = await sql<{ person_id: number; dose_number: number }>`
        delete from waiting_entry w
        using unnest(${people}::bigint[], ${doses}::int[]) as v(person_id, dose_number)
        where w.person_id = v.person_id and w.dose_number = v.dose_number
        returning w.person_id, w.dose_number`.execute(trx);
      return new Set(rows.map((r) => `${r.person_id}/${r.dose_number}`));
    },

    /**
     * The appointments, and in the same statement the SMS of each one whose person has a phone (the
     * ciphertext of the person's phone is the outbox's recipient as it is: same key, same format).
     * A person holding an active appointment for the dose already is skipped.
     */
    async insertAppointments(
      trx: Tx,
      a: {
        people: number[];
        doses: number[];
        sessions: number[];
        slots: number[];
        facilities: number[];
        products: number[];
        dates: string[];
        codes: string[];
      },
      /** Skip people who hold an active appointment for the dose already (else the statement fails). */
      skipBooked = false,
    ): Promise<{ written: Set<string>; sms: number }> {
      const onConflict = sql.raw(
        skipBooked ? "on conflict (person_id, dose_number) where status = 'booked' do nothing" : '',
      );
      const { rows } = await sql<{ person_id: number; dose_number: number; sms: number }>`
        with v as (
          select * from unnest(${a.people}::bigint[], ${a.doses}::int[], ${a.sessions}::bigint[], ${a.slots}::bigint[],
                               ${a.facilities}::bigint[], ${a.products}::bigint[], ${a.dates}::date[], ${a.codes}::text[])
            as v(person_id, dose_number, session_id, slot_id, facility_id, product_id, session_date, code)
        ), appt as (
          insert into appointment (person_id, dose_number, session_id, slot_id, facility_id, product_id, session_date,
                                   code, booked_via)
          select person_id, dose_number, session_id, slot_id, facility_id, product_id, session_date, code, 'auto'
          from v
          ${onConflict}
          returning person_id, dose_number, slot_id, facility_id, session_date, code
        ), sms as (
          insert into notification (recipient_enc, template, locale, params, person_id)
          select p.phone_enc, 'appointment_assigned', p.locale,
                 ${appointmentSmsParams('a')} || jsonb_build_object('doseNumber', a.dose_number),
                 p.id
          from appt a
          -- One look-up per person by key ("offset 0" keeps the planner from scanning every person).
          cross join lateral (
            select id, phone_enc, locale, name_en, name_bn from person where id = a.person_id offset 0
          ) p
          join facility f on f.id = a.facility_id
          join session_slot sl on sl.id = a.slot_id
          where p.phone_enc is not null
          returning 1
        )
        select a.person_id, a.dose_number, (select count(*) from sms)::int as sms from appt a`.execute(trx);
      return {
        written: new Set(rows.map((r) => `${r.person_id}/${r.dose_number}`)),
        sms: rows[0]?.sms ?? 0,
      };
    },

    async markUnplaced(people: number[], doses: number[], reasons: string[]): Promise<void> {
      await sql`
        update waiting_entry w set unplaced_reason = v.reason, unplaced_at = now()
        from unnest(${people}::bigint[], ${doses}::int[], ${reasons}::text[]) as v(person_id, dose_number, reason)
        where w.person_id = v.person_id and w.dose_number = v.dose_number`.execute(db);
    },

    async progress(runId: number, progress: number, phase: string): Promise<void> {
      await db
        .updateTable('schedule_run')
        .set({ progress: Math.round(progress * 10_000) / 10_000, phase, heartbeat_at: sql`now()` })
        .where('id', '=', runId)
        .where('status', '=', 'running')
        .execute();
    },

    async finish(runId: number, summary: RunSummary): Promise<void> {
      await db
        .updateTable('schedule_run')
        .set({
          status: 'done',
          progress: 1,
          phase: 'done',
          summary: JSON.stringify(summary),
          finished_at: sql`now()`,
          heartbeat_at: sql`now()`,
        })
        .where('id', '=', runId)
        .execute();
    },

    async fail(runId: number, error: string): Promise<void> {
      await db
        .updateTable('schedule_run')
        .set({ status: 'failed', phase: 'failed', error, finished_at: sql`now()` })
        .where('id', '=', runId)
        .where('status', '=', 'running')
        .execute();
    },

    findRun(runId: number) {
      return db.selectFrom('schedule_run').selectAll().where('id', '=', runId).executeTakeFirst();
    },

    /** Runs newest first; with area paths, only runs of an area inside one of them. */
    listRuns(limit: number, areaPaths: string[] | null) {
      let q = db
        .selectFrom('schedule_run as r')
        .leftJoin('area as a', (j) => j.on(sql<boolean>`a.id = (r.params->>'areaId')::bigint`))
        .selectAll('r')
        .orderBy('r.id', 'desc')
        .limit(limit);
      if (areaPaths) {
        if (!areaPaths.length) return Promise.resolve([]);
        q = q.where((eb) => eb.or(areaPaths.map((p) => eb('a.path', 'like', `${p}%`))));
      }
      return q.execute();
    },
  };
}

// ---- Service ------------------------------------------------------------------------------------------

type RunRow = NonNullable<Awaited<ReturnType<ReturnType<typeof scheduleRepository>['findRun']>>>;

function toRun(r: RunRow): ScheduleRun {
  return {
    id: r.id,
    status: r.status,
    params: r.params as unknown as RunParams,
    progress: Number(r.progress),
    phase: r.phase,
    summary: (r.summary as unknown as RunSummary | null) ?? null,
    error: r.error,
    startedBy: r.started_by,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
  };
}

const slipCode = () => String(randomInt(0, 10_000)).padStart(4, '0');
const seconds = (from: number, to = performance.now()) => Math.round((to - from) / 10) / 100;

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '40P01' || code === '40001';
}

export function autoscheduleService(deps: {
  db: Db;
  /** The primary's pool: the queue is read through a connection of its own. */
  database: Pick<Database, 'pool' | 'kind'>;
  settings: AutoscheduleSettings;
  /** Tells the job runner a run is waiting (it would otherwise look at its next poll). */
  nudgeJobs?: () => void;
  /** Connections writing appointments at once (1 on the embedded database, which has one). */
  writers?: number;
}) {
  const { db, settings } = deps;
  const repo = scheduleRepository(db);

  /**
   * Opens a run: refused with 409 while another is running. Through the API the run is queued as
   * a job (`queue: true`); the CLI runs it itself.
   */
  async function start(
    actor: { userId: number } | null,
    input: { days?: number | undefined; areaId?: number | undefined },
    opts: { queue: boolean; ctx?: RequestContext } = { queue: true },
  ): Promise<ScheduleRun> {
    const areaId = input.areaId ?? null;
    if (areaId !== null && !(await repo.areaPath(areaId))) throw notFound('The area');
    const days = input.days ?? settings.daysAhead;
    const fromDate = addDays(todayIn(settings.timeZone), 1);
    const params: RunParams = {
      days,
      areaId,
      fromDate,
      toDate: addDays(fromDate, days - 1),
      fallbackKm: settings.fallbackKm,
    };
    const running = () =>
      db
        .selectFrom('schedule_run')
        .select('id')
        .where('status', '=', 'running')
        .executeTakeFirst()
        .then((r) =>
          conflict('schedule_run_running', 'An auto-scheduler run is in progress. Wait for it to finish.', {
            runId: r?.id ?? null,
          }),
        );
    try {
      const run = await withTransaction(db, async (trx) => {
        // A run whose process died does not block the next one for ever.
        await trx
          .updateTable('schedule_run')
          .set({
            status: 'failed',
            phase: 'failed',
            error: `abandoned: no progress for ${STALE_AFTER_MINUTES} minutes`,
            finished_at: sql`now()`,
          })
          .where('status', '=', 'running')
          .where('heartbeat_at', '<', sql<Date>`now() - make_interval(mins => ${STALE_AFTER_MINUTES})`)
          .execute();
        if (
          await trx.selectFrom('schedule_run').select('id').where('status', '=', 'running').executeTakeFirst()
        )
          return null;
        const row = await trx
          .insertInto('schedule_run')
          .values({ params: JSON.stringify(params), started_by: actor?.userId ?? null })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (opts.queue) await enqueueJob(trx, JOB_KIND, { runId: row.id });
        if (actor)
          await recordAudit(trx, {
            actorKind: 'staff',
            actorId: actor.userId,
            action: 'schedule.run_started',
            entityType: 'schedule_run',
            entityId: row.id,
            areaId,
            requestId: opts.ctx?.requestId,
            ip: opts.ctx?.ip,
            details: { days, areaId },
          });
        return row;
      });
      if (!run) throw await running();
      if (opts.queue) deps.nudgeJobs?.();
      return toRun(run);
    } catch (err) {
      // Two starts at once: the unique index on running runs lets one through.
      if ((err as { code?: string }).code === '23505') throw await running();
      throw err;
    }
  }

  /** Does the work of a run that is running; a run already finished is left alone (a job retried). */
  async function execute(runId: number, onProgress?: RunProgress): Promise<ScheduleRun> {
    const found = await repo.findRun(runId);
    if (!found) throw notFound('The auto-scheduler run');
    if (found.status !== 'running') return toRun(found);
    const params = found.params as unknown as RunParams;
    const step = async (progress: number, phase: string) => {
      await repo.progress(runId, progress, phase);
      await onProgress?.({ progress, phase });
    };
    try {
      const summary = await work(params, step);
      await repo.finish(runId, summary);
      await onProgress?.({ progress: 1, phase: 'done' });
    } catch (err) {
      // The error's kind and code only: database messages may quote values.
      const e = err as { name?: string; code?: string; message?: string };
      await repo.fail(runId, `${e.name ?? 'Error'}${e.code ? ` ${e.code}` : ''}: the run stopped`);
      throw err;
    }
    return toRun((await repo.findRun(runId))!);
  }

  async function work(
    params: RunParams,
    step: (progress: number, phase: string) => Promise<void>,
  ): Promise<RunSummary> {
    const t0 = performance.now();
    await step(0.01, 'reading');
    const areaPath = params.areaId === null ? null : await repo.areaPath(params.areaId);
    const [slotRows, facilityRows, areaRows, productRows] = await Promise.all([
      repo.slots(params.fromDate, params.toDate, areaPath),
      repo.facilities(),
      repo.areas(),
      repo.products(),
    ]);
    const slots: OpenSlot[] = slotRows.map((r) => ({
      slotId: r.id,
      sessionId: r.session_id,
      facilityId: r.facility_id,
      facilityLocation:
        r.latitude === null || r.longitude === null ? null : { lat: r.latitude, lon: r.longitude },
      date: r.session_date,
      startsAt: r.starts_at,
      productId: r.product_id,
      doseNumbers: r.dose_numbers,
      minAgeYears: r.min_age,
      maxAgeYears: r.max_age,
      remaining: r.remaining,
    }));
    const facilities: FacilityPoint[] = facilityRows.map((f) => ({
      id: f.id,
      location: f.latitude === null || f.longitude === null ? null : { lat: f.latitude, lon: f.longitude },
    }));
    const where = areaLocations(areaRows);
    // Allowed products, shared by everyone alike: a first dose any active product, a booster any
    // active product that allows boosters, a later dose of a series its product only.
    const firstDose = productRows.filter((p) => p.active).map((p) => p.id);
    const booster = productRows.filter((p) => p.active && p.booster_allowed).map((p) => p.id);
    const series = new Map<number, number[]>();
    const seriesOf = (id: number) => {
      let list = series.get(id);
      if (!list) series.set(id, (list = [id]));
      return list;
    };

    const people: WaitingPerson[] = [];
    await repo.readQueue(deps.database, areaPath, (rows) => {
      for (const r of rows) {
        const [
          personId,
          doseNumber,
          rank,
          earliest,
          due,
          productId,
          previous,
          dob,
          prefFacility,
          prefProduct,
          area,
        ] = r;
        people.push({
          personId: Number(personId),
          doseNumber,
          priorityRank: rank,
          // The cursor reads in queue order: the position is the registration order.
          registrationOrder: people.length,
          earliestDate: earliest,
          dueDate: due,
          productIds:
            productId !== null ? seriesOf(Number(productId)) : doseNumber === 1 ? firstDose : booster,
          preferredProductId: prefProduct === null ? null : Number(prefProduct),
          preferredFacilityId: prefFacility === null ? null : Number(prefFacility),
          previousFacilityId: previous === null ? null : Number(previous),
          location: where.get(Number(area)) ?? null,
          dateOfBirth: dob,
        });
      }
    });
    const tRead = performance.now();
    await step(0.2, 'assigning');

    const result = autoSchedule({
      people,
      slots,
      facilities,
      settings: { fromDate: params.fromDate, toDate: params.toDate, fallbackKm: params.fallbackKm },
    });
    const tAssign = performance.now();
    await step(0.3, 'writing');

    // Why the people the scheduler could not place wait, on their queue entries: written while the
    // appointments are (no placed person is among them), then those who lost their seat meanwhile.
    const markAll = async (
      list: readonly { personId: number; doseNumber: number; reason: UnplacedReason }[],
    ) => {
      for (let i = 0; i < list.length; i += READ_PAGE) {
        const chunk = list.slice(i, i + READ_PAGE);
        await repo.markUnplaced(
          chunk.map((u) => u.personId),
          chunk.map((u) => u.doseNumber),
          chunk.map((u) => u.reason),
        );
      }
    };
    const marking = markAll(result.unplaced);
    marking.catch(() => undefined);

    // Writers in parallel on a server database, each with the facilities of its own share, so that
    // no two of them ever want the same slot; each writes its share in queue order.
    const writers = Math.max(1, deps.writers ?? 1);
    const shares = Array.from({ length: writers }, () => [] as Assignment[]);
    for (const a of result.assignments) shares[a.facilityId % writers]!.push(a);
    const lost: Assignment[] = [];
    let placed = 0;
    let sms = 0;
    let gone = 0;
    let written = 0;
    const placedByDose = new Map<number, number>();
    await Promise.all(
      shares.map(async (share) => {
        for (let i = 0; i < share.length; i += WRITE_BATCH) {
          const batch = share.slice(i, i + WRITE_BATCH);
          const done = await writeBatch(batch);
          placed += done.placed.length;
          sms += done.sms;
          gone += done.gone;
          lost.push(...done.lost);
          for (const a of done.placed)
            placedByDose.set(a.doseNumber, (placedByDose.get(a.doseNumber) ?? 0) + 1);
          written += batch.length;
          await step(0.3 + (0.6 * written) / result.assignments.length, 'writing');
        }
      }),
    );
    const tWrite = performance.now();
    await step(0.9, 'recording');

    // Seats lost to citizens meanwhile count as no capacity.
    const lostSeats = lost.map((a) => ({
      personId: a.personId,
      doseNumber: a.doseNumber,
      reason: 'no_capacity_nearby' as const,
    }));
    await marking;
    await markAll(lostSeats);
    const unplaced = [...result.unplaced, ...lostSeats];
    const byReason: Record<string, number> = {};
    const byDose: Record<string, { placed: number; unplaced: number }> = {};
    for (const [dose, n] of placedByDose) byDose[dose] = { placed: n, unplaced: 0 };
    for (const u of unplaced) {
      byReason[u.reason] = (byReason[u.reason] ?? 0) + 1;
      (byDose[u.doseNumber] ??= { placed: 0, unplaced: 0 }).unplaced++;
    }
    const tEnd = performance.now();
    return {
      considered: people.length,
      placed,
      unplaced: { total: unplaced.length, byReason },
      byDose,
      sms,
      seatsTakenMeanwhile: lost.length,
      leftQueueMeanwhile: gone,
      objective: Math.round(result.objective * 1000) / 1000,
      seconds: {
        reading: seconds(t0, tRead),
        assigning: seconds(tRead, tAssign),
        writing: seconds(tAssign, tWrite),
        recording: seconds(tWrite, tEnd),
        total: seconds(t0, tEnd),
      },
    };
  }

  /** One batch in one transaction; written again from the start after a deadlock. */
  async function writeBatch(batch: Assignment[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await withTransaction(db, (trx) => writeBatchOnce(trx, batch));
      } catch (err) {
        if (attempt >= 3 || !isRetryable(err)) throw err;
      }
    }
  }

  async function writeBatchOnce(trx: Tx, batch: Assignment[]) {
    const repoT = scheduleRepository(trx);
    const key = (a: Assignment) => `${a.personId}/${a.doseNumber}`;
    // 1. Seats, slot by slot.
    const wanted = new Map<number, number>();
    for (const a of batch) wanted.set(a.slotId, (wanted.get(a.slotId) ?? 0) + 1);
    const granted = await repoT.takeSeats(trx, wanted);
    // Where a slot has fewer seats left than the run wanted, they go in queue order to the people
    // still waiting (someone may have booked for themselves since the queue was read).
    const short = batch.filter((a) => (granted.get(a.slotId) ?? 0) < wanted.get(a.slotId)!);
    const inQueue = short.length
      ? await repoT.stillWaiting(
          short.map((a) => a.personId),
          short.map((a) => a.doseNumber),
        )
      : new Set<string>();
    const kept: Assignment[] = [];
    const lost: Assignment[] = [];
    const gone: Assignment[] = [];
    const given = new Map<number, number>();
    for (const a of batch) {
      const seats = granted.get(a.slotId) ?? 0;
      if (seats < wanted.get(a.slotId)! && !inQueue.has(key(a))) {
        gone.push(a);
        continue;
      }
      const n = given.get(a.slotId) ?? 0;
      if (n < seats) {
        given.set(a.slotId, n + 1);
        kept.push(a);
      } else lost.push(a);
    }
    const release = new Map<number, number>();
    for (const [slotId, seats] of granted)
      if ((given.get(slotId) ?? 0) < seats) release.set(slotId, seats - (given.get(slotId) ?? 0));
    const giveBack = (a: Assignment) => {
      release.set(a.slotId, (release.get(a.slotId) ?? 0) + 1);
      gone.push(a);
    };
    // 2. Out of the queue (the rows locked now); whoever left it meanwhile gives the seat back.
    const stillWaiting = await repoT.leaveQueue(
      trx,
      kept.map((a) => a.personId),
      kept.map((a) => a.doseNumber),
    );
    const toWrite = kept.filter((a) => stillWaiting.has(key(a)) || (giveBack(a), false));
    // 3. The appointments and their SMS.
    const rows = {
      people: toWrite.map((a) => a.personId),
      doses: toWrite.map((a) => a.doseNumber),
      sessions: toWrite.map((a) => a.sessionId),
      slots: toWrite.map((a) => a.slotId),
      facilities: toWrite.map((a) => a.facilityId),
      products: toWrite.map((a) => a.productId),
      dates: toWrite.map((a) => a.date),
      codes: toWrite.map(() => slipCode()),
    };
    // Someone out of the queue holds no appointment for the dose, so the plain insert (cheaper than
    // one that checks every row for a conflict) is tried first; should a person hold one all the
    // same, the batch is written again skipping them.
    let result = { written: new Set<string>(), sms: 0 };
    if (toWrite.length) {
      try {
        result = await withTransaction(trx, (sp) => scheduleRepository(sp).insertAppointments(sp, rows));
      } catch (err) {
        if ((err as { code?: string }).code !== '23505') throw err;
        result = await repoT.insertAppointments(trx, rows, true);
      }
    }
    const { written, sms } = result;
    const placed = toWrite.filter((a) => written.has(key(a)) || (giveBack(a), false));
    await repoT.releaseSeats(trx, release);
    return { placed, lost, gone: gone.length, sms };
  }

  return {
    start,
    execute,

    /**
     * The job: runs the run named in the payload. A run that failed says so on its row; the job
     * is not tried again for it (only when even that could not be recorded).
     */
    async handleJob(payload: Record<string, unknown>): Promise<void> {
      const runId = Number(payload.runId);
      try {
        await execute(runId);
      } catch (err) {
        if ((await repo.findRun(runId))?.status !== 'failed') throw err;
      }
    },

    async get(runId: number): Promise<ScheduleRun> {
      const r = await repo.findRun(runId);
      if (!r) throw notFound('The auto-scheduler run');
      return toRun(r);
    },

    /** Area of a run, for its access scope (null: national). */
    async areaOf(runId: number): Promise<number | null> {
      const r = await repo.findRun(runId);
      if (!r) throw notFound('The auto-scheduler run');
      return (r.params as unknown as RunParams).areaId ?? null;
    },

    async list(scope: ListScope, limit: number): Promise<ScheduleRun[]> {
      const rows = await repo.listRuns(limit, scope.all ? null : scope.areaPaths);
      return rows.map(toRun);
    },
  };
}

export type AutoscheduleService = ReturnType<typeof autoscheduleService>;

/** Each area's place: its own coordinates, else those of the nearest area above it that has some. */
function areaLocations(
  areas: readonly { id: number; path: string; latitude: number | null; longitude: number | null }[],
): Map<number, GeoPoint | null> {
  const own = new Map(
    areas.map((a) => [
      a.id,
      a.latitude === null || a.longitude === null ? null : { lat: a.latitude, lon: a.longitude },
    ]),
  );
  const out = new Map<number, GeoPoint | null>();
  for (const a of areas) {
    const chain = a.path.split('/').filter(Boolean).map(Number).reverse();
    out.set(a.id, chain.map((id) => own.get(id)).find((p) => p) ?? null);
  }
  return out;
}
