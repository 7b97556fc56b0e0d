import { describe, expect, it } from 'vitest';
import { shcPayloadProblems } from '../src/smart-health-card.ts';

const payload = (iss: string) => ({
  iss,
  nbf: 1_700_000_000,
  vc: {
    type: ['https://smarthealth.cards#health-card'],
    credentialSubject: {
      fhirVersion: '4.0.1',
      fhirBundle: { resourceType: 'Bundle', type: 'collection', entry: [] },
    },
  },
});
const issuerProblems = (iss: string) => shcPayloadProblems(payload(iss)).filter((p) => p.startsWith('iss'));

describe('SMART Health Card issuer', () => {
  it('is an https URL without a trailing slash', () => {
    expect(issuerProblems('https://vaccination.example.gov.bd')).toEqual([]);
    expect(issuerProblems('https://vaccination.example.gov.bd/')).toHaveLength(1);
    expect(issuerProblems('http://vaccination.example.gov.bd')).toHaveLength(1);
  });

  it('may be plain http on the loopback host only, for a server on one machine', () => {
    expect(issuerProblems('http://localhost:3000')).toEqual([]);
    expect(issuerProblems('http://127.0.0.1:8080')).toEqual([]);
    expect(issuerProblems('http://localhost.example.com')).toHaveLength(1);
    expect(issuerProblems('http://10.0.0.5:3000')).toHaveLength(1);
  });
});
