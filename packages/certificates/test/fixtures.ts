import {
  createCountrySigningCa,
  createDccIssuer,
  createDocumentSigner,
  createNativeIssuer,
  createShcIssuer,
  generateSigningKey,
  toBase64,
  TrustStore,
  type DccCertificateType,
  type VaccinationRecord,
} from '../src/index.ts';

export const ISSUED_AT = Date.parse('2026-03-01T09:00:00Z') / 1000;
export const EXPIRES_AT = ISSUED_AT + 365 * 24 * 3600;
export const AT = (seconds: number) => new Date(seconds * 1000);
export const SHC_ISS = 'https://certificates.example.gov.bd';

export const record = (over: Partial<VaccinationRecord['vaccination']> = {}): VaccinationRecord => ({
  person: {
    familyName: 'Chowdhury',
    givenName: 'Mohammad Abdullah',
    birthDate: '1987-04-12',
    sex: 'male',
    identifier: { system: 'urn:oid:2.16.50.1', value: '1987123456789' },
  },
  vaccination: {
    brand: 'XM8NQ0',
    lot: 'FK8891',
    date: '2026-02-27',
    doseNumber: 2,
    totalDoses: 2,
    country: 'BD',
    countryAlpha3: 'BGD',
    centre: 'Upazila Health Complex, Savar',
    ...over,
  },
  certificate: {
    id: 'URN:UVCI:01:BD:DW8K2M4Q7R9T#4',
    issuer: 'Directorate General of Health Services',
    version: 1,
  },
});

/** A demo PKI: a CSCA, a vaccination DSC, a test-only DSC, and the issuers and trust list. */
export async function demoPki(types: readonly DccCertificateType[] = ['v']) {
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const notAfter = new Date('2028-01-01T00:00:00Z');
  const ca = await createCountrySigningCa({
    country: 'BD',
    commonName: 'Dosewise Demo CSCA',
    notBefore,
    notAfter,
  });
  const dsc = await createDocumentSigner({
    ca,
    country: 'BD',
    commonName: 'Dosewise Demo DSC',
    notBefore,
    notAfter,
    types,
  });
  const testDsc = await createDocumentSigner({
    ca,
    country: 'BD',
    commonName: 'Dosewise Demo Test DSC',
    notBefore,
    notAfter,
    types: ['t'],
  });
  const shcKey = await generateSigningKey();
  const trustList = {
    dcc: [
      { kid: dsc.kid, certificate: toBase64(dsc.certificate) },
      { kid: testDsc.kid, certificate: toBase64(testDsc.certificate) },
    ],
    shc: [{ iss: SHC_ISS, jwks: { keys: [shcKey.publicJwk] } }],
  };
  return {
    ca,
    dsc,
    testDsc,
    shcKey,
    trustList,
    trust: await TrustStore.create(trustList),
    dcc: createDccIssuer(dsc.key.privateKey, dsc.kid, 'BD'),
    dccWithTestDsc: createDccIssuer(testDsc.key.privateKey, testDsc.kid, 'BD'),
    native: createNativeIssuer(dsc.key.privateKey, dsc.kid, 'BD'),
    shc: createShcIssuer(SHC_ISS, shcKey),
  };
}
