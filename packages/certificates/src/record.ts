/**
 * The vaccination record every certificate format is made from: the WHO DDCC:VS core data set
 * (person, vaccination event, certificate metadata). One record, many encodings: the EU DCC
 * payload, the SMART Health Card bundle, the DDCC:VS FHIR document and the native certificate
 * all come from the same fields, so they cannot disagree.
 */
import type { DccPayload } from './eu-dcc.ts';
import { COVID19, euProphylaxis, productByBrand } from './vaccines.ts';

export interface VaccinationRecord {
  person: {
    /** Family name as on the identity document (any script). */
    familyName: string;
    givenName?: string;
    /**
     * Latin-script forms of the names, when the document's names are in another script: the
     * EU DCC's standardised names (ICAO 9303) are made from these.
     */
    familyNameLatin?: string;
    givenNameLatin?: string;
    /** YYYY, YYYY-MM or YYYY-MM-DD. */
    birthDate: string;
    sex?: 'male' | 'female' | 'other' | 'unknown';
    identifier?: { system?: string; value: string };
  };
  vaccination: {
    /** ICD-11 code of the disease targeted; default COVID-19 (RA01). */
    disease?: string;
    /** ICD-11 vaccine type (DDCC "vaccine or prophylaxis"); default: the brand's type. */
    vaccine?: string;
    /** ICD-11 brand code (DDCC "vaccine brand"), e.g. XM8NQ0 for Comirnaty. */
    brand: string;
    /** Manufacturer (code in the EU value set when it has one, and a name). */
    manufacturer?: { code?: string; name?: string };
    /** Marketing authorisation holder (EMA organisation id when it has one, and a name). */
    marketingAuthorizationHolder?: { code?: string; name?: string };
    lot: string;
    /** YYYY-MM-DD. */
    date: string;
    doseNumber: number;
    totalDoses?: number;
    /** Country of vaccination, ISO 3166-1 alpha-2 (EU DCC `co`). */
    country: string;
    /** ISO 3166-1 alpha-3 of the same country (DDCC:VS country of event). */
    countryAlpha3?: string;
    /** Administering centre: name or identifier. */
    centre: string;
    healthWorker?: string;
    /** YYYY-MM-DD. */
    nextDoseDue?: string;
    /** YYYY-MM-DD: from when the vaccination counts (DDCC "vaccination valid from"). */
    validFrom?: string;
  };
  certificate: {
    /**
     * Health certificate identifier (HCID), also the EU DCC unique certificate identifier: use
     * the UVCI form, e.g. `URN:UVCI:01:BD:...`.
     */
    id: string;
    /** Issuing authority, as printed (EU DCC `is`, at most 80 characters). */
    issuer: string;
    /** ISO date-times: the certificate's own validity. */
    validFrom?: string;
    validUntil?: string;
    /** Version of the certificate: a corrected one has a higher version. */
    version: number;
  };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/** What is wrong with a record, as short texts; empty when it can be issued. */
export function recordProblems(record: VaccinationRecord): string[] {
  const problems: string[] = [];
  const { person: p, vaccination: v, certificate: c } = record;
  if (!p?.familyName && !p?.givenName) problems.push('person: a family or given name is required');
  if (!PARTIAL_DATE.test(p?.birthDate ?? '')) problems.push('person.birthDate: YYYY, YYYY-MM or YYYY-MM-DD');
  if (!v?.brand) problems.push('vaccination.brand: an ICD-11 brand code is required');
  if (!v?.lot) problems.push('vaccination.lot is required');
  if (!DATE.test(v?.date ?? '')) problems.push('vaccination.date: YYYY-MM-DD');
  if (!Number.isSafeInteger(v?.doseNumber) || v.doseNumber < 1)
    problems.push('vaccination.doseNumber: 1 or more');
  if (v?.totalDoses !== undefined && (!Number.isSafeInteger(v.totalDoses) || v.totalDoses < 1))
    problems.push('vaccination.totalDoses: 1 or more');
  if (!/^[A-Z]{2}$/.test(v?.country ?? '')) problems.push('vaccination.country: ISO 3166-1 alpha-2');
  if (v?.countryAlpha3 !== undefined && !/^[A-Z]{3}$/.test(v.countryAlpha3))
    problems.push('vaccination.countryAlpha3: ISO 3166-1 alpha-3');
  if (!v?.centre) problems.push('vaccination.centre is required');
  if (!c?.id || c.id.length > 80) problems.push('certificate.id: 1 to 80 characters');
  if (!c?.issuer || c.issuer.length > 80) problems.push('certificate.issuer: 1 to 80 characters');
  if (!Number.isSafeInteger(c?.version) || c.version < 1) problems.push('certificate.version: 1 or more');
  return problems;
}

/** Throws a `TypeError` naming every problem: issuing from a bad record is a bug upstream. */
export function assertRecord(record: VaccinationRecord): void {
  const problems = recordProblems(record);
  if (problems.length) throw new TypeError(`vaccination record: ${problems.join('; ')}`);
}

const ICAO_SPECIAL: Readonly<Record<string, string>> = {
  Ä: 'AE',
  Ö: 'OE',
  Ü: 'UE',
  ß: 'SS',
  ẞ: 'SS',
  Æ: 'AE',
  Ø: 'OE',
  Œ: 'OE',
  Å: 'AA',
  Þ: 'TH',
  Ð: 'D',
  Đ: 'D',
  Ł: 'L',
  Ŋ: 'N',
  Ħ: 'H',
  Ĳ: 'IJ',
  ı: 'I',
};

/**
 * A name in the machine-readable form of ICAO Doc 9303 part 3 (`^[A-Z<]*$`): upper case, the
 * recommended transliterations of Latin letters with diacritics, apostrophes dropped, and spaces
 * and hyphens as `<`. `undefined` when the name has letters outside the Latin script: such a
 * name needs its Latin form from the identity document, not a guess.
 */
export function icaoName(name: string): string | undefined {
  let out = '';
  for (const ch of name.toUpperCase()) {
    const special = ICAO_SPECIAL[ch];
    if (special) {
      out += special;
      continue;
    }
    const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    if (/^[A-Z]+$/.test(base)) out += base;
    else if (/^[\s\-,.<]$/.test(ch)) out += '<';
    else if (/^['’`´]$/.test(ch)) continue;
    else return undefined;
  }
  return out.replace(/<+/g, '<').replace(/^<|<$/g, '');
}

/** The EU DCC schema version this platform issues. */
export const DCC_SCHEMA_VERSION = '1.3.0';

/** The EU DCC `hcert` payload for a record. Throws a `TypeError` when the record cannot make one. */
export function toDccPayload(record: VaccinationRecord): DccPayload {
  assertRecord(record);
  const { person: p, vaccination: v, certificate: c } = record;
  const product = productByBrand(v.brand);
  const vaccine = v.vaccine ?? product?.vaccine;
  const mp = product?.euProduct;
  const ma = v.marketingAuthorizationHolder?.code ?? product?.euHolder ?? v.manufacturer?.code;
  if (!vaccine || !mp || !ma)
    throw new TypeError(`vaccination record: brand ${v.brand} has no EU DCC product or authorisation holder`);
  const nam: DccPayload['nam'] = {};
  if (p.familyName) {
    nam.fn = p.familyName.slice(0, 80);
    const fnt = icaoName(p.familyNameLatin ?? p.familyName);
    if (fnt === undefined) throw new TypeError('vaccination record: the family name needs its Latin form');
    nam.fnt = fnt.slice(0, 80);
  }
  if (p.givenName) {
    nam.gn = p.givenName.slice(0, 80);
    const gnt = icaoName(p.givenNameLatin ?? p.givenName);
    if (gnt === undefined) throw new TypeError('vaccination record: the given name needs its Latin form');
    nam.gnt = gnt.slice(0, 80);
  }
  return {
    ver: DCC_SCHEMA_VERSION,
    nam,
    dob: p.birthDate,
    v: [
      {
        tg: COVID19.snomed,
        vp: euProphylaxis(vaccine),
        mp,
        ma,
        dn: v.doseNumber,
        sd: v.totalDoses ?? v.doseNumber,
        dt: v.date,
        co: v.country,
        is: c.issuer,
        ci: c.id,
      },
    ],
  };
}
