/**
 * A small CBOR (RFC 8949) codec for COSE and the certificate payloads.
 *
 * Why not a general CBOR library here: decoding must be strict and total (a scanned QR code is
 * untrusted input: trailing bytes, truncated items, absurd lengths and deep nesting are errors,
 * never crashes), maps must keep non-string keys (COSE headers and CWT claims are integer keyed),
 * tags must stay visible (COSE_Sign1 may be tagged 18 and wrapped in tag 61), and encoding must
 * be deterministic (a protected header is signed as the exact bytes we produce). The codec is a
 * few hundred lines, allocation-light, and runs unchanged in browsers.
 */

export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | Map<CborValue, CborValue>
  | CborTag
  | { readonly [key: string]: CborValue };

export class CborError extends Error {}

const MAX_DEPTH = 64;
const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

/** Decodes exactly one CBOR item that fills `bytes`; throws `CborError` on anything else. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const reader = new Reader(bytes);
  const value = reader.item(0);
  if (reader.offset !== bytes.length) throw new CborError('trailing bytes after the CBOR item');
  return value;
}

const BREAK = Symbol('break');

class Reader {
  offset = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number) {
    if (this.offset + n > this.bytes.length) throw new CborError('truncated CBOR');
  }

  private argument(info: number): number | bigint {
    if (info < 24) return info;
    switch (info) {
      case 24:
        this.need(1);
        return this.bytes[this.offset++]!;
      case 25: {
        this.need(2);
        const v = this.view.getUint16(this.offset);
        this.offset += 2;
        return v;
      }
      case 26: {
        this.need(4);
        const v = this.view.getUint32(this.offset);
        this.offset += 4;
        return v;
      }
      case 27: {
        this.need(8);
        const v = this.view.getBigUint64(this.offset);
        this.offset += 8;
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      default:
        throw new CborError('reserved additional information');
    }
  }

  private length(info: number): number {
    const n = this.argument(info);
    if (typeof n === 'bigint' || n > this.bytes.length) throw new CborError('length beyond the input');
    return n;
  }

  item(depth: number): CborValue {
    const v = this.itemOrBreak(depth);
    if (v === BREAK) throw new CborError('unexpected break');
    return v;
  }

  private itemOrBreak(depth: number): CborValue | typeof BREAK {
    if (depth > MAX_DEPTH) throw new CborError('CBOR nested too deeply');
    this.need(1);
    const initial = this.bytes[this.offset++]!;
    const major = initial >> 5;
    const info = initial & 31;
    switch (major) {
      case 0:
        return this.argument(info);
      case 1: {
        const n = this.argument(info);
        return typeof n === 'bigint' ? -1n - n : -1 - n;
      }
      case 2:
      case 3: {
        const chunk = info === 31 ? this.indefiniteString(major, depth) : this.definiteBytes(info);
        if (major === 2) return chunk;
        try {
          return textDecoder.decode(chunk);
        } catch {
          throw new CborError('text string is not UTF-8');
        }
      }
      case 4: {
        const out: CborValue[] = [];
        if (info === 31) {
          for (;;) {
            const v = this.itemOrBreak(depth + 1);
            if (v === BREAK) return out;
            out.push(v);
          }
        }
        const n = this.length(info);
        for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5: {
        const out = new Map<CborValue, CborValue>();
        const n = info === 31 ? Infinity : this.length(info);
        for (let i = 0; i < n; i++) {
          const key = this.itemOrBreak(depth + 1);
          if (key === BREAK) {
            if (info === 31) return out;
            throw new CborError('unexpected break');
          }
          if (out.has(key)) throw new CborError('duplicate map key');
          out.set(key, this.item(depth + 1));
        }
        return out;
      }
      case 6: {
        const tag = this.argument(info);
        if (typeof tag === 'bigint') throw new CborError('tag number too large');
        return new CborTag(tag, this.item(depth + 1));
      }
      default:
        return this.simple(info);
    }
  }

  private definiteBytes(info: number): Uint8Array {
    const n = this.length(info);
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  private indefiniteString(major: number, depth: number): Uint8Array {
    const chunks: Uint8Array[] = [];
    for (;;) {
      this.need(1);
      const initial = this.bytes[this.offset++]!;
      if (initial === 0xff) break;
      if (initial >> 5 !== major || (initial & 31) === 31) throw new CborError('bad string chunk');
      chunks.push(this.definiteBytes(initial & 31));
      if (depth > MAX_DEPTH) throw new CborError('CBOR nested too deeply');
    }
    let length = 0;
    for (const c of chunks) length += c.length;
    const out = new Uint8Array(length);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  private simple(info: number): CborValue | typeof BREAK {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 25: {
        this.need(2);
        const v = halfToNumber(this.view.getUint16(this.offset));
        this.offset += 2;
        return v;
      }
      case 26: {
        this.need(4);
        const v = this.view.getFloat32(this.offset);
        this.offset += 4;
        return v;
      }
      case 27: {
        this.need(8);
        const v = this.view.getFloat64(this.offset);
        this.offset += 8;
        return v;
      }
      case 31:
        return BREAK;
      default:
        throw new CborError('unsupported simple value');
    }
  }
}

function halfToNumber(h: number): number {
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/**
 * Encodes a value as CBOR with definite lengths and the shortest heads; maps and objects keep
 * their insertion order. Whole numbers are integers, other numbers float64.
 */
