import { useMemo } from 'react';
import { addDays } from '@dosewise/domain';
import { useFormat } from '../ui/format.ts';

/**
 * The programme's calendar runs on Bangladesh time: "today" for sessions and appointments is the
 * day in Asia/Dhaka, whatever the clock of the device says.
 */
export const PROGRAMME_TIME_ZONE = 'Asia/Dhaka';

export function programmeToday(): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: PROGRAMME_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

/** The Monday of the week a date falls in. */
export function mondayOf(isoDate: string): string {
  const weekday = new Date(`${isoDate}T00:00:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
  return addDays(isoDate, -((weekday + 6) % 7));
}

/** ISO weekday of a date: 1 Monday … 7 Sunday. */
export function isoWeekday(isoDate: string): number {
  const d = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Dates, times, distances and shares in the language shown (Bengali digits in Bengali). */
export function useScheduleFormat() {
  const f = useFormat();
  return useMemo(() => {
    const utc = (iso: string) => new Date(`${iso.slice(0, 10)}T00:00:00Z`);
    const clock = new Intl.DateTimeFormat(f.locale, {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: 'UTC',
    });
    const longDate = new Intl.DateTimeFormat(f.locale, {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    const dayLabel = new Intl.DateTimeFormat(f.locale, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      timeZone: 'UTC',
    });
    const weekdayName = new Intl.DateTimeFormat(f.locale, { weekday: 'long', timeZone: 'UTC' });
    const km = new Intl.NumberFormat(f.locale, { maximumFractionDigits: 1 });
    const percent = new Intl.NumberFormat(f.locale, { style: 'percent', maximumFractionDigits: 1 });
    const time = (hhmm: string) => {
      const m = /^(\d{2}):(\d{2})/.exec(hhmm);
      return m ? clock.format(new Date(Date.UTC(1970, 0, 1, Number(m[1]), Number(m[2])))) : hhmm;
    };
    return {
      ...f,
      /** 'HH:MM' as a time of day. */
      time,
      /** '09:00', '11:00' -> '09:00–11:00'. */
      hours: (from: string, to: string) => `${time(from)}–${time(to)}`,
      /** 'Thursday, 14 March 2026'. */
      longDate: (iso: string) => longDate.format(utc(iso)),
      /** 'Thu 14 Mar'. */
      dayLabel: (iso: string) => dayLabel.format(utc(iso)),
      /** 'Monday', for ISO weekday 1 … 7. */
      weekdayName: (isoWeekday: number) => weekdayName.format(new Date(Date.UTC(2024, 0, isoWeekday))), // 1 January 2024 was a Monday
      km: (n: number) => km.format(n),
      percent: (share: number) => percent.format(share),
    };
  }, [f]);
}
