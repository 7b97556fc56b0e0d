import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import i18n from '../i18n/index.ts';

/**
 * The message for a well-known error code in the language shown (`apiErrors.<code>`), with the
 * error's details (e.g. `triesLeft`) and `values` filled in; undefined when there is none, or
 * when a value it needs is missing.
 */
export function translatedCode(error: ApiError, values?: Record<string, string>): string | undefined {
  const lng = i18n.resolvedLanguage === 'bn' ? 'bn' : 'en';
  const v: unknown = i18n.getResource(lng, 'translation', `apiErrors.${error.code}`);
  if (typeof v !== 'string') return undefined;
  const numbers = new Intl.NumberFormat(lng === 'bn' ? 'bn-BD' : 'en-GB');
  const details: Record<string, string> = {};
  if (error.details && typeof error.details === 'object' && !Array.isArray(error.details)) {
    for (const [k, d] of Object.entries(error.details)) {
      if (typeof d === 'number') details[k] = numbers.format(d);
      else if (typeof d === 'string') details[k] = d;
    }
  }
  const all: Record<string, string> = { ...details, ...values };
  let missing = false;
  const text = v.replace(/\{\{(\w+)\}\}/g, (_placeholder, key: string) => {
    const value = all[key];
    if (value === undefined) missing = true;
    return value ?? '';
  });
  // A message that needs a value the error did not carry: the server's own words are better.
  return missing ? undefined : text;
}

/**
 * Shows what went wrong: the API's message for a person, with the request id for support. A
 * well-known code is said in the language shown; in Bengali the server's English text follows.
 * `localMessage` lets a screen word an error it knows better (e.g. by the form field it is about).
 */
export function ErrorAlert({
  error,
  values,
  localMessage,
}: {
  error: unknown;
  /** Extra values for the translated message, e.g. the family size limit. */
  values?: Record<string, string>;
  localMessage?: (error: ApiError) => string | undefined;
}) {
  const { t } = useTranslation();
  if (!error) return null;
  let message: string;
  let original: string | undefined;
  let requestId: string | undefined;
  if (error instanceof ApiError) {
    requestId = error.requestId;
    const local = localMessage?.(error) ?? translatedCode(error, values);
    if (error.status === 0) message = t('errors.network');
    else if (local) {
      message = local;
      if (i18n.resolvedLanguage === 'bn' && error.message) original = error.message;
    } else if (!error.message) message = t('errors.unexpected', { status: error.status });
    else message = error.message;
  } else {
    message = t('errors.unexpected', { status: '—' });
  }
  return (
    <div className="alert" role="alert">
      <p className="alert-message">{message}</p>
      {original && (
        <p className="alert-detail" lang="en">
          {original}
        </p>
      )}
      {requestId && <p className="alert-detail">{t('errors.reference', { id: requestId })}</p>}
    </div>
  );
}
