import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type QrScannerType from 'qr-scanner';

const SHC_CHUNK = /^shc:\/(\d+)\/(\d+)\/\d+$/i;

/**
 * Reads QR codes from the camera until a whole certificate is in: one code, or every part of a
 * SMART Health Card split over several codes (`shc:/i/n/...`), joined one per line.
 */
export function CameraScanner({ onText }: { onText: (text: string) => void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [parts, setParts] = useState<{ have: number; of: number } | null>(null);
  const done = useRef(onText);
  useEffect(() => {
    done.current = onText;
  }, [onText]);

  useEffect(() => {
    let scanner: QrScannerType | undefined;
    let stopped = false;
    const chunks = new Map<number, string>();
    void import('qr-scanner').then(async ({ default: QrScanner }) => {
      if (stopped || !video.current) return;
      if (!(await QrScanner.hasCamera())) {
        setError(t('verify.noCamera'));
        return;
      }
      scanner = new QrScanner(
        video.current,
        (r) => {
          const chunk = SHC_CHUNK.exec(r.data.trim());
          if (chunk) {
            const of = Number(chunk[2]);
            chunks.set(Number(chunk[1]), r.data.trim());
            setParts({ have: chunks.size, of });
            if (chunks.size < of) return;
            scanner?.stop();
            done.current(
              [...chunks.entries()]
                .sort(([a], [b]) => a - b)
                .map(([, c]) => c)
                .join('\n'),
            );
            return;
          }
          scanner?.stop();
          done.current(r.data);
        },
        { returnDetailedScanResult: true, preferredCamera: 'environment', highlightScanRegion: true },
      );
      scanner.start().catch(() => setError(t('verify.cameraRefused')));
    });
    return () => {
      stopped = true;
      scanner?.destroy();
    };
  }, [t]);

  return (
    <div className="verify-camera">
      {error ? (
        <div className="alert" role="alert" data-testid="camera-problem">
          <p className="alert-message">{error}</p>
        </div>
      ) : (
        <p className="field-hint">{t('verify.cameraHint')}</p>
      )}
      {/* The camera picture: there is nothing to hear, so no captions. */}
      <video ref={video} className="verify-video" muted playsInline />
      {parts && (
        <p role="status" data-testid="camera-parts">
          {t('verify.cameraParts', { have: parts.have, of: parts.of })}
        </p>
      )}
    </div>
  );
}
