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
 * - Shaping (conjuncts, vowel signs drawn before their consonant, mark positions) is HarfBuzz's
 *   (harfbuzzjs, the engine Chromium and Firefox use), not pdfkit's own fontkit, which builds
 *   wrong conjuncts with Noto Sans Bengali (ক্ত drawn as ত্ত, মোহন as মোহ্ন, ন্দ্র with the
 *   ra-phala after the letters). pdfkit takes any object with fontkit's font interface as a font:
 *   each card gets `DocumentFont`s whose `layout()` returns HarfBuzz's glyphs, advances and
 *   offsets; fontkit still reads the metrics and writes the embedded subset.
 * - Text copied out of the PDF (or searched, or read aloud) is the text as typed. A PDF maps
 *   each glyph id to the text it stands for (its ToUnicode map), and extractors put glyphs'
 *   texts together in drawing order. With HarfBuzz's shaping, one glyph does not always stand
 *   for the same text (Noto draws ক্ত with the body of ত্ত plus an arm of ক), the vowel sign of
 *   কি is drawn before its consonant and a ra-phala is a mark drawn under the letter before. So
 *   each glyph is given the text it stands for where it is drawn (see `attachText`), and a
 *   glyph that stands for anything but its own character is embedded once more under an id of
 *   its own (see `DocumentFont`). Glyphs that stand for nothing (the parts of a conjunct, marks
 *   whose characters went to the letter) map to no text: poppler skips them, while PDFium (and
 *   maybe pdf.js) put a stray character there, as they did for the glyphs fontkit left textless.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { create as openFont, type Font as FontkitFont, type Subset } from 'fontkit';
// Instantiates the HarfBuzz WebAssembly module, once per process, when this module is loaded.
import * as hb from 'harfbuzzjs';

export type Weight = 400 | 700;
type Script = 'latin' | 'bengali';

const FONT_NAMES: Record<Script, Record<Weight, string>> = {
  latin: { 400: 'card-latin-400', 700: 'card-latin-700' },
  bengali: { 400: 'card-bengali-400', 700: 'card-bengali-700' },
};

let cardFaces: Map<string, CardFace> | undefined;

/**
 * The four fonts, read once per process and unpacked from WOFF to plain OpenType: fontkit would
 * otherwise inflate every table with a JavaScript zlib on every card, and HarfBuzz reads
 * OpenType, not WOFF.
 */
function cardFontFaces(): Map<string, CardFace> {
  if (cardFaces) return cardFaces;
  const require = createRequire(import.meta.url);
  const dir = (pkg: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'files');
  const latin = dir('@fontsource/noto-sans');
  const bengali = dir('@fontsource/noto-sans-bengali');
  const faces = new Map<string, CardFace>();
  for (const weight of [400, 700] as const) {
    const latinFile = woffToSfnt(readFileSync(path.join(latin, `noto-sans-latin-${weight}-normal.woff`)));
    faces.set(FONT_NAMES.latin[weight], new CardFace(latinFile));
    const bengaliFile = woffToSfnt(
      readFileSync(path.join(bengali, `noto-sans-bengali-bengali-${weight}-normal.woff`)),
    );
    // The script is set, not guessed: a run of danda or spaces alone is still Bengali text.
    faces.set(FONT_NAMES.bengali[weight], new CardFace(bengaliFile, { script: 'Beng', language: 'bn' }));
  }
  cardFaces = faces;
  return faces;
}

/**
 * One glyph of shaped text: HarfBuzz's glyph id, cluster (offset of its first UTF-16 unit in the
 * text) and position, in font units, and the text it stands for with the advance width the PDF
 * declares for it (see `attachText`).
 */
interface ShapedGlyph {
  glyph: number;
  cluster: number;
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
  text: string;
  width: number;
}

/** Font features as pdfkit passes them on (fontkit's form): tags to turn on, or tags to values. */
type Features = string[] | Record<string, boolean>;

/** One font file, loaded once per process: HarfBuzz shapes with it, fontkit reads and subsets it. */
class CardFace {
  readonly fontkit: FontkitFont;
  readonly #font: hb.Font;
  readonly #buffer = new hb.Buffer();
  readonly #script: string | undefined;
  readonly #language: string | undefined;
  readonly #nominal = new Map<number, number | undefined>();

  constructor(data: Buffer, options: { script?: string; language?: string } = {}) {
    this.fontkit = openFont(data);
    this.#font = new hb.Font(new hb.Face(new hb.Blob(data)));
    this.#script = options.script;
    this.#language = options.language;
  }

