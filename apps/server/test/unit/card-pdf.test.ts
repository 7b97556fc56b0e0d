import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCardKey, signCardToken, verifyCardToken } from '@dosewise/certificates';
// jsqr is CommonJS: its default import is `module.exports`, whose `default` is the decoder.
import jsqr from 'jsqr';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import {
  CARD_QR_BOX,
  printedDate,
  renderVaccinationCard,
  type VaccinationCard,
} from '../../src/cards/card-pdf.ts';
import { drawLine, registerCardFonts, scriptRuns, widthOf } from '../../src/cards/card-text.ts';

const hasPoppler = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const NAME_EN = 'Mohammad Abdullah Al Mamun Chowdhury Bin Rahman Talukder Kha'; // 60 characters
const NAME_BN = 'মোহাম্মদ আব্দুল্লাহ আল মামুন চৌধুরী বিন রহমান তালুকদার খান';
const ISSUED = new Date('2026-03-01T04:00:00Z');

async function sampleCard(): Promise<{
  card: VaccinationCard;
  publicJwks: Parameters<typeof verifyCardToken>[1];
}> {
  const key = await generateCardKey();
  const token = await signCardToken(
    {
      rn: 'BD-2026-4821-7390-68',
      pid: '12345678',
      n: NAME_EN,
      yb: 1987,
      iat: Math.floor(ISSUED.getTime() / 1000),
      v: 1,
    },
    key.privateJwk,
    key.kid,
  );
  const card: VaccinationCard = {
    registrationNumber: 'BD-2026-4821-7390-68',
    nameEn: NAME_EN,
    nameBn: NAME_BN,
    dateOfBirth: '1987-02-14',
    gender: 'male',
    idType: 'nid',
    idLast4: '4821',
    centre: {
      nameEn: 'Kishoreganj 250-Bed District Hospital',
      nameBn: 'কিশোরগঞ্জ ২৫০ শয্যা বিশিষ্ট জেলা হাসপাতাল',
    },
    schedule: [
      { doseNumber: 1, dueDate: '2026-03-15', productName: 'Comirnaty (Pfizer-BioNTech)' },
      { doseNumber: 2 },
      { doseNumber: 3 },
    ],
    issuedAt: '2026-03-01',
    token,
  };
  return { card, publicJwks: [key.publicJwk] };
}

/** A binary PGM (what `pdftoppm -gray` writes): width, height and one byte per pixel. */
function readPgm(file: string): { width: number; height: number; pixels: Uint8Array } {
  const data = readFileSync(file);
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(data.subarray(0, 50).toString('latin1'));
  if (!header) throw new Error('not a binary PGM');
  const [whole, width, height] = header;
  return { width: Number(width), height: Number(height), pixels: data.subarray(whole.length) };
}

function pdfBuffer(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
}

describe('vaccination card text', () => {
  it('cuts mixed text into script runs, spaces staying with their run', () => {
    expect(scriptRuns('Male · পুরুষ (M)')).toEqual([
      { script: 'latin', text: 'Male · ' },
      { script: 'bengali', text: 'পুরুষ ' },
      { script: 'latin', text: '(M)' },
    ]);
  });

  it('prints dates as on the national ID card', () => {
    expect(printedDate('1987-02-14')).toBe('14 Feb 1987');
    expect(() => printedDate('14/02/1987')).toThrow(RangeError);
  });

  // Reference advance widths (font units) from HarfBuzz, as Chromium 156 shapes these words with
  // the same Noto Sans Bengali 400 file. Equal widths do not prove equal glyphs, but different
  // widths prove a different shaping.
  const doc = new PDFDocument({ size: 'A4' });
  registerCardFonts(doc);
  const shapedWidth = (word: string) => Math.round(widthOf(doc, word, 1000));

  it('shapes these Bengali words as HarfBuzz does', () => {
    const reference: [string, number][] = [
      ['কিশোরগঞ্জ', 4346],
      ['ব্রাহ্মণবাড়িয়া', 5078],
      ['চট্টগ্রাম', 2673],
      ['কর্মসূচি', 2846],
      ['ক্ষ', 859],
      ['স্ত্র', 667],
      ['লক্ষ্মীপুর', 3346],
      ['মোহাম্মদ', 3405],
    ];
    for (const [word, width] of reference) expect([word, shapedWidth(word)]).toEqual([word, width]);
  });

  // fontkit, pdfkit's own shaper, builds wrong conjuncts for these words in Noto Sans Bengali
  // (মোহন with a হ্ন ligature that has no hasanta, ক্ত drawn as ত্ত, ...): the cards shape with
  // HarfBuzz instead (see card-text.ts), and these widths are what tell the two apart.
  it('shapes the conjuncts that fontkit gets wrong as HarfBuzz does', () => {
    const reference: [string, number][] = [
      ['মোহন', 2375],
      ['আক্তার', 2931],
      ['নিবন্ধন', 2736],
      ['ধাক্কা', 1917],
      ['লস্কর', 2072],
      ['হৃদয়', 1853],
      ['চিহ্নিত', 2521],
      ['মুক্তা', 1788],
    ];
    for (const [word, width] of reference) expect([word, shapedWidth(word)]).toEqual([word, width]);
    // Noto Sans Bengali Bold, measured the same way.
    const bold: [string, number][] = [
      ['মোহন', 2476],
      ['আক্তার', 3047],
      ['নিবন্ধন', 2879],
      ['মুক্তা', 1864],
    ];
    for (const [word, width] of bold)
      expect([word, Math.round(widthOf(doc, word, 1000, 700))]).toEqual([word, width]);
  });
});

