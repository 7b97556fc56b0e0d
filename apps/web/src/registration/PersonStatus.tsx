import { useTranslation } from 'react-i18next';
import type { Person } from '../api/client.ts';

const BADGE_TONE: Record<Person['verificationStatus'], string> = {
  verified: 'badge-ok',
  pending: 'badge-warn',
  in_person: 'badge-info',
  failed: 'badge-bad',
};

/** Whether the ID was checked: verified, pending (registry to answer), in person (passport), failed. */
export function VerificationBadge({ status }: { status: Person['verificationStatus'] }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ${BADGE_TONE[status]}`} data-testid="verification-status">
      {t(`registration.verification.${status}`)}
    </span>
  );
}

/** The priority group's standing, when it is not simply accepted. */
export function PriorityStatusBadge({ status }: { status: Person['priorityStatus'] }) {
  const { t } = useTranslation();
  if (status === 'accepted') return null;
  return (
    <span className={`badge ${status === 'rejected' ? 'badge-bad' : 'badge-warn'}`}>
      {t(`registration.priorityStatus.${status}`)}
    </span>
  );
}

/** What the verification status means for the person, in a sentence or two. */
export function VerificationExplanation({ person, phone }: { person: Person; phone?: string }) {
  const { t } = useTranslation();
  switch (person.verificationStatus) {
    case 'verified':
      return <p>{t('registration.explain.verified')}</p>;
    case 'pending':
      return (
        <p>
          {phone ? t('registration.explain.pendingSms', { phone }) : t('registration.explain.pendingNoPhone')}
        </p>
      );
    case 'in_person':
      return <p>{t('registration.explain.inPerson')}</p>;
    case 'failed':
      return <p>{t('registration.explain.failed')}</p>;
  }
}
