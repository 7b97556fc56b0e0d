import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The camera view that reads a QR code (qr-scanner, loaded on first use). Hands over the text of
 * the first code read; the caller decides what it is.
 */
export function Scanner({ onResult, onClose }: { onResult: (text: string) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const done = useRef(onResult);
  useEffect(() => {
    done.current = onResult;
  });

  useEffect(() => {
    let stopped = false;
    let stop: (() => void) | null = null;
    void import('qr-scanner').then(async ({ default: QrScanner }) => {
      if (stopped || !video.current) return;
      if (!(await QrScanner.hasCamera())) {
        setProblem(t('vaccinator.scan.noCamera'));
        return;
      }
      const scanner = new QrScanner(video.current, (result) => done.current(result.data), {
        returnDetailedScanResult: true,
        highlightScanRegion: true,
        preferredCamera: 'environment',
      });
      stop = () => {
        scanner.stop();
        scanner.destroy();
      };
      if (stopped) return stop();
      await scanner.start().catch(() => setProblem(t('vaccinator.scan.denied')));
    });
    return () => {
      stopped = true;
      stop?.();
    };
  }, [t]);

  return (
    <div className="scanner stack">
      <video ref={video} className="scanner-video" muted playsInline aria-label={t('vaccinator.scan.view')} />
      {problem && (
        <p className="alert" role="alert">
          {problem}
        </p>
      )}
      <div className="actions">
        <button type="button" className="button secondary" onClick={onClose}>
          {t('vaccinator.scan.stop')}
        </button>
      </div>
    </div>
  );
}
