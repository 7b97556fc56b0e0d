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
    return {
      locale,
      number: (n: number | null | undefined) =>
        n === null || n === undefined ? '—' : numberFormat.format(n),
      dateTime: (iso: string) => dateTimeFormat.format(new Date(iso)),
      name: (x: Named) => (bn && x.nameBn ? x.nameBn : x.nameEn),
    };
  }, [bn]);
}
