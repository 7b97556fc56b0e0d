/**
 * What a certificate says, made from the person and their doses as the database holds them: the
 * WHO DDCC:VS record every format is encoded from, and the details the printed certificate shows.
 *
 * Policy:
 * - One certificate per dose that stands (a vaccination event, as the EU DCC and DDCC:VS count
 *   them): provisional while the primary series is incomplete, complete with its last dose,
 *   booster after it.
 * - Dose counts follow the EU DCC guidance: `dn/sd` is the dose number over the doses of the
 *   primary series, and a booster is `n/n`.
 * - The English name is the name on the certificate (an ID card's Latin form): its last word is
 *   the family name, the words before it the given names. The Bengali name is printed beside it.
 * - The identity document number goes only into the FHIR document (never into a QR code) and is
 *   stored encrypted; the QR codes carry name, date of birth and the dose.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { VaccinationRecord } from '@dosewise/certificates';
import type { CertificateStatus, Gender, IdType } from '../db/schema.ts';

export interface PersonFacts {
  id: number;
  registrationNumber: string;
  nameEn: string;
  nameBn: string | null;
  dateOfBirth: string;
  gender: Gender;
  idType: IdType;
  idLast4: string;
}

export interface DoseFacts {
  id: number;
  doseNumber: number;
  administeredOn: string;
  productName: string;
  manufacturer: string;
  /** ICD-11 brand code (DDCC vaccine brand). */
  icd11Code: string | null;
  euManufacturerCode: string | null;
  primaryDoses: number;
  lotNumber: string | null;
  facilityEn: string | null;
  facilityBn: string | null;
}

/** What the printed certificate shows besides the record: names in both scripts, every dose. */
export interface PrintedDetails {
  registrationNumber: string;
  nameEn: string;
  nameBn: string | null;
  gender: Gender;
  idType: IdType;
  idLast4: string;
  status: CertificateStatus;
  doses: {
    doseNumber: number;
    date: string;
    product: string;
    lot: string | null;
    centreEn: string | null;
    centreBn: string | null;
  }[];
}

export interface CertificateSettings {
  /** ISO 3166-1 alpha-2 and alpha-3 of the issuing country. */
  country: string;
  countryAlpha3: string;
  /** Issuing authority as printed (EU DCC `is`, at most 80 characters). */
  issuer: string;
}

export function certificateStatus(doseNumber: number, primaryDoses: number): CertificateStatus {
  if (doseNumber < primaryDoses) return 'provisional';
  return doseNumber === primaryDoses ? 'complete' : 'booster';
}

/**
 * "Mohammad Rahim Uddin" -> family "Uddin", given "Mohammad Rahim". The Latin forms (from which the
 * EU DCC's machine-readable names are made) keep letters, spaces, hyphens and apostrophes only:
 * "Md. Rahim" is read "Md Rahim", as ICAO 9303 prints it.
 */
