import type { Locale } from './tables.ts';

/**
 * SMS texts, one per template and locale. Placeholders are `{name}`; every placeholder of a text
 * must be given when it is rendered. `secret` parameters (the OTP code) are stored encrypted in the
 * outbox row, never in plain text. `expiresAfterMinutesParam` names the parameter that bounds how
 * long the message is worth sending: a code that arrives after it expired only confuses.
 *
 * Codes and registration numbers stay in ASCII digits in both languages: people type them into
 * forms, and phones offer to autofill only ASCII codes. OTP texts must fit one SMS segment
 * (a unit test holds them to it); Bengali is UCS-2, 70 characters.
 */
export interface TemplateDefinition {
  params: readonly string[];
  secret?: readonly string[];
  expiresAfterMinutesParam?: string;
  /**
   * The message announces a booked appointment, named by its `code` and `date` parameters and the
   * row's person: sent only while that appointment is still booked on that date.
   */
  whileBooked?: true;
  en: string;
  bn: string;
}

export const TEMPLATES = {
  otp: {
    params: ['code', 'minutes'],
    secret: ['code'],
    expiresAfterMinutesParam: 'minutes',
    en: 'Your Dosewise code is {code}. It expires in {minutes} minutes. Do not share it.',
    bn: 'আপনার Dosewise কোড {code}। মেয়াদ {minutes} মিনিট। কাউকে জানাবেন না।',
  },
  registration_confirmed: {
    params: ['name', 'registrationNumber'],
    en: 'Dosewise: {name} is registered for vaccination. Registration number: {registrationNumber}. Keep it to book an appointment.',
    bn: 'Dosewise: {name} টিকার জন্য নিবন্ধিত হয়েছেন। নিবন্ধন নম্বর: {registrationNumber}। অ্যাপয়েন্টমেন্ট নিতে নম্বরটি সংরক্ষণ করুন।',
  },
  registration_pending: {
    params: ['name', 'registrationNumber'],
    en: 'Dosewise: we received the registration of {name} ({registrationNumber}). The national ID check is pending; we will send you an SMS when it is done.',
    bn: 'Dosewise: {name}-এর নিবন্ধন ({registrationNumber}) গ্রহণ করা হয়েছে। জাতীয় পরিচয়পত্র যাচাই এখনো বাকি; যাচাই শেষ হলে আমরা আপনাকে SMS-এ জানাব।',
  },
  registration_verified: {
    params: ['name', 'registrationNumber'],
    en: 'Dosewise: the national ID of {name} ({registrationNumber}) is verified. You can now book a vaccination appointment.',
    bn: 'Dosewise: {name}-এর ({registrationNumber}) জাতীয় পরিচয়পত্র যাচাই সম্পন্ন হয়েছে। এখন টিকার অ্যাপয়েন্টমেন্ট নিতে পারবেন।',
  },
  registration_failed_verification: {
    params: ['name', 'registrationNumber'],
    en: 'Dosewise: we could not verify the national ID of {name} ({registrationNumber}). Please visit a vaccination help desk with the ID card.',
    bn: 'Dosewise: {name}-এর ({registrationNumber}) জাতীয় পরিচয়পত্র যাচাই করা যায়নি। অনুগ্রহ করে পরিচয়পত্রসহ নিকটস্থ টিকা সহায়তা ডেস্কে যান।',
  },
  appointment_booked: {
    params: ['name', 'doseNumber', 'centre', 'date', 'time', 'code'],
    en: 'Dosewise: {name}, dose {doseNumber} is booked at {centre} on {date} at {time}. Slip code {code}. Bring your vaccination card.',
    bn: 'Dosewise: {name}, ডোজ {doseNumber}-এর অ্যাপয়েন্টমেন্ট নিশ্চিত। কেন্দ্র: {centre}, তারিখ: {date}, সময়: {time}। স্লিপ কোড {code}। টিকা কার্ড সঙ্গে আনুন।',
  },
  appointment_assigned: {
    whileBooked: true,
    params: ['name', 'doseNumber', 'centre', 'date', 'time', 'code'],
    en: 'Dosewise: {name}, an appointment for dose {doseNumber} was made for you at {centre} on {date} at {time}. Slip code {code}. You can change or cancel it online.',
    bn: 'Dosewise: {name}, আপনার ডোজ {doseNumber}-এর জন্য অ্যাপয়েন্টমেন্ট দেওয়া হয়েছে। কেন্দ্র: {centre}, তারিখ: {date}, সময়: {time}। স্লিপ কোড {code}। অনলাইনে পরিবর্তন বা বাতিল করতে পারবেন।',
  },
  appointment_rescheduled: {
    params: ['name', 'centre', 'date', 'time', 'code'],
    en: 'Dosewise: {name}, your vaccination appointment has moved to {date} at {time}, {centre}. New slip code {code}. Bring your vaccination card.',
    bn: 'Dosewise: {name}, আপনার টিকার অ্যাপয়েন্টমেন্ট পরিবর্তন করা হয়েছে। নতুন কেন্দ্র: {centre}, তারিখ: {date}, সময়: {time}। নতুন স্লিপ কোড {code}। টিকা কার্ড সঙ্গে আনুন।',
  },
  appointment_cancelled: {
    params: ['name', 'date'],
    en: 'Dosewise: {name}, your vaccination appointment on {date} is cancelled. You can book a new one at any time.',
    bn: 'Dosewise: {name}, {date} তারিখের টিকার অ্যাপয়েন্টমেন্ট বাতিল করা হয়েছে। যেকোনো সময় নতুন অ্যাপয়েন্টমেন্ট নিতে পারবেন।',
  },
  session_cancelled: {
    params: ['name', 'centre', 'date'],
    en: 'Dosewise: {name}, the vaccination session at {centre} on {date} is cancelled. We are sorry. You are back in the queue: book another day or wait for an SMS with a new appointment.',
    bn: 'Dosewise: {name}, {date} তারিখে {centre}-এর টিকাদান সেশন বাতিল হয়েছে। আমরা দুঃখিত। আপনি আবার অপেক্ষার তালিকায় আছেন: অন্য দিনের অ্যাপয়েন্টমেন্ট নিন অথবা নতুন অ্যাপয়েন্টমেন্টের SMS-এর অপেক্ষা করুন।',
  },
  appointment_missed: {
    params: ['name', 'date'],
    en: 'Dosewise: {name}, we missed you at your vaccination appointment on {date}. You are back in the queue: book a new appointment at any time.',
    bn: 'Dosewise: {name}, {date} তারিখের টিকার অ্যাপয়েন্টমেন্টে আপনি আসেননি। আপনি আবার অপেক্ষার তালিকায় আছেন: যেকোনো সময় নতুন অ্যাপয়েন্টমেন্ট নিন।',
  },
  appointment_reminder: {
    whileBooked: true,
    params: ['name', 'centre', 'date', 'time', 'code'],
    en: 'Dosewise reminder: {name}, your vaccination is tomorrow, {date} at {time}, {centre}. Slip code {code}. Bring your vaccination card.',
    bn: 'Dosewise স্মরণবার্তা: {name}, আপনার টিকা আগামীকাল, {date} তারিখ, সময় {time}, কেন্দ্র: {centre}। স্লিপ কোড {code}। টিকা কার্ড সঙ্গে আনুন।',
  },
  dose_recorded: {
    params: ['name', 'doseNumber', 'product', 'date'],
    en: 'Dosewise: dose {doseNumber} of {product} for {name} was recorded on {date}. Thank you for getting vaccinated.',
    bn: 'Dosewise: {name}-এর {product} টিকার ডোজ {doseNumber} {date} তারিখে রেকর্ড করা হয়েছে। টিকা নেওয়ার জন্য ধন্যবাদ।',
  },
  dose_recorded_next: {
    // Sent as the dose is recorded: {date} is the day the next dose is due from.
    params: ['name', 'doseNumber', 'product', 'date'],
    en: 'Dosewise: dose {doseNumber} of {product} for {name} is recorded. The next dose is due from {date}; we will send you an appointment.',
    bn: 'Dosewise: {name}-এর {product} টিকার ডোজ {doseNumber} রেকর্ড করা হয়েছে। পরের ডোজ নেওয়া যাবে {date} থেকে; আমরা আপনাকে অ্যাপয়েন্টমেন্ট পাঠাব।',
  },
} as const satisfies Record<string, TemplateDefinition>;

