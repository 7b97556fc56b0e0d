import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { unwrap, type Person } from '../api/client.ts';
import { citizenApi } from '../api/citizenClient.ts';
import { CitizenGate } from '../citizen/CitizenGate.tsx';
import { useCitizenAppointments, useFamily } from '../citizen/queries.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { BookingFlow } from './BookingFlow.tsx';
import { AppointmentLine, NextDoseLine } from './PersonVaccination.tsx';

/** Book a vaccination: for one person of the family (/citizen/book/:personId), or choose whom first. */
export function BookPage() {
  const { t } = useTranslation();
  usePageTitle(t('booking.title'));
  const { personId } = useParams();
  const id = personId === undefined ? null : Number(personId);
  return (
    <CitizenGate title={t('booking.title')}>
      {id === null ? (
        <ChoosePerson />
      ) : (
        <BookFor key={id} personId={Number.isInteger(id) && id > 0 ? id : 0} />
      )}
    </CitizenGate>
  );
}

function ChoosePerson() {
  const { t } = useTranslation();
  const f = useFormat();
  const family = useFamily();
  const appointments = useCitizenAppointments();
  const people = family.data ?? [];
  return (
    <>
      <h1>{t('booking.title')}</h1>
      <p className="lead">{t('booking.choosePerson')}</p>
      <ErrorAlert error={family.error ?? appointments.error} />
      {(family.isPending || appointments.isPending) && <Loading />}
      {family.data && people.length === 0 && (
        <p className="empty">
          {t('booking.nobody')} <Link to="/citizen">{t('booking.registerFirst')}</Link>
        </p>
      )}
      {appointments.data && people.length > 0 && (
        <ul className="family-list" role="list">
          {people.map((p) => {
            const next = appointments.data.nextDoses.find((n) => n.personId === p.id);
            return (
              <li key={p.id} className="card person-card" data-testid="bookable-person">
                <h2 className="person-name">{f.name({ nameEn: p.nameEn, nameBn: p.nameBn ?? '' })}</h2>
                {next && <NextDoseLine next={next} person={p} />}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

function BookFor({ personId }: { personId: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const family = useFamily();
  const appointments = useCitizenAppointments();
  if (family.isPending || appointments.isPending)
    return (
      <>
        <h1>{t('booking.title')}</h1>
        <Loading />
      </>
    );
  const person = family.data?.find((p) => p.id === personId);
  const next = appointments.data?.nextDoses.find((n) => n.personId === personId);
  if (!person || !next)
    return (
      <>
        <h1>{t('booking.title')}</h1>
        <ErrorAlert error={family.error ?? appointments.error} />
        {family.data && (
          <p className="empty">
            {t('booking.notInFamily')} <Link to="/citizen/book">{t('booking.choosePersonLink')}</Link>
          </p>
        )}
      </>
    );
  const name = f.name({ nameEn: person.nameEn, nameBn: person.nameBn ?? '' });
  const active = appointments.data?.appointments.filter(
    (a) => a.personId === personId && a.status === 'booked',
  );
  return (
    <>
      <h1>{t('booking.titleFor', { name })}</h1>
      {next.status === 'due' && next.doseNumber !== null ? (
        <BookingFlow
          constraints={{
            person,
            doseNumber: next.doseNumber,
            productIds: next.productIds,
            earliestDate: next.earliestDate,
          }}
          done="booked"
          send={(target, key) => book(person, target.sessionId, target.slotId, key)}
        />
      ) : (
        <div className="card">
          <NextDoseLine next={next} person={person} />
          {active && active.length > 0 && (
            <ul className="appointment-lines" role="list">
              {active.map((a) => (
                <AppointmentLine key={a.id} appointment={a} />
              ))}
            </ul>
          )}
          <p>
            <Link to="/citizen">{t('booking.backToFamily')}</Link>
          </p>
        </div>
      )}
    </>
  );
}

function book(person: Person, sessionId: number, slotId: number | undefined, idempotencyKey: string) {
  return unwrap(
    citizenApi.POST('/api/citizen/appointments', {
      body: { personId: person.id, sessionId, ...(slotId === undefined ? {} : { slotId }), idempotencyKey },
    }),
  );
}
