/**
 * Bilingual text on printed cards: Noto Sans for Latin, Noto Sans Bengali for Bengali, embedded
 * (subset) into every PDF so that a card prints the same on any printer and any viewer.
 *
 * Policy:
 * - The fontsource subsets split scripts: the Bengali file has no Latin letters, digits or
 *   hyphen, the Latin file no Bengali. Text is therefore cut into runs by script and each run is
 *   drawn with its own font on one baseline. Punctuation and digits other than Bengali ones are
 *   drawn from the Latin font; spaces stay in the run they are in.
 * - One line per field: a long name shrinks (down to `minSize`) rather than wrapping or
 *   overflowing its box, because a card is read at a glance and cut to a fixed size. Past the
 *   minimum it is cut with an ellipsis, which names of up to 60 characters never reach.
 * - Shaping (conjuncts, vowel signs drawn before their consonant) is pdfkit's, through fontkit.
 *   KNOWN DEFECT, to fix before cards go to the public: fontkit misshapes some conjuncts of Noto
 *   Sans Bengali: wrong ligatures (ক্ত, ক্ক, ন্ধ, স্ক, and হন without hasanta drawn as হ্ন; at
 *   least 68 of the 4,341 distinct Bengali words of the demo area and name lists) and a
 *   misplaced ra-phala under ন্দ (কেন্দ্র). The card PDF test holds HarfBuzz's reference widths
 *   for such words. The fix is to shape with HarfBuzz (harfbuzzjs) and hand pdfkit a font object
 *   whose `layout()` returns HarfBuzz's glyph run (pdfkit takes any object with fontkit's font
 *   interface as a font source); `registerCardFonts` is the one place that changes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { inflateSync } from 'node:zlib';

export type Weight = 400 | 700;
type Script = 'latin' | 'bengali';

const FONT_NAMES: Record<Script, Record<Weight, string>> = {
  latin: { 400: 'card-latin-400', 700: 'card-latin-700' },
  bengali: { 400: 'card-bengali-400', 700: 'card-bengali-700' },
};

let fontFiles: Map<string, Buffer> | undefined;

/**
 * The four fonts, read once per process and unpacked from WOFF to plain OpenType: fontkit would
 * otherwise inflate every table with a JavaScript zlib on every card (two thirds of a card's
 * rendering time), and HarfBuzz reads OpenType, not WOFF.
 */
function cardFontFiles(): Map<string, Buffer> {
  if (fontFiles) return fontFiles;
  const require = createRequire(import.meta.url);
  const dir = (pkg: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'files');
  const latin = dir('@fontsource/noto-sans');
  const bengali = dir('@fontsource/noto-sans-bengali');
  const files = new Map<string, Buffer>();
  for (const weight of [400, 700] as const) {
    files.set(
      FONT_NAMES.latin[weight],
      woffToSfnt(readFileSync(path.join(latin, `noto-sans-latin-${weight}-normal.woff`))),
    );
    files.set(
      FONT_NAMES.bengali[weight],
      woffToSfnt(readFileSync(path.join(bengali, `noto-sans-bengali-bengali-${weight}-normal.woff`))),
    );
  }
  fontFiles = files;
  return files;
}

