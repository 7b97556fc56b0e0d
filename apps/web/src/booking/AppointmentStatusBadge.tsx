import { useTranslation } from 'react-i18next';
import type { AppointmentStatus } from '../api/scheduling.ts';

const TONE: Record<AppointmentStatus, string> = {
  booked: 'badge-info',
  attended: 'badge-ok',
  missed: 'badge-warn',
  cancelled: 'badge-muted',
};

export function AppointmentStatusBadge({ status }: { status: AppointmentStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ${TONE[status]}`} data-testid="appointment-status">
      {t(`booking.status.${status}`)}
    </span>
  );
}
