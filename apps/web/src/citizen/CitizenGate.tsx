import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useCitizenState } from '../auth/citizenSession.ts';
import { CitizenSignIn } from './CitizenSignIn.tsx';

/** A citizen page behind the phone sign-in: its title, then the sign-in until there is one. */
export function CitizenGate({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  const { session } = useCitizenState();
  if (session) return <>{children}</>;
  return (
    <>
      <h1>{title}</h1>
      <p className="lead">{t('citizen.signInFirst')}</p>
      <CitizenSignIn />
    </>
  );
}
