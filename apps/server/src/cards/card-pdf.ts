/**
 * The vaccination card a person receives at registration, as a printable PDF.
 *
 * Design: an A4 page whose top holds the card itself, an A6 landscape block (148 x 105 mm) inside
 * a dashed cut line. Printed on any office printer the whole page is a valid card; cut out, the
 * block fits a pocket or a plastic A6 sleeve. (An ID-1 card, 85.6 x 54 mm, cannot hold a
 * bilingual schedule and a QR code big enough to scan from a cheap print.) Below the block, the
 * instructions, in both languages.
 *
 * Policy:
 * - English and Bengali side by side in every label; values appear once (names in both scripts).
 * - The identity document shows its type and last 4 digits only: a lost card must not hand out
 *   a usable ID number.
 * - The QR code holds the signed card token (`DWC1:...`, see @dosewise/certificates), error
 *   correction M, with modules of at least 0.45 mm and a 4-module quiet zone so a phone camera
 *   reads it from a smudged print.
 * - Dates are printed as "14 Feb 1987", the form on Bangladeshi ID cards: unambiguous, unlike
 *   14/02/1987 vs 02/14/1987.
 * - No personal data in the PDF metadata.
 */
import { type IdType } from '@dosewise/domain';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { drawLine, registerCardFonts, type LineStyle } from './card-text.ts';

export type Gender = 'female' | 'male' | 'third_gender';

export interface CardScheduleEntry {
  doseNumber: number;
  /** YYYY-MM-DD; absent while the dose is not scheduled yet. */
  dueDate?: string;
  productName?: string;
  /** YYYY-MM-DD the dose was given, when it was. */
  given?: string;
}

export interface VaccinationCard {
  registrationNumber: string;
  nameEn: string;
  nameBn?: string | null;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  gender: Gender;
  idType: IdType;
  /** The last 4 characters of the identity document number. */
  idLast4: string;
  centre: { nameEn: string; nameBn: string } | null;
  schedule: CardScheduleEntry[];
  /** YYYY-MM-DD, the date printed as the issue date. */
  issuedAt: string;
  /** The signed card token the QR code carries. */
  token: string;
}

export interface CardRenderOptions {
  /** Which language leads in bilingual labels. Default: English first. */
  locale?: 'en' | 'bn';
}

const MM = 72 / 25.4;
const A4 = { width: 595.28, height: 841.89 };
const CARD = { width: 148 * MM, height: 105 * MM };
const CARD_X = (A4.width - CARD.width) / 2;
const CARD_Y = 14 * MM;
const PAD = 12;
const QR_BOX = 112; // ~39.5 mm including the quiet zone
const QR_TOP = 50;
const QR_QUIET_MODULES = 4;
const MIN_MODULE_MM = 0.45;
const GREEN = '#006A4E';
const GREY = '#555555';
const RULE = '#9A9A9A';

/** Where the QR code sits on the page, in points from the top left (for print checks and tests). */
export const CARD_QR_BOX = {
  x: CARD_X + CARD.width - PAD - QR_BOX,
  y: CARD_Y + QR_TOP,
  size: QR_BOX,
  quietModules: QR_QUIET_MODULES,
} as const;

/** A label in English and in Bengali. */
export type Bilingual = readonly [en: string, bn: string];

const T = {
  programme: ['National COVID-19 Vaccination Programme', 'জাতীয় কোভিড-১৯ টিকাদান কর্মসূচি'],
  card: ['Vaccination card', 'টিকা কার্ড'],
  registrationNumber: ['Registration number', 'নিবন্ধন নম্বর'],
  name: ['Name', 'নাম'],
  dateOfBirth: ['Date of birth', 'জন্ম তারিখ'],
  gender: ['Gender', 'লিঙ্গ'],
  idDocument: ['ID document', 'পরিচয়পত্র'],
  centre: ['Vaccination centre', 'টিকা কেন্দ্র'],
  noCentre: ['Not chosen yet', 'এখনও বাছাই করা হয়নি'],
  dose: ['Dose', 'ডোজ'],
  dueDate: ['Due date', 'নির্ধারিত তারিখ'],
  vaccine: ['Vaccine', 'টিকা'],
  given: ['Given on', 'প্রদানের তারিখ'],
  toBeScheduled: ['To be scheduled', 'নির্ধারণ করা হবে'],
  issued: ['Issued', 'ইস্যুর তারিখ'],
  scan: ['Show this code at the centre', 'কেন্দ্রে এই কোডটি দেখান'],
  cut: ['Cut along the dashed line.', 'দাগ বরাবর কেটে নিন।'],
  bring: [
    'Bring this card and your ID document to the vaccination centre.',
    'টিকা নিতে এই কার্ড ও আপনার পরিচয়পত্র সঙ্গে আনুন।',
  ],
  qrHolds: [
    'The QR code holds your registration number, name and year of birth, signed by the programme.',
    'কিউআর কোডে আপনার নিবন্ধন নম্বর, নাম ও জন্মসাল আছে, কর্মসূচির স্বাক্ষরসহ।',
  ],
} as const satisfies Record<string, Bilingual>;

