import type { CertificateFormat } from './types.ts';

/** The i18n key of a format's name (`certificates.format.<key>`). */
export function formatKey(format: CertificateFormat): 'euDcc' | 'shc' | 'native' | 'unknown' {
  switch (format) {
    case 'eu-dcc':
      return 'euDcc';
    case 'smart-health-card':
      return 'shc';
    case 'dosewise':
      return 'native';
    case 'unknown':
      return 'unknown';
  }
}
