import type { ProductInput } from '../reference/schemas.ts';

/**
 * The COVID-19 vaccines used in Bangladesh's campaign, with codes from the WHO DDCC code systems
 * (ICD-11, CVX, SNOMED CT) and the EU DCC value sets (union register product, prophylaxis, holder).
 */
export const DEMO_PRODUCTS: ProductInput[] = [
  {
    code: 'COMIRNATY', name: 'Comirnaty (Pfizer-BioNTech)', manufacturer: 'BioNTech Manufacturing GmbH',
    euProductCode: 'EU/1/20/1528', euProphylaxisCode: '1119349007', euManufacturerCode: 'ORG-100030215',
    icd11Code: 'XM8NQ0', cvxCode: '208', snomedCode: '1031000172108', atcCode: 'J07BN01',
    primaryDoses: 2, minIntervalDays: 19, recommendedIntervalDays: 21, boosterAllowed: true, boosterMinIntervalDays: 120,
    minAgeYears: 12, dosesPerVial: 6, openVialHours: 6, storageMinC: -90, storageMaxC: -60,
  },
  {
    code: 'SPIKEVAX', name: 'Spikevax (Moderna)', manufacturer: 'Moderna Biotech Spain S.L.',
    euProductCode: 'EU/1/20/1507', euProphylaxisCode: '1119349007', euManufacturerCode: 'ORG-100031184',
    icd11Code: 'XM3DT5', cvxCode: '207', snomedCode: '10871000172106', atcCode: 'J07BN01',
    primaryDoses: 2, minIntervalDays: 24, recommendedIntervalDays: 28, boosterAllowed: true, boosterMinIntervalDays: 120,
    minAgeYears: 12, dosesPerVial: 10, openVialHours: 12, storageMinC: -50, storageMaxC: -15,
  },
  {
    code: 'COVISHIELD', name: 'Covishield (ChAdOx1 nCoV-19)', manufacturer: 'Serum Institute of India',
    euProductCode: 'Covishield', euProphylaxisCode: 'J07BX03', euManufacturerCode: null,
    icd11Code: 'XM97T2', cvxCode: '210', snomedCode: '399771000221108', atcCode: 'J07BN02',
    primaryDoses: 2, minIntervalDays: 28, recommendedIntervalDays: 56, boosterAllowed: true, boosterMinIntervalDays: 120,
    minAgeYears: 18, dosesPerVial: 10, openVialHours: 6, storageMinC: 2, storageMaxC: 8,
  },
  {
    code: 'BBIBP-CORV', name: 'BBIBP-CorV (Sinopharm)', manufacturer: 'China Sinopharm International Corp.',
    euProductCode: 'BBIBP-CorV', euProphylaxisCode: 'J07BX03', euManufacturerCode: 'ORG-100020693',
    icd11Code: 'XM8866', cvxCode: '510', snomedCode: '424551000221105', atcCode: 'J07BN03',
    primaryDoses: 2, minIntervalDays: 21, recommendedIntervalDays: 28, boosterAllowed: true, boosterMinIntervalDays: 120,
    minAgeYears: 12, dosesPerVial: 2, openVialHours: 6, storageMinC: 2, storageMaxC: 8,
  },
  {
    code: 'CORONAVAC', name: 'CoronaVac (Sinovac)', manufacturer: 'Sinovac Biotech',
    euProductCode: 'CoronaVac', euProphylaxisCode: 'J07BX03', euManufacturerCode: 'Sinovac-Biotech',
    icd11Code: 'XM7HT3', cvxCode: '511', snomedCode: '31311000087104', atcCode: 'J07BN03',
    primaryDoses: 2, minIntervalDays: 14, recommendedIntervalDays: 28, boosterAllowed: true, boosterMinIntervalDays: 120,
    minAgeYears: 18, dosesPerVial: 1, openVialHours: 0, storageMinC: 2, storageMaxC: 8,
  },
  {
    code: 'JCOVDEN', name: 'Jcovden (Janssen)', manufacturer: 'Janssen-Cilag International',
    euProductCode: 'EU/1/20/1525', euProphylaxisCode: 'J07BX03', euManufacturerCode: 'ORG-100001417',
    icd11Code: 'XM6QV1', cvxCode: '212', snomedCode: '10901000172106', atcCode: 'J07BN02',
    primaryDoses: 1, minIntervalDays: 0, recommendedIntervalDays: 0, boosterAllowed: true, boosterMinIntervalDays: 60,
    minAgeYears: 18, dosesPerVial: 5, openVialHours: 6, storageMinC: 2, storageMaxC: 8,
  },
];