export function splitName(
  nameEn: string,
): Pick<VaccinationRecord['person'], 'familyName' | 'givenName' | 'familyNameLatin' | 'givenNameLatin'> {
  const words = nameEn.trim().split(/\s+/).filter(Boolean);
  const latin = (s: string) =>
    s
      .replace(/[^\p{L}\p{M}\s'’-]/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const familyName = words.length <= 1 ? (words[0] ?? '') : words[words.length - 1]!;
  const givenName = words.length <= 1 ? undefined : words.slice(0, -1).join(' ');
  const out: { familyName: string; givenName?: string; familyNameLatin?: string; givenNameLatin?: string } = {
    familyName,
  };
  if (givenName) out.givenName = givenName;
  if (latin(familyName) !== familyName) out.familyNameLatin = latin(familyName);
  if (givenName && latin(givenName) !== givenName) out.givenNameLatin = latin(givenName);
  return out;
}

const SEX: Record<Gender, 'female' | 'male' | 'other'> = {
  female: 'female',
  male: 'male',
  third_gender: 'other',
};

export class UnissuableError extends Error {
  override name = 'UnissuableError';
}

/**
 * The record for one dose, without the certificate's own identity (filled in at issue time).
 * Throws `UnissuableError` when the product has no ICD-11 brand code to certify it with.
 */
export function recordFor(
  person: PersonFacts,
  dose: DoseFacts,
  settings: CertificateSettings,
): Omit<VaccinationRecord, 'certificate'> {
  if (!dose.icd11Code)
    throw new UnissuableError(
      `product "${dose.productName}" has no ICD-11 brand code to certify a dose with`,
    );
  const status = certificateStatus(dose.doseNumber, dose.primaryDoses);
  return {
    person: { ...splitName(person.nameEn), birthDate: person.dateOfBirth, sex: SEX[person.gender] },
    vaccination: {
      brand: dose.icd11Code,
      manufacturer: {
        code: dose.euManufacturerCode ?? dose.manufacturer,
        name: dose.manufacturer,
      },
      ...(dose.euManufacturerCode ? { marketingAuthorizationHolder: { code: dose.euManufacturerCode } } : {}),
      lot: dose.lotNumber ?? 'UNKNOWN',
      date: dose.administeredOn,
      doseNumber: dose.doseNumber,
      totalDoses: status === 'booster' ? dose.doseNumber : dose.primaryDoses,
      country: settings.country,
      countryAlpha3: settings.countryAlpha3,
      centre: dose.facilityEn ?? settings.issuer,
      validFrom: dose.administeredOn,
    },
  };
}

export function printedDetails(person: PersonFacts, dose: DoseFacts, standing: DoseFacts[]): PrintedDetails {
  return {
    registrationNumber: person.registrationNumber,
    nameEn: person.nameEn,
    nameBn: person.nameBn,
    gender: person.gender,
    idType: person.idType,
    idLast4: person.idLast4,
    status: certificateStatus(dose.doseNumber, dose.primaryDoses),
    // The doses up to and including this one: what the person had when it was given.
    doses: standing
      .filter((d) => d.doseNumber <= dose.doseNumber)
      .sort((a, b) => a.doseNumber - b.doseNumber)
      .map((d) => ({
        doseNumber: d.doseNumber,
        date: d.administeredOn,
        product: d.productName,
        lot: d.lotNumber,
        centreEn: d.facilityEn,
        centreBn: d.facilityBn,
      })),
  };
}

/** A hash of what a certificate says: equal facts, equal hash (keys sorted, so order does not matter). */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('base64url');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

const UVCI_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A new health certificate identifier in the UVCI form of the EU DCC: `URN:UVCI:01:<country>:`,
 * 20 random characters (103 bits) and a Luhn mod 36 check character, e.g.
 * `URN:UVCI:01:BD:7K3M9Q2X4T8W1R6Y5P0N#C`. Random, so it says nothing about the person.
 */
export function newHcid(country: string): string {
  const bytes = randomBytes(20);
  let opaque = '';
  for (const b of bytes) opaque += UVCI_ALPHABET[b % 36];
  return `URN:UVCI:01:${country}:${opaque}#${luhnMod36(opaque)}`;
}

export function luhnMod36(text: string): string {
  const n = UVCI_ALPHABET.length;
  let factor = 2;
  let sum = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    let addend = factor * UVCI_ALPHABET.indexOf(text[i]!);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / n) + (addend % n);
    sum += addend;
  }
  return UVCI_ALPHABET[(n - (sum % n)) % n]!;
}

/** Whether an HCID's check character is right (a mistyped one is refused before a look-up). */
export function hcidChecks(hcid: string): boolean {
  const m = /^URN:UVCI:01:[A-Z]{2}:([0-9A-Z]{1,60})#([0-9A-Z])$/.exec(hcid);
  return !!m && luhnMod36(m[1]!) === m[2];
}
