import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { createBrowserRouter, Navigate } from 'react-router';
import { CitizenArea } from './citizen/CitizenArea.tsx';
import { AreasPage } from './console/AreasPage.tsx';
import { AuditPage } from './console/AuditPage.tsx';
import { ConsoleLayout } from './console/ConsoleLayout.tsx';
import { FacilitiesPage } from './console/FacilitiesPage.tsx';
import { ProductsPage } from './console/ProductsPage.tsx';
import { RequireSession } from './console/RequireSession.tsx';
import { SignInPage } from './console/SignInPage.tsx';
import { StaffPage } from './console/StaffPage.tsx';
import { HomePage } from './home/HomePage.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';
import { PublicLayout } from './ui/Layout.tsx';
import { Loading } from './ui/Notice.tsx';

// Registration screens load on first use: a citizen on a phone does not download the console's
// people screens, and the first page of the console does not wait for the registration forms.
const CitizenPage = lazy(() => import('./citizen/CitizenPage.tsx').then((m) => ({ default: m.CitizenPage })));
const BookPage = lazy(() => import('./booking/BookPage.tsx').then((m) => ({ default: m.BookPage })));
const SlipPage = lazy(() => import('./booking/SlipPage.tsx').then((m) => ({ default: m.SlipPage })));
const ReschedulePage = lazy(() =>
  import('./booking/ReschedulePage.tsx').then((m) => ({ default: m.ReschedulePage })),
);
const AppointmentsPage = lazy(() =>
  import('./booking/AppointmentsPage.tsx').then((m) => ({ default: m.AppointmentsPage })),
);
const SessionsPage = lazy(() =>
  import('./console/SessionsPage.tsx').then((m) => ({ default: m.SessionsPage })),
);
const SchedulerPage = lazy(() =>
  import('./console/SchedulerPage.tsx').then((m) => ({ default: m.SchedulerPage })),
);
const WaitingQueuePage = lazy(() =>
  import('./console/WaitingQueuePage.tsx').then((m) => ({ default: m.WaitingQueuePage })),
);
const PeoplePage = lazy(() => import('./console/PeoplePage.tsx').then((m) => ({ default: m.PeoplePage })));
const PersonPage = lazy(() => import('./console/PersonPage.tsx').then((m) => ({ default: m.PersonPage })));
const RegisterPage = lazy(() =>
  import('./console/RegisterPage.tsx').then((m) => ({ default: m.RegisterPage })),
);
const VaccinatorPage = lazy(() =>
  import('./vaccinator/VaccinatorPage.tsx').then((m) => ({ default: m.VaccinatorPage })),
);
const PriorityGroupsPage = lazy(() =>
  import('./console/PriorityGroupsPage.tsx').then((m) => ({ default: m.PriorityGroupsPage })),
);

const StockHomePage = lazy(() =>
  import('./stock/StockHomePage.tsx').then((m) => ({ default: m.StockHomePage })),
);
const StorePage = lazy(() => import('./stock/StorePage.tsx').then((m) => ({ default: m.StorePage })));
const TransferPage = lazy(() =>
  import('./stock/TransferPage.tsx').then((m) => ({ default: m.TransferPage })),
);
const PlanPage = lazy(() => import('./stock/PlanPage.tsx').then((m) => ({ default: m.PlanPage })));
const AefiListPage = lazy(() => import('./console/AefiPages.tsx').then((m) => ({ default: m.AefiListPage })));
const AefiPage = lazy(() => import('./console/AefiPages.tsx').then((m) => ({ default: m.AefiPage })));
const DoseReviewsPage = lazy(() =>
  import('./console/DoseReviewsPage.tsx').then((m) => ({ default: m.DoseReviewsPage })),
);
const VerifyPage = lazy(() => import('./verify/VerifyPage.tsx').then((m) => ({ default: m.VerifyPage })));
const CitizenCertificatesPage = lazy(() =>
  import('./certificates/CitizenCertificatesPage.tsx').then((m) => ({ default: m.CitizenCertificatesPage })),
);
const CertificateSearchPage = lazy(() =>
  import('./certificates/CertificateSearchPage.tsx').then((m) => ({ default: m.CertificateSearchPage })),
);
const DashboardPage = lazy(() =>
  import('./dashboard/DashboardPage.tsx').then((m) => ({ default: m.DashboardPage })),
);
// The report screens share one chunk with the chart library, loaded on the first report opened.
const reports = () => import('./reports/pages.ts');
const ReportsLayout = lazy(() => reports().then((m) => ({ default: m.ReportsLayout })));
const ReportsIndex = lazy(() => reports().then((m) => ({ default: m.ReportsIndex })));
const VaccinationPage = lazy(() => reports().then((m) => ({ default: m.VaccinationPage })));
const CoveragePage = lazy(() => reports().then((m) => ({ default: m.CoveragePage })));
const FunnelPage = lazy(() => reports().then((m) => ({ default: m.FunnelPage })));
const RegistrationsPage = lazy(() => reports().then((m) => ({ default: m.RegistrationsPage })));
const FacilityReportPage = lazy(() => reports().then((m) => ({ default: m.FacilitiesPage })));
const StockReportPage = lazy(() => reports().then((m) => ({ default: m.StockReportPage })));
const AefiReportPage = lazy(() => reports().then((m) => ({ default: m.AefiReportPage })));
const AlertsPage = lazy(() => import('./console/AlertsPage.tsx').then((m) => ({ default: m.AlertsPage })));

