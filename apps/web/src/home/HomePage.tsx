import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../ui/usePageTitle.ts';

const AREAS = [
  { to: '/citizen', key: 'citizen' },
  { to: '/vaccinator', key: 'vaccinator' },
  { to: '/console', key: 'console' },
  { to: '/verify', key: 'verify' },
] as const;

export function HomePage() {
  const { t } = useTranslation();
  usePageTitle(t('home.title'));
  return (
    <>
      <div className="intro">
        <h1>{t('home.title')}</h1>
        <p className="lead">{t('home.intro')}</p>
      </div>
      <ul className="cards" role="list">
        {AREAS.map((a) => (
          <li key={a.key} className="card">
            <h2>
              <Link to={a.to} className="card-link">
                {t(`home.${a.key}.title`)}
              </Link>
            </h2>
            <p>{t(`home.${a.key}.text`)}</p>
          </li>
        ))}
      </ul>
      <p className="dashboard-link">
        <Link to="/dashboard" data-testid="dashboard-link">
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M4 20V10M10 20V4M16 20v-7M22 20H2" />
          </svg>
          {t('dashboard.link')}
        </Link>
      </p>
    </>
  );
}
