import { useEffect, useRef, type ReactNode } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from './LanguageSwitch.tsx';

export function SkipLink() {
  const { t } = useTranslation();
  return (
    <a className="skip-link" href="#main">
      {t('app.skipToContent')}
    </a>
  );
}

export function Brand() {
  const { t } = useTranslation();
  return (
    <Link to="/" className="brand">
      <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
        <rect width="32" height="32" rx="7" />
        <path d="M9 16.5l4.5 4.5L23 11.5" />
      </svg>
      <span className="brand-name">{t('app.name')}</span>
    </Link>
  );
}

/** The main landmark; after moving to another page, focus goes to it so screen readers start there. */
export function Main({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  const ref = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    ref.current?.focus();
  }, [pathname]);
  return (
    <main id="main" ref={ref} tabIndex={-1}>
      {children}
    </main>
  );
}

/** The frame of the public pages: header with the language switch, then the page. */
export function PublicLayout() {
  const { t } = useTranslation();
  return (
    <div className="page">
      <SkipLink />
      <header className="site-header site-header-public">
        <div className="site-header-inner">
          <Brand />
          <span className="tagline">{t('app.tagline')}</span>
          <LanguageSwitch />
        </div>
      </header>
      <Main>
        <div className="container">
          <Outlet />
        </div>
      </Main>
    </div>
  );
}
