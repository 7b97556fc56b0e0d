import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import type { LocalDose } from './offlineStore.ts';
import { dismissDoses, syncNow, useSyncState } from './sync.ts';

/** Online or not, how many doses wait for upload, the Sync button, and each dose's result. */
export function SyncPanel({ userId }: { userId: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { online, doses, syncing, lastSyncAt, clock, error } = useSyncState();
  const mine = doses.filter((d) => d.userId === userId);
  const pending = mine.filter((d) => d.status === 'pending');
  const answered = mine.filter((d) => d.status !== 'pending');
  return (
    <section
      className={`sync-panel ${online ? 'is-online' : 'is-offline'}`}
      aria-label={t('vaccinator.sync.title')}
    >
      <div className="sync-row">
        <span className={`badge ${online ? 'badge-ok' : 'badge-bad'}`} data-testid="connection" role="status">
          {online ? t('vaccinator.sync.online') : t('vaccinator.sync.offline')}
        </span>
        <span data-testid="pending-count" data-count={pending.length}>
          {t('vaccinator.sync.pending', { count: pending.length, n: f.number(pending.length) })}
        </span>
        <button
          type="button"
          className="button small"
          disabled={!online || syncing || pending.length === 0}
          onClick={() => void syncNow(userId)}
          data-testid="sync-now"
        >
          {syncing ? t('vaccinator.sync.syncing') : t('vaccinator.sync.button')}
        </button>
        {lastSyncAt && (
          <span className="muted">{t('vaccinator.sync.last', { at: f.dateTime(lastSyncAt) })}</span>
        )}
      </div>
      {clock && (
        <p className="alert" role="alert" data-testid="clock-warning">
          {t('vaccinator.clockOff', { minutes: f.number(Math.round(clock.skewMs / 60_000)) })}
        </p>
      )}
      <ErrorAlert error={error} />
      {mine.length > 0 && (
        <div className="sync-results">
          <ul role="list" data-testid="sync-results">
            {[...pending, ...answered].map((d) => (
              <ResultLine key={d.clientId} dose={d} />
            ))}
          </ul>
          {answered.length > 0 && (
            <button
              type="button"
              className="button secondary small"
              onClick={() => void dismissDoses(answered.map((d) => d.clientId))}
            >
              {t('vaccinator.sync.clear')}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function ResultLine({ dose }: { dose: LocalDose }) {
  const { t } = useTranslation();
  const f = useFormat();
  const tone =
    dose.status === 'stored' || dose.status === 'already_stored'
      ? 'badge-ok'
      : dose.status === 'review'
        ? 'badge-warn'
        : dose.status === 'pending'
          ? 'badge-info'
          : 'badge-bad';
  return (
    <li data-status={dose.status}>
      <code>{dose.registrationNumber}</code> ·{' '}
      {t('vaccinator.doseN', { n: f.number(dose.record.doseNumber) })}{' '}
      <span className={`badge ${tone}`}>{t(`vaccinator.sync.status.${dose.status}`)}</span>
      {dose.message && <span className="muted"> {dose.message}</span>}
    </li>
  );
}
