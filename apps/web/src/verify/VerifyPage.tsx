import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  checkCertificate,
  keptLists,
  refreshLists,
  type Check,
  type KeptLists,
} from '../certificates/lists.ts';
import { formatKey } from '../certificates/names.ts';
import '../certificates/certificates.css';
import { useFormat } from '../ui/format.ts';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { registerOfflineApp } from '../vaccinator/pwa.ts';
import { CameraScanner } from './CameraScanner.tsx';

function useOnline() {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

type Source = 'camera' | 'paste' | 'upload';

/**
 * The public verify page: a certificate's QR code, from the camera, pasted text or an image, is
 * checked on this device against the trust list and revocation lists kept here, so it works
 * without a connection once opened online. Shows only the holder's name, date of birth and doses.
 */
export function VerifyPage() {
  const { t } = useTranslation();
  const f = useFormat();
  usePageTitle(t('verify.title'));
  const online = useOnline();
  const [lists, setLists] = useState<KeptLists | null>(() => keptLists());
  const [listsError, setListsError] = useState(false);
  const [source, setSource] = useState<Source>('paste');
  const [text, setText] = useState('');
  const [check, setCheck] = useState<Check | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const resultRef = useRef<HTMLDivElement>(null);

  // The page works offline once visited: the app shell in the service worker, the lists here.
  useEffect(() => registerOfflineApp(), []);
  useEffect(() => {
    if (!online) return;
    let live = true;
    refreshLists().then(
      (l) => {
        if (!live) return;
        setLists(l);
        setListsError(false);
      },
      () => live && setListsError(true),
    );
    return () => {
      live = false;
    };
  }, [online]);

  const verify = useCallback(
    async (qrText: string) => {
      const value = qrText.trim();
      setProblem(null);
      setCheck(null);
      if (!value) {
        setProblem(t('verify.empty'));
        return;
      }
      setBusy(true);
      try {
        setCheck(await checkCertificate(value, online, setLists));
      } catch {
        setProblem(online ? t('verify.failed') : t('verify.noListsOffline'));
      } finally {
        setBusy(false);
        resultRef.current?.focus();
      }
    },
    [online, t],
  );

  async function onImage(file: File | undefined) {
    if (!file) return;
    setProblem(null);
    setCheck(null);
    const { default: QrScanner } = await import('qr-scanner');
    let found: string;
    try {
      found = (await QrScanner.scanImage(file, { returnDetailedScanResult: true })).data;
    } catch {
      setProblem(t('verify.noQrInImage'));
      return;
    }
    setText(found);
    await verify(found);
  }

  return (
    <div className="container verify-page">
      <h1>{t('verify.title')}</h1>
      <p className="panel-intro">{t('verify.intro')}</p>
      <p className="verify-lists" data-testid="trust-as-of" data-online={online ? 'true' : 'false'}>
        <span className={`badge ${online ? 'badge-ok' : 'badge-warn'}`}>
          {online ? t('verify.online') : t('verify.offline')}
        </span>{' '}
        {lists
          ? t('verify.listsAsOf', { time: f.dateTime(lists.fetchedAt) })
          : online
            ? listsError
              ? t('verify.listsUnavailable')
              : t('common.loading')
            : t('verify.noListsOffline')}
      </p>

      <section className="panel" aria-labelledby="verify-input-heading">
        <h2 id="verify-input-heading">{t('verify.how')}</h2>
        <div className="segmented" role="group" aria-label={t('verify.how')}>
          {(['camera', 'paste', 'upload'] as const).map((s) => (
            <button
              key={s}
              type="button"
              className={`button ${source === s ? '' : 'secondary'}`}
              aria-pressed={source === s}
              onClick={() => {
                setSource(s);
                setProblem(null);
              }}
              data-testid={`source-${s}`}
            >
              {t(`verify.source.${s}`)}
            </button>
          ))}
        </div>
        {source === 'camera' && (
          <CameraScanner
            onText={(scanned) => {
              setText(scanned);
              setSource('paste');
              void verify(scanned);
            }}
          />
        )}
        {source === 'paste' && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void verify(text);
            }}
          >
            <div className="field">
              <label htmlFor="verify-text">{t('verify.pasteLabel')}</label>
              <p className="field-hint" id="verify-text-hint">
                {t('verify.pasteHint')}
              </p>
              <textarea
                id="verify-text"
                aria-describedby="verify-text-hint"
                rows={5}
                value={text}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => setText(e.target.value)}
                data-testid="verify-text"
              />
            </div>
            <div className="actions">
              <button type="submit" className="button" disabled={busy} data-testid="verify-submit">
                {busy ? t('verify.checking') : t('verify.check')}
              </button>
            </div>
          </form>
        )}
        {source === 'upload' && (
          <div className="field">
            <label htmlFor="verify-image">{t('verify.uploadLabel')}</label>
            <input
              id="verify-image"
              type="file"
              accept="image/*"
              onChange={(e) => void onImage(e.target.files?.[0])}
              data-testid="verify-image"
            />
          </div>
        )}
      </section>

      <div ref={resultRef} tabIndex={-1} aria-live="polite">
        {problem && (
          <div className="alert" role="alert" data-testid="verify-problem">
            <p className="alert-message">{problem}</p>
          </div>
        )}
        {check && <VerificationView check={check} />}
      </div>
    </div>
  );
}

