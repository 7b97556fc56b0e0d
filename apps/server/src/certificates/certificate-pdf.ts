/**
 * The vaccination certificate as a printable PDF: one A4 page, English and Bengali.
 *
 * Design: a header band, the holder (names in both scripts, date of birth, gender, identity
 * document by its last 4 digits), the doses up to the certified one, the certificate's identity
 * (HCID, version, status, issue and expiry dates), and a row of QR codes: the native code for use
 * at home, the EU DCC and the SMART Health Card for travel, each captioned with what reads it.
 *
 * Policy:
 * - Text is drawn with the card machinery (`cards/card-text.ts`): Noto Sans and Noto Sans Bengali
 *   embedded, Bengali shaped by HarfBuzz, one line per field, long names shrink to fit (a name of
 *   60 characters fits at a readable size) rather than wrap.
 * - Each QR code keeps a 4-module quiet zone and modules of at least 0.4 mm, so a phone reads it
 *   from an office printer's output; a SMART Health Card too long for one code is printed as its
 *   numbered chunks.
 * - QR codes are drawn as vector rectangles, not images: sharp at any print resolution.
 * - No personal data in the PDF metadata.
 */
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { GENDERS, ID_TYPES, printedDate, type Bilingual } from '../cards/card-pdf.ts';
import { drawLine, registerCardFonts, type LineStyle } from '../cards/card-text.ts';
import type { CertificateStatus } from '../db/schema.ts';
import type { PrintedDetails } from './content.ts';

export interface PrintableCertificate {
  details: PrintedDetails;
  dateOfBirth: string;
  hcid: string;
  version: number;
  /** ISO date-times. */
  issuedAt: string;
  expiresAt: string;
  issuer: string;
  verifyUrl: string;
  qr: { native: string; euDcc: string; shc: string[] };
}

const T = {
  programme: ['National COVID-19 Vaccination Programme', 'জাতীয় কোভিড-১৯ টিকাদান কর্মসূচি'],
  title: ['COVID-19 Vaccination Certificate', 'কোভিড-১৯ টিকা সনদ'],
  holder: ['Certificate holder', 'সনদধারী'],
  name: ['Name', 'নাম'],
  dateOfBirth: ['Date of birth', 'জন্ম তারিখ'],
  gender: ['Gender', 'লিঙ্গ'],
  idDocument: ['ID document', 'পরিচয়পত্র'],
  registrationNumber: ['Registration number', 'নিবন্ধন নম্বর'],
  doses: ['Vaccination', 'টিকাদান'],
  dose: ['Dose', 'ডোজ'],
  date: ['Date', 'তারিখ'],
  vaccine: ['Vaccine', 'টিকা'],
  lot: ['Lot', 'লট'],
  centre: ['Vaccination centre', 'টিকা কেন্দ্র'],
  certificate: ['Certificate', 'সনদ'],
  certificateId: ['Certificate ID', 'সনদ আইডি'],
  version: ['Version', 'সংস্করণ'],
  status: ['Status', 'অবস্থা'],
  issued: ['Issued', 'ইস্যুর তারিখ'],
  validUntil: ['Valid until', 'মেয়াদ'],
  issuer: ['Issued by', 'ইস্যুকারী'],
  native: ['Bangladesh (domestic)', 'দেশের ভেতরে যাচাই'],
  euDcc: ['EU Digital COVID Certificate', 'ইইউ ডিজিটাল কোভিড সনদ'],
  shc: ['SMART Health Card', 'স্মার্ট হেলথ কার্ড'],
  scan: ['Scan to verify', 'যাচাই করতে স্ক্যান করুন'],
  verifyAt: ['Verify this certificate at', 'এই সনদ যাচাই করুন'],
  signed: [
    'The QR codes are signed by the programme and hold only the name, date of birth and vaccination.',
    'কিউআর কোডগুলো কর্মসূচির স্বাক্ষরযুক্ত; এতে শুধু নাম, জন্ম তারিখ ও টিকার তথ্য আছে।',
  ],
} as const satisfies Record<string, Bilingual>;

const STATUS: Record<CertificateStatus, Bilingual> = {
  provisional: ['Partially vaccinated (provisional)', 'আংশিক টিকাপ্রাপ্ত (অস্থায়ী)'],
  complete: ['Fully vaccinated (primary series complete)', 'পূর্ণ টিকাপ্রাপ্ত (প্রাথমিক ডোজ সম্পন্ন)'],
  booster: ['Booster dose received', 'বুস্টার ডোজ প্রাপ্ত'],
};

const MM = 72 / 25.4;
const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 16 * MM;
const CONTENT = A4.width - 2 * MARGIN;
const GREEN = '#006A4E';
const GREY = '#555555';
const RULE = '#9A9A9A';
const QUIET = 4;
const MIN_MODULE_MM = 0.4;

