import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A form in its own titled panel; when it opens, focus moves to its heading. */
export function FormPanel({
  title,
  intro,
  children,
  onSubmit,
  onCancel,
  submitLabel,
  pending,
}: {
  title: string;
  intro?: string;
  children: ReactNode;
  onSubmit: (e: FormEvent) => void;
  onCancel?: () => void;
  submitLabel: string;
  pending?: boolean;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {title}
      </h2>
      {intro && <p className="panel-intro">{intro}</p>}
      <form className="stack" onSubmit={onSubmit}>
        {children}
        <div className="actions">
          <button type="submit" className="button" disabled={pending}>
            {pending ? t('common.saving') : submitLabel}
          </button>
          {onCancel && (
            <button type="button" className="button secondary" onClick={onCancel}>
              {t('common.cancel')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

/** A titled panel without a form of its own (the CSV import brings its own). */
export function Panel({
  title,
  children,
  onClose,
}: {
  title: string;
  children: ReactNode;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="panel" aria-labelledby={headingId}>
      <div className="panel-head">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <button type="button" className="button secondary small" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
      {children}
    </section>
  );
}
