import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

export interface Named {
  nameEn: string;
  nameBn: string;
}

/** Locale-aware formatting: Bengali digits and names when Bengali is selected. */
export function useFormat() {
  const { i18n } = useTranslation();
  const bn = i18n.resolvedLanguage === 'bn';
  return useMemo(() => {
    const locale = bn ? 'bn-BD' : 'en-GB';
    const numberFormat = new Intl.NumberFormat(locale);
    const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
    // Calendar dates (YYYY-MM-DD) are days, not instants: formatted in UTC so no time zone moves them.
    const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    const twoDigits = new Intl.NumberFormat(locale, { minimumIntegerDigits: 2 });
    return {
      locale,
      number: (n: number | null | undefined) =>
        n === null || n === undefined ? '—' : numberFormat.format(n),
      dateTime: (iso: string) => dateTimeFormat.format(new Date(iso)),
      date: (isoDate: string) => {
        const d = new Date(`${isoDate.slice(0, 10)}T00:00:00Z`);
        return Number.isNaN(d.getTime()) ? isoDate : dateFormat.format(d);
      },
      /** Seconds as m:ss, for a countdown. */
      countdown: (seconds: number) => {
        const s = Math.max(0, Math.ceil(seconds));
        return `${numberFormat.format(Math.floor(s / 60))}:${twoDigits.format(s % 60)}`;
      },
      name: (x: Named) => (bn && x.nameBn ? x.nameBn : x.nameEn),
    };
  }, [bn]);
}
