import { useEffect } from 'react';
import { NavLink, Outlet } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useCitizenState } from '../auth/citizenSession.ts';
import { citizenKeys } from './queries.ts';
import '../scheduling/scheduling.css';

const SECTIONS = [
  { to: '/citizen', key: 'family', end: true },
  { to: '/citizen/book', key: 'book', end: false },
  { to: '/citizen/appointments', key: 'appointments', end: false },
  { to: '/citizen/certificates', key: 'certificates', end: false },
] as const;

/** The citizen pages' frame: their sections once signed in, and nothing kept after signing out. */
export function CitizenArea() {
  const { t } = useTranslation();
  const { session } = useCitizenState();
  const queryClient = useQueryClient();
  const token = session?.token ?? null;
  // Nothing one phone's family showed may stay for the next sign-in.
  useEffect(() => {
    if (!token) queryClient.removeQueries({ queryKey: citizenKeys.all });
  }, [token, queryClient]);
  return (
    <div className="citizen">
      {session && (
        <nav className="citizen-nav no-print" aria-label={t('citizen.nav.label')}>
          <ul role="list">
            {SECTIONS.map((s) => (
              <li key={s.key}>
                <NavLink to={s.to} end={s.end}>
                  {t(`citizen.nav.${s.key}`)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <Outlet />
    </div>
  );
}
