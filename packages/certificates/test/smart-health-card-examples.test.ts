import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  jwsFromQrTexts,
  RevocationIndex,
  TrustStore,
  verifyCertificate,
  type ShcRevocationList,
} from '../src/index.ts';

/** The specification's published examples, read where the project keeps its shared test data. */
const DIR = join(process.cwd(), '../shared/testdata/smart-health-cards');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
const ISS = 'https://spec.smarthealth.cards/examples/issuer';
const jwks = JSON.parse(read('issuer/jwks.json')) as { keys: JWK[] };
const crl = JSON.parse(read('issuer/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json')) as Omit<
  ShcRevocationList,
  'iss'
>;
const NOW = new Date('2026-11-21T00:00:00Z');

async function verify(text: string, now = NOW) {
  const trust = await TrustStore.create({ shc: [{ iss: ISS, jwks }] });
  return verifyCertificate(text, {
    trust,
    now,
    revocations: new RevocationIndex({ shc: [{ ...crl, iss: ISS }] }),
  });
}

describe('SMART Health Card examples', () => {
  it('00 is valid as numeric QR, as JWS and as .smart-health-card file', async () => {
    const expected = {
      format: 'smart-health-card',
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
    expect(await verify(read('example-00-f-qr-code-numeric-value-0.txt'))).toMatchObject(expected);
    expect(await verify(read('example-00-d-jws.txt'))).toMatchObject(expected);
    expect(await verify(read('example-00-e-file.smart-health-card'))).toMatchObject(expected);
  });

  it('00 decodes to the published payload, and the QR text holds the published JWS', async () => {
    const result = await verify(read('example-00-f-qr-code-numeric-value-0.txt'));
    expect(result.payload).toEqual(JSON.parse(read('example-00-c-jws-payload-minified.json')));
    expect(jwsFromQrTexts([read('example-00-f-qr-code-numeric-value-0.txt')])).toEqual({
      jws: read('example-00-d-jws.txt').trim(),
    });
  });

  it('03 has a valid signature but is revoked (its rid, before its nbf) and expired', async () => {
    const result = await verify(read('example-03-f-qr-code-numeric-value-0.txt'));
    expect(result).toMatchObject({
      valid: false,
      signature: true,
      trusted: true,
      notRevoked: false,
      notExpired: false,
    });
    expect(result.reasons).toEqual(['expired', 'revoked']);
    // Before its exp it is still revoked.
    const early = await verify(read('example-03-d-jws.txt'), new Date('2023-07-01T00:00:00Z'));
    expect(early).toMatchObject({ valid: false, notExpired: true, notRevoked: false, reasons: ['revoked'] });
  });

  it('an independent verifier (jose) agrees on both signatures', async () => {
    const key = await importJWK(jwks.keys[0]!, 'ES256');
    for (const example of ['00', '03']) {
      await expect(compactVerify(read(`example-${example}-d-jws.txt`).trim(), key)).resolves.toBeDefined();
    }
  });

  it('00 is not trusted without its issuer, and not valid before its nbf', async () => {
    const trust = await TrustStore.create({});
    expect(await verifyCertificate(read('example-00-d-jws.txt'), { trust, now: NOW })).toMatchObject({
      valid: false,
      decoded: true,
      trusted: false,
      reasons: ['unknown_key'],
    });
    expect(await verify(read('example-00-d-jws.txt'), new Date('2023-06-01T00:00:00Z'))).toMatchObject({
      valid: false,
      notExpired: false,
      reasons: ['not_yet_valid'],
    });
  });
});
