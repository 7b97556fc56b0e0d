import fc from 'fast-check';
import { zlibSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dccRevocationHash,
  decodeBase45,
  encodeBase45,
  encodeDcc,
  encodeNativeCertificate,
  encodeShc,
  RevocationIndex,
  shcQrTexts,
  shcRevocationId,
  toBase64,
  toDccPayload,
  TrustStore,
  verifyCertificate,
  type VerificationResult,
  type VerifyOptions,
} from '../src/index.ts';
import { parseCoseSign1 } from '../src/cose.ts';
import { inflateZlib } from '../src/eu-dcc.ts';
import { AT, demoPki, EXPIRES_AT, ISSUED_AT, record, SHC_ISS } from './fixtures.ts';

const validity = { issuedAt: ISSUED_AT, expiresAt: EXPIRES_AT };
const now = AT(ISSUED_AT + 3600);
let pki: Awaited<ReturnType<typeof demoPki>>;
let qr: { dcc: string; native: string; shc: string };
let options: VerifyOptions;

beforeAll(async () => {
  pki = await demoPki();
  options = { trust: pki.trust, now };
  qr = {
    dcc: await encodeDcc(toDccPayload(record()), pki.dcc, validity),
    native: await encodeNativeCertificate(record(), pki.native, validity),
    shc: shcQrTexts(await encodeShc(record(), pki.shc, { issuedAt: ISSUED_AT, expiresAt: EXPIRES_AT }))[0]!,
  };
});

const invalid = (r: VerificationResult) => ({ valid: r.valid, reasons: r.reasons });

/** Replaces the COSE payload of a base45 QR with other claims, keeping header and signature. */
function tamperCose(
  prefix: string,
  text: string,
  compressed: boolean,
  edit: (bytes: Uint8Array) => void,
): string {
  const raw = decodeBase45(text.slice(prefix.length))!;
  const bytes = compressed ? inflateZlib(raw, 1 << 16)! : raw;
  const message = parseCoseSign1(bytes);
  if (typeof message === 'string') throw new Error(message);
  const at = bytes.indexOf(
    message.payload[0]!,
    bytes.length - message.signature.length - message.payload.length - 4,
  );
  const copy = new Uint8Array(bytes);
  edit(copy.subarray(at, at + message.payload.length));
  return prefix + encodeBase45(compressed ? deflateForTest(copy) : copy);
}

const deflateForTest = (b: Uint8Array) => zlibSync(b);

