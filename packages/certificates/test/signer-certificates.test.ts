import { createHash, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createCountrySigningCa,
  createDocumentSigner,
  dccKeyId,
  dccTrustEntry,
  generateSigningKey,
  importSigningKey,
  isIssuedBy,
  parseDocumentSigner,
  shcJwks,
  TrustStore,
} from '../src/index.ts';
import { exportJWK } from 'jose';

const notBefore = new Date('2026-01-01T00:00:00Z');
const notAfter = new Date('2028-01-01T00:00:00Z');

describe('signing keys and signer certificates', () => {
  it('makes a CSCA and a vaccination DSC that an independent X.509 parser (node:crypto) reads as such', async () => {
    const ca = await createCountrySigningCa({ country: 'BD', commonName: 'Demo CSCA', notBefore, notAfter });
    const dsc = await createDocumentSigner({
      ca,
      country: 'BD',
      commonName: 'Demo DSC',
      notBefore,
      notAfter,
    });
    const caCert = new X509Certificate(ca.certificate);
    const dscCert = new X509Certificate(dsc.certificate);
    expect(caCert.ca).toBe(true);
    expect(dscCert.ca).toBe(false);
    expect(dscCert.checkIssued(caCert)).toBe(true);
    expect(dscCert.verify(caCert.publicKey)).toBe(true);
    expect(dscCert.keyUsage).toEqual(['1.3.6.1.4.1.1847.2021.1.2']);
    expect(dscCert.subject).toContain('C=BD');
    expect(new Date(dscCert.validTo).getTime()).toBe(notAfter.getTime());
    expect(await isIssuedBy(dsc.certificate, ca.certificate)).toBe(true);
    const other = await createCountrySigningCa({ country: 'BD', commonName: 'Other', notBefore, notAfter });
    expect(await isIssuedBy(dsc.certificate, other.certificate)).toBe(false);
  });

  it('names a DSC by the first 8 bytes of SHA-256 over its DER', async () => {
    const ca = await createCountrySigningCa({ country: 'BD', commonName: 'Demo CSCA', notBefore, notAfter });
    const dsc = await createDocumentSigner({
      ca,
      country: 'BD',
      commonName: 'Demo DSC',
      notBefore,
      notAfter,
    });
    const expected = createHash('sha256').update(dsc.certificate).digest().subarray(0, 8).toString('base64');
    expect(dsc.kid).toBe(expected);
    expect(await dccKeyId(dsc.certificate)).toBe(expected);
    expect(await dccTrustEntry(dsc.certificate)).toEqual({
      kid: expected,
      certificate: Buffer.from(dsc.certificate).toString('base64'),
    });
  });

  it('reads which certificate types a DSC may sign from its extended key usage', async () => {
    const ca = await createCountrySigningCa({ country: 'BD', commonName: 'Demo CSCA', notBefore, notAfter });
    const both = await createDocumentSigner({
      ca,
      country: 'BD',
      commonName: 'T+R',
      notBefore,
      notAfter,
      types: ['t', 'r'],
    });
    expect([...(await parseDocumentSigner(both.certificate))!.allowedTypes].sort()).toEqual(['r', 't']);
    // A certificate without the extension (the CSCA here) may sign every type.
    expect([...(await parseDocumentSigner(ca.certificate))!.allowedTypes].sort()).toEqual(['r', 't', 'v']);
    expect(await parseDocumentSigner(new Uint8Array([1, 2, 3]))).toBeUndefined();
    expect(await parseDocumentSigner('not base64 !')).toBeUndefined();
  });

  it('keeps a key across restarts as a private JWK, with the same SMART Health Card kid', async () => {
    const key = await generateSigningKey({ extractable: true });
    const privateJwk = await exportJWK(key.privateKey);
    const again = await importSigningKey(privateJwk);
    expect(again.publicJwk).toEqual(key.publicJwk);
    expect(key.publicJwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(
      importSigningKey({ kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y }),
    ).rejects.toThrow(TypeError);
  });

  it('publishes a JWKS of public keys only, and a trust store skips entries it cannot use', async () => {
    const key = await generateSigningKey({ extractable: true });
    const jwks = shcJwks([key]);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const store = await TrustStore.create({
      dcc: [{ certificate: 'AAAA' }],
      shc: [{ iss: 'https://a.example', jwks: { keys: [...jwks.keys, { kty: 'RSA', kid: 'rsa' }] } }],
    });
    expect(store.rejected).toEqual(['dcc[0]', 'shc[0] key rsa']);
    expect(store.shcJwk('https://a.example', key.publicJwk.kid)).toBeDefined();
  });
});
