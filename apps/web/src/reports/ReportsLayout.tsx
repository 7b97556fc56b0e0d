import { NavLink, Navigate, Outlet, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useSessionState } from '../auth/session.ts';
import { hasWideGrant, mayDo } from '../console/permissions.ts';
import { useReportFormat } from './format.ts';
import { useReportStatus } from './queries.ts';
import './reports.css';

export type ReportKey =
  'vaccination' | 'coverage' | 'funnel' | 'registrations' | 'facilities' | 'stock' | 'aefi';

/** `area`: a report of areas, for staff with an area or national grant (not for staff of one facility). */
const REPORTS: readonly { key: ReportKey; action: 'report.read' | 'stock.read'; area?: true }[] = [
  { key: 'vaccination', action: 'report.read', area: true },
  { key: 'coverage', action: 'report.read', area: true },
  { key: 'funnel', action: 'report.read', area: true },
  { key: 'registrations', action: 'report.read', area: true },
  { key: 'facilities', action: 'report.read' },
  { key: 'stock', action: 'stock.read' },
  { key: 'aefi', action: 'report.read' },
];

export function useVisibleReports() {
  const user = useSessionState().session?.user;
  return REPORTS.filter((r) => (r.area ? hasWideGrant(user, r.action) : mayDo(user, r.action)));
}

/** How far the report figures are behind the records they are counted from. */
export function ReportStatusLine() {
  const { t } = useTranslation();
  const r = useReportFormat();
  const status = useReportStatus();
  if (!status.data) return null;
  const { appliedAt, lagSeconds } = status.data;
  return (
    <p className="report-status" data-testid="report-status">
      {appliedAt
        ? t('reports.status', { time: r.dateTime(appliedAt), lag: r.number(Math.round(lagSeconds)) })
        : t('reports.statusNone')}
    </p>
  );
}

export function ReportsIndex() {
  const reports = useVisibleReports();
  const first = reports[0];
  return first ? <Navigate to={first.key} replace /> : <Navigate to="/console" replace />;
}

/** The reports section: one tab per report; the area and dates chosen stay when moving between tabs. */
export function ReportsLayout() {
  const { t } = useTranslation();
  const { search } = useLocation();
  const reports = useVisibleReports();
  const user = useSessionState().session?.user;
  return (
    <div className="reports">
      <div className="reports-head">
        <h1>{t('reports.title')}</h1>
        {mayDo(user, 'report.read') && <ReportStatusLine />}
      </div>
      <nav className="report-tabs" aria-label={t('reports.nav')}>
        <ul role="list">
          {reports.map((r) => (
            <li key={r.key}>
              <NavLink
                to={{ pathname: `/console/reports/${r.key}`, search }}
                data-testid={`report-tab-${r.key}`}
              >
                {t(`reports.tabs.${r.key}`)}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
