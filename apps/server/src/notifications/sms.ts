/**
 * SMS length. A text made only of GSM 03.38 characters travels as GSM-7: 160 septets in a single
 * SMS, 153 per segment once concatenated (the rest carries the joining header); the characters of
 * the extension table (`^{}\[~]|€` and form feed) take two septets each. Anything else, Bengali
 * included, forces UCS-2 for the whole message: 70 UTF-16 units alone, 67 per segment concatenated.
 * A segment boundary never splits an escape pair or a surrogate pair. Operators bill per segment.
 */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsLength {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  /** SMS segments the text is sent as; an empty text still costs one. */
  segments: number;
  /** Capacity of one segment at this length: 160 or 153 for GSM-7, 70 or 67 for UCS-2. */
  unitsPerSegment: number;
}

const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

const LIMITS: Record<SmsEncoding, { single: number; part: number }> = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
};

export function smsSegments(text: string): SmsLength {
  const chars = [...text];
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const sizes = chars.map((c) => (gsm ? (GSM_EXTENSION.has(c) ? 2 : 1) : c.length));
  const units = sizes.reduce((a, b) => a + b, 0);
  const { single, part } = LIMITS[encoding];
  if (units <= single) return { encoding, units, segments: 1, unitsPerSegment: single };
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > part) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding, units, segments, unitsPerSegment: part };
}
