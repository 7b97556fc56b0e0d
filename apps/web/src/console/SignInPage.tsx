import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, restoreSession, unwrap } from '../api/client.ts';
import { setSession, useSessionState } from '../auth/session.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { TextField } from '../ui/fields.tsx';
import { Loading } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';

/** Where to go after signing in: the console page that sent us here, or the console. */
function returnPath(state: unknown): string {
  if (state && typeof state === 'object' && 'from' in state && typeof state.from === 'string') {
    if (state.from.startsWith('/console') && !state.from.startsWith('/console/sign-in')) return state.from;
  }
  return '/console';
}

export function SignInPage() {
  const { t } = useTranslation();
  usePageTitle(t('signIn.title'));
  const location = useLocation();
  const { session, checked } = useSessionState();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');

  useEffect(() => {
    void restoreSession();
  }, []);

  const signIn = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/auth/sign-in', { body: { username: username.trim(), password } })),
    onSuccess: (data) => setSession({ accessToken: data.accessToken, user: data.user }),
    onError: () => setPassword(''),
  });

  if (session) return <Navigate to={returnPath(location.state)} replace />;
  if (!checked) return <Loading />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate();
  };

  return (
    <div className="sign-in">
      <h1>{t('signIn.title')}</h1>
      <p className="lead">{t('signIn.intro')}</p>
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
