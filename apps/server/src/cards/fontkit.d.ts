// The part of fontkit 2 (which ships no types) that the card fonts use: reading a font file,
// its metrics and tables for pdfkit's font descriptor, and subsetting. Shaping is HarfBuzz's.
declare module 'fontkit' {
  export interface Glyph {
    id: number;
    advanceWidth: number;
  }

  /** A subset being built: glyphs are appended in `glyphs`; the subset's glyph id is the index. */
  export interface Subset {
    glyphs: number[];
    includeGlyph(glyphId: number): number;
    encode(): Uint8Array;
    /** Set for a CFF-flavoured font. */
    cff?: unknown;
  }

  export interface Font {
    postscriptName: string;
    numGlyphs: number;
    unitsPerEm: number;
    ascent: number;
    descent: number;
    lineGap: number;
    xHeight: number;
    capHeight: number;
    italicAngle: number;
    bbox: { minX: number; minY: number; maxX: number; maxY: number };
    'OS/2': unknown;
    post: unknown;
    head: unknown;
    getGlyph(glyphId: number): Glyph;
    createSubset(): Subset;
  }

  export function create(data: Uint8Array, postscriptName?: string): Font;
}