function page(Page: LazyExoticComponent<ComponentType>) {
  return (
    <Suspense fallback={<Loading />}>
      <Page />
    </Suspense>
  );
}

export const router = createBrowserRouter([
  {
    element: <PublicLayout />,
    children: [
      { path: '/', element: <HomePage /> },
      {
        path: '/citizen',
        element: <CitizenArea />,
        children: [
          { index: true, element: page(CitizenPage) },
          { path: 'book', element: page(BookPage) },
          { path: 'book/:personId', element: page(BookPage) },
          { path: 'appointments', element: page(AppointmentsPage) },
          { path: 'certificates', element: page(CitizenCertificatesPage) },
          { path: 'people/:personId/appointments/:id', element: page(SlipPage) },
          { path: 'people/:personId/appointments/:id/reschedule', element: page(ReschedulePage) },
        ],
      },
      { path: '/verify', element: page(VerifyPage) },
      { path: '/dashboard', element: page(DashboardPage) },
      { path: '/console/sign-in', element: <SignInPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
  // The vaccinator app has its own frame: connection state, pending doses, and its own sign-in.
  { path: '/vaccinator', element: page(VaccinatorPage) },
  {
    path: '/console',
    element: <RequireSession />,
    children: [
      {
        element: <ConsoleLayout />,
        children: [
          { index: true, element: <Navigate to="/console/areas" replace /> },
          { path: 'areas', element: <AreasPage /> },
          { path: 'facilities', element: <FacilitiesPage /> },
          { path: 'products', element: <ProductsPage /> },
          { path: 'people', element: page(PeoplePage) },
          { path: 'people/:id', element: page(PersonPage) },
          { path: 'register', element: page(RegisterPage) },
          { path: 'priority-groups', element: page(PriorityGroupsPage) },
          { path: 'sessions', element: page(SessionsPage) },
          { path: 'waiting-queue', element: page(WaitingQueuePage) },
          { path: 'scheduler', element: page(SchedulerPage) },
          { path: 'stock', element: page(StockHomePage) },
          { path: 'stock/transfers/:id', element: page(TransferPage) },
          { path: 'stock/plans/:id', element: page(PlanPage) },
          { path: 'stock/:id', element: page(StorePage) },
          { path: 'aefi', element: page(AefiListPage) },
          { path: 'aefi/:personId/:id', element: page(AefiPage) },
          { path: 'dose-reviews', element: page(DoseReviewsPage) },
          { path: 'alerts', element: page(AlertsPage) },
          { path: 'certificates', element: page(CertificateSearchPage) },
          {
            path: 'reports',
            element: page(ReportsLayout),
            children: [
              { index: true, element: page(ReportsIndex) },
              { path: 'vaccination', element: page(VaccinationPage) },
              { path: 'coverage', element: page(CoveragePage) },
              { path: 'funnel', element: page(FunnelPage) },
              { path: 'registrations', element: page(RegistrationsPage) },
              { path: 'facilities', element: page(FacilityReportPage) },
              { path: 'stock', element: page(StockReportPage) },
              { path: 'aefi', element: page(AefiReportPage) },
            ],
          },
          { path: 'staff', element: <StaffPage /> },
          { path: 'audit', element: <AuditPage /> },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