/** Printed names of genders and identity documents, shared by the card and the certificate. */
export const GENDERS: Record<Gender, Bilingual> = {
  female: ['Female', 'মহিলা'],
  male: ['Male', 'পুরুষ'],
  third_gender: ['Third gender', 'তৃতীয় লিঙ্গ'],
};

export const ID_TYPES: Record<IdType, Bilingual> = {
  nid: ['National ID', 'জাতীয় পরিচয়পত্র'],
  birth_registration: ['Birth registration', 'জন্ম নিবন্ধন'],
  passport: ['Passport', 'পাসপোর্ট'],
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "1987-02-14" -> "14 Feb 1987". Throws on anything else: card data is checked upstream. */
export function printedDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  if (!m || !month || Number(m[3]) < 1 || Number(m[3]) > 31)
    throw new RangeError(`not a YYYY-MM-DD date: ${iso}`);
  return `${Number(m[3])} ${month} ${m[1]}`;
}

export async function renderVaccinationCard(
  card: VaccinationCard,
  options: CardRenderOptions = {},
): Promise<Buffer> {
  const both = (t: Bilingual, sep = ' · ') =>
    options.locale === 'bn' ? `${t[1]}${sep}${t[0]}` : `${t[0]}${sep}${t[1]}`;
  const ordered = (t: Bilingual): Bilingual => (options.locale === 'bn' ? [t[1], t[0]] : t);
  const qr = QRCode.create(card.token, { errorCorrectionLevel: 'M' });

  const doc = new PDFDocument({
    size: [A4.width, A4.height],
    margin: 0,
    info: { Title: 'Vaccination card', Creator: 'Dosewise', Producer: 'Dosewise' },
    displayTitle: true,
  });
  const done = collect(doc);
  registerCardFonts(doc);
  doc.translate(CARD_X, CARD_Y);

  // Cut line, then the header band.
  doc
    .save()
    .lineWidth(0.6)
    .dash(4, { space: 3 })
    .strokeColor(RULE)
    .rect(0, 0, CARD.width, CARD.height)
    .stroke()
    .restore();
  doc.rect(0, 0, CARD.width, 44).fill(GREEN);
  const white: LineStyle = { size: 9.5, weight: 700, color: '#FFFFFF', minSize: 7 };
  const [title1, title2] = ordered(T.programme);
  const [card1, card2] = ordered(T.card);
  drawLine(doc, title1, PAD, 18, CARD.width - 2 * PAD - 100, white);
  drawLine(doc, title2, PAD, 35, CARD.width - 2 * PAD - 100, white);
  drawLine(doc, card1, CARD.width - PAD - 96, 18, 96, { ...white, size: 11, align: 'right' });
  drawLine(doc, card2, CARD.width - PAD - 96, 35, 96, { ...white, size: 11, align: 'right' });

  // Left column: who this card belongs to.
  const colWidth = CARD.width - 2 * PAD - QR_BOX - 12;
  const label: LineStyle = { size: 6.3, color: GREY, minSize: 5 };
  let y = 54;
  const field = (
    title: Bilingual,
    values: { text: string; style: LineStyle; lead: number }[],
    x = PAD,
    width = colWidth,
  ) => {
    drawLine(doc, both(title), x, y + 7, width, label);
    let baseline = y + 7;
    for (const v of values) {
      baseline += v.lead;
      drawLine(doc, v.text, x, baseline, width, v.style);
    }
    return baseline - y + 5;
  };
  const value: LineStyle = { size: 9.5, minSize: 6 };
  const name: LineStyle = { size: 10.5, weight: 700, minSize: 6.5 };

  y += field(T.registrationNumber, [
    { text: card.registrationNumber, style: { size: 13, weight: 700, minSize: 8 }, lead: 14.5 },
  ]);
  const names = [{ text: card.nameEn, style: name, lead: 13 }];
  if (card.nameBn) names.push({ text: card.nameBn, style: name, lead: 14.5 });
  y += field(T.name, names);
  const half = (colWidth - 8) / 2;
  const gender = GENDERS[card.gender];
  field(T.dateOfBirth, [{ text: printedDate(card.dateOfBirth), style: value, lead: 12.5 }], PAD, half);
  y += field(
    T.gender,
    [{ text: `${gender[0]} · ${gender[1]}`, style: value, lead: 12.5 }],
    PAD + half + 8,
    half,
  );
  const idType = ID_TYPES[card.idType];
  y += field(T.idDocument, [
    { text: `${idType[0]} · ${idType[1]} · •••• ${card.idLast4.slice(-4)}`, style: value, lead: 12.5 },
  ]);
  const centre = card.centre
    ? [
        { text: card.centre.nameEn, style: value, lead: 12.5 },
        { text: card.centre.nameBn, style: value, lead: 14 },
      ]
    : [{ text: both(T.noCentre), style: { ...value, color: GREY }, lead: 12.5 }];
  y += field(T.centre, centre);

  // Right column: the QR code, what to do with it, and the issue date.
  const qrX = CARD.width - PAD - QR_BOX;
  const qrBottom = drawQr(doc, qr.modules, qrX, QR_TOP, QR_BOX);
  const [scan1, scan2] = ordered(T.scan);
  // Captions start below the quiet zone: text inside it would stop a scanner finding the code.
  drawLine(doc, scan1, qrX, qrBottom + 7, QR_BOX, { ...label, align: 'center' });
  drawLine(doc, scan2, qrX, qrBottom + 16, QR_BOX, { ...label, align: 'center' });
  drawLine(doc, both(T.issued, ': '), qrX, qrBottom + 28, QR_BOX, { ...label, align: 'center' });
  drawLine(doc, printedDate(card.issuedAt), qrX, qrBottom + 39, QR_BOX, {
    ...value,
    size: 8.5,
    align: 'center',
  });

  // The schedule, across the card's width.
  drawSchedule(doc, card.schedule, Math.max(y + 2, qrBottom + 46), both);

  // Below the card: instructions.
  doc.translate(-CARD_X, -CARD_Y);
  let line = CARD_Y + CARD.height + 24;
  for (const t of [T.cut, T.bring, T.qrHolds]) {
    for (const text of ordered(t)) {
      drawLine(doc, text, CARD_X, line, CARD.width, { size: 8.5, color: '#222222', minSize: 6 });
      line += 14;
    }
    line += 6;
  }

  doc.end();
  return done;
}

