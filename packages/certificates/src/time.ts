/**
 * Parses an ISO 8601 date-time as verifiers meet it: with `Z`, `+hh:mm`, `+hhmm` or no offset
 * (UTC), with any number of fractional digits (kept to the millisecond); a bare date is the start
 * of that day in UTC. `undefined` otherwise.
 */
export function parseInstant(text: string): Date | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) return parseInstant(`${text.trim()}T00:00:00Z`);
  const m =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = m;
  const daysInMonth = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > daysInMonth) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const ms = (frac + '000').slice(0, 3);
  let offset = 'Z';
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
  }
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
