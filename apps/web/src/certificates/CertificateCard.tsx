import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../ui/format.ts';
import { QrCode } from './QrCode.tsx';
import type { Certificate } from './types.ts';
import './certificates.css';

export type QrFormat = 'native' | 'euDcc' | 'shc';
const QR_FORMATS: readonly QrFormat[] = ['native', 'euDcc', 'shc'];

/** The QR texts of one format: one code, or a SMART Health Card's parts. */
function qrTexts(c: Certificate, format: QrFormat): string[] {
  if (!c.qr) return [];
  if (format === 'euDcc') return [c.qr.euDcc];
  if (format === 'shc') return c.qr.shc;
  return [c.qr.native];
}

export function CertificateStateBadge({ certificate: c }: { certificate: Certificate }) {
  const { t } = useTranslation();
  return c.revoked ? (
    <span className="badge badge-bad">{t('certificates.revoked')}</span>
  ) : (
    <span className="badge badge-ok">{t('certificates.inForce')}</span>
  );
}

/** One certificate: what it is, its QR code in the chosen format, and the actions given. */
export function CertificateCard({
  certificate: c,
  actions,
  showQr = true,
  headingLevel = 'h3',
}: {
  certificate: Certificate;
  actions?: ReactNode;
  showQr?: boolean;
  headingLevel?: 'h3' | 'h4';
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const Heading = headingLevel;
  const headingId = useId();
  const [format, setFormat] = useState<QrFormat>('native');
  const texts = qrTexts(c, format);
  const formatName = t(`certificates.format.${format}`);
  return (
    <article
      className="certificate-card"
      aria-labelledby={headingId}
      data-testid={`certificate-${c.hcid}`}
      data-revoked={c.revoked ? 'true' : 'false'}
    >
      <Heading id={headingId}>
        {t(`certificates.status.${c.status}`)} <CertificateStateBadge certificate={c} />
      </Heading>
      <dl className="facts facts-inline">
        <div>
          <dt>{t('certificates.hcid')}</dt>
          <dd className="hcid" data-testid="certificate-hcid">
            {c.hcid}
          </dd>
        </div>
        <div>
          <dt>{t('certificates.version')}</dt>
          <dd>{f.number(c.version)}</dd>
        </div>
        <div>
          <dt>{t('certificates.afterDose')}</dt>
          <dd>{f.number(c.doseNumber)}</dd>
        </div>
        <div>
          <dt>{t('certificates.issuedAt')}</dt>
          <dd>{f.dateTime(c.issuedAt)}</dd>
        </div>
        <div>
          <dt>{t('certificates.expiresAt')}</dt>
          <dd>{f.dateTime(c.expiresAt)}</dd>
        </div>
      </dl>
      <p className="verify-how">{t(`certificates.reason.${c.reason}`, { defaultValue: c.reason })}</p>
      {c.revoked && (
        <p data-testid="certificate-revoked">
          {t('certificates.revokedOn', {
            time: c.revokedAt ? f.dateTime(c.revokedAt) : '—',
            reason: c.revokedReason
              ? t(`certificates.revokedWhy.${c.revokedReason}`, { defaultValue: c.revokedReason })
              : '—',
          })}
        </p>
      )}
      {showQr && c.qr && (
        <div className="certificate-qr">
          <fieldset className="segmented-field">
            <legend>{t('certificates.travelFormat')}</legend>
            <p className="field-hint">{t('certificates.travelHint')}</p>
            <div className="segmented">
              {QR_FORMATS.map((q) => (
                <button
                  key={q}
                  type="button"
                  className={`button small ${format === q ? '' : 'secondary'}`}
                  aria-pressed={format === q}
                  onClick={() => setFormat(q)}
                  data-testid={`qr-format-${q}`}
                >
                  {t(`certificates.format.${q}`)}
                </button>
              ))}
            </div>
          </fieldset>
          <p className="verify-how">{t(`certificates.qrFor.${format}`)}</p>
          <div className="qr-row">
            {texts.map((text, i) => (
              <figure className="qr-figure" key={`${format}-${i}`}>
                <QrCode
                  text={text}
                  label={t('certificates.qrAlt', { format: formatName })}
                  testId={`qr-${format}`}
                  level={format === 'euDcc' ? 'Q' : 'L'}
                />
                <figcaption>
                  {texts.length > 1
                    ? t('certificates.part', { i: f.number(i + 1), n: f.number(texts.length) })
                    : formatName}
                </figcaption>
              </figure>
            ))}
          </div>
        </div>
      )}
      {showQr && !c.qr && <p className="empty">{t('certificates.noQrRevoked')}</p>}
      {actions && <div className="actions">{actions}</div>}
    </article>
  );
}
