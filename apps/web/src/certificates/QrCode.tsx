import { useEffect, useState } from 'react';
import QRCode, { type QRCodeSegment } from 'qrcode';

/**
 * Segments that keep each format's QR code small: a SMART Health Card is `shc:/` then digits
 * (numeric mode, as its specification asks); EU DCC and native texts are base45, which is the
 * QR alphanumeric alphabet.
 */
function segments(text: string): QRCodeSegment[] | string {
  const shc = /^(shc:\/(?:\d+\/\d+\/)?)(\d+)$/i.exec(text);
  if (shc?.[1] && shc[2])
    return [
      { data: new TextEncoder().encode(shc[1]), mode: 'byte' },
      { data: shc[2], mode: 'numeric' },
    ];
  if (/^[0-9A-Z $%*+\-./:]+$/.test(text)) return [{ data: text, mode: 'alphanumeric' }];
  return text;
}

/** A certificate's QR code, drawn on the device (the QR text never leaves the page). */
export function QrCode({
  text,
  label,
  testId,
  level = 'L',
}: {
  text: string;
  label: string;
  testId?: string;
  /** Error correction: the EU DCC guidelines ask for Q; SMART Health Cards fit best with L. */
  level?: 'L' | 'M' | 'Q';
}) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(segments(text), { errorCorrectionLevel: level, margin: 2, scale: 6 }).then(
      (url) => live && setSrc(url),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [text, level]);
  if (failed) return null;
  return src ? (
    <img src={src} alt={label} data-testid={testId} data-qr-text={text} />
  ) : (
    <span className="qr-placeholder" aria-hidden="true" />
  );
}