export async function renderCertificatePdf(
  c: PrintableCertificate,
  options: { locale?: 'en' | 'bn' } = {},
): Promise<Buffer> {
  const bnFirst = options.locale === 'bn';
  const both = (t: Bilingual, sep = ' · ') => (bnFirst ? `${t[1]}${sep}${t[0]}` : `${t[0]}${sep}${t[1]}`);
  const ordered = (t: Bilingual): Bilingual => (bnFirst ? [t[1], t[0]] : t);

  const doc = new PDFDocument({
    size: [A4.width, A4.height],
    margin: 0,
    info: { Title: 'Vaccination certificate', Creator: 'Dosewise', Producer: 'Dosewise' },
    displayTitle: true,
  });
  const done = collect(doc);
  registerCardFonts(doc);

  // Header band.
  doc.rect(0, 0, A4.width, 78).fill(GREEN);
  const white: LineStyle = { size: 11, weight: 700, color: '#FFFFFF', minSize: 8 };
  const [p1, p2] = ordered(T.programme);
  const [t1, t2] = ordered(T.title);
  drawLine(doc, p1, MARGIN, 24, CONTENT, { ...white, size: 9.5 });
  drawLine(doc, p2, MARGIN, 38, CONTENT, { ...white, size: 9.5 });
  drawLine(doc, t1, MARGIN, 58, CONTENT, { ...white, size: 16 });
  drawLine(doc, t2, MARGIN, 74, CONTENT, { ...white, size: 12 });

  const label: LineStyle = { size: 7.5, color: GREY, minSize: 6 };
  const value: LineStyle = { size: 11, minSize: 7 };
  const nameStyle: LineStyle = { size: 14, weight: 700, minSize: 8 };
  const section = (title: Bilingual, y: number) => {
    drawLine(doc, both(title), MARGIN, y, CONTENT, { size: 10, weight: 700, color: GREEN });
    doc
      .save()
      .lineWidth(0.6)
      .strokeColor(GREEN)
      .moveTo(MARGIN, y + 4)
      .lineTo(MARGIN + CONTENT, y + 4)
      .stroke()
      .restore();
    return y + 18;
  };
  const field = (title: Bilingual, text: string, x: number, y: number, width: number, style = value) => {
    drawLine(doc, both(title), x, y, width, label);
    drawLine(doc, text, x, y + 14, width, style);
  };

  // Holder.
  let y = section(T.holder, 104);
  const d = c.details;
  drawLine(doc, both(T.name), MARGIN, y, CONTENT, label);
  drawLine(doc, d.nameEn, MARGIN, y + 17, CONTENT, nameStyle);
  if (d.nameBn) {
    drawLine(doc, d.nameBn, MARGIN, y + 36, CONTENT, nameStyle);
    y += 19;
  }
  y += 34;
  const quarter = (CONTENT - 24) / 4;
  const gender = GENDERS[d.gender];
  const idType = ID_TYPES[d.idType];
  field(T.dateOfBirth, printedDate(c.dateOfBirth), MARGIN, y, quarter);
  field(T.gender, `${gender[0]} · ${gender[1]}`, MARGIN + quarter + 8, y, quarter);
  field(T.idDocument, `${idType[0]} · •••• ${d.idLast4.slice(-4)}`, MARGIN + 2 * (quarter + 8), y, quarter);
  field(T.registrationNumber, d.registrationNumber, MARGIN + 3 * (quarter + 8), y, quarter);
  y += 40;

  // Doses.
  y = section(T.doses, y + 8);
  y = drawDoses(doc, d.doses, y, both);

  // The certificate itself.
  y = section(T.certificate, y + 22);
  const half = (CONTENT - 12) / 2;
  const status = STATUS[d.status];
  field(T.status, both(status), MARGIN, y, CONTENT, { ...value, weight: 700 });
  y += 34;
  field(T.certificateId, c.hcid, MARGIN, y, half, { ...value, size: 10 });
  field(T.version, String(c.version), MARGIN + half + 12, y, half / 2 - 6);
  field(T.issued, printedDate(c.issuedAt.slice(0, 10)), MARGIN + half + 12 + half / 2, y, half / 2);
  y += 34;
  field(T.issuer, c.issuer, MARGIN, y, half, { ...value, size: 10 });
  field(T.validUntil, printedDate(c.expiresAt.slice(0, 10)), MARGIN + half + 12 + half / 2, y, half / 2);
  y += 30;

  // QR codes: native, EU DCC, then the SMART Health Card (one or more chunks).
  const codes: { title: Bilingual; text: string; ecl: 'L' | 'M' }[] = [
    { title: T.native, text: c.qr.native, ecl: 'M' },
    { title: T.euDcc, text: c.qr.euDcc, ecl: 'M' },
    ...c.qr.shc.map((text, i, all) => {
      const title: Bilingual =
        all.length > 1 ? [`${T.shc[0]} ${i + 1}/${all.length}`, `${T.shc[1]} ${i + 1}/${all.length}`] : T.shc;
      return { title, text, ecl: 'L' as const };
    }),
  ];
  const perRow = 3;
  const gap = 12;
  const box = (CONTENT - (perRow - 1) * gap) / perRow;
  const rows = Math.ceil(codes.length / perRow);
  const rowHeight = box + 34;
  const footer = 40;
  // More than one row of chunks: the boxes shrink to keep the page one page.
  const available = A4.height - footer - y - 10;
  const scale = Math.min(1, available / (rows * rowHeight));
  const size = box * scale;
  codes.forEach((code, i) => {
    const col = i % perRow;
    const row = Math.floor(i / perRow);
    const x = MARGIN + col * (box + gap) + (box - size) / 2;
    const top = y + row * rowHeight * scale;
    const [c1, c2] = ordered(code.title);
    drawLine(doc, c1, MARGIN + col * (box + gap), top + 8, box, {
      ...label,
      size: 8,
      weight: 700,
      align: 'center',
      color: '#222222',
    });
    drawLine(doc, c2, MARGIN + col * (box + gap), top + 19, box, { ...label, align: 'center' });
    drawQr(doc, QRCode.create(code.text, { errorCorrectionLevel: code.ecl }).modules, x, top + 24, size);
  });

  // Footer.
  const fy = A4.height - footer + 6;
  doc
    .save()
    .lineWidth(0.5)
    .strokeColor(RULE)
    .moveTo(MARGIN, fy - 12)
    .lineTo(MARGIN + CONTENT, fy - 12)
    .stroke()
    .restore();
  drawLine(doc, `${both(T.verifyAt, ' · ')}: ${c.verifyUrl}`, MARGIN, fy, CONTENT, {
    size: 8,
    color: '#222222',
    minSize: 6,
  });
  const [s1, s2] = ordered(T.signed);
  drawLine(doc, s1, MARGIN, fy + 11, CONTENT, { size: 7, color: GREY, minSize: 5.5 });
  drawLine(doc, s2, MARGIN, fy + 21, CONTENT, { size: 7, color: GREY, minSize: 5.5 });

  doc.end();
  return done;
}

