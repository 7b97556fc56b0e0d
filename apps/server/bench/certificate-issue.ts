/**
 * certificate-issue: how many certificates the signing path makes per second, per format, on all
 * cores: the record built from a person and a dose, signed, and encoded as its QR text (EU DCC
 * `HC1:`, SMART Health Card `shc:/`, native `DWV1:`), and the printed PDF.
 *
 * The work runs in worker threads, one per core, each with the same keys (a demo CSCA, DSC and
 * SMART Health Card key made at start); the database is not involved, since issuance writes one
 * row per certificate and the database benchmarks measure that. Each format runs alone for its
 * share of the time; `all` is one record encoded in all three formats, the work an issuance does.
 * `extra.<format>_qr_symbol` adds drawing the QR symbol (the module matrix) to the text.
 */
import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  createCountrySigningCa,
  createDccIssuer,
  createDocumentSigner,
  createNativeIssuer,
  createShcIssuer,
  encodeDcc,
  encodeNativeCertificate,
  encodeShc,
  generateSigningKey,
  importSigningKey,
  shcQrTexts,
  toDccPayload,
  type VaccinationRecord,
} from '@dosewise/certificates';
import { exportJWK, type JWK } from 'jose';
import QRCode from 'qrcode';
import type { Measured, Scenario } from './scenarios.ts';

type Phase =
  'eu_dcc' | 'shc' | 'native' | 'all' | 'pdf' | 'eu_dcc_qr_symbol' | 'shc_qr_symbol' | 'native_qr_symbol';
const PHASES: Phase[] = [
  'eu_dcc',
  'shc',
  'native',
  'all',
  'eu_dcc_qr_symbol',
  'shc_qr_symbol',
  'native_qr_symbol',
  'pdf',
];

interface Keys {
  role: 'certificate-issue';
  dscJwk: JWK;
  dscKid: string;
  shcJwk: JWK;
  iss: string;
}

interface PhaseResult {
  ops: number;
  ms: number;
  /** Per-operation times (ms) of a sample of the operations. */
  samples: number[];
  /** Operations whose result was wrong (a verification that failed). */
  failures?: number;
}

const GIVEN = [
  'Ayesha',
  'Kamal',
  'Farida Yasmin',
  'Rafiqul',
  'Shirin',
  'Tanvir Ahmed',
  'Nasrin',
  'Mohammad Abdullah',
];
const FAMILY = ['Rahman', 'Islam', 'Chowdhury', 'Akter', 'Hossain', 'Talukder', 'Uddin', 'Begum'];
const BRANDS = ['XM8NQ0', 'XM4YL8', 'XM8866', 'XM7HT3', 'XM3DT5'];

function record(i: number): VaccinationRecord {
  const dose = 1 + (i % 3);
  return {
    person: {
      familyName: FAMILY[i % FAMILY.length]!,
      givenName: GIVEN[(i >> 3) % GIVEN.length]!,
      birthDate: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
      sex: i % 2 ? 'female' : 'male',
    },
    vaccination: {
      brand: BRANDS[i % BRANDS.length]!,
      manufacturer: { code: 'ORG-100030215', name: 'Manufacturer' },
      lot: `LOT${100000 + (i % 90000)}`,
      date: `2026-0${1 + (i % 9)}-2${i % 8}`,
      doseNumber: dose,
      totalDoses: dose > 2 ? dose : 2,
      country: 'BD',
      countryAlpha3: 'BGD',
      centre: 'Kishoreganj District Hospital',
    },
    certificate: {
      id: `URN:UVCI:01:BD:BENCH${String(i).padStart(15, '0')}#0`,
      issuer: 'Directorate General of Health Services, Bangladesh',
      version: 1,
    },
  };
}

async function workerMain(): Promise<void> {
  const keys = workerData as Keys;
  const dsc = await importSigningKey(keys.dscJwk);
  const shcKey = await importSigningKey(keys.shcJwk);
  const dcc = createDccIssuer(dsc.privateKey, keys.dscKid, 'BD');
  const native = createNativeIssuer(dsc.privateKey, keys.dscKid, 'BD');
  const shc = createShcIssuer(keys.iss, shcKey);
  const { renderCertificatePdf } = await import('../src/certificates/certificate-pdf.ts');
  let seq = 0;
  const now = Math.floor(Date.now() / 1000);
  const validity = { issuedAt: now, expiresAt: now + 365 * 86_400 };

  const ops: Record<Exclude<Phase, 'pdf'>, () => Promise<unknown>> = {
    eu_dcc: () => encodeDcc(toDccPayload(record(seq++)), dcc, validity),
    shc: async () => shcQrTexts(await encodeShc(record(seq++), shc, { ...validity, rid: 'abcdefghijk' })),
    native: () => encodeNativeCertificate(record(seq++), native, validity),
    all: async () => {
      const r = record(seq++);
      return Promise.all([
        encodeDcc(toDccPayload(r), dcc, validity),
        encodeShc(r, shc, { ...validity, rid: 'abcdefghijk' }).then(shcQrTexts),
        encodeNativeCertificate(r, native, validity),
      ]);
    },
    eu_dcc_qr_symbol: async () =>
      QRCode.create(await encodeDcc(toDccPayload(record(seq++)), dcc, validity), {
        errorCorrectionLevel: 'M',
      }),
    shc_qr_symbol: async () =>
      shcQrTexts(await encodeShc(record(seq++), shc, validity)).map((t) =>
        QRCode.create(t, { errorCorrectionLevel: 'L' }),
      ),
    native_qr_symbol: async () =>
      QRCode.create(await encodeNativeCertificate(record(seq++), native, validity), {
        errorCorrectionLevel: 'M',
      }),
  };
  const sample = await ops.all();
  const [euDcc, shcTexts, nativeText] = sample as [string, string[], string];
  const pdf = () => {
    const r = record(seq++);
    return renderCertificatePdf({
      details: {
        registrationNumber: 'BD-2026-0000-0001',
        nameEn: `${r.person.givenName} ${r.person.familyName}`,
        nameBn: 'মোহাম্মদ আব্দুল্লাহ রহমান',
        gender: 'male',
        idType: 'nid',
        idLast4: '4821',
        status: 'complete',
        doses: [
          {
            doseNumber: 1,
            date: '2026-01-10',
            product: 'Comirnaty',
            lot: 'FK8891',
            centreEn: 'Kishoreganj District Hospital',
            centreBn: 'কিশোরগঞ্জ জেলা হাসপাতাল',
          },
        ],
      },
      dateOfBirth: r.person.birthDate,
      hcid: r.certificate.id,
      version: 1,
      issuedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      issuer: r.certificate.issuer,
      verifyUrl: 'https://vaccination.example.gov.bd/verify',
      qr: { native: nativeText, euDcc, shc: shcTexts },
    });
  };

  parentPort!.on('message', (msg: { phase: Phase; ms: number }) => {
    void (async () => {
      const run = msg.phase === 'pdf' ? pdf : ops[msg.phase];
      const samples: number[] = [];
      const start = performance.now();
      const end = start + msg.ms;
      let n = 0;
      // A few operations in flight: signing awaits the crypto thread pool.
      const inFlight = msg.phase === 'pdf' ? 1 : 8;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (performance.now() < end) {
            const t0 = performance.now();
            await run();
            n++;
            if (n % 16 === 0) samples.push(performance.now() - t0);
          }
        }),
      );
      parentPort!.postMessage({ ops: n, ms: performance.now() - start, samples } satisfies PhaseResult);
    })();
  });
  parentPort!.postMessage('ready');
}

