import { useTranslation } from 'react-i18next';
import { changeLanguage, currentLanguage } from '../i18n/index.ts';

/** Switches between English and Bengali; the button names the other language, in that language. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const next = currentLanguage() === 'bn' ? 'en' : 'bn';
  return (
    <button
      type="button"
      className="lang-switch"
      data-testid="lang-switch"
      lang={next}
      title={t('lang.switch')}
      onClick={() => void changeLanguage(next)}
    >
      {next === 'bn' ? 'বাংলা' : 'English'}
    </button>
  );
}
