import { useTranslation } from 'react-i18next';
import { ShellPage } from '../ui/ShellPage.tsx';

export function VerifyPage() {
  const { t } = useTranslation();
  return <ShellPage title={t('verify.title')} text={t('verify.text')} />;
}
