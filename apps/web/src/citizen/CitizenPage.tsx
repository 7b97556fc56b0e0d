import { useTranslation } from 'react-i18next';
import { ShellPage } from '../ui/ShellPage.tsx';

export function CitizenPage() {
  const { t } = useTranslation();
  return <ShellPage title={t('citizen.title')} text={t('citizen.text')} />;
}