  /** The glyph the font's cmap gives `codePoint`, if any. */
  #nominalGlyph(codePoint: number): number | undefined {
    if (!this.#nominal.has(codePoint)) this.#nominal.set(codePoint, this.#font.nominalGlyph(codePoint));
    return this.#nominal.get(codePoint);
  }

  /** Whether `glyph` is the font's glyph for `text`, a single character, in any context. */
  isNominal(glyph: number, text: string): boolean {
    const codePoint = text.codePointAt(0);
    return codePoint !== undefined && text.length === String.fromCodePoint(codePoint).length
      ? this.#nominalGlyph(codePoint) === glyph
      : false;
  }

  /** The glyph's advance width in font units (its hmtx entry, before any positioning). */
  advance(glyph: number): number {
    return this.#font.glyphHAdvance(glyph);
  }

  /** Shapes one left-to-right run, and gives each glyph the text it stands for. */
  shape(text: string, features?: Features): ShapedGlyph[] {
    const buffer = this.#buffer;
    buffer.clearContents();
    buffer.addText(text);
    buffer.setDirection(hb.Direction.LTR);
    if (this.#script) buffer.setScript(this.#script);
    if (this.#language) buffer.setLanguage(this.#language);
    buffer.guessSegmentProperties();
    // Clusters as small as the shaping allows, in text order, so also left to right.
    buffer.setClusterLevel(hb.ClusterLevel.MONOTONE_CHARACTERS);
    hb.shape(this.#font, buffer, hbFeatures(features));
    const positions = buffer.getGlyphPositions();
    const glyphs = buffer.getGlyphInfos().map((info, i): ShapedGlyph => {
      const { xAdvance = 0, yAdvance = 0, xOffset = 0, yOffset = 0 } = positions[i] ?? {};
      const glyph = { glyph: info.codepoint, cluster: info.cluster, xAdvance, yAdvance, xOffset, yOffset };
      return { ...glyph, text: '', width: 0 };
    });
    attachText(text, glyphs);
    return glyphs;
  }
}

/**
 * Gives each glyph the text it stands for, and the width to declare for it in the PDF, so that
 * an extractor putting the glyphs' texts together in drawing order gets `text` back, in the
 * order it was typed and without gaps that would split its words.
 *
 * The glyphs are cut into pieces, each starting with a spacing glyph drawn where the pen is that
 * starts a cluster: a letter, a conjunct, a vowel sign drawn before its consonant. Marks drawn
 * over, under or before another glyph (a ra-phala, a nukta, Noto's parts of conjuncts) and the
 * other glyphs of a cluster join the piece before them. The piece's text goes, in order and a
 * character each, to its spacing glyphs (the last one takes the rest); glyphs that get none
 * stand for nothing. Each glyph with text is declared as wide as the way to the next glyph with
 * text, the others as 0 wide; the glyphs are still drawn where HarfBuzz puts them.
 */
function attachText(text: string, glyphs: ShapedGlyph[]): void {
  const spacing = (g: ShapedGlyph) => g.xAdvance > 0 && g.xOffset === 0 && g.yOffset === 0;
  const startsPiece = (g: ShapedGlyph, i: number) =>
    i === 0 || (g.cluster !== glyphs[i - 1]?.cluster && spacing(g));
  const starts = glyphs.flatMap((g, i) => (startsPiece(g, i) ? [i] : []));
  starts.forEach((start, k) => {
    const piece = glyphs.slice(start, starts[k + 1] ?? glyphs.length);
    const from = piece[0]?.cluster ?? 0;
    const to = glyphs[starts[k + 1] ?? -1]?.cluster ?? text.length;
    const chars = [...text.slice(from, Math.max(from, to))];
    const bearers = piece.filter((g, i) => i === 0 || spacing(g)).slice(0, Math.max(1, chars.length));
    bearers.forEach((g, i) => {
      g.text = i < bearers.length - 1 ? (chars[i] ?? '') : chars.slice(i).join('');
    });
    let bearer = piece[0];
    for (const g of piece) {
      if (bearers.includes(g)) bearer = g;
      if (bearer) bearer.width += g.xAdvance;
    }
  });
}

function hbFeatures(features: Features | undefined): hb.Feature[] | undefined {
  if (!features) return undefined;
  return Array.isArray(features)
    ? features.map((tag) => new hb.Feature(tag, 1))
    : Object.entries(features).map(([tag, on]) => new hb.Feature(tag, on ? 1 : 0));
}

/** A glyph as pdfkit takes it from a fontkit glyph run. */
interface RunGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}

interface RunPosition {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
}

/**
 * A card font as pdfkit sees it, one per document: fontkit's font interface, whose `layout()` is
 * HarfBuzz's shaping; fontkit reads the metrics and writes the embedded subset. A PDF gives each
 * glyph id one text and one width, so a glyph standing for other text than its own character,
 * or declared with another width (see `attachText`), is drawn under an id past the font's last
 * glyph: a copy of the glyph that the document's subset embeds under a glyph id of its own.
 */
class DocumentFont {
  readonly #face: CardFace;
  readonly #font: FontkitFont;
  readonly #copyIds = new Map<string, number>();
  /** The glyph each copy draws, by copy id minus the font's glyph count. */
  readonly #copyOf: number[] = [];

  constructor(face: CardFace) {
    this.#face = face;
    this.#font = face.fontkit;
  }

  layout(text: string, features?: Features) {
    const glyphs: RunGlyph[] = [];
    const positions: RunPosition[] = [];
    for (const g of this.#face.shape(text, features)) {
      // A glyph standing for just its own character, with no marks after it, keeps its id and
      // the width the font gives it.
      const own = this.#face.isNominal(g.glyph, g.text) && g.width === g.xAdvance;
      glyphs.push({
        id: own ? g.glyph : this.#copyId(g.glyph, g.text, g.width),
        advanceWidth: own ? this.#face.advance(g.glyph) : g.width,
        codePoints: Array.from(g.text, (ch) => ch.codePointAt(0) ?? 0),
      });
      positions.push({ xAdvance: g.xAdvance, yAdvance: g.yAdvance, xOffset: g.xOffset, yOffset: g.yOffset });
    }
    return {
      glyphs,
      positions,
      // Read after pdfkit has scaled the positions to its 1000-unit em, like fontkit's GlyphRun.
      get advanceWidth() {
        return positions.reduce((sum, p) => sum + p.xAdvance, 0);
      },
    };
  }

  #copyId(glyph: number, text: string, width: number): number {
    const key = `${glyph} ${width} ${text}`;
    let id = this.#copyIds.get(key);
    if (id === undefined) {
      id = this.#font.numGlyphs + this.#copyOf.push(glyph) - 1;
      this.#copyIds.set(key, id);
    }
    return id;
  }

  createSubset(): Subset {
    const subset = this.#font.createSubset();
    if (!Array.isArray(subset.glyphs)) throw new Error('fontkit subset without a glyph list');
    const numGlyphs = this.#font.numGlyphs;
    const copyOf = this.#copyOf;
    const included = new Map<number, number>();
    return {
      glyphs: subset.glyphs,
      cff: subset.cff,
      encode: () => subset.encode(),
      includeGlyph(id: number): number {
        const glyph = copyOf[id - numGlyphs];
        if (glyph === undefined) return subset.includeGlyph(id);
        let index = included.get(id);
        if (index === undefined) {
          // Appended as is: fontkit writes every listed glyph, repeated or not.
          index = subset.glyphs.push(glyph) - 1;
          included.set(id, index);
        }
        return index;
      },
    };
  }

  getGlyph(id: number) {
    return this.#font.getGlyph(id);
  }
  get postscriptName() {
    return this.#font.postscriptName;
  }
  get unitsPerEm() {
    return this.#font.unitsPerEm;
  }
  get ascent() {
    return this.#font.ascent;
  }
  get descent() {
    return this.#font.descent;
  }
  get lineGap() {
    return this.#font.lineGap;
  }
  get xHeight() {
    return this.#font.xHeight;
  }
  get capHeight() {
    return this.#font.capHeight;
  }
  get italicAngle() {
    return this.#font.italicAngle;
  }
  get bbox() {
    return this.#font.bbox;
  }
  get 'OS/2'() {
    return this.#font['OS/2'];
  }
  get post() {
    return this.#font.post;
  }
  get head() {
    return this.#font.head;
  }
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

/** Registers the card fonts, shaped by HarfBuzz, under the names `drawLine` and `widthOf` use. */
export function registerCardFonts(doc: PDFKit.PDFDocument): void {
  for (const [name, face] of cardFontFaces()) {
    // pdfkit opens any object with a `layout` method as a fontkit font; its types only list files.
    doc.registerFont(name, new DocumentFont(face) as unknown as PDFKit.Mixins.PDFFontSource);
  }
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
