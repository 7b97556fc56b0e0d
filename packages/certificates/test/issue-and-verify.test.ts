import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync, inflateSync } from 'node:zlib';
import * as cborg from 'cborg';
import * as cose from 'cose-js';
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDccSchemaValidator,
  decodeBase45,
  encodeDcc,
  encodeNativeCertificate,
  encodeShc,
  jwsFromQrTexts,
  shcFile,
  shcQrTexts,
  toDccPayload,
  toDdccDocument,
  toNativeVaccination,
  verifyCertificate,
  type FhirResource,
} from '../src/index.ts';
import { AT, demoPki, EXPIRES_AT, ISSUED_AT, record, SHC_ISS } from './fixtures.ts';

const schemaJson = JSON.parse(
  readFileSync(join(process.cwd(), '../shared/testdata/eu-dcc-schema/DCC.combined-schema.json'), 'utf8'),
) as object;
const dccSchema = createDccSchemaValidator(schemaJson);
const validity = { issuedAt: ISSUED_AT, expiresAt: EXPIRES_AT };
const now = AT(ISSUED_AT + 3600);
let pki: Awaited<ReturnType<typeof demoPki>>;

beforeAll(async () => {
  pki = await demoPki();
});

const allChecks = {
  valid: true,
  decoded: true,
  signature: true,
  trusted: true,
  keyUsage: true,
  notExpired: true,
  notRevoked: true,
  schema: true,
  reasons: [],
};

/** The DSC's public key as x and y, read through the JWK export of Web Crypto. */
async function dscPoint(): Promise<{ x: Uint8Array; y: Uint8Array }> {
  const jwk = await crypto.subtle.exportKey('jwk', pki.dsc.key.publicKey);
  return { x: Buffer.from(jwk.x!, 'base64url'), y: Buffer.from(jwk.y!, 'base64url') };
}

describe('EU DCC we issue', () => {
  it('has a payload valid against the DCC 1.3 schema, with codes from the EU value sets', () => {
    const payload = toDccPayload(record());
    expect(dccSchema(payload)).toEqual([]);
    expect(payload.nam).toEqual({
      fn: 'Chowdhury',
      fnt: 'CHOWDHURY',
      gn: 'Mohammad Abdullah',
      gnt: 'MOHAMMAD<ABDULLAH',
    });
    expect(payload.v?.[0]).toMatchObject({
      tg: '840539006',
      vp: '1119349007',
      mp: 'EU/1/20/1528',
      ma: 'ORG-100030215',
      dn: 2,
      sd: 2,
      co: 'BD',
    });
  });

  it('verifies with all checks true, and decodes with cose-js and cborg (independent of our code)', async () => {
    const qr = await encodeDcc(toDccPayload(record()), pki.dcc, validity);
    expect(qr).toMatch(/^HC1:[0-9A-Z $%*+\-./:]+$/);
    const result = await verifyCertificate(qr, { trust: pki.trust, now, dccSchema });
    expect(result).toMatchObject({ format: 'eu-dcc', ...allChecks, kid: pki.dsc.kid, issuer: 'BD' });

    const coseBytes = inflateSync(decodeBase45(qr.slice(4))!);
    const signedPayload = await cose.sign.verify(coseBytes, { key: await dscPoint() });
    const claims = cborg.decode(signedPayload, { useMaps: true }) as Map<number, unknown>;
    expect(claims.get(1)).toBe('BD');
    expect(claims.get(6)).toBe(ISSUED_AT);
    expect(claims.get(4)).toBe(EXPIRES_AT);
    const hcert = (claims.get(-260) as Map<number, Map<string, unknown>>).get(1)!;
    expect(hcert.get('dob')).toBe('1987-04-12');
    expect(coseBytes[0]).toBe(0xd2); // tag 18: COSE_Sign1
    const message = cborg.decode(coseBytes.subarray(1)) as unknown[];
    const protectedHeader = cborg.decode(message[0] as Uint8Array, { useMaps: true }) as Map<number, unknown>;
    expect(protectedHeader.get(1)).toBe(-7);
    expect(Buffer.from(protectedHeader.get(4) as Uint8Array).toString('base64')).toBe(pki.dsc.kid);
  });
});