/** A country's name from its ISO code, in the language shown; the code when it has no name. */
function regionName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function VerificationView({ check }: { check: Check }) {
  const { t } = useTranslation();
  const f = useFormat();
  const r = check.result;
  // Without the schema the EU DCC check says so once, as a note, not as a reason of its own.
  const reasons = r.reasons.filter((x) => x !== 'schema_unavailable' || r.reasons.length === 1);
  return (
    <section
      className={`panel verify-result ${r.valid ? 'verify-valid' : 'verify-invalid'}`}
      aria-labelledby="verify-result-heading"
      data-testid="verify-result"
      data-valid={r.valid ? 'true' : 'false'}
      data-by={check.by}
    >
      <h2 id="verify-result-heading" className="verify-verdict">
        <span aria-hidden="true">{r.valid ? '✓' : '✗'}</span>{' '}
        {r.valid ? t('verify.valid') : t('verify.invalid')}
      </h2>
      <dl className="facts">
        <div>
          <dt>{t('verify.format')}</dt>
          <dd data-testid="verify-format">{t(`certificates.format.${formatKey(r.format)}`)}</dd>
        </div>
        {r.expiresAt && (
          <div>
            <dt>{t('verify.expires')}</dt>
            <dd>{f.dateTime(r.expiresAt)}</dd>
          </div>
        )}
      </dl>
      {reasons.length > 0 && (
        <>
          <h3>{t('verify.reasonsTitle')}</h3>
          <ul data-testid="verify-reasons">
            {reasons.map((code) => (
              <li key={code} data-reason={code}>
                {t(`verify.reasons.${code}`, { defaultValue: t('verify.reasons.other', { code }) })}
              </li>
            ))}
          </ul>
        </>
      )}
      {r.holder && (
        <>
          <h3>{t('verify.holder')}</h3>
          <dl className="facts" data-testid="verify-holder">
            <div>
              <dt>{t('verify.name')}</dt>
              <dd data-testid="verify-name">{r.holder.name}</dd>
            </div>
            <div>
              <dt>{t('verify.dateOfBirth')}</dt>
              <dd>{r.holder.dateOfBirth ? f.date(r.holder.dateOfBirth) : '—'}</dd>
            </div>
          </dl>
          {r.holder.doses.length > 0 && (
            <>
              <h3>{t('verify.doses')}</h3>
              <ul className="verify-doses" role="list" data-testid="verify-doses">
                {r.holder.doses.map((d, i) => (
                  <li key={i}>
                    <strong>
                      {d.doseNumber === null
                        ? t('verify.dose')
                        : d.totalDoses === null
                          ? t('verify.doseN', { n: f.number(d.doseNumber) })
                          : t('verify.doseOf', { n: f.number(d.doseNumber), of: f.number(d.totalDoses) })}
                    </strong>
                    <span>{d.vaccine || '—'}</span>
                    <span>{d.date ? f.date(d.date) : '—'}</span>
                    {d.country && <span>{regionName(d.country, f.locale)}</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <p className="verify-how" data-testid="verify-by">
        {check.by === 'device' && check.listsAsOf
          ? t('verify.byDevice', { time: f.dateTime(check.listsAsOf) })
          : t('verify.byServer')}
      </p>
      {check.schemaSkipped && (
        <p className="verify-how" data-testid="verify-schema-skipped">
          {t('verify.schemaSkipped')}
        </p>
      )}
    </section>
  );
}
