import { createBrowserRouter, Navigate } from 'react-router';
import { CitizenPage } from './citizen/CitizenPage.tsx';
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
import { VaccinatorPage } from './vaccinator/VaccinatorPage.tsx';
import { VerifyPage } from './verify/VerifyPage.tsx';

export const router = createBrowserRouter([
  {
    element: <PublicLayout />,
    children: [
      { path: '/', element: <HomePage /> },
      { path: '/citizen', element: <CitizenPage /> },
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
          { path: 'staff', element: <StaffPage /> },
          { path: 'audit', element: <AuditPage /> },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
