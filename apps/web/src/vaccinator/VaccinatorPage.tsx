import { useTranslation } from 'react-i18next';
import { ShellPage } from '../ui/ShellPage.tsx';

export function VaccinatorPage() {
  const { t } = useTranslation();
  return <ShellPage title={t('vaccinator.title')} text={t('vaccinator.text')} />;
}