describe.skipIf(!hasPoppler)('vaccination card PDF', () => {
  it('renders a card whose text, image and QR code can be read back', async () => {
    const { card, publicJwks } = await sampleCard();
    const pdf = await renderVaccinationCard(card);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'card-pdf-'));
    const file = path.join(dir, 'card.pdf');
    writeFileSync(file, pdf);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain(card.registrationNumber);
    expect(text).toContain(NAME_EN);
    expect(text).toContain('Kishoreganj 250-Bed District Hospital');
    expect(text).toContain('•••• 4821');
    // Bengali comes back as it was typed, vowel signs drawn before their consonant (ি, ে, ো) and
    // conjuncts included: each glyph maps to the text it stands for where it stands.
    expect(text).toContain(NAME_BN);
    expect(text).toContain('কিশোরগঞ্জ ২৫০ শয্যা বিশিষ্ট জেলা হাসপাতাল');
    for (const label of [
      'জাতীয় কোভিড-১৯ টিকাদান কর্মসূচি',
      'নিবন্ধন নম্বর',
      'জন্ম তারিখ',
      'লিঙ্গ',
      'পরিচয়পত্র',
      'কেন্দ্রে এই কোডটি দেখান',
      'নির্ধারিত তারিখ',
      'প্রদানের তারিখ',
      'নির্ধারণ করা হবে',
      'টিকা নিতে এই কার্ড ও আপনার পরিচয়পত্র সঙ্গে আনুন।',
    ])
      expect(text).toContain(label);

    execFileSync('pdftoppm', ['-png', '-r', '100', '-singlefile', file, path.join(dir, 'card')]);
    const png = readFileSync(path.join(dir, 'card.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(827); // A4 at 100 dpi: 8.27 in wide

    // The printed QR code, module by module. Each module's centre is sampled from a 300 dpi
    // rendering and compared with the QR code of the token, which is then verified; and a QR
    // decoder, which knows nothing of the token, reads it from the same image.
    const dpi = 300;
    const px = (pt: number) => Math.round((pt * dpi) / 72);
    execFileSync('pdftoppm', [
      '-gray',
      '-r',
      String(dpi),
      '-x',
      String(px(CARD_QR_BOX.x)),
      '-y',
      String(px(CARD_QR_BOX.y)),
      '-W',
      String(px(CARD_QR_BOX.size)),
      '-H',
      String(px(CARD_QR_BOX.size)),
      '-singlefile',
      file,
      path.join(dir, 'qr'),
    ]);
    const image = readPgm(path.join(dir, 'qr.pgm'));
    const expected = QRCode.create(card.token, { errorCorrectionLevel: 'M' }).modules;
    const modulePx = ((CARD_QR_BOX.size / 72) * dpi) / (expected.size + 2 * CARD_QR_BOX.quietModules);
    expect((modulePx / dpi) * 25.4).toBeGreaterThanOrEqual(0.45); // mm per module on paper
    let mismatches = 0;
    let quietDark = 0;
    const dark = (row: number, col: number) => {
      const x = Math.floor((col + CARD_QR_BOX.quietModules + 0.5) * modulePx);
      const y = Math.floor((row + CARD_QR_BOX.quietModules + 0.5) * modulePx);
      return (image.pixels[y * image.width + x] ?? 255) < 128;
    };
    for (let row = 0; row < expected.size; row++) {
      for (let col = 0; col < expected.size; col++)
        if (dark(row, col) !== Boolean(expected.get(row, col))) mismatches++;
    }
    for (let i = -CARD_QR_BOX.quietModules; i < expected.size + CARD_QR_BOX.quietModules; i++) {
      for (const j of [
        -CARD_QR_BOX.quietModules,
        -1,
        expected.size,
        expected.size + CARD_QR_BOX.quietModules - 1,
      ]) {
        if (dark(i, j) || dark(j, i)) quietDark++;
      }
    }
    expect(mismatches).toBe(0);
    expect(quietDark).toBe(0);
    const rgba = new Uint8ClampedArray(image.width * image.height * 4);
    image.pixels.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    expect(jsqr.default(rgba, image.width, image.height)?.data).toBe(card.token);
    const verified = await verifyCardToken(card.token, publicJwks, { now: ISSUED });
    expect(verified).toMatchObject({ valid: true, claims: { rn: card.registrationNumber, n: NAME_EN } });
  });

  it('copies the Bengali conjuncts fontkit got wrong out of the card as typed', async () => {
    const { card } = await sampleCard();
    const nameBn = 'মোহন আক্তার লস্কর মুক্তা';
    const centreBn = 'ব্রাহ্মণবাড়িয়া কিশোরগঞ্জ চট্টগ্রাম উত্তর কেন্দ্র';
    const pdf = await renderVaccinationCard(
      {
        ...card,
        nameEn: 'Mohan Akter Laskar Mukta',
        nameBn,
        idType: 'birth_registration',
        centre: { nameEn: 'Brahmanbaria Kishoreganj Chattogram North Centre', nameBn: centreBn },
      },
      { locale: 'bn' },
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'card-pdf-'));
    writeFileSync(path.join(dir, 'card.pdf'), pdf);
    // Noto draws ক্ত (আক্তার) with the glyph of ত্ত (উত্তর) plus an arm of ক: that glyph must copy
    // out as ক্ত in one word and as ত্ত in the other.
    for (const args of [['-layout'], ['-raw']]) {
      const text = execFileSync('pdftotext', [...args, path.join(dir, 'card.pdf'), '-'], {
        encoding: 'utf8',
      });
      for (const line of [nameBn, centreBn, 'নিবন্ধন নম্বর', 'জন্ম নিবন্ধন', 'টিকা কেন্দ্র'])
        expect(text).toContain(line);
    }
  });

  it('draws the ra-phala of ন্দ্র under the conjunct, not after it', async () => {
    // fontkit draws কেন্দ্র with the ra-phala half an em past the end of the word, where the
    // next word starts; HarfBuzz puts it under ন্দ. At 100 pt and 72 dpi a pixel is a point.
    const doc = new PDFDocument({ size: [300, 150], margin: 0 });
    const done = pdfBuffer(doc);
    registerCardFonts(doc);
    drawLine(doc, 'কেন্দ্র', 50, 100, 250, { size: 100 });
    const advance = widthOf(doc, 'কেন্দ্র', 100);
    doc.end();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'card-pdf-'));
    writeFileSync(path.join(dir, 'word.pdf'), await done);
    execFileSync('pdftoppm', [
      '-gray',
      '-r',
      '72',
      '-singlefile',
      path.join(dir, 'word.pdf'),
      path.join(dir, 'word'),
    ]);
    const image = readPgm(path.join(dir, 'word.pgm'));
    let right = -1;
    image.pixels.forEach((v, i) => {
      if (v < 128) right = Math.max(right, i % image.width);
    });
    expect(right).toBeGreaterThan(150);
    expect(right + 1 - 50).toBeLessThanOrEqual(advance + 5);
  });

  it('renders a card without a centre, a Bengali name or a schedule, Bengali first', async () => {
    const { card } = await sampleCard();
    const pdf = await renderVaccinationCard(
      { ...card, centre: null, nameBn: null, schedule: [] },
      { locale: 'bn' },
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'card-pdf-'));
    writeFileSync(path.join(dir, 'card.pdf'), pdf);
    const text = execFileSync('pdftotext', [path.join(dir, 'card.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('Not chosen yet');
    expect(text).toContain(NAME_EN);
  });
});
