import { toDccPayload } from '@dosewise/certificates';
import { describe, expect, it } from 'vitest';
import {
  certificateStatus,
  contentHash,
  hcidChecks,
  luhnMod36,
  newHcid,
  printedDetails,
  recordFor,
  splitName,
  UnissuableError,
  type DoseFacts,
  type PersonFacts,
} from '../../src/certificates/content.ts';

const person: PersonFacts = {
  id: 7,
  registrationNumber: 'BD-2026-0000-0007',
  nameEn: 'Md. Rafiqul Islam',
  nameBn: 'মো. রফিকুল ইসলাম',
  dateOfBirth: '1971-03-26',
  gender: 'male',
  idType: 'nid',
  idLast4: '4821',
};

const dose = (n: number, over: Partial<DoseFacts> = {}): DoseFacts => ({
  id: 100 + n,
  doseNumber: n,
  administeredOn: `2026-0${n}-15`,
  productName: 'Comirnaty (Pfizer-BioNTech)',
  manufacturer: 'BioNTech Manufacturing GmbH',
  icd11Code: 'XM8NQ0',
  euManufacturerCode: 'ORG-100030215',
  primaryDoses: 2,
  lotNumber: 'FK8891',
  facilityEn: 'Kishoreganj District Hospital',
  facilityBn: 'কিশোরগঞ্জ জেলা হাসপাতাল',
  ...over,
});

const settings = { country: 'BD', countryAlpha3: 'BGD', issuer: 'DGHS Bangladesh' };

describe('certificate content', () => {
  it('is provisional, complete and booster along the series', () => {
    expect([1, 2, 3].map((n) => certificateStatus(n, 2))).toEqual(['provisional', 'complete', 'booster']);
    expect(certificateStatus(1, 1)).toBe('complete');
  });

  it('counts doses as the EU DCC guidance does: n of the primary series, a booster n/n', () => {
    const counts = [1, 2, 3].map((n) => {
      const r = recordFor(person, dose(n), settings);
      return [r.vaccination.doseNumber, r.vaccination.totalDoses];
    });
    expect(counts).toEqual([
      [1, 2],
      [2, 2],
      [3, 3],
    ]);
  });

  it('makes an EU DCC payload with machine-readable names from the English name', () => {
    const base = recordFor(person, dose(1), settings);
    const payload = toDccPayload({ ...base, certificate: { id: newHcid('BD'), issuer: 'DGHS', version: 1 } });
    expect(payload.nam).toEqual({ fn: 'Islam', fnt: 'ISLAM', gn: 'Md. Rafiqul', gnt: 'MD<RAFIQUL' });
    expect(payload.v?.[0]).toMatchObject({ mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 1, sd: 2, co: 'BD' });
  });

  it('keeps a one-word name as the family name', () => {
    expect(splitName('  Shirin ')).toEqual({ familyName: 'Shirin' });
  });

  it('refuses a product without an ICD-11 brand code', () => {
    expect(() => recordFor(person, dose(1, { icd11Code: null }), settings)).toThrow(UnissuableError);
  });

  it('prints the doses up to the certified one', () => {
    const doses = [dose(1), dose(2), dose(3)];
    expect(printedDetails(person, doses[1]!, doses).doses.map((d) => d.doseNumber)).toEqual([1, 2]);
  });

  it('hashes equal facts equally, whatever the key order', () => {
    expect(contentHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(contentHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });

  it('makes certificate ids with a check character that catches a typo', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newHcid('BD')));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id).toMatch(/^URN:UVCI:01:BD:[0-9A-Z]{20}#[0-9A-Z]$/);
      expect(hcidChecks(id)).toBe(true);
      // Any one character changed is caught by Luhn mod N.
      const at = 15 + (id.length % 20);
      const changed = id.slice(0, at) + (id[at] === '7' ? '8' : '7') + id.slice(at + 1);
      expect(hcidChecks(changed)).toBe(false);
    }
    expect(luhnMod36('0')).toBe('0');
    expect(hcidChecks('URN:UVCI:01:BD:ABC')).toBe(false);
  });
});
