import { todayIn } from '../registration/calendar.ts';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of an ISO date ('YYYY-MM-DD'). */
export const dayOf = (iso: string): number =>
  Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY_MS;

export const isoOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** A real calendar date in ISO form, or undefined. */
export function validIso(iso: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return undefined;
  const day = dayOf(iso);
  return Number.isFinite(day) && isoOf(day) === iso ? iso : undefined;
}

const parsedDmy = new Map<string, string | undefined>();

/** 'DD-MM-YYYY' (the CoWIN form) to ISO, or undefined when it is not a real date. */
export function isoFromDmy(dmy: string): string | undefined {
  // Slot finders ask about the same few dates all day: remember the answers.
  if (parsedDmy.has(dmy)) return parsedDmy.get(dmy);
  const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(dmy);
  const iso = m ? validIso(`${m[3]}-${m[2]}-${m[1]}`) : undefined;
  if (parsedDmy.size >= 10_000) parsedDmy.clear();
  parsedDmy.set(dmy, iso);
  return iso;
}

export const dmyOf = (iso: string): string => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;

/**
 * Today's day number in the programme's time zone. Formatting a date in a time zone is slow next to
 * a cache hit, so the answer is reused for a second.
 */
export function todayClock(timeZone: string, now: () => number = Date.now): () => number {
  let checkedAt = Number.NEGATIVE_INFINITY;
  let today = 0;
  return () => {
    const t = now();
    if (t - checkedAt >= 1000 || t < checkedAt) {
      today = dayOf(todayIn(timeZone, new Date(t)));
      checkedAt = t;
    }
    return today;
  };
}
