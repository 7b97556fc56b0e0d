// Making a formatter costs far more than using one (it loads the zone's rules): one per time zone.
const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * Today's date in the programme's time zone: ages, opening dates and intervals are counted in the
 * country's calendar, not in UTC (in Dhaka, UTC is still "yesterday" until six in the morning).
 */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format.format(now);
}
