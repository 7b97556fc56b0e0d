import { NavLink, Outlet, useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { getSession, setSession, useSessionState } from '../auth/session.ts';
import { LanguageSwitch } from '../ui/LanguageSwitch.tsx';
import { Brand, Main, SkipLink } from '../ui/Layout.tsx';
import { mayDo, type Action } from './permissions.ts';

const SECTIONS: readonly { path: string; key: SectionKey; action?: Action | readonly Action[] }[] = [
  { path: 'areas', key: 'areas' },
  { path: 'facilities', key: 'facilities' },
  { path: 'products', key: 'products' },
  { path: 'priority-groups', key: 'priorityGroups' },
  { path: 'people', key: 'people' },
  { path: 'register', key: 'register' },
  { path: 'certificates', key: 'certificates' },
  { path: 'sessions', key: 'sessions', action: 'session.read' },
  { path: 'waiting-queue', key: 'waitingQueue', action: 'appointment.read' },
  { path: 'scheduler', key: 'scheduler', action: 'schedule.run' },
  { path: 'stock', key: 'stock', action: 'stock.read' },
  { path: 'alerts', key: 'alerts', action: 'alert.read' },
  { path: 'aefi', key: 'aefi', action: 'aefi.read' },
  { path: 'reports', key: 'reports', action: ['report.read', 'stock.read'] },
  { path: 'dose-reviews', key: 'doseReviews', action: 'dose.correct' },
  { path: 'staff', key: 'staff' },
  { path: 'audit', key: 'audit' },
];

type SectionKey =
  | 'areas'
  | 'facilities'
  | 'products'
  | 'priorityGroups'
  | 'people'
  | 'register'
  | 'certificates'
  | 'sessions'
  | 'waitingQueue'
  | 'scheduler'
  | 'stock'
  | 'alerts'
  | 'aefi'
  | 'doseReviews'
  | 'reports'
  | 'staff'
  | 'audit';

function UserBadge() {
  const { t } = useTranslation();
  const user = useSessionState().session?.user;
  if (!user) return null;
  const roles = [...new Set(user.grants.map((g) => g.role))].map((r) => t(`roles.${r}`));
  return (
    <div className="user-badge">
      <span className="user-name" data-testid="current-user">
        {user.displayName || user.username}
      </span>
      {roles.length > 0 && <span className="user-roles">{roles.join(', ')}</span>}
    </div>
  );
}

function SignOutButton() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    // Even when the server cannot be told (offline, expired), the sign-in ends on this device.
    mutationFn: async () => {
      if (getSession()) await api.POST('/api/auth/sign-out').catch(() => undefined);
    },
    onSettled: () => {
      void navigate('/console/sign-in', { replace: true });
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

export function ConsoleLayout() {
  const { t } = useTranslation();
  const user = useSessionState().session?.user;
  const sections = SECTIONS.filter(
    (s) => !s.action || (typeof s.action === 'string' ? [s.action] : s.action).some((a) => mayDo(user, a)),
  );
  return (
    <div className="page console">
      <SkipLink />
      <header className="site-header">
        <div className="site-header-inner">
          <Brand />
          <span className="tagline">{t('console.title')}</span>
          <div className="header-tools">
            <UserBadge />
            <LanguageSwitch />
            <SignOutButton />
          </div>
        </div>
        <nav className="console-nav" aria-label={t('console.nav')}>
          <ul role="list">
            {sections.map((s) => (
              <li key={s.path}>
                <NavLink to={`/console/${s.path}`}>{t(`console.sections.${s.key}`)}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <Main>
        <div className="container">
          <Outlet />
        </div>
      </Main>
    </div>
  );
}
