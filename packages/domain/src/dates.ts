/**
 * Calendar dates as 'YYYY-MM-DD' strings (proleptic Gregorian calendar, years 0000 to 9999).
 *
 * Policy: the rules of the campaign are about calendar days (a birthday, an opening date, a dose
 * interval), never about instants, so nothing here knows a time zone or reads a clock. Callers
 * decide what "today" is in the country's time zone and pass it in. The arithmetic runs on whole
 * day numbers, not on `Date`, so that it cannot drift with the host's time zone or with the
 * two-digit-year quirks of `Date.UTC`.
 *
 * Functions that take a date throw a RangeError on a string that is not a calendar date: that is a
 * programming error. User input is checked first with `isValidIsoDate`.
 */

/** A calendar date 'YYYY-MM-DD'. A plain string so that it travels through JSON and SQL as is. */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const MONTH_NAMES_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function parse(s: string): CivilDate | null {
  const m = ISO_DATE.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

function parseOrThrow(s: string, what: string): CivilDate {
  const date = parse(s);
  if (!date) throw new RangeError(`${what} is not a calendar date 'YYYY-MM-DD': ${JSON.stringify(s)}`);
  return date;
}

function format({ year, month, day }: CivilDate): IsoDate {
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} is outside 0000-9999`);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Days since 1970-01-01 (negative before). Howard Hinnant's days_from_civil. */
function toDayNumber({ year, month, day }: CivilDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The inverse of `toDayNumber` (civil_from_days). */
function fromDayNumber(n: number): CivilDate {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** True for a real calendar date written 'YYYY-MM-DD': '2024-02-29' yes, '2023-02-29' and '2024-2-9' no. */
export function isValidIsoDate(s: string): boolean {
  return parse(s) !== null;
}

/** The date `n` days after `date` (before it when `n` is negative). */
export function addDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`days must be a whole number: ${n}`);
  return format(fromDayNumber(toDayNumber(parseOrThrow(date, 'date')) + n));
}

/** Days from `a` to `b`: positive when `b` is later, 0 for the same day. */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return toDayNumber(parseOrThrow(b, 'b')) - toDayNumber(parseOrThrow(a, 'a'));
}

/**
 * Completed years of age on `onDate`. The birthday itself counts (a person born on 2008-05-14 is
 * 18 on 2026-05-14). Someone born on 29 February turns a year older on 1 March in a common year:
 * on 28 February the year is not yet complete. (This is the rule most civil registries apply,
 * and it keeps age a function of the calendar alone.)
 *
 * Throws when `onDate` is before the date of birth: a date of birth in the future is rejected at
 * input (see `validateIdDocument`), not turned into a negative age here.
 */
export function ageInYears(dateOfBirth: IsoDate, onDate: IsoDate): number {
  const born = parseOrThrow(dateOfBirth, 'dateOfBirth');
  const on = parseOrThrow(onDate, 'onDate');
  if (dateOfBirth > onDate) {
    throw new RangeError(`date of birth ${dateOfBirth} is after ${onDate}`);
  }
  const beforeBirthday = on.month < born.month || (on.month === born.month && on.day < born.day);
  return on.year - born.year - (beforeBirthday ? 1 : 0);
}

/**
 * The first day on which a person born on `dateOfBirth` is `years` old: their birthday that year,
 * or 1 March when the birthday is 29 February and that year is not a leap year. It is exactly the
 * rule of `ageInYears`: `ageInYears(dob, d) >= years` if and only if `d >= dateOfTurningAge(dob, years)`.
 */
export function dateOfTurningAge(dateOfBirth: IsoDate, years: number): IsoDate {
  if (!Number.isInteger(years) || years < 0)
    throw new RangeError(`years must be a whole number >= 0: ${years}`);
  const born = parseOrThrow(dateOfBirth, 'dateOfBirth');
  const year = born.year + years;
  if (born.month === 2 && born.day === 29 && !isLeapYear(year)) return format({ year, month: 3, day: 1 });
  return format({ year, month: born.month, day: born.day });
}

/** A date as people read it in English messages: '2021-03-01' -> '1 March 2021'. */
export function formatDateEn(date: IsoDate): string {
  const { year, month, day } = parseOrThrow(date, 'date');
  return `${day} ${MONTH_NAMES_EN[month - 1] ?? ''} ${year}`;
}