describe('SMART Health Card we issue', () => {
  it('verifies with all checks true, and jose verifies its JWS with the published JWK', async () => {
    const jws = await encodeShc(record(), pki.shc, { issuedAt: ISSUED_AT });
    const qr = shcQrTexts(jws);
    expect(qr).toHaveLength(1);
    expect(qr[0]).toMatch(/^shc:\/\d+$/);
    const result = await verifyCertificate(qr[0]!, { trust: pki.trust, now });
    expect(result).toMatchObject({ format: 'smart-health-card', ...allChecks, issuer: SHC_ISS });

    expect(decodeProtectedHeader(jws)).toEqual({ zip: 'DEF', alg: 'ES256', kid: pki.shcKey.publicJwk.kid });
    const { payload } = await compactVerify(jws, await importJWK(pki.shcKey.publicJwk, 'ES256'));
    const json = JSON.parse(inflateRawSync(payload).toString('utf8')) as {
      iss: string;
      nbf: number;
      vc: { type: string[]; credentialSubject: { fhirBundle: { entry: { resource: FhirResource }[] } } };
    };
    expect(json.iss).toBe(SHC_ISS);
    expect(json.nbf).toBe(ISSUED_AT);
    expect(json.vc.type).toEqual(['https://smarthealth.cards#health-card']);
    const [patient, immunization] = json.vc.credentialSubject.fhirBundle.entry.map((e) => e.resource);
    expect(patient).toEqual({
      resourceType: 'Patient',
      name: [{ family: 'Chowdhury', given: ['Mohammad', 'Abdullah'] }],
      birthDate: '1987-04-12',
    });
    expect(immunization).toMatchObject({
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208' }] },
      occurrenceDateTime: '2026-02-27',
      lotNumber: 'FK8891',
    });
  });

  it('splits a long card into balanced shc:/i/n/ chunks that verify when read in any order', async () => {
    // A centre name that does not compress: letters from a fixed pseudo-random sequence.
    let seed = 7;
    const noise = Array.from({ length: 2000 }, () => {
      seed = (seed * 48271) % 2147483647;
      return String.fromCharCode(97 + (seed % 26));
    }).join('');
    const long = record({ centre: noise });
    const jws = await encodeShc(long, pki.shc, { issuedAt: ISSUED_AT });
    const chunks = shcQrTexts(jws);
    expect(chunks.length).toBeGreaterThan(1);
    chunks.forEach((c, i) => expect(c.startsWith(`shc:/${i + 1}/${chunks.length}/`)).toBe(true));
    expect(jwsFromQrTexts([...chunks].reverse())).toEqual({ jws });
    const result = await verifyCertificate([...chunks].reverse().join('\n'), { trust: pki.trust, now });
    expect(result.valid).toBe(true);
    expect(await verifyCertificate(chunks.slice(1).join('\n'), { trust: pki.trust, now })).toMatchObject({
      valid: false,
      reasons: ['incomplete_chunks'],
    });
  });

  it('writes a .smart-health-card file that verifies', async () => {
    const jws = await encodeShc(record(), pki.shc, { issuedAt: ISSUED_AT });
    const file = shcFile([jws]);
    expect(JSON.parse(file)).toEqual({ verifiableCredential: [jws] });
    expect((await verifyCertificate(file, { trust: pki.trust, now })).valid).toBe(true);
  });
});

describe('native certificate we issue', () => {
  it('verifies with all checks true, and cose-js verifies it with the DSC key', async () => {
    const qr = await encodeNativeCertificate(record(), pki.native, validity);
    expect(qr).toMatch(/^DWV1:[0-9A-Z $%*+\-./:]+$/);
    const result = await verifyCertificate(qr, { trust: pki.trust, now });
    expect(result).toMatchObject({ format: 'dosewise', ...allChecks, kid: pki.dsc.kid });
    expect(result.payload).toMatchObject({
      certificateId: 'URN:UVCI:01:BD:DW8K2M4Q7R9T#4',
      vaccination: {
        familyName: 'Chowdhury',
        brand: 'XM8NQ0',
        doseNumber: 2,
        totalDoses: 2,
        date: '2026-02-27',
      },
    });
    const signed = await cose.sign.verify(decodeBase45(qr.slice(5))!, { key: await dscPoint() });
    const claims = cborg.decode(signed, { useMaps: true }) as Map<number, unknown>;
    expect(new TextDecoder().decode(claims.get(7) as Uint8Array)).toBe('URN:UVCI:01:BD:DW8K2M4Q7R9T#4');
  });

  it('is smaller than the same data as an EU DCC, and fits a version 11 QR code at error correction M', async () => {
    const nativeQr = await encodeNativeCertificate(record(), pki.native, validity);
    const dccQr = await encodeDcc(toDccPayload(record()), pki.dcc, validity);
    expect(nativeQr.length).toBeLessThan(dccQr.length);
    expect(nativeQr.length).toBeLessThanOrEqual(366); // version 11, level M: 366 alphanumeric characters
  });

  it('takes far fewer QR bits than the same claims as a JWS of JSON (the card token style)', async () => {
    const nativeQr = await encodeNativeCertificate(record(), pki.native, validity);
    const claims = {
      iss: 'BD',
      iat: ISSUED_AT,
      exp: EXPIRES_AT,
      cti: record().certificate.id,
      v: toNativeVaccination(record()),
    };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'ES256', kid: pki.dsc.kid })
      .sign(pki.dsc.key.privateKey);
    const nativeBits = Math.ceil(nativeQr.length * 5.5); // alphanumeric mode
    const jwsBits = ('DWV1:'.length + jws.length) * 8; // byte mode
    expect(nativeBits / jwsBits).toBeLessThan(0.5);
  });
});

describe('WHO DDCC:VS document', () => {
  it('is a FHIR document bundle whose references resolve inside it', () => {
    const full = record({ nextDoseDue: '2026-08-27', validFrom: '2026-03-13' });
    const bundle = toDdccDocument(full, { timestamp: AT(ISSUED_AT) });
    expect(bundle.type).toBe('document');
    const types = bundle.entry.map((e) => e.resource.resourceType);
    expect(types).toEqual([
      'Composition',
      'Patient',
      'Organization',
      'Immunization',
      'ImmunizationRecommendation',
    ]);
    const urls = new Set(bundle.entry.map((e) => e.fullUrl));
    const references = JSON.stringify(bundle).match(/"reference":"([^"]+)"/g) ?? [];
    expect(references.length).toBeGreaterThan(5);
    for (const ref of references) expect(urls.has(ref.slice(13, -1)), ref).toBe(true);
    const immunization = bundle.entry[3]!.resource;
    expect(immunization).toMatchObject({
      vaccineCode: { coding: [{ system: 'http://id.who.int/icd11/mms', code: 'XM0GQ8' }] },
      lotNumber: 'FK8891',
      protocolApplied: [{ doseNumberPositiveInt: 2, seriesDosesPositiveInt: 2 }],
    });
    expect(JSON.stringify(immunization)).toContain('"valueCode":"BGD"');
    expect(toDdccDocument(full, { timestamp: AT(ISSUED_AT) })).toEqual(bundle);
  });
});
