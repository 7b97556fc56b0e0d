import { Type } from '@sinclair/typebox';
import { UNPLACED_REASONS } from '@dosewise/domain';
import { listScope, type Scope } from '../access/policy.ts';
import { principalOf } from '../http/access-hooks.ts';
import { ctxOf, errors, IdParams, Limit, type App } from '../http/types.ts';
import type { ReferenceService } from '../reference/service.ts';
import type { AutoscheduleService } from './autoschedule.ts';

const Seconds = Type.Number({ minimum: 0 });

export const ScheduleRunSchema = Type.Object(
  {
    id: Type.Integer(),
    status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
    params: Type.Object({
      days: Type.Integer(),
      areaId: Type.Union([Type.Integer(), Type.Null()], { description: 'null: the whole country' }),
      fromDate: Type.String({ format: 'date' }),
      toDate: Type.String({ format: 'date' }),
      fallbackKm: Type.Number(),
    }),
    progress: Type.Number({ minimum: 0, maximum: 1, description: 'Share of the work done, 0 to 1.' }),
    phase: Type.String({ description: 'reading, assigning, writing, recording, done or failed' }),
    summary: Type.Union([
      Type.Object({
        considered: Type.Integer({ description: 'Waiting entries the run looked at.' }),
        placed: Type.Integer(),
        unplaced: Type.Object({
          total: Type.Integer(),
          byReason: Type.Record(Type.String(), Type.Integer(), {
            description: `People left waiting, by reason: ${UNPLACED_REASONS.join(', ')}.`,
          }),
        }),
        byDose: Type.Record(Type.String(), Type.Object({ placed: Type.Integer(), unplaced: Type.Integer() })),
        sms: Type.Integer({ description: 'Appointment SMS queued.' }),
        seatsTakenMeanwhile: Type.Integer({
          description: 'Placements given up because citizens booked those seats while the run was writing.',
        }),
        leftQueueMeanwhile: Type.Integer({
          description: 'People placed by the run who booked for themselves or were removed before it wrote.',
        }),
        objective: Type.Number(),
        seconds: Type.Object({
          reading: Seconds,
          assigning: Seconds,
          writing: Seconds,
          recording: Seconds,
          total: Seconds,
        }),
      }),
      Type.Null(),
    ]),
    error: Type.Union([Type.String(), Type.Null()]),
    startedBy: Type.Union([Type.Integer(), Type.Null()]),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'ScheduleRun' },
);

const StartBody = Type.Object(
  {
    days: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 60,
        description: 'Days to fill, from tomorrow. Default: SCHEDULER_DAYS_AHEAD.',
      }),
    ),
    areaId: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        description:
          'Only people living in this area, into sessions of facilities in it. Without it, the whole country (national staff only).',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The auto-scheduler from the console: start a run (a job; the console follows its progress),
 * list runs, read one. Starting and reading are for whoever may run the scheduler where the run
 * applies: the whole country for national staff, an area for its area administrators.
 */
export function scheduleRoutes(
  app: App,
  deps: { autoschedule: AutoscheduleService; reference: ReferenceService },
) {
  const { autoschedule, reference } = deps;
  const scopeOfArea = (areaId: number | null | undefined): Promise<Scope> =>
    areaId ? reference.areaScope(areaId) : Promise.resolve({ kind: 'national' });

  app.post(
    '/api/schedule-runs',
    {
      schema: {
        operationId: 'startScheduleRun',
        tags: ['scheduling'],
        summary:
          'Start an auto-scheduler run: waiting people are given appointments in open slots of the coming days',
        body: StartBody,
        response: { 202: Type.Ref('ScheduleRun'), ...errors(400, 401, 403, 404, 409) },
      },
      config: {
        access: {
          action: 'schedule.run',
          scope: (req) => scopeOfArea((req.body as { areaId?: number } | undefined)?.areaId),
        },
      },
    },
    async (req, reply) =>
      reply
        .status(202)
        .send(await autoschedule.start(principalOf(req), req.body, { queue: true, ctx: ctxOf(req) })),
  );

  app.get(
    '/api/schedule-runs',
    {
      schema: {
        operationId: 'listScheduleRuns',
        tags: ['scheduling'],
        summary: 'Auto-scheduler runs, newest first, of the areas the caller may run it in',
        querystring: Type.Object({ limit: Limit(100, 20) }, { additionalProperties: false }),
        response: { 200: Type.Array(Type.Ref('ScheduleRun')), ...errors(400, 401, 403) },
      },
      config: { access: { action: 'schedule.run' } },
    },
    (req) => autoschedule.list(listScope(principalOf(req), 'schedule.run'), req.query.limit),
  );

  app.get(
    '/api/schedule-runs/:id',
    {
      schema: {
        operationId: 'getScheduleRun',
        tags: ['scheduling'],
        summary: 'One auto-scheduler run: its progress, phase and, when done, its summary',
        params: IdParams,
        response: { 200: Type.Ref('ScheduleRun'), ...errors(400, 401, 403, 404) },
      },
      config: {
        access: {
          action: 'schedule.run',
          scope: async (req) => scopeOfArea(await autoschedule.areaOf((req.params as { id: number }).id)),
        },
      },
    },
    (req) => autoschedule.get(req.params.id),
  );
}
