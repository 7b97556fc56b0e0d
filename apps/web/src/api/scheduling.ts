import type { components, paths } from './schema';

// Types of the scheduling screens, all from the generated OpenAPI schema.
type Schemas = components['schemas'];
export type Session = Schemas['Session'];
export type SessionStatus = Session['status'];
export type SessionSlot = Session['slots'][number];
export type Appointment = Schemas['Appointment'];
export type AppointmentStatus = Appointment['status'];

type Json200<P extends keyof paths> = paths[P]['get'] extends {
  responses: { 200: { content: { 'application/json': infer R } } };
}
  ? R
  : never;

type JsonBody<P extends keyof paths> = paths[P]['post'] extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export type CitizenAppointments = Json200<'/api/citizen/appointments'>;
export type NextDose = CitizenAppointments['nextDoses'][number];
export type NextDoseStatus = NextDose['status'];
export type AvailabilityResult = Json200<'/api/public/availability'>;
export type AvailableSession = AvailabilityResult['sessions'][number];
export type AvailableSlot = AvailableSession['slots'][number];
export type AvailabilityQuery = NonNullable<paths['/api/public/availability']['get']['parameters']['query']>;
export type PublicProduct = Json200<'/api/public/products'>[number];
export type WaitingQueue = Json200<'/api/waiting-queue'>;
export type WaitingEntry = WaitingQueue['entries'][number];
export type Attendance = Json200<'/api/facilities/{id}/attendance'>;
export type SessionCreate = JsonBody<'/api/sessions'>;
export type SessionTemplate = JsonBody<'/api/sessions/from-template'>;
export type BookingBody = JsonBody<'/api/citizen/appointments'>;
