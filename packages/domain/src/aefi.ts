/**
 * Adverse events following immunization (AEFI): the coded symptom list reports are made from.
 *
 * The codes follow the categories of the WHO AEFI surveillance manual and its reporting form
 * (local reactions, systemic reactions, allergic reactions, neurological events, and the adverse
 * events of special interest watched for COVID-19 vaccines). A code never changes meaning once
 * used; a new symptom gets a new code. `usuallySerious` marks events that WHO lists as serious by
 * their nature: a report with one of them is proposed as serious, the reporter still decides.
 */

export type AefiCategory = 'local' | 'systemic' | 'allergic' | 'neurological' | 'special_interest' | 'other';

export interface AefiSymptom {
  code: string;
  category: AefiCategory;
  en: string;
  bn: string;
  usuallySerious: boolean;
}

export const AEFI_SYMPTOMS: readonly AefiSymptom[] = [
  // Local reactions at the injection site.
  {
    code: 'injection_site_pain',
    category: 'local',
    en: 'Pain at the injection site',
    bn: 'ইনজেকশনের স্থানে ব্যথা',
    usuallySerious: false,
  },
  {
    code: 'injection_site_swelling',
    category: 'local',
    en: 'Swelling at the injection site',
    bn: 'ইনজেকশনের স্থানে ফোলা',
    usuallySerious: false,
  },
  {
    code: 'injection_site_redness',
    category: 'local',
    en: 'Redness at the injection site',
    bn: 'ইনজেকশনের স্থানে লালচে ভাব',
    usuallySerious: false,
  },
  {
    code: 'injection_site_abscess',
    category: 'local',
    en: 'Abscess at the injection site',
    bn: 'ইনজেকশনের স্থানে ফোড়া',
    usuallySerious: false,
  },
  {
    code: 'severe_local_reaction',
    category: 'local',
    en: 'Severe local reaction (beyond the nearest joint, or over 3 days)',
    bn: 'গুরুতর স্থানীয় প্রতিক্রিয়া (নিকটস্থ জোড়া ছাড়িয়ে বা ৩ দিনের বেশি)',
    usuallySerious: false,
  },
  {
    code: 'lymphadenopathy',
    category: 'local',
    en: 'Swollen lymph nodes',
    bn: 'লসিকা গ্রন্থি ফোলা',
    usuallySerious: false,
  },
  // Systemic reactions.
  { code: 'fever', category: 'systemic', en: 'Fever', bn: 'জ্বর', usuallySerious: false },
  {
    code: 'high_fever',
    category: 'systemic',
    en: 'High fever (39 °C or more)',
    bn: 'উচ্চ জ্বর (৩৯ °সে বা বেশি)',
    usuallySerious: false,
  },
  { code: 'headache', category: 'systemic', en: 'Headache', bn: 'মাথাব্যথা', usuallySerious: false },
  { code: 'fatigue', category: 'systemic', en: 'Tiredness', bn: 'ক্লান্তি', usuallySerious: false },
  { code: 'myalgia', category: 'systemic', en: 'Muscle pain', bn: 'পেশিতে ব্যথা', usuallySerious: false },
  { code: 'arthralgia', category: 'systemic', en: 'Joint pain', bn: 'গাঁটে ব্যথা', usuallySerious: false },
  { code: 'chills', category: 'systemic', en: 'Chills', bn: 'কাঁপুনি', usuallySerious: false },
  { code: 'nausea', category: 'systemic', en: 'Nausea', bn: 'বমি বমি ভাব', usuallySerious: false },
  { code: 'vomiting', category: 'systemic', en: 'Vomiting', bn: 'বমি', usuallySerious: false },
  { code: 'diarrhoea', category: 'systemic', en: 'Diarrhoea', bn: 'ডায়রিয়া', usuallySerious: false },
  { code: 'dizziness', category: 'systemic', en: 'Dizziness', bn: 'মাথা ঘোরা', usuallySerious: false },
  { code: 'syncope', category: 'systemic', en: 'Fainting', bn: 'অজ্ঞান হয়ে যাওয়া', usuallySerious: false },
  {
    code: 'immunization_anxiety',
    category: 'systemic',
    en: 'Anxiety or stress reaction to the vaccination',
    bn: 'টিকা নিয়ে উদ্বেগজনিত প্রতিক্রিয়া',
    usuallySerious: false,
  },
  // Allergic reactions.
  { code: 'rash', category: 'allergic', en: 'Rash', bn: 'ফুসকুড়ি', usuallySerious: false },
  { code: 'urticaria', category: 'allergic', en: 'Hives (urticaria)', bn: 'আমবাত', usuallySerious: false },
  {
    code: 'angioedema',
    category: 'allergic',
    en: 'Swelling of the face, lips or throat',
    bn: 'মুখ, ঠোঁট বা গলা ফুলে যাওয়া',
    usuallySerious: true,
  },
  {
    code: 'anaphylaxis',
    category: 'allergic',
    en: 'Anaphylaxis',
    bn: 'অ্যানাফাইল্যাক্সিস (তীব্র অ্যালার্জি)',
    usuallySerious: true,
  },
  // Neurological events.
  {
    code: 'seizure',
    category: 'neurological',
    en: 'Seizure (convulsion)',
    bn: 'খিঁচুনি',
    usuallySerious: true,
  },
  {
    code: 'encephalopathy',
    category: 'neurological',
    en: 'Encephalopathy or encephalitis',
    bn: 'এনকেফালোপ্যাথি বা মস্তিষ্কের প্রদাহ',
    usuallySerious: true,
  },
  {
    code: 'guillain_barre',
    category: 'neurological',
    en: 'Guillain-Barré syndrome',
    bn: 'গুলেন-বারি সিনড্রোম',
    usuallySerious: true,
  },
  {
    code: 'facial_palsy',
    category: 'neurological',
    en: 'Facial paralysis (Bell’s palsy)',
    bn: 'মুখের পক্ষাঘাত (বেলস পালসি)',
    usuallySerious: true,
  },
  {
    code: 'paraesthesia',
    category: 'neurological',
    en: 'Tingling or numbness',
    bn: 'ঝিনঝিন বা অসাড় ভাব',
    usuallySerious: false,
  },
  // Adverse events of special interest.
  {
    code: 'myocarditis',
    category: 'special_interest',
    en: 'Myocarditis or pericarditis',
    bn: 'মায়োকার্ডাইটিস বা পেরিকার্ডাইটিস',
    usuallySerious: true,
  },
  {
    code: 'thrombosis_thrombocytopenia',
    category: 'special_interest',
    en: 'Blood clots with low platelets (TTS)',
    bn: 'প্লেটলেট কমে রক্ত জমাট বাঁধা (টিটিএস)',
    usuallySerious: true,
  },
  {
    code: 'thromboembolism',
    category: 'special_interest',
    en: 'Blood clot (thromboembolism)',
    bn: 'রক্ত জমাট বাঁধা',
    usuallySerious: true,
  },
  {
    code: 'thrombocytopenia',
    category: 'special_interest',
    en: 'Low platelets or unusual bleeding',
    bn: 'প্লেটলেট কমে যাওয়া বা অস্বাভাবিক রক্তক্ষরণ',
    usuallySerious: true,
  },
  {
    code: 'capillary_leak',
    category: 'special_interest',
    en: 'Capillary leak syndrome',
    bn: 'ক্যাপিলারি লিক সিনড্রোম',
    usuallySerious: true,
  },
  {
    code: 'chest_pain',
    category: 'special_interest',
    en: 'Chest pain',
    bn: 'বুকে ব্যথা',
    usuallySerious: false,
  },
  {
    code: 'shortness_of_breath',
    category: 'special_interest',
    en: 'Shortness of breath',
    bn: 'শ্বাসকষ্ট',
    usuallySerious: false,
  },
  // Anything else, described in words.
  {
    code: 'other',
    category: 'other',
    en: 'Other (describe)',
    bn: 'অন্যান্য (বর্ণনা দিন)',
    usuallySerious: false,
  },
];

const BY_CODE = new Map(AEFI_SYMPTOMS.map((s) => [s.code, s]));

export const AEFI_SYMPTOM_CODES: readonly string[] = AEFI_SYMPTOMS.map((s) => s.code);

export function aefiSymptom(code: string): AefiSymptom | undefined {
  return BY_CODE.get(code);
}

/** Codes in `codes` that are not on the list. */
export function unknownAefiSymptoms(codes: readonly string[]): string[] {
  return codes.filter((c) => !BY_CODE.has(c));
}

/** WHO seriousness criteria: any one makes a report serious. */
export const AEFI_SERIOUS_CRITERIA = [
  'death',
  'life_threatening',
  'hospitalisation',
  'disability',
  'congenital_anomaly',
  'cluster',
] as const;
export type AefiSeriousCriterion = (typeof AEFI_SERIOUS_CRITERIA)[number];

/** WHO causality categories, set when an investigation closes. */
export const AEFI_CAUSALITY = [
  'vaccine_product_related',
  'vaccine_quality_defect',
  'immunization_error',
  'immunization_anxiety',
  'coincidental',
  'indeterminate',
  'unclassifiable',
] as const;
export type AefiCausalityCategory = (typeof AEFI_CAUSALITY)[number];
