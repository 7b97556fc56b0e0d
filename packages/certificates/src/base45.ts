/**
 * Base45 (RFC 9285): the text encoding of the EU DCC and of the native certificate QR. Its 45
 * characters are exactly QR alphanumeric mode, so a QR code stores it at 5.5 bits a character.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function encodeBase45(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    const n = bytes[i]! * 256 + bytes[i + 1]!;
    const e = Math.floor(n / 2025);
    const rest = n % 2025;
    out += ALPHABET[rest % 45]! + ALPHABET[Math.floor(rest / 45)]! + ALPHABET[e]!;
  }
  if (i < bytes.length) {
    const n = bytes[i]!;
    out += ALPHABET[n % 45]! + ALPHABET[Math.floor(n / 45)]!;
  }
  return out;
}

/**
 * Decodes base45; `undefined` for a character outside the alphabet, a dangling single character
 * or a group whose value does not fit its bytes (RFC 9285, section 4.2: such input is invalid).
 */
export function decodeBase45(text: string): Uint8Array<ArrayBuffer> | undefined {
  const groups = Math.floor(text.length / 3);
  const rest = text.length % 3;
  if (rest === 1) return undefined;
  const out = new Uint8Array(groups * 2 + (rest === 2 ? 1 : 0));
  const value = (i: number) => {
    const c = text.charCodeAt(i);
    return c < 128 ? VALUE[c]! : -1;
  };
  let o = 0;
  for (let g = 0; g < groups; g++) {
    const [c, d, e] = [value(3 * g), value(3 * g + 1), value(3 * g + 2)];
    if (c < 0 || d < 0 || e < 0) return undefined;
    const n = c + d * 45 + e * 2025;
    if (n > 0xffff) return undefined;
    out[o++] = n >> 8;
    out[o++] = n & 0xff;
  }
  if (rest === 2) {
    const [c, d] = [value(3 * groups), value(3 * groups + 1)];
    if (c < 0 || d < 0) return undefined;
    const n = c + d * 45;
    if (n > 0xff) return undefined;
    out[o] = n;
  }
  return out;
}
