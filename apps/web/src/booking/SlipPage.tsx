import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { unwrap } from '../api/client.ts';
import { citizenApi } from '../api/citizenClient.ts';
import type { Appointment } from '../api/scheduling.ts';
import { CitizenGate } from '../citizen/CitizenGate.tsx';
import { citizenKeys, useCitizenAppointment } from '../citizen/queries.ts';
import { useScheduleFormat } from '../scheduling/format.ts';
import { useBookingMessage } from '../scheduling/messages.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { Loading, Notice } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { AppointmentStatusBadge } from './AppointmentStatusBadge.tsx';
import type { Done } from './BookingFlow.tsx';
import { slipPath } from './PersonVaccination.tsx';

/** The numbers of a route like /citizen/people/:personId/appointments/:id (0 when not a number). */
export function useAppointmentParams(): { personId: number; id: number } {
  const params = useParams();
  const whole = (v: string | undefined) => (v && /^\d{1,10}$/.test(v) ? Number(v) : 0);
  return { personId: whole(params.personId), id: whole(params.id) };
}

/** The appointment slip: what to show at the centre, printable on one page. */
export function SlipPage() {
  const { t } = useTranslation();
  usePageTitle(t('booking.slip.title'));
  const { personId, id } = useAppointmentParams();
  return (
    <CitizenGate title={t('booking.slip.title')}>
      <Slip key={`${personId}-${id}`} personId={personId} id={id} />
    </CitizenGate>
  );
}

function isDone(v: unknown): v is { done: Done } {
  return !!v && typeof v === 'object' && 'done' in v && (v.done === 'booked' || v.done === 'rescheduled');
}

function Slip({ personId, id }: { personId: number; id: number }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const location = useLocation();
  const queryClient = useQueryClient();
  const bookingMessage = useBookingMessage();
  const appointment = useCitizenAppointment(personId, id);
  const arrived: unknown = location.state;
  // Kept as what happened, not as words: the notice follows a change of language.
  const [notice, setNotice] = useState<Done | 'cancelled' | null>(() =>
    isDone(arrived) ? arrived.done : null,
  );
  const [confirming, setConfirming] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (isDone(arrived)) heading.current?.focus();
  }, [arrived]);

  const cancel = useMutation({
    mutationFn: () =>
      unwrap(
        citizenApi.POST('/api/citizen/people/{id}/appointments/{appointmentId}/cancel', {
          params: { path: { id: personId, appointmentId: id } },
        }),
      ),
    onSuccess: async (a) => {
      queryClient.setQueryData(citizenKeys.appointment(personId, id), a);
      setConfirming(false);
      setNotice('cancelled');
      heading.current?.focus();
      await queryClient.invalidateQueries({ queryKey: citizenKeys.appointments });
    },
  });

  if (appointment.isPending)
    return (
      <>
        <h1>{t('booking.slip.title')}</h1>
        <Loading />
      </>
    );
  if (!appointment.data)
    return (
      <>
        <h1>{t('booking.slip.title')}</h1>
        <ErrorAlert error={appointment.error} localMessage={bookingMessage} />
        <p>
          <Link to="/citizen">{t('booking.backToFamily')}</Link>
        </p>
      </>
    );
  const a = appointment.data;
  const name = f.name({ nameEn: a.nameEn, nameBn: a.nameBn ?? '' });
  const active = a.status === 'booked';

  return (
    <div className="slip-page">
      <p className="back-link no-print">
        <Link to="/citizen">{t('booking.backToFamily')}</Link>
      </p>
      <h1 ref={heading} tabIndex={-1} className="no-print">
        {t('booking.slip.title')}
      </h1>
      {notice && (
        <div className="no-print">
          <Notice>
            {notice === 'booked'
              ? t('booking.slip.justBooked')
              : notice === 'rescheduled'
                ? t('booking.slip.justRescheduled')
                : t('booking.slip.cancelled')}
          </Notice>
        </div>
      )}
      <SlipCard appointment={a} />
      <div className="no-print slip-actions">
        <ErrorAlert error={cancel.error} localMessage={bookingMessage} />
        {active && !confirming && (
          <>
            <div className="actions">
              <button
                type="button"
                className="button"
                onClick={() => window.print()}
                data-testid="print-slip"
              >
                {t('booking.slip.print')}
              </button>
              {a.reschedulesLeft > 0 ? (
                <Link to={`${slipPath(a)}/reschedule`} className="button secondary" data-testid="reschedule">
                  {t('booking.slip.reschedule')}
                </Link>
              ) : null}
              <button
                type="button"
                className="button secondary"
                onClick={() => {
                  cancel.reset();
                  setConfirming(true);
                }}
                data-testid="cancel-appointment"
              >
                {t('booking.slip.cancel')}
              </button>
            </div>
            <p className="field-hint" data-testid="reschedules-left">
              {a.reschedulesLeft > 0
                ? t('booking.slip.changesLeft', { count: a.reschedulesLeft, n: f.number(a.reschedulesLeft) })
                : t('booking.slip.noChangesLeft')}
            </p>
          </>
        )}
        {active && confirming && (
          <CancelBox
            appointment={a}
            name={name}
            pending={cancel.isPending}
            onConfirm={() => cancel.mutate()}
            onKeep={() => setConfirming(false)}
          />
        )}
        {!active && (
          <p>
            <Link to={`/citizen/book/${a.personId}`}>{t('booking.slip.bookAgain')}</Link>
          </p>
        )}
      </div>
    </div>
  );
}

