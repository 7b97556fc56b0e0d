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

const clocks = new Map<string, Intl.DateTimeFormat>();

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in milliseconds. */
function offsetAt(timeZone: string, instant: number): number {
  let format = clocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    clocks.set(timeZone, format);
  }
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
