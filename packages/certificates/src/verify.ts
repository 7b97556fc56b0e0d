/**
 * One entry point for a scanned QR code: tells the format from its prefix and verifies it.
 */
import { DCC_PREFIX, verifyDcc } from './eu-dcc.ts';
import { NATIVE_PREFIX, verifyNativeCertificate } from './native-certificate.ts';
import type { RevocationIndex } from './revocation.ts';
import type { DccSchemaValidator } from './schema.ts';
import { SHC_QR_PREFIX, verifyShc } from './smart-health-card.ts';
import type { TrustStore } from './trust.ts';
import { emptyResult, finish, type CertificateFormat, type VerificationResult } from './verification.ts';

export interface VerifyOptions {
  trust: TrustStore;
  now: Date;
  revocations?: RevocationIndex;
  /** The EU DCC schema validator (see `createDccSchemaValidator`). */
  dccSchema?: DccSchemaValidator;
}

/** The format a text claims to be, from its prefix; `unknown` for anything else. */
export function detectFormat(text: string): CertificateFormat {
  if (typeof text !== 'string') return 'unknown';
  const t = text.trim();
  if (t.startsWith(DCC_PREFIX)) return 'eu-dcc';
  if (t.startsWith(NATIVE_PREFIX)) return 'dosewise';
  if (t.toLowerCase().startsWith(SHC_QR_PREFIX)) return 'smart-health-card';
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t)) return 'smart-health-card';
  if (t.startsWith('{') && t.includes('"verifiableCredential"')) return 'smart-health-card';
  return 'unknown';
}

/**
 * Verifies a scanned certificate: an EU DCC (`HC1:`), a SMART Health Card (`shc:/`, its chunks
 * one per line, a JWS or a `.smart-health-card` file) or a native certificate (`DWV1:`).
 * Never throws: unknown or broken input comes back invalid with its reasons.
 */
export async function verifyCertificate(text: string, options: VerifyOptions): Promise<VerificationResult> {
  try {
    return await verifyByFormat(text, options);
  } catch {
    // The decoders are total; this is the last line of defence for a scanner that must not crash.
    const result = emptyResult(detectFormat(text));
    result.reasons.push('bad_payload');
    return finish(result);
  }
}

async function verifyByFormat(text: string, options: VerifyOptions): Promise<VerificationResult> {
  const format = detectFormat(text);
  const t = typeof text === 'string' ? text.trim() : '';
  switch (format) {
    case 'eu-dcc':
      return verifyDcc(t, {
        trust: options.trust,
        now: options.now,
        ...(options.revocations ? { revocations: options.revocations } : {}),
        ...(options.dccSchema ? { schema: options.dccSchema } : {}),
      });
    case 'dosewise':
      return verifyNativeCertificate(t, options);
    case 'smart-health-card':
      return verifyShc(t, options);
    case 'unknown': {
      const result = emptyResult('unknown');
      result.reasons.push('unknown_format');
      return finish(result);
    }
  }
}
