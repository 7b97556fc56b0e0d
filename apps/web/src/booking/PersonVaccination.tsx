import { useId } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Person } from '../api/client.ts';
import type { Appointment, NextDose } from '../api/scheduling.ts';
import { useCitizenAppointments } from '../citizen/queries.ts';
import { programmeToday, useScheduleFormat } from '../scheduling/format.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { AppointmentStatusBadge } from './AppointmentStatusBadge.tsx';
import { CitizenDoses } from './CitizenDoses.tsx';

export const slipPath = (a: Pick<Appointment, 'personId' | 'id'>) =>
  `/citizen/people/${a.personId}/appointments/${a.id}`;

/** What a person of the family can book next, and their appointments: on the family screen. */
export function PersonVaccination({ person, level = 4 }: { person: Person; level?: 3 | 4 }) {
  const { t } = useTranslation();
  const f = useFormat();
  const Heading = level === 3 ? 'h3' : 'h4';
  const headingId = useId();
  const appointments = useCitizenAppointments();
  const next = appointments.data?.nextDoses.find((n) => n.personId === person.id);
  const mine = appointments.data?.appointments.filter((a) => a.personId === person.id) ?? [];
  const active = mine.filter((a) => a.status === 'booked');
  const earlier = mine.filter((a) => a.status !== 'booked');
  return (
    <section className="vaccination" aria-labelledby={headingId} data-testid="person-vaccination">
      <Heading id={headingId}>{t('booking.person.title')}</Heading>
      {appointments.isPending && <Loading />}
      <ErrorAlert error={appointments.error} />
      {next && <NextDoseLine next={next} person={person} />}
      {active.length > 0 && (
        <ul className="appointment-lines" role="list">
          {active.map((a) => (
            <AppointmentLine key={a.id} appointment={a} />
          ))}
        </ul>
      )}
      {earlier.length > 0 && (
        <details className="earlier">
          <summary>
            {t('booking.person.earlier', { count: earlier.length, n: f.number(earlier.length) })}
          </summary>
          <ul className="appointment-lines" role="list">
            {earlier.map((a) => (
              <AppointmentLine key={a.id} appointment={a} />
            ))}
          </ul>
        </details>
      )}
      <CitizenDoses person={person} />
      <p>
        <Link to="/citizen/certificates" data-testid="my-certificates">
          {t('certificates.myCertificates')}
        </Link>
      </p>
    </section>
  );
}

/** The next dose in a sentence, with the way to book it when it can be booked. */
export function NextDoseLine({ next, person }: { next: NextDose; person: Person }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const name = f.name({ nameEn: person.nameEn, nameBn: person.nameBn ?? '' });
  const dose = f.number(next.doseNumber ?? 0);
  switch (next.status) {
    case 'due': {
      const later = next.earliestDate !== null && next.earliestDate > programmeToday();
      return (
        <div className="next-dose" data-testid="next-dose" data-status="due">
          <p>
            {later && next.earliestDate
              ? t('booking.person.dueFrom', { dose, date: f.longDate(next.earliestDate) })
              : t('booking.person.dueNow', { dose })}
          </p>
          <Link
            to={`/citizen/book/${person.id}`}
            className="button"
            aria-label={t('booking.person.bookNamed', { dose, name })}
            data-testid="book-dose"
          >
            {t('booking.person.book')}
          </Link>
        </div>
      );
    }
    case 'booked':
      return (
        <p className="next-dose" data-testid="next-dose" data-status="booked">
          {t('booking.person.booked', { dose })}
        </p>
      );
    case 'complete':
      return (
        <p className="next-dose" data-testid="next-dose" data-status="complete">
          {t('booking.person.complete')}
        </p>
      );
    case 'not_eligible':
      return (
        <p className="next-dose" data-testid="next-dose" data-status="not_eligible">
          {next.reason === 'priority_awaiting_approval'
            ? t('booking.person.awaitingApproval')
            : next.reason === 'identity_not_verified'
              ? t('booking.person.notVerified')
              : t('booking.person.notEligible')}
        </p>
      );
  }
}

/** One appointment in a line: dose, day, time, centre, and a link to its slip. */
export function AppointmentLine({ appointment: a }: { appointment: Appointment }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const plain = useFormat();
  return (
    <li className="appointment-line" data-testid="appointment-line">
      <span>
        <strong>{t('booking.doseN', { dose: f.number(a.doseNumber) })}</strong>{' '}
        <AppointmentStatusBadge status={a.status} />
        <br />
        {f.dayLabel(a.date)}, {f.hours(a.startsAt, a.endsAt)} · {plain.name(a.facility)}
      </span>
      <Link
        to={slipPath(a)}
        aria-label={
          a.status === 'booked'
            ? t('booking.slip.openNamed', { dose: f.number(a.doseNumber) })
            : t('booking.slip.detailsNamed', { dose: f.number(a.doseNumber) })
        }
        data-testid="open-slip"
      >
        {a.status === 'booked' ? t('booking.slip.open') : t('booking.slip.details')}
      </Link>
    </li>
  );
}
