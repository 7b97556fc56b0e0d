import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, restoreSession, unwrap } from '../api/client.ts';
import { getSession, markChecked, setSession, useSessionState } from '../auth/session.ts';
import { facilitiesFor } from '../console/permissions.ts';
import { FacilityName } from '../console/ScopeNames.tsx';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { TextField } from '../ui/fields.tsx';
import { LanguageSwitch } from '../ui/LanguageSwitch.tsx';
import { Brand, Main, SkipLink } from '../ui/Layout.tsx';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { allDoses, clearPacks } from './offlineStore.ts';
import { registerOfflineApp } from './pwa.ts';
import { dismissDoses, refreshDoses, setOnline, syncNow } from './sync.ts';
import { Workspace } from './Workspace.tsx';
import './vaccinator.css';

/**
 * The vaccinator app: works on a phone or tablet at the session, with or without a connection.
 * Staff sign in as in the console; the facility comes from their grant.
 */
export function VaccinatorPage() {
  const { t } = useTranslation();
  usePageTitle(t('vaccinator.title'));
  const { session, checked } = useSessionState();
  useEffect(() => {
    registerOfflineApp();
    // Offline there is no one to ask: the sign-in kept in this tab is used as it is.
    if (navigator.onLine) void restoreSession();
    else markChecked();
  }, []);
  useOnlineEvents(session?.user.id ?? null);

  return (
    <div className="page vaccinator">
      <SkipLink />
      <header className="site-header">
        <div className="site-header-inner">
          <Brand />
          <span className="tagline">{t('vaccinator.title')}</span>
          <div className="header-tools">
            {session && (
              <span className="user-name" data-testid="current-user">
                {session.user.displayName || session.user.username}
              </span>
            )}
            <LanguageSwitch />
            {session && <SignOutButton />}
          </div>
        </div>
      </header>
      <Main>
        <div className="container">{session ? <Signed /> : checked ? <VaccinatorSignIn /> : <Loading />}</div>
      </Main>
    </div>
  );
}

/** Keeps the connection state and uploads what is pending as soon as the device is back online. */
function useOnlineEvents(userId: number | null) {
  useEffect(() => {
    // Doses left from an earlier visit go up as soon as the app opens with a connection.
    void refreshDoses().then(async () => {
      if (userId === null || !navigator.onLine) return;
      if ((await allDoses()).some((d) => d.userId === userId && d.status === 'pending'))
        await syncNow(userId);
    });
    const online = () => {
      setOnline(true);
      if (userId !== null) void syncNow(userId);
    };
    const offline = () => setOnline(false);
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    setOnline(navigator.onLine);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  }, [userId]);
}

function Signed() {
  const { t } = useTranslation();
  const user = useSessionState().session?.user;
  const facilities = facilitiesFor(user, 'dose.record');
  const [chosen, setChosen] = useState<number | null>(null);
  const facilityId = chosen ?? (facilities.length === 1 ? (facilities[0] ?? null) : null);
  if (!user) return null;
  if (!facilities.length)
    return (
      <p className="alert" role="alert" data-testid="no-facility">
        {t('vaccinator.noFacility')}
      </p>
    );
  if (facilityId === null)
    return (
      <section className="panel">
        <h1>{t('vaccinator.chooseFacility')}</h1>
        <ul className="stack" role="list">
          {facilities.map((id) => (
            <li key={id}>
              <button type="button" className="button secondary" onClick={() => setChosen(id)}>
                <FacilityName id={id} />
              </button>
            </li>
          ))}
        </ul>
      </section>
    );
  return <Workspace key={facilityId} facilityId={facilityId} userId={user.id} />;
}

function VaccinatorSignIn() {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/auth/sign-in', { body: { username: username.trim(), password } })),
    onSuccess: (data) => setSession({ accessToken: data.accessToken, user: data.user }),
    onError: () => setPassword(''),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate();
  };
  return (
    <div className="sign-in">
      <h1>{t('vaccinator.signIn')}</h1>
      <p className="lead">{t('vaccinator.signInIntro')}</p>
      <form className="card stack" onSubmit={submit}>
        <TextField
          label={t('signIn.username')}
          value={username}
          onChange={setUsername}
          autoComplete="username"
          required
          maxLength={64}
        />
        <TextField
          label={t('signIn.password')}
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          required
        />
        <ErrorAlert error={signIn.error} />
        <div className="actions">
          <button type="submit" className="button" disabled={signIn.isPending}>
            {signIn.isPending ? t('signIn.submitting') : t('signIn.submit')}
          </button>
        </div>
      </form>
    </div>
  );
}

/**
 * Signing out takes the day's appointments off the device, and the doses the server has already
 * answered for. Doses not yet uploaded stay (they are records of vaccinations given) until the same
 * vaccinator signs in and uploads them.
 */
function SignOutButton() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    mutationFn: async () => {
      const userId = getSession()?.user.id;
      const mine = (await allDoses()).filter((d) => d.userId === userId);
      const waiting = mine.filter((d) => d.status === 'pending').length;
      if (waiting > 0 && !window.confirm(t('vaccinator.signOutPending', { count: waiting }))) return false;
      await clearPacks();
      await dismissDoses(mine.filter((d) => d.status !== 'pending').map((d) => d.clientId));
      await api.POST('/api/auth/sign-out').catch(() => undefined);
      return true;
    },
    onSuccess: (done) => {
      if (!done) return;
      setSession(null);
      queryClient.clear();
    },
  });
  return (
    <button
      type="button"
      className="button secondary small"
      data-testid="sign-out"
      disabled={signOut.isPending}
      onClick={() => signOut.mutate()}
    >
      {t('console.signOut')}
    </button>
  );
}
