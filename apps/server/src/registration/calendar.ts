// Making a formatter costs far more than using one (it loads the zone's rules): one per zone and use.
const formats = new Map<string, Intl.DateTimeFormat>();

/** A formatter for `timeZone`, made once per zone and `use` (which names the options). */
export function formatIn(
  timeZone: string,
  use: string,
  options: Omit<Intl.DateTimeFormatOptions, 'timeZone'> & { locale: string },
): Intl.DateTimeFormat {
  const key = `${use} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    const { locale, ...rest } = options;
    format = new Intl.DateTimeFormat(locale, { ...rest, timeZone });
    formats.set(key, format);
  }
  return format;
}

/**
 * Today's date in the programme's time zone: ages, opening dates and intervals are counted in the
 * country's calendar, not in UTC (in Dhaka, UTC is still "yesterday" until six in the morning).
 */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return formatIn(timeZone, 'date', {
    locale: 'en-CA',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in milliseconds. */
function offsetAt(timeZone: string, instant: number): number {
  const format = formatIn(timeZone, 'wall clock', {
    locale: 'en-US',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const part = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, Number(p.value)]));
  const wall = Date.UTC(part.year!, part.month! - 1, part.day, part.hour, part.minute, part.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant the day after `date` (YYYY-MM-DD) begins in `timeZone`, whatever zone the server
 * process runs in and across daylight-saving changes.
 */
export function midnightAfter(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y!, m! - 1, d! + 1);
  let at = wall - offsetAt(timeZone, wall);
  const again = wall - offsetAt(timeZone, at);
  if (again !== at) at = again;
  return new Date(at);
}
