export { AefiReportPage } from './AefiReportPage.tsx';
export { CoveragePage } from './CoveragePage.tsx';
export { FacilitiesPage } from './FacilitiesPage.tsx';
export { FunnelPage } from './FunnelPage.tsx';
export { RegistrationsPage } from './RegistrationsPage.tsx';
export { ReportsIndex, ReportsLayout } from './ReportsLayout.tsx';
export { StockReportPage } from './StockReportPage.tsx';
export { VaccinationPage } from './VaccinationPage.tsx';
