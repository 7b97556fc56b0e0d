import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { unwrap } from '../api/client.ts';
import { citizenApi } from '../api/citizenClient.ts';
import { CitizenGate } from '../citizen/CitizenGate.tsx';
import { useCitizenAppointment, useCitizenAppointments, useFamily } from '../citizen/queries.ts';
import { useScheduleFormat } from '../scheduling/format.ts';
import { useBookingMessage } from '../scheduling/messages.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { BookingFlow } from './BookingFlow.tsx';
import { slipPath } from './PersonVaccination.tsx';
import { useAppointmentParams } from './SlipPage.tsx';

/** Move an appointment to another session or time: the same search, the current slot shown as taken. */
export function ReschedulePage() {
  const { t } = useTranslation();
  usePageTitle(t('booking.reschedule.title'));
  const { personId, id } = useAppointmentParams();
  return (
    <CitizenGate title={t('booking.reschedule.title')}>
      <Reschedule key={`${personId}-${id}`} personId={personId} id={id} />
    </CitizenGate>
  );
}

function Reschedule({ personId, id }: { personId: number; id: number }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const bookingMessage = useBookingMessage();
  const appointment = useCitizenAppointment(personId, id);
  const family = useFamily();
  const all = useCitizenAppointments();
  const title = <h1>{t('booking.reschedule.title')}</h1>;
  if (appointment.isPending || family.isPending || all.isPending)
    return (
      <>
        {title}
        <Loading />
      </>
    );
  const a = appointment.data;
  const person = family.data?.find((p) => p.id === personId);
  if (!a || !person)
    return (
      <>
        {title}
        <ErrorAlert error={appointment.error ?? family.error} localMessage={bookingMessage} />
        <p>
          <Link to="/citizen">{t('booking.backToFamily')}</Link>
        </p>
      </>
    );
  const next = all.data?.nextDoses.find((n) => n.personId === personId);
  const back = (
    <p className="back-link">
      <Link to={slipPath(a)}>{t('booking.reschedule.back')}</Link>
    </p>
  );
  return (
    <>
      {back}
      {title}
      <div className="card current-appointment" data-testid="current-appointment">
        <p>
          {t('booking.reschedule.now', {
            date: f.longDate(a.date),
            hours: f.hours(a.startsAt, a.endsAt),
            centre: f.name(a.facility),
          })}
        </p>
        <p className="field-hint">
          {a.reschedulesLeft > 0
            ? t('booking.slip.changesLeft', { count: a.reschedulesLeft, n: f.number(a.reschedulesLeft) })
            : t('booking.slip.noChangesLeft')}
        </p>
      </div>
      {a.status !== 'booked' ? (
        <p className="empty">{t('booking.reschedule.notActive')}</p>
      ) : a.reschedulesLeft <= 0 ? (
        <p className="empty">{t('booking.reschedule.limit')}</p>
      ) : (
        <BookingFlow
          constraints={{
            person,
            doseNumber: a.doseNumber,
            productIds: next?.productIds.length ? next.productIds : [a.product.id],
            earliestDate: next?.earliestDate ?? null,
            currentSlotId: a.slotId,
          }}
          done="rescheduled"
          send={(target) =>
            unwrap(
              citizenApi.POST('/api/citizen/people/{id}/appointments/{appointmentId}/reschedule', {
                params: { path: { id: personId, appointmentId: id } },
                body: {
                  sessionId: target.sessionId,
                  ...(target.slotId === undefined ? {} : { slotId: target.slotId }),
                },
              }),
            )
          }
        />
      )}
    </>
  );
}