export function encodeCbor(value: CborValue): Uint8Array<ArrayBuffer> {
  const writer = new Writer();
  writer.value(value);
  return writer.finish();
}

class Writer {
  private buffer = new Uint8Array(512);
  private view = new DataView(this.buffer.buffer);
  private offset = 0;

  finish(): Uint8Array<ArrayBuffer> {
    return this.buffer.slice(0, this.offset);
  }

  private ensure(n: number) {
    if (this.offset + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.offset + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.offset));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  private head(major: number, n: number | bigint) {
    this.ensure(9);
    const m = major << 5;
    if (typeof n === 'bigint') {
      this.buffer[this.offset++] = m | 27;
      this.view.setBigUint64(this.offset, n);
      this.offset += 8;
    } else if (n < 24) {
      this.buffer[this.offset++] = m | n;
    } else if (n < 0x100) {
      this.buffer[this.offset++] = m | 24;
      this.buffer[this.offset++] = n;
    } else if (n < 0x10000) {
      this.buffer[this.offset++] = m | 25;
      this.view.setUint16(this.offset, n);
      this.offset += 2;
    } else if (n < 0x100000000) {
      this.buffer[this.offset++] = m | 26;
      this.view.setUint32(this.offset, n);
      this.offset += 4;
    } else {
      this.buffer[this.offset++] = m | 27;
      this.view.setBigUint64(this.offset, BigInt(n));
      this.offset += 8;
    }
  }

  private raw(bytes: Uint8Array) {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  value(v: CborValue): void {
    switch (typeof v) {
      case 'number':
        if (Number.isSafeInteger(v)) {
          if (v >= 0) this.head(0, v);
          else this.head(1, -1 - v);
        } else {
          this.ensure(9);
          this.buffer[this.offset++] = 0xfb;
          this.view.setFloat64(this.offset, v);
          this.offset += 8;
        }
        return;
      case 'bigint':
        if (v >= 0n) this.head(0, v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        else this.head(1, -1n - v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(-1n - v) : -1n - v);
        return;
      case 'string': {
        // Worst case 3 bytes per UTF-16 unit; encodeInto writes straight into the buffer.
        this.ensure(9 + v.length * 3);
        const start = this.offset;
        const ascii = isShortAscii(v);
        if (ascii) {
          this.head(3, v.length);
          for (let i = 0; i < v.length; i++) this.buffer[this.offset++] = v.charCodeAt(i);
          return;
        }
        const bytes = textEncoder.encode(v);
        this.offset = start;
        this.head(3, bytes.length);
        this.raw(bytes);
        return;
      }
      case 'boolean':
        this.ensure(1);
        this.buffer[this.offset++] = v ? 0xf5 : 0xf4;
        return;
      case 'undefined':
        this.ensure(1);
        this.buffer[this.offset++] = 0xf7;
        return;
      case 'object':
        break;
      case 'function':
      case 'symbol':
        throw new TypeError(`cannot encode a ${typeof v} as CBOR`);
    }
    if (v === null) {
      this.ensure(1);
      this.buffer[this.offset++] = 0xf6;
    } else if (v instanceof Uint8Array) {
      this.head(2, v.length);
      this.raw(v);
    } else if (Array.isArray(v)) {
      this.head(4, v.length);
      for (const item of v) this.value(item);
    } else if (v instanceof Map) {
      this.head(5, v.size);
      for (const [key, item] of v) {
        this.value(key);
        this.value(item);
      }
    } else if (v instanceof CborTag) {
      this.head(6, v.tag);
      this.value(v.value);
    } else {
      const entries = Object.entries(v).filter(([, item]) => item !== undefined);
      this.head(5, entries.length);
      for (const [key, item] of entries) {
        this.value(key);
        this.value(item);
      }
    }
  }
}

function isShortAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
