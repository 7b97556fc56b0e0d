import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A polite status line: success after a change, or a neutral note. */
export function Notice({ children, tone = 'success' }: { children: ReactNode; tone?: 'success' | 'info' }) {
  return (
    <p className={`notice notice-${tone}`} role="status">
      {children}
    </p>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t('common.loading')}
    </p>
  );
}
