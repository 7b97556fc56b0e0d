import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import i18n from '../i18n/index.ts';

/** A Bengali rendering of a few well-known error codes; the server's own text is shown with it. */
function translatedCode(code: string): string | undefined {
  if (i18n.resolvedLanguage !== 'bn') return undefined;
  const v: unknown = i18n.getResource('bn', 'translation', `apiErrors.${code}`);
  return typeof v === 'string' ? v : undefined;
}

/** Shows what went wrong: the API's message for a person, with the request id for support. */
export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  let message: string;
  let original: string | undefined;
  let requestId: string | undefined;
  if (error instanceof ApiError) {
    requestId = error.requestId;
    if (error.status === 0) message = t('errors.network');
    else if (!error.message) message = t('errors.unexpected', { status: error.status });
    else {
      const local = translatedCode(error.code);
      message = local ?? error.message;
      if (local) original = error.message;
    }
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