describe('bad input gets a clear, stable reason and never throws', () => {
  it('truncated QR codes, for every format, every cut', async () => {
    for (const [format, text] of Object.entries(qr)) {
      for (let cut = 1; cut < text.length; cut += 9) {
        const result = await verifyCertificate(text.slice(0, cut), options);
        expect(result.valid, `${format} cut at ${cut}`).toBe(false);
        expect(result.reasons.length, `${format} cut at ${cut}`).toBeGreaterThan(0);
      }
    }
    // A cut on a whole base45 group still decodes, and then the zlib stream is cut short.
    expect(invalid(await verifyCertificate(qr.dcc.slice(0, 4 + 57), options))).toEqual({
      valid: false,
      reasons: ['bad_compression'],
    });
  });

  it('a tampered payload fails its signature (EU DCC and native: one byte of the name changed)', async () => {
    const flip = (payload: Uint8Array) => {
      const i = payload.indexOf(0x43); // 'C' of Chowdhury
      payload[i] = 0x4b; // 'K'
    };
    for (const [prefix, text, compressed] of [
      ['HC1:', qr.dcc, true],
      ['DWV1:', qr.native, false],
    ] as const) {
      const result = await verifyCertificate(tamperCose(prefix, text, compressed, flip), options);
      expect(result).toMatchObject({ valid: false, decoded: true, trusted: true, signature: false });
      expect(result.reasons[0]).toBe('bad_signature');
    }
  });

  it('a tampered SMART Health Card fails its signature', async () => {
    const digits = qr.shc.slice(5);
    // Change one character of the payload part (after the first '.', which is 46 - 45 = "01").
    const dot = digits.indexOf('01', digits.length / 4) & ~1;
    const pos = dot + 20;
    const swapped = digits.slice(pos, pos + 2) === '20' ? '21' : '20';
    const tampered = `shc:/${digits.slice(0, pos)}${swapped}${digits.slice(pos + 2)}`;
    const result = await verifyCertificate(tampered, options);
    expect(result.valid).toBe(false);
    expect(result.signature).toBe(false);
  });

  it('a foreign QR code is unknown_format', async () => {
    for (const text of [
      '',
      'https://example.org/',
      'WIFI:S:home;T:WPA;P:secret;;',
      'HC2:6BFOXN',
      'DWC1:abc',
      '{}',
    ]) {
      expect(invalid(await verifyCertificate(text, options)), text).toEqual({
        valid: false,
        reasons: ['unknown_format'],
      });
    }
  });

  it('an unknown key id is unknown_key, with the signature unchecked', async () => {
    const empty = await TrustStore.create({});
    for (const text of Object.values(qr)) {
      const result = await verifyCertificate(text, { trust: empty, now });
      expect(result).toMatchObject({ valid: false, decoded: true, trusted: false, signature: false });
      expect(result.reasons).toContain('unknown_key');
    }
  });

  it('a certificate whose DSC is not for vaccinations is wrong_key_usage', async () => {
    const dcc = await encodeDcc(toDccPayload(record()), pki.dccWithTestDsc, validity);
    const result = await verifyCertificate(dcc, options);
    expect(result).toMatchObject({ valid: false, signature: true, trusted: true, keyUsage: false });
    expect(result.reasons).toEqual(['wrong_key_usage', 'schema_unavailable']);
  });

  it('a certificate issued in the future is not_yet_valid; one past its exp is expired', async () => {
    for (const text of Object.values(qr)) {
      const early = await verifyCertificate(text, { ...options, now: AT(ISSUED_AT - 60) });
      expect(early.notExpired).toBe(false);
      expect(early.reasons).toContain('not_yet_valid');
      const late = await verifyCertificate(text, { ...options, now: AT(EXPIRES_AT + 1) });
      expect(late.notExpired).toBe(false);
      expect(late.reasons).toContain('expired');
    }
  });

  it('a certificate for a dose dated in the future is dated_in_future', async () => {
    const tomorrow = record({ date: '2026-03-03' });
    const at = AT(Date.parse('2026-03-01T12:00:00Z') / 1000);
    for (const text of [
      await encodeDcc(toDccPayload(tomorrow), pki.dcc, validity),
      await encodeNativeCertificate(tomorrow, pki.native, validity),
      await encodeShc(tomorrow, pki.shc, { issuedAt: ISSUED_AT }),
    ]) {
      const result = await verifyCertificate(text, { ...options, now: at });
      expect(result).toMatchObject({ valid: false, signature: true, notExpired: false });
      expect(result.reasons).toContain('dated_in_future');
    }
    // The same dose seen the evening before, when it is already the 3rd east of UTC+12: not in the future.
    const evening = AT(Date.parse('2026-03-02T11:00:00Z') / 1000);
    const native = await encodeNativeCertificate(tomorrow, pki.native, validity);
    expect((await verifyCertificate(native, { ...options, now: evening })).valid).toBe(true);
  });

  it('a certificate whose exp outlives its DSC is outside_signer_validity', async () => {
    const text = await encodeNativeCertificate(record(), pki.native, {
      issuedAt: ISSUED_AT,
      expiresAt: Date.parse('2029-01-01T00:00:00Z') / 1000,
    });
    const result = await verifyCertificate(text, options);
    expect(result).toMatchObject({ valid: false, notExpired: false, reasons: ['outside_signer_validity'] });
  });

  it('never throws on random text, random base45 after a known prefix, or random digits', async () => {
    const alphabet45 = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'.split(''));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.array(alphabet45, { maxLength: 300 }).map((a) => `HC1:${a.join('')}`),
          fc.array(alphabet45, { maxLength: 300 }).map((a) => `DWV1:${a.join('')}`),
          fc.uint8Array({ maxLength: 300 }).map((b) => `DWV1:${encodeBase45(b)}`),
          fc.stringMatching(/^[0-9]{0,400}$/).map((d) => `shc:/${d}`),
        ),
        async (text) => {
          const result = await verifyCertificate(text, options);
          expect(result.valid).toBe(false);
          expect(result.reasons.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('revocation', () => {
  it('revokes an EU DCC and a native certificate by UCI, country+UCI or signature, bound to a kid or not', async () => {
    const ci = 'URN:UVCI:01:BD:DW8K2M4Q7R9T#4';
    const uci = await dccRevocationHash('UCI', {
      certificateId: ci,
      issuer: 'BD',
      signature: new Uint8Array(),
      ecdsa: true,
    });
    const country = await dccRevocationHash('COUNTRYCODEUCI', {
      certificateId: ci,
      issuer: 'BD',
      signature: new Uint8Array(),
      ecdsa: true,
    });
    for (const text of [qr.dcc, qr.native]) {
      const raw = decodeBase45(text.slice(text.indexOf(':') + 1))!;
      const cose = parseCoseSign1(text.startsWith('HC1:') ? inflateZlib(raw, 1 << 16)! : raw);
      if (typeof cose === 'string') throw new Error(cose);
      const signature = await dccRevocationHash('SIGNATURE', {
        certificateId: undefined,
        issuer: undefined,
        signature: cose.signature,
        ecdsa: true,
      });
      for (const batch of [
        { hashType: 'UCI' as const, hashes: [uci!] },
        { hashType: 'COUNTRYCODEUCI' as const, hashes: [country!], kid: pki.dsc.kid },
        { hashType: 'SIGNATURE' as const, hashes: [signature!] },
      ]) {
        const revocations = new RevocationIndex({ dcc: [batch] });
        const result = await verifyCertificate(text, { ...options, revocations });
        expect(result.notRevoked, batch.hashType).toBe(false);
        expect(result.reasons).toContain('revoked');
      }
      const otherKid = new RevocationIndex({
        dcc: [{ hashType: 'UCI', hashes: [uci!], kid: pki.testDsc.kid }],
      });
      expect((await verifyCertificate(text, { ...options, revocations: otherKid })).notRevoked).toBe(true);
    }
  });

  it('revokes a SMART Health Card by rid, and by rid.time only when issued before that time', async () => {
    const secret = new TextEncoder().encode('demo revocation secret');
    const rid = await shcRevocationId(secret, 'URN:UVCI:01:BD:DW8K2M4Q7R9T#4');
    expect(rid).toMatch(/^[A-Za-z0-9_-]{11}$/);
    const jws = await encodeShc(record(), pki.shc, { issuedAt: ISSUED_AT, rid });
    const kid = pki.shcKey.publicJwk.kid;
    const list = (rids: string[]) =>
      new RevocationIndex({ shc: [{ iss: SHC_ISS, kid, method: 'rid', ctr: 1, rids }] });
    expect((await verifyCertificate(jws, { ...options, revocations: list([rid]) })).reasons).toEqual([
      'revoked',
    ]);
    expect(
      (await verifyCertificate(jws, { ...options, revocations: list([`${rid}.${ISSUED_AT + 1}`]) }))
        .notRevoked,
    ).toBe(false);
    expect(
      (await verifyCertificate(jws, { ...options, revocations: list([`${rid}.${ISSUED_AT}`]) })).valid,
    ).toBe(true);
    expect((await verifyCertificate(jws, { ...options, revocations: list(['AAAAAAAAAAA']) })).valid).toBe(
      true,
    );
  });

  it('hashes are the first 16 bytes of SHA-256, base64 (DCC revocation specification)', async () => {
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode('BDURN:UVCI:X')),
    );
    expect(
      await dccRevocationHash('COUNTRYCODEUCI', {
        certificateId: 'URN:UVCI:X',
        issuer: 'BD',
        signature: new Uint8Array(),
        ecdsa: true,
      }),
    ).toBe(toBase64(digest.subarray(0, 16)));
  });
});