/** A worker thread running this file under the same TypeScript loader as the bench. */
export function startTsWorker(url: string, data: unknown): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

export async function runInWorkers(
  workers: Worker[],
  message: unknown,
): Promise<{ ops: number; ms: number; samples: number[]; failures: number }> {
  const results = await Promise.all(
    workers.map(
      (w) =>
        new Promise<PhaseResult>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          w.once('message', (r: PhaseResult) => {
            w.off('error', onError);
            resolve(r);
          });
          w.once('error', onError);
          w.postMessage(message);
        }),
    ),
  );
  return {
    ops: results.reduce((a, r) => a + r.ops, 0),
    ms: Math.max(...results.map((r) => r.ms)),
    samples: results.flatMap((r) => r.samples),
    failures: results.reduce((a, r) => a + (r.failures ?? 0), 0),
  };
}

export async function readyWorkers(count: number, url: string, data: unknown): Promise<Worker[]> {
  const workers = Array.from({ length: count }, () => startTsWorker(url, data));
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          w.once('message', () => {
            w.off('error', onError);
            resolve();
          });
          w.once('error', onError);
        }),
    ),
  );
  return workers;
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

async function demoKeys(): Promise<Keys> {
  const now = new Date();
  const ca = await createCountrySigningCa({
    country: 'BD',
    commonName: 'Bench CSCA',
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 3650 * 86_400_000),
  });
  const dscKey = await generateSigningKey({ extractable: true });
  const dsc = await createDocumentSigner({
    ca,
    country: 'BD',
    commonName: 'Bench DSC',
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 700 * 86_400_000),
    key: dscKey,
  });
  const shcKey = await generateSigningKey({ extractable: true });
  return {
    role: 'certificate-issue',
    dscJwk: await exportJWK(dscKey.privateKey),
    dscKid: dsc.kid,
    shcJwk: await exportJWK(shcKey.privateKey),
    iss: 'https://vaccination.example.gov.bd',
  };
}

export const certificateIssueScenario: Scenario = {
  name: 'certificate-issue',
  description:
    'Certificates made per second on all cores (worker threads): record, signature and QR text per format (extra.eu_dcc, extra.shc, extra.native; throughput = all three for one record), QR symbols, and PDFs (extra.pdf)',
  async start() {
    return {
      async drive(ctx): Promise<Measured> {
        const threads = os.availableParallelism();
        const workers = await readyWorkers(threads, import.meta.url, await demoKeys());
        try {
          const phaseMs = Math.max(2_000, Math.round((ctx.seconds * 1000) / PHASES.length));
          const extra: Record<string, unknown> = { threads, phase_seconds: phaseMs / 1000 };
          let all = { ops: 0, ms: 1, samples: [] as number[], failures: 0 };
          // Warm-up: JIT, the fonts and HarfBuzz.
          await runInWorkers(workers, { phase: 'all', ms: 1_000 });
          await runInWorkers(workers, { phase: 'pdf', ms: 500 });
          for (const phase of PHASES) {
            const r = await runInWorkers(workers, { phase, ms: phaseMs });
            extra[phase] = Math.round((r.ops / r.ms) * 1000);
            if (phase === 'all') all = r;
          }
          return {
            ops: all.ops,
            seconds: all.ms / 1000,
            throughput: Math.round((all.ops / all.ms) * 1000 * 10) / 10,
            p50_ms: percentile(all.samples, 50),
            p99_ms: percentile(all.samples, 99),
            errors: 0,
            extra,
          };
        } finally {
          await Promise.all(workers.map((w) => w.terminate()));
        }
      },
      async close() {},
    };
  },
};

if (!isMainThread && (workerData as Partial<Keys> | undefined)?.role === 'certificate-issue')
  await workerMain();