type BitMatrix = QRCode.QRCode['modules'];

/** Draws the QR code centred in a `box`-sized square at (x, y); returns the square's bottom. */
function drawQr(doc: PDFKit.PDFDocument, modules: BitMatrix, x: number, y: number, box: number): number {
  const quiet = QR_QUIET_MODULES;
  const module = box / (modules.size + 2 * quiet);
  if (module < MIN_MODULE_MM * MM) {
    throw new RangeError(
      `card token too long: QR modules would be ${(module / MM).toFixed(2)} mm, below ${MIN_MODULE_MM} mm`,
    );
  }
  doc.save().rect(x, y, box, box).fill('#FFFFFF');
  // One rectangle per horizontal run of dark modules: fewer path operations, no hairline seams.
  for (let row = 0; row < modules.size; row++) {
    let col = 0;
    while (col < modules.size) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col++;
      doc.rect(x + (quiet + start) * module, y + (quiet + row) * module, (col - start) * module, module);
    }
  }
  doc.fill('#000000').restore();
  return y + box;
}

function drawSchedule(
  doc: PDFKit.PDFDocument,
  schedule: CardScheduleEntry[],
  top: number,
  both: (t: Bilingual, sep?: string) => string,
): void {
  const width = CARD.width - 2 * PAD;
  const columns = [
    { title: T.dose, width: 52 },
    { title: T.dueDate, width: 112 },
    { title: T.vaccine, width: 124 },
    { title: T.given, width: width - 52 - 112 - 124 },
  ];
  const bottom = CARD.height - 10;
  const headerHeight = 13;
  const rows = [...schedule].sort((a, b) => a.doseNumber - b.doseNumber);
  const rowHeight = Math.min(20, (bottom - top - headerHeight) / Math.max(rows.length, 1));
  const cellPad = 3;

  doc.rect(PAD, top, width, headerHeight).fill('#E6F0EC');
  let x = PAD;
  for (const c of columns) {
    drawLine(doc, both(c.title), x + cellPad, top + 9, c.width - 2 * cellPad, {
      size: 6.3,
      weight: 700,
      color: GREEN,
      minSize: 4.5,
    });
    x += c.width;
  }
  const cell: LineStyle = { size: 8, minSize: 5, ...(rowHeight < 12 ? { size: 7 } : {}) };
  rows.forEach((dose, i) => {
    const rowTop = top + headerHeight + i * rowHeight;
    const baseline = rowTop + rowHeight / 2 + 3;
    const texts = [
      { text: String(dose.doseNumber), style: { ...cell, weight: 700 as const } },
      dose.dueDate
        ? { text: printedDate(dose.dueDate), style: cell }
        : { text: both(T.toBeScheduled), style: { ...cell, color: GREY } },
      { text: dose.productName ?? '', style: cell },
      { text: dose.given ? printedDate(dose.given) : '', style: cell },
    ];
    let cx = PAD;
    columns.forEach((c, j) => {
      const t = texts[j];
      if (t?.text) drawLine(doc, t.text, cx + cellPad, baseline, c.width - 2 * cellPad, t.style);
      cx += c.width;
    });
  });
  // Grid: one rule under the header and each row, and column separators.
  const tableBottom = top + headerHeight + rows.length * rowHeight;
  doc.save().lineWidth(0.5).strokeColor(RULE);
  for (let i = 0; i <= rows.length; i++)
    doc
      .moveTo(PAD, top + headerHeight + i * rowHeight)
      .lineTo(PAD + width, top + headerHeight + i * rowHeight);
  let sx = PAD;
  for (const c of columns.slice(0, -1)) {
    sx += c.width;
    doc.moveTo(sx, top).lineTo(sx, tableBottom);
  }
  doc
    .rect(PAD, top, width, tableBottom - top)
    .stroke()
    .restore();
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}
