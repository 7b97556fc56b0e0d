import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from './usePageTitle.ts';

/** An area of the platform that is not open yet: says what will be here, and nothing more. */
export function ShellPage({ title, text }: { title: string; text: string }) {
  const { t } = useTranslation();
  usePageTitle(title);
  return (
    <div className="shell-page">
      <h1>{title}</h1>
      <p className="lead">{text}</p>
      <p>
        <Link to="/">{t('common.backHome')}</Link>
      </p>
    </div>
  );
}