export type TemplateName = keyof typeof TEMPLATES;
export type ParamValue = string | number;
/** The parameters a template needs, by name: `TemplateParams<'otp'>` is `{ code, minutes }`. */
export type TemplateParams<T extends TemplateName> = Record<
  (typeof TEMPLATES)[T]['params'][number],
  ParamValue
>;

export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];
export const LOCALES: readonly Locale[] = ['en', 'bn'];

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATES, name);
}

export function templateDefinition(name: TemplateName): TemplateDefinition {
  return TEMPLATES[name];
}

/** A message that cannot be rendered: unknown template or locale, or a parameter missing or unusable. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/**
 * The text of one message. Fails, naming every missing parameter, rather than sending a text with
 * a hole in it; parameter values are inserted once and never re-expanded.
 */
export function renderMessage(
  template: TemplateName,
  locale: Locale,
  params: Readonly<Record<string, unknown>>,
): string;
export function renderMessage(
  template: string,
  locale: string,
  params: Readonly<Record<string, unknown>>,
): string;
export function renderMessage(
  template: string,
  locale: string,
  params: Readonly<Record<string, unknown>>,
): string {
  if (!isTemplateName(template)) throw new TemplateError(`unknown SMS template "${template}"`);
  if (locale !== 'en' && locale !== 'bn')
    throw new TemplateError(`unknown locale "${locale}" for SMS template "${template}"`);
  const text: string = TEMPLATES[template][locale];
  const missing = new Set<string>();
  const out = text.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, key: string) => {
    const value = Object.hasOwn(params, key) ? params[key] : undefined;
    if (typeof value === 'string' && value.trim() !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    missing.add(key);
    return '';
  });
  if (missing.size) {
    throw new TemplateError(
      `SMS template "${template}" (${locale}) is missing parameter(s) or has them empty: ${[...missing].join(', ')}`,
    );
  }
  return out;
}
