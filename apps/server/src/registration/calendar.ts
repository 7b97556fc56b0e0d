/**
 * Today's date in the programme's time zone: ages, opening dates and intervals are counted in the
 * country's calendar, not in UTC (in Dhaka, UTC is still "yesterday" until six in the morning).
 */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}
