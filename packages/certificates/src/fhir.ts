/**
 * FHIR R4 renderings of a vaccination record:
 * - the SMART Health Card bundle: a `collection` with only what a verifier needs (name, birth
 *   date, the dose), `resource:N` references, no ids, no narrative: data minimisation and a
 *   bundle small enough for one QR code;
 * - the WHO DDCC:VS document: a `document` bundle (Composition, Patient, Organization,
 *   Immunization and, when a next dose is due, ImmunizationRecommendation) with the DDCC
 *   extensions, for exchange with health information systems.
 */
import type { VaccinationRecord } from './record.ts';
import { COVID19, productByBrand, SYSTEM_CVX, SYSTEM_ICD11 } from './vaccines.ts';

export type FhirResource = { resourceType: string } & Record<string, unknown>;

export interface FhirBundle {
  resourceType: 'Bundle';
  type: string;
  entry: { fullUrl: string; resource: FhirResource }[];
  [key: string]: unknown;
}

/** The vaccine coding of a SMART Health Card: CVX when the product has one, else ICD-11. */
function shcVaccineCoding(brand: string): { system: string; code: string } {
  const cvx = productByBrand(brand)?.cvx;
  return cvx ? { system: SYSTEM_CVX, code: cvx } : { system: SYSTEM_ICD11, code: brand };
}

export function toShcBundle(record: VaccinationRecord): FhirBundle {
  const { person: p, vaccination: v } = record;
  const name: Record<string, unknown> = {};
  if (p.familyName) name.family = p.familyName;
  if (p.givenName) name.given = p.givenName.split(/\s+/).filter(Boolean);
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      {
        fullUrl: 'resource:0',
        resource: { resourceType: 'Patient', name: [name], birthDate: p.birthDate },
      },
      {
        fullUrl: 'resource:1',
        resource: {
          resourceType: 'Immunization',
          status: 'completed',
          vaccineCode: { coding: [shcVaccineCoding(v.brand)] },
          patient: { reference: 'resource:0' },
          occurrenceDateTime: v.date,
          performer: [{ actor: { display: v.centre } }],
          lotNumber: v.lot,
        },
      },
    ],
  };
}

const DDCC = 'http://smart.who.int/ddcc/StructureDefinition/';
const LOINC = 'http://loinc.org';

export interface DdccDocumentOptions {
  /** When the document is assembled; default now. */
  timestamp?: Date;
}

