import type { paths } from '../api/schema';

/** A certificate as the console and the citizen pages list it (the API's view). */
export type Certificate =
  paths['/api/people/{id}/certificates']['get']['responses'][200]['content']['application/json']['items'][number];

export type CertificateFormat = 'eu-dcc' | 'smart-health-card' | 'dosewise' | 'unknown';

export interface ShownDose {
  doseNumber: number | null;
  totalDoses: number | null;
  date: string;
  vaccine: string;
  country: string | null;
}

export interface Holder {
  name: string;
  dateOfBirth: string;
  doses: ShownDose[];
}

/** A verification as the verify page shows it, from the device's check or from the server's. */
export interface CheckedCertificate {
  format: CertificateFormat;
  valid: boolean;
  /** Stable codes (`bad_signature`, `unknown_key`, `revoked`...). */
  reasons: string[];
  issuer: string | null;
  issuedAt: string | null;
  expiresAt: string | null;
  holder: Holder | null;
}
