import { Type, type Static } from '@sinclair/typebox';
import { AvailableSessionSchema } from '../availability/schemas.ts';

export const IsoDate = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD.' });
export const ClockTime = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  description: 'A time of day, HH:MM (24-hour).',
});
const DoseNumbers = Type.Array(Type.Integer({ minimum: 1, maximum: 10 }), {
  minItems: 1,
  maxItems: 10,
  uniqueItems: true,
  description: 'The doses this session gives: [1], [2], [1, 2], [3] for a booster session.',
});

const SessionShape = {
  facilityId: Type.Integer({ minimum: 1 }),
  productId: Type.Integer({ minimum: 1 }),
  doseNumbers: DoseNumbers,
  minAgeYears: Type.Integer({ minimum: 0, maximum: 130 }),
  maxAgeYears: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 130 }), Type.Null()])),
  startsAt: ClockTime,
  endsAt: ClockTime,
  capacity: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Seats in the whole session.' }),
  slotMinutes: Type.Optional(
    Type.Integer({
      minimum: 10,
      maximum: 720,
      description: 'Split the session into time slots of this length, the seats spread evenly over them.',
    }),
  ),
};

export const SessionCreate = Type.Object({ ...SessionShape, date: IsoDate }, { additionalProperties: false });
export type SessionCreateT = Static<typeof SessionCreate>;

export const SessionTemplate = Type.Object(
  {
    ...SessionShape,
    from: IsoDate,
    to: IsoDate,
    weekdays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
      minItems: 1,
      maxItems: 7,
      uniqueItems: true,
      description: 'ISO weekdays the session runs on: 1 Monday … 7 Sunday.',
    }),
  },
  { additionalProperties: false },
);
export type SessionTemplateT = Static<typeof SessionTemplate>;

const Slot = Type.Object({
  id: Type.Integer(),
  startsAt: Type.String(),
  endsAt: Type.String(),
  capacity: Type.Integer(),
  booked: Type.Integer(),
  available: Type.Integer(),
});

export const SessionStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('closed'),
  Type.Literal('cancelled'),
]);

export const Session = Type.Object(
  {
    id: Type.Integer(),
    facility: Type.Object({
      id: Type.Integer(),
      code: Type.String(),
      nameEn: Type.String(),
      nameBn: Type.String(),
    }),
    date: Type.String(),
    product: Type.Object({ id: Type.Integer(), code: Type.String(), name: Type.String() }),
    doseNumbers: Type.Array(Type.Integer()),
    minAgeYears: Type.Integer(),
    maxAgeYears: Type.Union([Type.Integer(), Type.Null()]),
    startsAt: Type.String(),
    endsAt: Type.String(),
    status: SessionStatus,
    cancelReason: Type.Union([Type.String(), Type.Null()]),
    capacity: Type.Integer(),
    booked: Type.Integer(),
    available: Type.Integer(),
    slots: Type.Array(Slot),
  },
  { $id: 'Session' },
);
export type SessionT = Static<typeof Session>;

export const SessionStatusChange = Type.Object(
  {
    status: SessionStatus,
    reason: Type.Optional(Type.String({ minLength: 3, maxLength: 300, description: 'Required to cancel.' })),
  },
  { additionalProperties: false },
);

export const SessionList = Type.Object({
  facilityId: Type.Integer({ minimum: 1 }),
  from: IsoDate,
  to: IsoDate,
});

export const AppointmentStatus = Type.Union([
  Type.Literal('booked'),
  Type.Literal('attended'),
  Type.Literal('missed'),
  Type.Literal('cancelled'),
]);

export const Appointment = Type.Object(
  {
    id: Type.Integer(),
    personId: Type.Integer(),
    registrationNumber: Type.String(),
    nameEn: Type.String(),
    nameBn: Type.Union([Type.String(), Type.Null()]),
    doseNumber: Type.Integer(),
    sessionId: Type.Integer(),
    slotId: Type.Integer(),
    facility: Type.Object({
      id: Type.Integer(),
      nameEn: Type.String(),
      nameBn: Type.String(),
      address: Type.String(),
    }),
    product: Type.Object({ id: Type.Integer(), code: Type.String(), name: Type.String() }),
    date: Type.String(),
    startsAt: Type.String(),
    endsAt: Type.String(),
    code: Type.String({ description: 'The four-digit slip code the vaccinator checks.' }),
    status: AppointmentStatus,
    bookedVia: Type.Union([Type.Literal('citizen'), Type.Literal('staff'), Type.Literal('auto')]),
    rescheduleCount: Type.Integer(),
    reschedulesLeft: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Appointment' },
);
export type AppointmentT = Static<typeof Appointment>;

export const BookingBody = Type.Object(
  {
    personId: Type.Integer({ minimum: 1 }),
    sessionId: Type.Integer({ minimum: 1 }),
    slotId: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'A time slot of the session; the earliest with room when left out.',
      }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 100,
        pattern: '^[A-Za-z0-9_.:-]+$',
        description: 'Repeating a request with the same key returns the same appointment.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RescheduleBody = Type.Object(
  {
    sessionId: Type.Integer({ minimum: 1 }),
    slotId: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const NextDoseInfo = Type.Object({
  personId: Type.Integer(),
  status: Type.Union([
    Type.Literal('due'),
    Type.Literal('booked'),
    Type.Literal('complete'),
    Type.Literal('not_eligible'),
  ]),
  doseNumber: Type.Union([Type.Integer(), Type.Null()]),
  earliestDate: Type.Union([Type.String(), Type.Null()]),
  dueDate: Type.Union([Type.String(), Type.Null()]),
  productIds: Type.Array(Type.Integer()),
  reason: Type.Union([Type.String(), Type.Null()]),
});

export const CitizenAppointments = Type.Object({
  appointments: Type.Array(Type.Ref(Appointment)),
  nextDoses: Type.Array(NextDoseInfo),
});

/** A time of the same session that still has seats, offered when the chosen one is full. */
export const OtherSlot = Type.Object({
  slotId: Type.Integer(),
  startsAt: ClockTime,
  available: Type.Integer({ description: 'Seats left in this time slot.' }),
});

/**
 * The 409 of booking and rescheduling: the one error body, whose details say, for a full session or
 * time slot (`session_full`, `slot_full`), what is still free. Other codes keep their own details
 * (e.g. `doseNumber`, `earliestDate`, `appointmentId`), which pass through as they are.
 */
export const BookingConflict = Type.Object(
  {
    error: Type.Object({
      code: Type.String({
        description:
          'Stable machine-readable code: `session_full` and `slot_full` when there is no seat left, else the rule the booking breaks (`appointment_exists`, `too_early`, ...).',
      }),
      message: Type.String({ description: 'What went wrong, for a person.' }),
      details: Type.Optional(
        Type.Object(
          {
            otherSlots: Type.Optional(
              Type.Array(OtherSlot, {
                description:
                  'With `session_full` and `slot_full`: the times of the same session that still have seats (empty for a full session).',
              }),
            ),
            alternatives: Type.Optional(
              Type.Array(AvailableSessionSchema, {
                description:
                  'With `session_full` and `slot_full`: the nearest other sessions with a seat left for this dose of this product, nearest first, then soonest (at most 5).',
              }),
            ),
          },
          { additionalProperties: true },
        ),
      ),
      requestId: Type.String(),
    }),
  },
  { description: 'Error' },
);
export type BookingConflictT = Static<typeof BookingConflict>;