/**
 * WOFF 1.0 to the OpenType (sfnt) file it wraps: the same tables, inflated, behind an sfnt table
 * directory (https://www.w3.org/TR/WOFF/). Glyph ids are unchanged.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF 1.0 font');
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + 20 * i;
    const offset = woff.readUInt32BE(at + 4);
    const compLength = woff.readUInt32BE(at + 8);
    const origLength = woff.readUInt32BE(at + 12);
    const stored = woff.subarray(offset, offset + compLength);
    const data = compLength < origLength ? inflateSync(stored) : stored;
    if (data.length !== origLength) throw new Error('corrupt WOFF table');
    return { tag: woff.readUInt32BE(at), checksum: woff.readUInt32BE(at + 16), data };
  });
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  const header = Buffer.alloc(12 + 16 * numTables);
  header.writeUInt32BE(flavor, 0);
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(searchRange, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(numTables * 16 - searchRange, 10);
  const chunks: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((t, i) => {
    const record = 12 + 16 * i;
    header.writeUInt32BE(t.tag, record);
    header.writeUInt32BE(t.checksum, record + 4);
    header.writeUInt32BE(offset, record + 8);
    header.writeUInt32BE(t.data.length, record + 12);
    const padded = Buffer.alloc((t.data.length + 3) & ~3);
    t.data.copy(padded);
    chunks.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(chunks);
}

export function registerCardFonts(doc: PDFKit.PDFDocument): void {
  for (const [name, data] of cardFontFiles()) doc.registerFont(name, data);
}

// The Bengali block, danda and double danda (in the Devanagari block, shared), the joiners that
// steer conjunct forms, and the dotted circle fonts use for a vowel sign without a consonant.
function isBengali(codePoint: number): boolean {
  return (
    (codePoint >= 0x0980 && codePoint <= 0x09ff) ||
    codePoint === 0x0964 ||
    codePoint === 0x0965 ||
    codePoint === 0x200c ||
    codePoint === 0x200d ||
    codePoint === 0x25cc
  );
}

interface Run {
  script: Script;
  text: string;
}

/** Cuts text into runs of one script; whitespace stays with the run it sits in. */
export function scriptRuns(text: string): Run[] {
  const runs: Run[] = [];
  for (const ch of text) {
    const last = runs.at(-1);
    const script: Script = isBengali(ch.codePointAt(0) ?? 0) ? 'bengali' : 'latin';
    if (last && (last.script === script || /\s/u.test(ch))) last.text += ch;
    else runs.push({ script, text: ch });
  }
  return runs;
}

export interface LineStyle {
  size: number;
  weight?: Weight;
  color?: string;
  /** Smallest size a too-long line may shrink to. Default: the size itself (no shrinking). */
  minSize?: number;
  align?: 'left' | 'right' | 'center';
}

export function widthOf(doc: PDFKit.PDFDocument, text: string, size: number, weight: Weight = 400): number {
  let width = 0;
  for (const run of scriptRuns(text))
    width += doc.font(FONT_NAMES[run.script][weight]).fontSize(size).widthOfString(run.text);
  return width;
}

/** The size at which `text` fits `maxWidth`, between `style.minSize` and `style.size`. */
export function fittedSize(
  doc: PDFKit.PDFDocument,
  text: string,
  maxWidth: number,
  style: LineStyle,
): number {
  const natural = widthOf(doc, text, style.size, style.weight);
  if (natural <= maxWidth) return style.size;
  // Widths scale linearly with the size; round down to a tenth of a point so it surely fits.
  return Math.max(style.minSize ?? style.size, Math.floor(((style.size * maxWidth) / natural) * 10) / 10);
}

/**
 * Draws one line of mixed-script text with its baseline at `baseline`, within `maxWidth` from
 * `x` (or ending at `x + maxWidth` when right-aligned). Returns the size used.
 */
export function drawLine(
  doc: PDFKit.PDFDocument,
  text: string,
  x: number,
  baseline: number,
  maxWidth: number,
  style: LineStyle,
): number {
  const weight = style.weight ?? 400;
  const size = fittedSize(doc, text, maxWidth, style);
  let shown = text;
  if (widthOf(doc, shown, size, weight) > maxWidth) {
    while (shown.length > 1 && widthOf(doc, `${shown}…`, size, weight) > maxWidth)
      shown = [...shown].slice(0, -1).join('');
    shown = `${shown.trimEnd()}…`;
  }
  const width = widthOf(doc, shown, size, weight);
  let cursor =
    style.align === 'right'
      ? x + maxWidth - width
      : style.align === 'center'
        ? x + (maxWidth - width) / 2
        : x;
  doc.fillColor(style.color ?? '#000000');
  for (const run of scriptRuns(shown)) {
    doc.font(FONT_NAMES[run.script][weight]).fontSize(size);
    doc.text(run.text, cursor, baseline, { lineBreak: false, baseline: 'alphabetic' });
    cursor += doc.widthOfString(run.text);
  }
  return size;
}
