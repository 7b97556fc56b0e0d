/**
 * Certificates per second, per format, for issuing and for verifying, in one process (signing
 * and verifying run on the thread pool, the encoding on the main thread).
 *
 *   npx tsx packages/certificates/test/throughput.ts [count]
 *
 * Run from the project root (the EU DCC schema is read from ../shared/testdata).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createDccSchemaValidator,
  encodeDcc,
  encodeNativeCertificate,
  encodeShc,
  shcQrTexts,
  toDccPayload,
  verifyCertificate,
  type VaccinationRecord,
} from '../src/index.ts';
import { AT, demoPki, EXPIRES_AT, ISSUED_AT, record } from './fixtures.ts';

const count = Number(process.argv[2] ?? 5000);
const inFlight = 64;
const pki = await demoPki();
const dccSchema = createDccSchemaValidator(
  JSON.parse(
    readFileSync(join(process.cwd(), '../shared/testdata/eu-dcc-schema/DCC.combined-schema.json'), 'utf8'),
  ) as object,
);
const validity = { issuedAt: ISSUED_AT, expiresAt: EXPIRES_AT };
const now = AT(ISSUED_AT + 3600);

function recordNumber(i: number): VaccinationRecord {
  const r = record();
  r.certificate.id = `URN:UVCI:01:BD:DW${String(i).padStart(9, '0')}#${i % 10}`;
  return r;
}

async function rate(name: string, work: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 500; i++) await work(i);
  const start = performance.now();
  for (let i = 0; i < count; i += inFlight)
    await Promise.all(Array.from({ length: Math.min(inFlight, count - i) }, (_, j) => work(i + j)));
  const perSecond = count / ((performance.now() - start) / 1000);
  console.log(`${name.padEnd(24)} ${perSecond.toFixed(0).padStart(7)} /s`);
}

const sample = {
  dcc: await encodeDcc(toDccPayload(recordNumber(1)), pki.dcc, validity),
  shc: shcQrTexts(await encodeShc(recordNumber(1), pki.shc, { issuedAt: ISSUED_AT }))[0]!,
  native: await encodeNativeCertificate(recordNumber(1), pki.native, validity),
};
await rate('issue EU DCC', (i) => encodeDcc(toDccPayload(recordNumber(i)), pki.dcc, validity));
await rate('issue SMART Health Card', async (i) =>
  shcQrTexts(await encodeShc(recordNumber(i), pki.shc, { issuedAt: ISSUED_AT })),
);
await rate('issue native', (i) => encodeNativeCertificate(recordNumber(i), pki.native, validity));
await rate('verify EU DCC', () => verifyCertificate(sample.dcc, { trust: pki.trust, now, dccSchema }));
await rate('verify SMART Health Card', () => verifyCertificate(sample.shc, { trust: pki.trust, now }));
await rate('verify native', () => verifyCertificate(sample.native, { trust: pki.trust, now }));
