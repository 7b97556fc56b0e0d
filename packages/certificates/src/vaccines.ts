/**
 * Vaccine code maps between the systems the certificate formats use, taken from the WHO DDCC:VS
 * concept maps (ICD-11 <-> EU union register, CVX, SNOMED CT) and the EU DCC value sets
 * (medicinal product, marketing authorisation holder, prophylaxis).
 *
 * The record names a product by its ICD-11 brand code (the DDCC "vaccine brand"); everything a
 * format needs is derived from it here, so a new product is one line in `PRODUCTS`.
 */

export const SYSTEM_ICD11 = 'http://id.who.int/icd11/mms';
export const SYSTEM_EU_PRODUCT = 'https://ec.europa.eu/health/documents/community-register/html/';
export const SYSTEM_EU_ORGANISATION = 'https://spor.ema.europa.eu/v1/organisations';
export const SYSTEM_SNOMED = 'http://snomed.info/sct';
export const SYSTEM_CVX = 'http://hl7.org/fhir/sid/cvx';
export const SYSTEM_ATC = 'http://www.whocc.no/atc';
export const SYSTEM_COUNTRY = 'urn:iso:std:iso:3166';

/** COVID-19: ICD-11 RA01, SNOMED CT 840539006 (the EU DCC `tg`). */
export const COVID19 = { icd11: 'RA01', snomed: '840539006' } as const;

export interface VaccineProduct {
  /** ICD-11 brand code (DDCC vaccine brand). */
  brand: string;
  display: string;
  /** ICD-11 vaccine type (DDCC vaccine or prophylaxis). */
  vaccine: string;
  /** EU DCC medicinal product (`mp`): union register number or the value set's name. */
  euProduct?: string;
  /** EU DCC marketing authorisation holder or manufacturer (`ma`). */
  euHolder?: string;
  /** CVX code (SMART Health Card vaccine coding in the United States). */
  cvx?: string;
}

export const PRODUCTS: readonly VaccineProduct[] = [
  {
    brand: 'XM8NQ0',
    display: 'Comirnaty',
    vaccine: 'XM0GQ8',
    euProduct: 'EU/1/20/1528',
    euHolder: 'ORG-100030215',
    cvx: '208',
  },
  {
    brand: 'XM3DT5',
    display: 'COVID-19 Vaccine Moderna',
    vaccine: 'XM0GQ8',
    euProduct: 'EU/1/20/1507',
    euHolder: 'ORG-100031184',
    cvx: '207',
  },
  {
    brand: 'XM4YL8',
    display: 'COVID-19 Vaccine AstraZeneca',
    vaccine: 'XM9QW8',
    euProduct: 'EU/1/21/1529',
    euHolder: 'ORG-100001699',
    cvx: '210',
  },
  {
    brand: 'XM6QV1',
    display: 'COVID-19 Vaccine Janssen',
    vaccine: 'XM9QW8',
    euProduct: 'EU/1/20/1525',
    euHolder: 'ORG-100001417',
    cvx: '212',
  },
  { brand: 'XM97T2', display: 'Covishield', vaccine: 'XM9QW8', euProduct: 'Covishield' },
  {
    brand: 'XM5ZJ4',
    display: 'Gam-Covid-Vac',
    vaccine: 'XM9QW8',
    euProduct: 'Sputnik-V',
    euHolder: 'Gamaleya-Research-Institute',
    cvx: '505',
  },
  { brand: 'XM5QM6', display: 'Sputnik-Light', vaccine: 'XM9QW8', euProduct: 'Sputnik-Light', cvx: '504' },
  {
    brand: 'XM1AG7',
    display: 'Convidecia',
    vaccine: 'XM9QW8',
    euProduct: 'Convidecia',
    euHolder: 'ORG-100013793',
    cvx: '506',
  },
  {
    brand: 'XM8866',
    display: 'BBIBP-CorV',
    vaccine: 'XM1NL1',
    euProduct: 'BBIBP-CorV',
    euHolder: 'ORG-100020693',
    cvx: '510',
  },
  {
    brand: 'XM7HT3',
    display: 'CoronaVac',
    vaccine: 'XM1NL1',
    euProduct: 'CoronaVac',
    euHolder: 'Sinovac-Biotech',
    cvx: '511',
  },
  {
    brand: 'XM1G90',
    display: 'Covaxin',
    vaccine: 'XM1NL1',
    euProduct: 'Covaxin',
    euHolder: 'Bharat-Biotech',
    cvx: '502',
  },
  {
    brand: 'XM6SZ8',
    display: 'EpiVacCorona',
    vaccine: 'XM5JC5',
    euProduct: 'EpiVacCorona',
    euHolder: 'Vector-Institute',
    cvx: '509',
  },
  {
    brand: 'XM9T65',
    display: 'Novavax COVID-19 vaccine',
    vaccine: 'XM5JC5',
    euProduct: 'NVX-CoV2373',
    euHolder: 'ORG-100032020',
    cvx: '211',
  },
  { brand: 'XM85P5', display: 'Covi-Vac', vaccine: 'XM5DF6', euProduct: 'CoviVac', cvx: '503' },
  { brand: 'XM9FQ7', display: 'Hayat-Vax', vaccine: 'XM1NL1', euProduct: 'Hayat-Vax' },
  { brand: 'XM1AU2', display: 'Sinopharm WIBP-CorV', vaccine: 'XM1NL1', euProduct: 'WIBP-CorV' },
  { brand: 'XM4EC8', display: 'MVC-COV1901', vaccine: 'XM5JC5', euProduct: 'MVC-COV1901', cvx: '515' },
  { brand: 'XM3PG0', display: 'Soberana-02', vaccine: 'XM5JC5', euProduct: 'Soberana-02' },
  { brand: 'XM0RV9', display: 'Soberana Plus', vaccine: 'XM5JC5', euProduct: 'Soberana-Plus' },
  { brand: 'XM9TQ1', display: 'KCONVAC', vaccine: 'XM1NL1', cvx: '516' },
  { brand: 'XM52P3', display: 'ZyCov-D', vaccine: 'XM6AT1', cvx: '514' },
];

const BY_BRAND = new Map(PRODUCTS.map((p) => [p.brand, p]));

export function productByBrand(brand: string): VaccineProduct | undefined {
  return BY_BRAND.get(brand);
}

/**
 * The EU DCC vaccine or prophylaxis (`vp`) for an ICD-11 vaccine type: the EU value set knows
 * mRNA (SNOMED CT 1119349007) and antigen (1119305005) vaccines; every other type is the ATC
 * group J07BX03, as the value set prescribes.
 */
export function euProphylaxis(icd11Vaccine: string): string {
  if (icd11Vaccine === 'XM0GQ8') return '1119349007';
  if (icd11Vaccine === 'XM5JC5') return '1119305005';
  return 'J07BX03';
}

/** ICD-11 vaccine type names (DDCC value set WHODDCCVaccinesCOVID19). */
export const VACCINE_TYPES: Readonly<Record<string, string>> = {
  XM68M6: 'COVID-19 vaccines',
  XM1NL1: 'COVID-19 vaccine, inactivated virus',
  XM5DF6: 'COVID-19 vaccine, live attenuated virus',
  XM9QW8: 'COVID-19 vaccine, non-replicating viral vector',
  XM0CX4: 'COVID-19 vaccine, replicating viral vector',
  XM5JC5: 'COVID-19 vaccine, virus protein subunit',
  XM1J92: 'COVID-19 vaccine, virus like particle',
  XM6AT1: 'COVID-19 vaccine, DNA based',
  XM0GQ8: 'COVID-19 vaccine, RNA based',
};
