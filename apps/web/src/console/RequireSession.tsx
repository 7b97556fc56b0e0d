import { useEffect } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { restoreSession } from '../api/client.ts';
import { useSessionState } from '../auth/session.ts';
import { Loading } from '../ui/Notice.tsx';

/** Console pages need a sign-in: resume it from the refresh cookie if we can, else go to sign in. */
export function RequireSession() {
  const { session, checked } = useSessionState();
  const location = useLocation();
  useEffect(() => {
    void restoreSession();
  }, []);
  if (session) return <Outlet />;
  if (!checked) return <Loading />;
  return <Navigate to="/console/sign-in" replace state={{ from: location.pathname + location.search }} />;
}
