import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import bn from './bn.json';

export const LANGUAGES = ['en', 'bn'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'dosewise.lang';

function storedLanguage(): Language {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v === 'en' || v === 'bn') return v;
  } catch {
    // Storage unavailable: fall through to the browser's preference.
  }
  return navigator.language.toLowerCase().startsWith('bn') ? 'bn' : 'en';
}

export function currentLanguage(): Language {
  return i18n.resolvedLanguage === 'bn' ? 'bn' : 'en';
}

export async function changeLanguage(lng: Language) {
  await i18n.changeLanguage(lng);
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // The choice still applies to this page.
  }
}

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, bn: { translation: bn } },
  lng: storedLanguage(),
  fallbackLng: 'en',
  supportedLngs: LANGUAGES,
  interpolation: { escapeValue: false }, // React escapes.
  returnNull: false,
  showSupportNotice: false,
});
document.documentElement.lang = i18n.language;

export default i18n;
