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
import { VaccinatorPage } from './vaccinator/VaccinatorPage.tsx';
import { VerifyPage } from './verify/VerifyPage.tsx';

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
const PriorityGroupsPage = lazy(() =>
  import('./console/PriorityGroupsPage.tsx').then((m) => ({ default: m.PriorityGroupsPage })),
);

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
          { path: 'people/:personId/appointments/:id', element: page(SlipPage) },
          { path: 'people/:personId/appointments/:id/reschedule', element: page(ReschedulePage) },
        ],
      },
      { path: '/vaccinator', element: <VaccinatorPage /> },
      { path: '/verify', element: <VerifyPage /> },
      { path: '/console/sign-in', element: <SignInPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
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
          { path: 'staff', element: <StaffPage /> },
          { path: 'audit', element: <AuditPage /> },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