function drawDoses(
  doc: PDFKit.PDFDocument,
  doses: PrintedDetails['doses'],
  top: number,
  both: (t: Bilingual, sep?: string) => string,
): number {
  const columns = [
    { title: T.dose, width: 44 },
    { title: T.date, width: 74 },
    { title: T.vaccine, width: 128 },
    { title: T.lot, width: 76 },
    { title: T.centre, width: CONTENT - 44 - 74 - 128 - 76 },
  ];
  const headerHeight = 15;
  const rowHeight = 26;
  const pad = 4;
  doc.rect(MARGIN, top, CONTENT, headerHeight).fill('#E6F0EC');
  let x = MARGIN;
  for (const c of columns) {
    drawLine(doc, both(c.title), x + pad, top + 10.5, c.width - 2 * pad, {
      size: 7,
      weight: 700,
      color: GREEN,
      minSize: 5,
    });
    x += c.width;
  }
  const cell: LineStyle = { size: 9, minSize: 6 };
  doses.forEach((dose, i) => {
    const rowTop = top + headerHeight + i * rowHeight;
    const texts: { text: string; second?: string | null }[] = [
      { text: String(dose.doseNumber) },
      { text: printedDate(dose.date) },
      { text: dose.product },
      { text: dose.lot ?? '' },
      { text: dose.centreEn ?? '', second: dose.centreBn },
    ];
    let cx = MARGIN;
    columns.forEach((c, j) => {
      const t = texts[j]!;
      const style = j === 0 ? { ...cell, weight: 700 as const } : cell;
      if (t.second) {
        drawLine(doc, t.text, cx + pad, rowTop + 11, c.width - 2 * pad, { ...style, size: 8 });
        drawLine(doc, t.second, cx + pad, rowTop + 22, c.width - 2 * pad, { ...style, size: 8 });
      } else if (t.text) drawLine(doc, t.text, cx + pad, rowTop + 16, c.width - 2 * pad, style);
      cx += c.width;
    });
  });
  const bottom = top + headerHeight + doses.length * rowHeight;
  doc.save().lineWidth(0.5).strokeColor(RULE);
  for (let i = 0; i <= doses.length; i++)
    doc
      .moveTo(MARGIN, top + headerHeight + i * rowHeight)
      .lineTo(MARGIN + CONTENT, top + headerHeight + i * rowHeight);
  let sx = MARGIN;
  for (const c of columns.slice(0, -1)) {
    sx += c.width;
    doc.moveTo(sx, top).lineTo(sx, bottom);
  }
  doc
    .rect(MARGIN, top, CONTENT, bottom - top)
    .stroke()
    .restore();
  return bottom;
}

type BitMatrix = QRCode.QRCode['modules'];

function drawQr(doc: PDFKit.PDFDocument, modules: BitMatrix, x: number, y: number, box: number): void {
  const module = box / (modules.size + 2 * QUIET);
  if (module < MIN_MODULE_MM * MM)
    throw new RangeError(`QR code too dense to print: modules of ${(module / MM).toFixed(2)} mm`);
  doc.save().rect(x, y, box, box).fill('#FFFFFF');
  for (let row = 0; row < modules.size; row++) {
    let col = 0;
    while (col < modules.size) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col++;
      doc.rect(x + (QUIET + start) * module, y + (QUIET + row) * module, (col - start) * module, module);
    }
  }
  doc.fill('#000000').restore();
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}
