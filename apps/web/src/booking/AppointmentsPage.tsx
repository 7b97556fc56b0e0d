import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { CitizenGate } from '../citizen/CitizenGate.tsx';
import { useCitizenAppointments, useFamily } from '../citizen/queries.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { PersonVaccination } from './PersonVaccination.tsx';

/** Every appointment of the family, person by person, with what each can book next. */
export function AppointmentsPage() {
  const { t } = useTranslation();
  usePageTitle(t('booking.appointments.title'));
  return (
    <CitizenGate title={t('booking.appointments.title')}>
      <Appointments />
    </CitizenGate>
  );
}

function Appointments() {
  const { t } = useTranslation();
  const f = useFormat();
  const family = useFamily();
  const appointments = useCitizenAppointments();
  const people = family.data ?? [];
  return (
    <>
      <h1>{t('booking.appointments.title')}</h1>
      <ErrorAlert error={family.error ?? appointments.error} />
      {family.isPending && <Loading />}
      {family.data && people.length === 0 && (
        <p className="empty">
          {t('booking.nobody')} <Link to="/citizen">{t('booking.registerFirst')}</Link>
        </p>
      )}
      {people.length > 0 && (
        <ul className="family-list" role="list">
          {people.map((p) => (
            <li key={p.id} className="card person-card">
              <h2 className="person-name">{f.name({ nameEn: p.nameEn, nameBn: p.nameBn ?? '' })}</h2>
              <PersonVaccination person={p} level={3} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