function CancelBox({
  appointment: a,
  name,
  pending,
  onConfirm,
  onKeep,
}: {
  appointment: Appointment;
  name: string;
  pending: boolean;
  onConfirm: () => void;
  onKeep: () => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.querySelector<HTMLButtonElement>('button')?.focus();
  }, []);
  return (
    <div
      ref={box}
      className="confirm-box"
      role="group"
      aria-labelledby="cancel-question"
      data-testid="cancel-confirm"
    >
      <p id="cancel-question">
        {t('booking.slip.confirmCancel', { name, date: f.longDate(a.date), time: f.time(a.startsAt) })}
      </p>
      <div className="actions">
        <button
          type="button"
          className="button danger"
          disabled={pending}
          onClick={onConfirm}
          data-testid="confirm-cancel"
        >
          {pending ? t('booking.slip.cancelling') : t('booking.slip.confirmCancelButton')}
        </button>
        <button type="button" className="button secondary" onClick={onKeep}>
          {t('booking.slip.keep')}
        </button>
      </div>
    </div>
  );
}

/** The slip itself; also what a printer gets. */
export function SlipCard({ appointment: a }: { appointment: Appointment }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  return (
    <article className="card slip" aria-labelledby="slip-heading" data-testid="slip">
      <header className="slip-head">
        <p className="slip-brand">{t('app.name')}</p>
        <h2 id="slip-heading">{t('booking.slip.cardTitle')}</h2>
        <AppointmentStatusBadge status={a.status} />
      </header>
      <div className="slip-code-box">
        <p className="slip-code-label" id="slip-code-label">
          {t('booking.slip.code')}
        </p>
        <p className="slip-code" aria-labelledby="slip-code-label" data-testid="slip-code">
          {a.code}
        </p>
        <p className="field-hint">{t('booking.slip.codeHint')}</p>
      </div>
      <dl className="slip-facts">
        <div>
          <dt>{t('booking.slip.person')}</dt>
          <dd>
            {a.nameEn}
            {a.nameBn && (
              <>
                <br />
                <span lang="bn">{a.nameBn}</span>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>{t('registration.fields.registrationNumber')}</dt>
          <dd>
            <code className="reg-number" data-testid="slip-registration-number">
              {a.registrationNumber}
            </code>
          </dd>
        </div>
        <div>
          <dt>{t('booking.slip.dose')}</dt>
          <dd>{t('booking.doseN', { dose: f.number(a.doseNumber) })}</dd>
        </div>
        <div>
          <dt>{t('booking.slip.vaccine')}</dt>
          <dd>{a.product.name}</dd>
        </div>
        <div className="slip-wide">
          <dt>{t('booking.slip.centre')}</dt>
          <dd>
            <strong>{f.name(a.facility)}</strong>
            <br />
            {a.facility.address}
          </dd>
        </div>
        <div>
          <dt>{t('booking.slip.date')}</dt>
          <dd>
            <strong data-testid="slip-date">{f.longDate(a.date)}</strong>
          </dd>
        </div>
        <div>
          <dt>{t('booking.slip.time')}</dt>
          <dd>
            <strong data-testid="slip-time">{f.hours(a.startsAt, a.endsAt)}</strong>
          </dd>
        </div>
      </dl>
      <p className="slip-bring">{t('booking.slip.bring')}</p>
    </article>
  );
}
