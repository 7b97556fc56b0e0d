import { useTranslation } from 'react-i18next';

export function Pager({
  summary,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  previousLabel,
  nextLabel,
}: {
  summary?: string;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  previousLabel?: string;
  nextLabel?: string;
}) {
  const { t } = useTranslation();
  return (
    <nav className="pager" aria-label={t('common.pages')}>
      <button type="button" className="button secondary" disabled={!hasPrevious} onClick={onPrevious}>
        {previousLabel ?? t('common.previous')}
      </button>
      {summary && <span className="pager-summary">{summary}</span>}
      <button type="button" className="button secondary" disabled={!hasNext} onClick={onNext}>
        {nextLabel ?? t('common.next')}
      </button>
    </nav>
  );
}
