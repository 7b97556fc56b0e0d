import * as cborg from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBase45,
  encodeBase45,
  icaoName,
  parseInstant,
  recordProblems,
  toDccPayload,
} from '../src/index.ts';
import { CborError, decodeCbor, encodeCbor, type CborTag } from '../src/cbor.ts';
import { record } from './fixtures.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('base45 (RFC 9285)', () => {
  it('encodes and decodes the RFC examples', () => {
    for (const [plain, encoded] of [
      ['AB', 'BB8'],
      ['Hello!!', '%69 VD92EX0'],
      ['base-45', 'UJCLQE7W581'],
      ['ietf!', 'QED8WEX0'],
    ] as const) {
      expect(encodeBase45(text(plain))).toBe(encoded);
      expect(decodeBase45(encoded)).toEqual(text(plain));
    }
  });

  it('rejects characters outside the alphabet, a dangling character and groups that overflow', () => {
    for (const bad of ['GGW', 'ZZZ', 'A', 'abc', 'BB8=', ':::'])
      expect(decodeBase45(bad), bad).toBeUndefined();
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(decodeBase45(encodeBase45(b))).toEqual(b);
      }),
    );
  });
});

describe('CBOR', () => {
  it('agrees with an independent codec (cborg) both ways', () => {
    const value = {
      a: 1,
      b: [-1, -500, 70000, 2 ** 40],
      c: 'Gößinger',
      d: new Uint8Array([1, 2, 3]),
      e: true,
      f: null,
    };
    expect(cborg.decode(encodeCbor(value), { useMaps: true })).toEqual(
      new Map<unknown, unknown>(Object.entries(value)),
    );
    const decoded = decodeCbor(cborg.encode(value)) as Map<unknown, unknown>;
    expect(Object.fromEntries(decoded)).toEqual(value);
  });

  it('reads indefinite lengths, tags and half floats; keeps integer keys', () => {
    const value = decodeCbor(
      new Uint8Array([0xd2, 0xbf, 0x01, 0x9f, 0xf9, 0x3c, 0x00, 0xff, 0xff]),
    ) as CborTag;
    expect(value.tag).toBe(18);
    expect(value.value).toEqual(new Map([[1, [1]]]));
  });

  it('throws CborError, and only CborError, on malformed input', () => {
    for (const bad of [
      [],
      [0x18],
      [0x5a, 0xff, 0xff, 0xff, 0xff],
      [0x01, 0x02],
      [0xa1, 0x01],
      [0xff],
      [0x7f, 0x01],
    ]) {
      expect(() => decodeCbor(new Uint8Array(bad)), JSON.stringify(bad)).toThrow(CborError);
    }
    let deep = new Uint8Array(200).fill(0x81);
    deep = new Uint8Array([...deep, 0x00]);
    expect(() => decodeCbor(deep)).toThrow(CborError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeCbor(b);
        } catch (e) {
          expect(e).toBeInstanceOf(CborError);
        }
      }),
    );
  });
});

describe('names and records', () => {
  it('makes ICAO 9303 names, and refuses scripts it cannot transliterate', () => {
    expect(icaoName("d'Červenková Panklová")).toBe('DCERVENKOVA<PANKLOVA');
    expect(icaoName('Jiřina-Maria Alena')).toBe('JIRINA<MARIA<ALENA');
    expect(icaoName('Müller-Lüdenscheidt')).toBe('MUELLER<LUEDENSCHEIDT');
    expect(icaoName('Gößinger')).toBe('GOESSINGER');
    expect(icaoName('মোহাম্মদ')).toBeUndefined();
  });

  it('takes the Latin form of a name in another script for the EU DCC', () => {
    const r = record();
    r.person.familyName = 'চৌধুরী';
    expect(() => toDccPayload(r)).toThrow(/Latin form/);
    r.person.familyNameLatin = 'Chowdhury';
    expect(toDccPayload(r).nam).toMatchObject({ fn: 'চৌধুরী', fnt: 'CHOWDHURY' });
  });

  it('names every problem of a record that cannot be issued', () => {
    const r = record({ doseNumber: 0, date: '27/02/2026', country: 'BGD' });
    r.certificate.id = '';
    expect(recordProblems(r)).toEqual([
      'vaccination.date: YYYY-MM-DD',
      'vaccination.doseNumber: 1 or more',
      'vaccination.country: ISO 3166-1 alpha-2',
      'certificate.id: 1 to 80 characters',
    ]);
    expect(() => toDccPayload(r)).toThrow(TypeError);
  });

  it('refuses a brand the EU value sets do not know', () => {
    expect(() => toDccPayload(record({ brand: 'XM0000' }))).toThrow(/no EU DCC product/);
  });
});

describe('instants', () => {
  it('reads the date-times verifiers meet', () => {
    expect(parseInstant('2021-06-09T15:15:34+0200')?.toISOString()).toBe('2021-06-09T13:15:34.000Z');
    expect(parseInstant('2021-05-18T16:46:12.971336500Z')?.toISOString()).toBe('2021-05-18T16:46:12.971Z');
    expect(parseInstant('2021-06-08T15:56:26.670297')?.toISOString()).toBe('2021-06-08T15:56:26.670Z');
    expect(parseInstant('2021-08-18T16:36:53+02:00')?.toISOString()).toBe('2021-08-18T14:36:53.000Z');
    expect(parseInstant('2026-11-21')?.toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(parseInstant('yesterday')).toBeUndefined();
    expect(parseInstant('2021-13-45T00:00:00Z')).toBeUndefined();
  });
});
