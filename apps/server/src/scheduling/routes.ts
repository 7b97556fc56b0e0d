import { Type } from '@sinclair/typebox';
import { citizenOf, principalOf } from '../http/access-hooks.ts';
import { authorize } from '../access/policy.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { OUTSIDE_SCOPE } from '../registration/routes.ts';
import { ctxOf, errors, IdParams, type App } from '../http/types.ts';
import type { ReferenceService } from '../reference/service.ts';
import type { BookingService } from './booking.ts';
import type { SessionService } from './sessions.ts';
import {
  BookingBody,
  BookingConflict,
  CitizenAppointments,
  IsoDate,
  RescheduleBody,
  SessionCreate,
  SessionList,
  SessionStatusChange,
  SessionTemplate,
} from './schemas.ts';

/** `:id` is the person (as in every /people/:id route), `:appointmentId` the appointment. */
const PersonAppointmentParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  appointmentId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});
const StaffBookingBody = Type.Object(
  { sessionId: Type.Integer({ minimum: 1 }), slotId: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);
const DateRange = Type.Object({ from: IsoDate, to: IsoDate });

/** An `Idempotency-Key` header, when given, must agree with the body's key. */
function idempotencyKeyOf(header: unknown, body: string | undefined): string | undefined {
  if (header === undefined) return body;
  if (typeof header !== 'string' || !/^[A-Za-z0-9_.:-]{8,100}$/.test(header))
    throw badRequest(
      'invalid_idempotency_key',
      'The Idempotency-Key header must be 8 to 100 letters, digits or _.:-',
    );
  if (body !== undefined && body !== header)
    throw badRequest(
      'idempotency_key_mismatch',
      'The Idempotency-Key header and the body name different keys.',
    );
  return header;
}

export function schedulingRoutes(
  app: App,
  deps: {
    sessions: SessionService;
    booking: BookingService;
    reference: ReferenceService;
    settings: { bookingPerIpMinute: number };
  },
) {
  const { sessions, booking, reference } = deps;
  const bookingLimit = { max: deps.settings.bookingPerIpMinute, timeWindow: '1 minute', groupId: 'booking' };
  const sessionScope = async (req: { params: unknown }) =>
    reference.facilityScope(await sessions.facilityOf((req.params as { id: number }).id));

  app.post(
    '/api/sessions',
    {
      schema: {
        operationId: 'createSession',
        tags: ['sessions'],
        summary: 'Plan one session at a facility',
        body: SessionCreate,
        response: { 201: Type.Ref('Session'), ...errors(400, 401, 403, 404) },
      },
      config: {
        access: {
          action: 'session.write',
          scope: (req) => reference.facilityScope((req.body as { facilityId: number }).facilityId),
        },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await sessions.create(principalOf(req), req.body, ctxOf(req))),
  );

  app.post(
    '/api/sessions/from-template',
    {
      schema: {
        operationId: 'createSessionsFromTemplate',
        tags: ['sessions'],
        summary:
          'Plan a weekly pattern of sessions over a date range (days that already have it are skipped)',
        body: SessionTemplate,
        response: {
          201: Type.Object({
            created: Type.Array(Type.Ref('Session')),
            skippedDates: Type.Array(Type.String()),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
      config: {
        access: {
          action: 'session.write',
          scope: (req) => reference.facilityScope((req.body as { facilityId: number }).facilityId),
        },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await sessions.createFromTemplate(principalOf(req), req.body, ctxOf(req))),
  );

  app.get(
    '/api/sessions',
    {
      schema: {
        operationId: 'listSessions',
        tags: ['sessions'],
        summary: "A facility's sessions over a date range, with their fill",
        querystring: SessionList,
        response: { 200: Type.Array(Type.Ref('Session')), ...errors(400, 401, 403, 404) },
      },
      config: {
        access: {
          action: 'session.read',
          scope: (req) => reference.facilityScope((req.query as { facilityId: number }).facilityId),
        },
      },
    },
    (req) => sessions.list(req.query),
  );

  app.get(
    '/api/sessions/:id',
    {
      schema: {
        operationId: 'getSession',
        tags: ['sessions'],
        params: IdParams,
        response: { 200: Type.Ref('Session'), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'session.read', scope: sessionScope } },
    },
    (req) => sessions.get(req.params.id),
  );

  app.post(
    '/api/sessions/:id/status',
    {
      schema: {
        operationId: 'changeSessionStatus',
        tags: ['sessions'],
        summary:
          'Open, close or cancel a session (cancelling tells every booked person and puts them back in the queue)',
        params: IdParams,
        body: SessionStatusChange,
        response: { 200: Type.Ref('Session'), ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'session.write', scope: sessionScope } },
    },
    (req) => sessions.changeStatus(principalOf(req), req.params.id, req.body, ctxOf(req)),
  );

  app.get(
    '/api/sessions/:id/appointments',
    {
      schema: {
        operationId: 'listSessionAppointments',
        tags: ['sessions'],
        summary: "A session's appointments (booked, attended, missed)",
        params: IdParams,
        response: { 200: Type.Array(Type.Ref('Appointment')), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'appointment.read', scope: sessionScope } },
    },
    async (req) => {
      await sessions.facilityOf(req.params.id);
      return booking.forSession(req.params.id);
    },
  );

  app.get(
    '/api/facilities/:id/attendance',
    {
      schema: {
        operationId: 'facilityAttendance',
        tags: ['sessions'],
        summary: 'Attended and missed appointments per day, and the no-show rate',
        params: IdParams,
        querystring: DateRange,
        response: {
          200: Type.Object({
            facilityId: Type.Integer(),
            attended: Type.Integer(),
            missed: Type.Integer(),
            noShowRate: Type.Union([Type.Number(), Type.Null()]),
            days: Type.Array(
              Type.Object({ date: Type.String(), attended: Type.Integer(), missed: Type.Integer() }),
            ),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
      config: {
        access: {
          action: 'session.read',
          scope: (req) => reference.facilityScope((req.params as { id: number }).id),
        },
      },
    },
    (req) => {
      if (req.query.to < req.query.from)
        throw badRequest('invalid_range', 'The end date is before the start date.', [{ field: 'to' }]);
      return sessions.attendance(req.params.id, req.query.from, req.query.to);
    },
  );

  app.post(
    '/api/people/:id/appointments',
    {
      schema: {
        operationId: 'bookForPerson',
        tags: ['sessions'],
        summary: 'Book an appointment for a person at a help desk or centre',
        params: IdParams,
        body: StaffBookingBody,
        response: {
          201: Type.Ref('Appointment'),
          ...errors(400, 401, 403, 404, 429),
          409: BookingConflict,
        },
      },
      config: {
        access: {
          action: 'appointment.write',
          scope: async (req) =>
            reference.facilityScope(await sessions.facilityOf((req.body as { sessionId: number }).sessionId)),
        },
        rateLimit: bookingLimit,
      },
    },
    async (req, reply) => {
      const r = await booking.book(
        { kind: 'staff', principal: principalOf(req) },
        { personId: req.params.id, sessionId: req.body.sessionId, slotId: req.body.slotId },
        ctxOf(req),
      );
      return reply.status(201).send(r.appointment);
    },
  );

  app.post(
    '/api/people/:id/appointments/:appointmentId/cancel',
    {
      schema: {
        operationId: 'cancelForPerson',
        tags: ['sessions'],
        summary: "Cancel a person's appointment at a help desk or centre",
        description: OUTSIDE_SCOPE,
        params: PersonAppointmentParams,
        response: { 200: Type.Ref('Appointment'), ...errors(401, 403, 404, 409, 429) },
      },
      config: {
        access: {
          action: 'appointment.write',
          scope: async (req) => {
            const p = req.params as { id: number; appointmentId: number };
            const staff = principalOf(req);
            const a = await booking.get({ kind: 'staff', principal: staff }, p.id, p.appointmentId);
            const target = await reference.facilityScope(a.facility.id);
            // Staff who may not even read the person learn nothing: the 404 of a person who does not exist.
            if (
              !authorize(staff, 'appointment.write', target) &&
              !authorize(staff, 'person.read', target) &&
              !(await booking.seesPerson(staff, p.id))
            )
              throw notFound('The person');
            return target;
          },
        },
        rateLimit: bookingLimit,
      },
    },
    (req) =>
      booking.cancel(
        { kind: 'staff', principal: principalOf(req) },
        { personId: req.params.id, appointmentId: req.params.appointmentId },
        ctxOf(req),
      ),
  );

  const Count = Type.Object({ key: Type.String(), count: Type.Integer() });
  app.get(
    '/api/waiting-queue',
    {
      schema: {
        operationId: 'waitingQueue',
        tags: ['sessions'],
        summary: 'People waiting for a dose in an area, in the order the auto-scheduler serves them',
        querystring: Type.Object({
          areaId: Type.Optional(Type.Integer({ minimum: 1 })),
          doseNumber: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
        }),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            byDose: Type.Array(Count),
            byRank: Type.Array(Count),
            byReason: Type.Array(Count),
            entries: Type.Array(
              Type.Object({
                personId: Type.Integer(),
                registrationNumber: Type.String(),
                nameEn: Type.String(),
                nameBn: Type.Union([Type.String(), Type.Null()]),
                doseNumber: Type.Integer(),
                priorityRank: Type.Integer(),
                groupCode: Type.String(),
                earliestDate: Type.String(),
                dueDate: Type.Union([Type.String(), Type.Null()]),
                reason: Type.String(),
                since: Type.String({ format: 'date-time' }),
                unplacedReason: Type.Union([Type.String(), Type.Null()]),
                areaNameEn: Type.String(),
                areaNameBn: Type.String(),
              }),
            ),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
      config: {
        access: {
          action: 'appointment.read',
          scope: async (req) => {
            const areaId = (req.query as { areaId?: number }).areaId;
            return areaId ? reference.areaScope(areaId) : { kind: 'national' };
          },
        },
      },
    },
    async (req) => {
      const scope = req.query.areaId ? await reference.areaScope(req.query.areaId) : null;
      return sessions.queue(
        principalOf(req),
        {
          areaPath: scope && scope.kind !== 'national' ? scope.areaPath : null,
          doseNumber: req.query.doseNumber,
          limit: req.query.limit,
          offset: req.query.offset,
        },
        ctxOf(req),
      );
    },
  );

  // Citizens: their family's appointments.

  app.get(
    '/api/citizen/appointments',
    {
      schema: {
        operationId: 'citizenAppointments',
        tags: ['citizen'],
        summary: "The family's appointments and what each person can book next",
        response: { 200: CitizenAppointments, ...errors(401) },
      },
      config: { citizen: true },
    },
    (req) => booking.forAccount(citizenOf(req).accountId),
  );

  app.post(
    '/api/citizen/appointments',
    {
      schema: {
        operationId: 'citizenBook',
        tags: ['citizen'],
        summary: 'Book an appointment for self or a family member',
        description:
          'Repeating the request with the same idempotency key (body field or Idempotency-Key header) returns the same appointment with status 200.',
        body: BookingBody,
        response: {
          200: Type.Ref('Appointment'),
          201: Type.Ref('Appointment'),
          ...errors(400, 401, 404, 429),
          409: BookingConflict,
        },
      },
      config: { citizen: true, rateLimit: bookingLimit },
    },
    async (req, reply) => {
      const key = idempotencyKeyOf(req.headers['idempotency-key'], req.body.idempotencyKey);
      const r = await booking.book(
        { kind: 'citizen', accountId: citizenOf(req).accountId },
        { ...req.body, idempotencyKey: key },
        ctxOf(req),
      );
      return reply.status(r.replayed ? 200 : 201).send(r.appointment);
    },
  );

  app.get(
    '/api/citizen/people/:id/appointments/:appointmentId',
    {
      schema: {
        operationId: 'citizenAppointment',
        tags: ['citizen'],
        summary: 'One appointment: the slip',
        params: PersonAppointmentParams,
        response: { 200: Type.Ref('Appointment'), ...errors(401, 404) },
      },
      config: { citizen: true },
    },
    (req) =>
      booking.get(
        { kind: 'citizen', accountId: citizenOf(req).accountId },
        req.params.id,
        req.params.appointmentId,
      ),
  );

  app.post(
    '/api/citizen/people/:id/appointments/:appointmentId/reschedule',
    {
      schema: {
        operationId: 'citizenReschedule',
        tags: ['citizen'],
        summary: 'Move an appointment to another session or time slot (a limited number of times)',
        params: PersonAppointmentParams,
        body: RescheduleBody,
        response: {
          200: Type.Ref('Appointment'),
          ...errors(400, 401, 404, 429),
          409: BookingConflict,
        },
      },
      config: { citizen: true, rateLimit: bookingLimit },
    },
    (req) =>
      booking.reschedule(
        { kind: 'citizen', accountId: citizenOf(req).accountId },
        { personId: req.params.id, appointmentId: req.params.appointmentId },
        req.body,
        ctxOf(req),
      ),
  );

  app.post(
    '/api/citizen/people/:id/appointments/:appointmentId/cancel',
    {
      schema: {
        operationId: 'citizenCancel',
        tags: ['citizen'],
        summary: 'Cancel an appointment; the seat is free again at once',
        params: PersonAppointmentParams,
        response: { 200: Type.Ref('Appointment'), ...errors(401, 404, 409, 429) },
      },
      config: { citizen: true, rateLimit: bookingLimit },
    },
    (req) =>
      booking.cancel(
        { kind: 'citizen', accountId: citizenOf(req).accountId },
        { personId: req.params.id, appointmentId: req.params.appointmentId },
        ctxOf(req),
      ),
  );
}
