import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from './ui/usePageTitle.ts';

export function NotFoundPage() {
  const { t } = useTranslation();
  usePageTitle(t('notFound.title'));
  return (
    <div className="shell-page">
      <h1>{t('notFound.title')}</h1>
      <p className="lead">{t('notFound.text')}</p>
      <p>
        <Link to="/">{t('common.backHome')}</Link>
      </p>
    </div>
  );
}
