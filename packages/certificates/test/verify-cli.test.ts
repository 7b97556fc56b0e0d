import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDcc, encodeNativeCertificate, encodeShc, shcQrTexts, toDccPayload } from '../src/index.ts';
import { demoPki, EXPIRES_AT, ISSUED_AT, record } from './fixtures.ts';

type RunVerifyCli = (
  argv: string[],
  io: {
    stdin: NodeJS.ReadableStream;
    stdout: { write(s: string): unknown };
    stderr: { write(s: string): unknown };
  },
) => Promise<number>;

// The command lives with the server's commands; it is loaded by path so that this package's
// type-check does not take in server code.
const cliPath = join(process.cwd(), 'apps/server/src/certificates/verify-cli.ts');
let runVerifyCli: RunVerifyCli;
let dir: string;
let pki: Awaited<ReturnType<typeof demoPki>>;
const AT = new Date((ISSUED_AT + 3600) * 1000).toISOString();

beforeAll(async () => {
  ({ runVerifyCli } = (await import(cliPath)) as { runVerifyCli: RunVerifyCli });
  dir = mkdtempSync(join(tmpdir(), 'dosewise-verify-'));
  pki = await demoPki();
  writeFileSync(join(dir, 'trust.json'), JSON.stringify(pki.trustList));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], stdin: string) {
  let out = '';
  let err = '';
  const code = await runVerifyCli(args, {
    stdin: Readable.from([stdin]),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err, report: out ? (JSON.parse(out) as Record<string, unknown>) : undefined };
}

describe('dosewise verify', () => {
  it('prints one JSON object with the format, the verdict, each check and the reasons; exit 0 when valid', async () => {
    const qr = await encodeDcc(toDccPayload(record()), pki.dcc, {
      issuedAt: ISSUED_AT,
      expiresAt: EXPIRES_AT,
    });
    const { code, report, out } = await run(['--at', AT, '--trust', join(dir, 'trust.json')], `${qr}\n`);
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(report).toMatchObject({
      format: 'eu-dcc',
      valid: true,
      decoded: true,
      signature: true,
      trusted: true,
      keyUsage: true,
      notExpired: true,
      notRevoked: true,
      schema: true,
      reasons: [],
    });
  });

  it('reads a multi-part SMART Health Card as its chunks, one per line', async () => {
    let seed = 11;
    const noise = Array.from({ length: 2000 }, () => {
      seed = (seed * 48271) % 2147483647;
      return String.fromCharCode(97 + (seed % 26));
    }).join('');
    const chunks = shcQrTexts(await encodeShc(record({ centre: noise }), pki.shc, { issuedAt: ISSUED_AT }));
    expect(chunks.length).toBeGreaterThan(1);
    const { code, report } = await run(
      ['verify', '--at', AT, '--trust', join(dir, 'trust.json')],
      chunks.join('\n'),
    );
    expect(code).toBe(0);
    expect(report).toMatchObject({ format: 'smart-health-card', valid: true });
  });

  it('exit 1 with the reason for a revoked certificate (revocations file)', async () => {
    const qr = await encodeNativeCertificate(record(), pki.native, {
      issuedAt: ISSUED_AT,
      expiresAt: EXPIRES_AT,
    });
    const uci = Buffer.from(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode('URN:UVCI:01:BD:DW8K2M4Q7R9T#4')),
    )
      .subarray(0, 16)
      .toString('base64');
    writeFileSync(join(dir, 'revoked.json'), JSON.stringify({ dcc: [{ hashType: 'UCI', hashes: [uci] }] }));
    const args = ['--at', AT, '--trust', join(dir, 'trust.json'), '--revocations', join(dir, 'revoked.json')];
    const { code, report } = await run(args, qr);
    expect(code).toBe(1);
    expect(report).toMatchObject({
      format: 'dosewise',
      valid: false,
      notRevoked: false,
      reasons: ['revoked'],
    });
  });

  it('checks an EU DCC test case against its DSC and the published schema', async () => {
    const testCase = JSON.parse(
      readFileSync(join(process.cwd(), '../shared/testdata/eu-dcc/common/2DCode/raw/CO13.json'), 'utf8'),
    ) as { PREFIX: string; TESTCTX: { CERTIFICATE: string; VALIDATIONCLOCK: string } };
    writeFileSync(
      join(dir, 'co13.json'),
      JSON.stringify({ dcc: [{ certificate: testCase.TESTCTX.CERTIFICATE }] }),
    );
    const { code, report } = await run(
      ['--at', testCase.TESTCTX.VALIDATIONCLOCK, '--trust', join(dir, 'co13.json')],
      testCase.PREFIX,
    );
    expect(code).toBe(0);
    expect(report).toMatchObject({ format: 'eu-dcc', valid: true, keyUsage: true, schema: true });
  });

  it('exit 1 for a foreign QR code, exit 2 for usage errors', async () => {
    const trust = join(dir, 'trust.json');
    expect(await run(['--at', AT, '--trust', trust], 'https://example.org/')).toMatchObject({
      code: 1,
      report: { format: 'unknown', valid: false, reasons: ['unknown_format'] },
    });
    for (const args of [
      ['--trust', trust],
      ['--at', AT],
      ['--at', 'tomorrow', '--trust', trust],
      ['--at', '2026-02-30T00:00:00Z', '--trust', trust],
      ['--at', AT, '--trust', join(dir, 'missing.json')],
      ['--at', AT, '--trust', trust, '--bogus'],
    ]) {
      const result = await run(args, 'HC1:');
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.err).toContain('usage: dosewise verify');
    }
    expect((await run(['--at', AT, '--trust', trust], '  \n')).code).toBe(2);
  });
});