/** The WHO DDCC:VS document bundle for a record. */
export function toDdccDocument(record: VaccinationRecord, options: DdccDocumentOptions = {}): FhirBundle {
  const { person: p, vaccination: v, certificate: c } = record;
  const timestamp = (options.timestamp ?? new Date()).toISOString();
  const id = (suffix: string) => `urn:uuid:${pseudoUuid(`${c.id}|${c.version}|${suffix}`)}`;
  const patientUrl = id('patient');
  const organizationUrl = id('organization');
  const immunizationUrl = id('immunization');
  const recommendationUrl = id('recommendation');
  const compositionUrl = id('composition');
  const product = productByBrand(v.brand);
  const vaccine = v.vaccine ?? product?.vaccine;

  const patient: FhirResource = {
    resourceType: 'Patient',
    meta: { profile: [`${DDCC}DDCCPatient`] },
    name: [
      {
        use: 'official',
        text: [p.givenName, p.familyName].filter(Boolean).join(' '),
        ...(p.familyName ? { family: p.familyName } : {}),
        ...(p.givenName ? { given: [p.givenName] } : {}),
      },
    ],
    birthDate: p.birthDate,
    ...(p.sex ? { gender: p.sex } : {}),
    ...(p.identifier
      ? {
          identifier: [
            { ...(p.identifier.system ? { system: p.identifier.system } : {}), value: p.identifier.value },
          ],
        }
      : {}),
  };
  const organization: FhirResource = {
    resourceType: 'Organization',
    meta: { profile: [`${DDCC}DDCCOrganization`] },
    name: c.issuer,
  };
  const extension: Record<string, unknown>[] = [
    {
      url: `${DDCC}DDCCEventBrand`,
      valueCoding: { system: SYSTEM_ICD11, code: v.brand, ...display(product?.display) },
    },
    { url: `${DDCC}DDCCCountryOfEvent`, valueCode: v.countryAlpha3 ?? v.country },
  ];
  const holder =
    v.marketingAuthorizationHolder ?? (product?.euHolder ? { code: product.euHolder } : undefined);
  if (holder)
    extension.push({
      url: `${DDCC}DDCCVaccineMarketAuthorization`,
      valueCoding: { ...(holder.code ? { code: holder.code } : {}), ...display(holder.name) },
    });
  if (v.manufacturer)
    extension.push({
      url: `${DDCC}DDCCVaccineManufacturer`,
      valueCoding: {
        ...(v.manufacturer.code ? { code: v.manufacturer.code } : {}),
        ...display(v.manufacturer.name),
      },
    });
  if (v.validFrom) extension.push({ url: `${DDCC}DDCCVaccineValidFrom`, valueDate: v.validFrom });
  const immunization: FhirResource = {
    resourceType: 'Immunization',
    meta: { profile: [`${DDCC}DDCCImmunization`] },
    extension,
    status: 'completed',
    vaccineCode: { coding: [{ system: SYSTEM_ICD11, code: vaccine ?? v.brand }] },
    patient: { reference: patientUrl },
    occurrenceDateTime: v.date,
    location: { display: v.centre },
    lotNumber: v.lot,
    performer: [
      {
        actor: v.healthWorker ? { identifier: { value: v.healthWorker } } : { reference: organizationUrl },
      },
    ],
    protocolApplied: [
      {
        authority: { reference: organizationUrl },
        targetDisease: [{ coding: [{ system: SYSTEM_ICD11, code: v.disease ?? COVID19.icd11 }] }],
        doseNumberPositiveInt: v.doseNumber,
        ...(v.totalDoses ? { seriesDosesPositiveInt: v.totalDoses } : {}),
      },
    ],
  };
  const sectionEntries = [{ reference: immunizationUrl }];
  const entries: FhirBundle['entry'] = [];
  const recommendation: FhirResource | undefined = v.nextDoseDue
    ? {
        resourceType: 'ImmunizationRecommendation',
        meta: { profile: [`${DDCC}DDCCImmunizationRecommendation`] },
        patient: { reference: patientUrl },
        date: v.date,
        recommendation: [
          {
            vaccineCode: [{ coding: [{ system: SYSTEM_ICD11, code: vaccine ?? v.brand }] }],
            forecastStatus: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/immunization-recommendation-status',
                  code: 'due',
                },
              ],
            },
            dateCriterion: [{ code: { coding: [{ system: LOINC, code: '30980-7' }] }, value: v.nextDoseDue }],
            supportingImmunization: [{ reference: immunizationUrl }],
          },
        ],
      }
    : undefined;
  if (recommendation) sectionEntries.push({ reference: recommendationUrl });
  const composition: FhirResource = {
    resourceType: 'Composition',
    meta: { profile: [`${DDCC}DDCCVSComposition`] },
    identifier: { use: 'official', value: c.id },
    status: 'final',
    type: { coding: [{ system: LOINC, code: '82593-5' }] },
    subject: { reference: patientUrl },
    date: timestamp.slice(0, 10),
    author: [{ reference: organizationUrl }],
    title: 'International Certificate of Vaccination or Prophylaxis',
    attester: [{ mode: 'official', party: { reference: organizationUrl } }],
    ...(c.validFrom || c.validUntil
      ? {
          event: [
            {
              period: {
                ...(c.validFrom ? { start: c.validFrom } : {}),
                ...(c.validUntil ? { end: c.validUntil } : {}),
              },
            },
          ],
        }
      : {}),
    section: [
      {
        code: { coding: [{ system: LOINC, code: '11369-6' }] },
        focus: { reference: immunizationUrl },
        entry: sectionEntries,
      },
    ],
  };
  entries.push(
    { fullUrl: compositionUrl, resource: composition },
    { fullUrl: patientUrl, resource: patient },
    { fullUrl: organizationUrl, resource: organization },
    { fullUrl: immunizationUrl, resource: immunization },
  );
  if (recommendation) entries.push({ fullUrl: recommendationUrl, resource: recommendation });
  return {
    resourceType: 'Bundle',
    meta: { profile: [`${DDCC}DDCCVSDocument`] },
    identifier: { value: `${c.id}#${c.version}` },
    type: 'document',
    timestamp,
    link: [{ relation: 'publication', url: `urn:HCID:${c.id}` }],
    entry: entries,
  };
}

function display(name: string | undefined): { display?: string } {
  return name ? { display: name } : {};
}

/**
 * A stable UUID-shaped identifier derived from text (FNV-1a, spread over 128 bits), so the same
 * record renders the same document. It names resources inside one bundle; it is not a secret.
 */
function pseudoUuid(text: string): string {
  const words = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b];
  for (let i = 0; i < text.length; i++) {
    for (let w = 0; w < 4; w++) words[w] = Math.imul(words[w]! ^ (text.charCodeAt(i) + w), 0x01000193) >>> 0;
  }
  const hex = words.map((w) => w.toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
