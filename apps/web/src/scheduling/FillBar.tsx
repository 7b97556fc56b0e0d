import { useTranslation } from 'react-i18next';
import { useFormat } from '../ui/format.ts';

export type FillLevel = 'low' | 'mid' | 'high' | 'full';

/** How full a session is, in four steps: room, filling, nearly full, full. */
export function fillLevel(booked: number, capacity: number): FillLevel {
  if (capacity <= 0 || booked >= capacity) return 'full';
  const share = booked / capacity;
  if (share >= 0.85) return 'high';
  if (share >= 0.5) return 'mid';
  return 'low';
}

/**
 * Booked seats against capacity: a bar coloured by how full it is, and the figures in words (the
 * bar itself is decoration; the words carry the meaning for everyone).
 */
export function FillBar({
  booked,
  capacity,
  compact,
  muted,
}: {
  booked: number;
  capacity: number;
  compact?: boolean;
  /** A session that takes no bookings (closed or cancelled): grey. */
  muted?: boolean;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const level = muted ? 'muted' : fillLevel(booked, capacity);
  const width = capacity > 0 ? Math.min(100, Math.round((booked / capacity) * 100)) : 100;
  return (
    // Spans only: the bar also sits inside the calendar's session buttons.
    <span className={`fill fill-${level}${compact ? ' fill-compact' : ''}`} data-testid="fill">
      <span className="fill-track" aria-hidden="true">
        <span className="fill-bar" style={{ width: `${width}%` }} />
      </span>
      <span className="fill-text">
        {t('sessions.fill', { booked: f.number(booked), capacity: f.number(capacity) })}
      </span>
    </span>
  );
}
