/**
 * Priority groups and who may register in them.
 *
 * Policy: the campaign opens to the population in waves. Each wave is a priority group with an
 * opening date, an age range and a rule for how membership is shown: declared by the person
 * (age, a chronic condition), approved by staff on evidence (an employer letter, a student ID), or
 * found on a roster imported beforehand (health workers). Groups are data edited by national
 * officers; editing a group adds a new version, and a registration keeps the version it used.
 * A lower rank is served first by the auto-scheduler.
 */
import { ageInYears, dateOfTurningAge, formatDateEn, type IsoDate } from './dates.ts';

export type ProofRule = 'self_declared' | 'staff_approval' | 'roster';

export interface PriorityGroup {
  /** Stable across versions: 'health_worker'. */
  code: string;
  version: number;
  nameEn: string;
  nameBn: string;
  /** 1 is served first. Several groups may share a rank. */
  rank: number;
  minAgeYears: number;
  maxAgeYears?: number | null;
  proofRule: ProofRule;
  /** First day on which people may register in the group. */
  opensOn: IsoDate;
  active: boolean;
}

/**
 * The group whose members declare a chronic condition: choosing it needs at least one code from
 * `COMORBIDITIES`. It is named here rather than flagged on the group because the declaration is
 * what the group is; a new version of the group keeps its code.
 */
export const COMORBIDITY_GROUP_CODE = 'comorbidity_40_plus';

/**
 * The demo campaign, modelled on Bangladesh's 2021 roll-out: health and frontline workers first,
 * then older people and people with chronic conditions, then everyone over 18, and children of
 * 12 to 17 from October 2021.
 */
export const DEFAULT_PRIORITY_GROUPS: readonly PriorityGroup[] = [
  {
    code: 'health_worker',
    version: 1,
    nameEn: 'Health workers',
    nameBn: 'স্বাস্থ্যকর্মী',
    rank: 1,
    minAgeYears: 18,
    maxAgeYears: null,
    proofRule: 'roster',
    opensOn: '2021-01-27',
    active: true,
  },
  {
    code: 'frontline_worker',
    version: 1,
    nameEn: 'Frontline workers (police, armed forces, teachers, journalists and others)',
    nameBn: 'সম্মুখসারির কর্মী (পুলিশ, সশস্ত্র বাহিনী, শিক্ষক, সাংবাদিক ও অন্যান্য)',
    rank: 2,
    minAgeYears: 18,
    maxAgeYears: null,
    proofRule: 'staff_approval',
    opensOn: '2021-01-27',
    active: true,
  },
  {
    code: 'age_60_plus',
    version: 1,
    nameEn: 'People aged 60 and over',
    nameBn: '৬০ বছর ও তার বেশি বয়সী ব্যক্তি',
    rank: 3,
    minAgeYears: 60,
    maxAgeYears: null,
    proofRule: 'self_declared',
    opensOn: '2021-02-07',
    active: true,
  },
  {
    code: COMORBIDITY_GROUP_CODE,
    version: 1,
    nameEn: 'People aged 40 and over with a chronic condition',
    nameBn: 'দীর্ঘমেয়াদি রোগে আক্রান্ত ৪০ বছর ও তার বেশি বয়সী ব্যক্তি',
    rank: 4,
    minAgeYears: 40,
    maxAgeYears: null,
    proofRule: 'self_declared',
    opensOn: '2021-02-08',
    active: true,
  },
  {
    code: 'student',
    version: 1,
    nameEn: 'Students aged 18 and over',
    nameBn: '১৮ বছর ও তার বেশি বয়সী শিক্ষার্থী',
    rank: 5,
    minAgeYears: 18,
    maxAgeYears: null,
    proofRule: 'staff_approval',
    opensOn: '2021-03-01',
    active: true,
  },
  {
    code: 'migrant_worker',
    version: 1,
    nameEn: 'Migrant workers going abroad',
    nameBn: 'বিদেশগামী প্রবাসী কর্মী',
    rank: 5,
    minAgeYears: 18,
    maxAgeYears: null,
    proofRule: 'staff_approval',
    opensOn: '2021-02-07',
    active: true,
  },
  {
    code: 'general_18_plus',
    version: 1,
    nameEn: 'Everyone aged 18 and over',
    nameBn: '১৮ বছর ও তার বেশি বয়সী সকল নাগরিক',
    rank: 6,
    minAgeYears: 18,
    maxAgeYears: null,
    proofRule: 'self_declared',
    opensOn: '2021-03-01',
    active: true,
  },
  {
    code: 'children_12_17',
    version: 1,
    nameEn: 'Children aged 12 to 17',
    nameBn: '১২ থেকে ১৭ বছর বয়সী শিশু-কিশোর',
    rank: 7,
    minAgeYears: 12,
    maxAgeYears: 17,
    proofRule: 'self_declared',
    opensOn: '2021-10-14',
    active: true,
  },
];

export interface Labelled {
  code: string;
  labelEn: string;
  labelBn: string;
}

/** Chronic conditions a person may declare (for the comorbidity group and for the vaccinator). */
export const COMORBIDITIES = [
  { code: 'diabetes', labelEn: 'Diabetes', labelBn: 'ডায়াবেটিস' },
  { code: 'hypertension', labelEn: 'High blood pressure', labelBn: 'উচ্চ রক্তচাপ' },
  { code: 'chronic_kidney_disease', labelEn: 'Chronic kidney disease', labelBn: 'দীর্ঘমেয়াদি কিডনি রোগ' },
  {
    code: 'chronic_lung_disease',
    labelEn: 'Chronic lung disease (asthma, COPD)',
    labelBn: 'দীর্ঘমেয়াদি ফুসফুসের রোগ (হাঁপানি, সিওপিডি)',
  },
  { code: 'chronic_liver_disease', labelEn: 'Chronic liver disease', labelBn: 'দীর্ঘমেয়াদি যকৃতের রোগ' },
  { code: 'heart_disease', labelEn: 'Heart disease', labelBn: 'হৃদরোগ' },
  { code: 'stroke', labelEn: 'Stroke or other brain disease', labelBn: 'স্ট্রোক বা মস্তিষ্কের অন্যান্য রোগ' },
  { code: 'cancer', labelEn: 'Cancer', labelBn: 'ক্যান্সার' },
  {
    code: 'immunocompromised',
    labelEn: 'Weakened immune system (HIV, transplant, immune-suppressing medicine)',
    labelBn: 'রোগ প্রতিরোধ ক্ষমতা দুর্বল (এইচআইভি, অঙ্গ প্রতিস্থাপন, রোগ প্রতিরোধ ক্ষমতা কমানোর ওষুধ)',
  },
  { code: 'obesity', labelEn: 'Severe obesity', labelBn: 'অতিরিক্ত স্থূলতা' },
] as const satisfies readonly Labelled[];
export type ComorbidityCode = (typeof COMORBIDITIES)[number]['code'];

export function isComorbidityCode(s: string): s is ComorbidityCode {
  return COMORBIDITIES.some((c) => c.code === s);
}

/** Occupations asked at registration: for reporting, and a hint to staff approving a group. */
export const OCCUPATIONS = [
  { code: 'health_worker', labelEn: 'Health worker', labelBn: 'স্বাস্থ্যকর্মী' },
  { code: 'frontline_worker', labelEn: 'Frontline worker', labelBn: 'সম্মুখসারির কর্মী' },
  { code: 'student', labelEn: 'Student', labelBn: 'শিক্ষার্থী' },
  { code: 'migrant_worker', labelEn: 'Migrant worker', labelBn: 'প্রবাসী কর্মী' },
  { code: 'teacher', labelEn: 'Teacher', labelBn: 'শিক্ষক' },
  { code: 'agriculture', labelEn: 'Agriculture', labelBn: 'কৃষি' },
  { code: 'garment_worker', labelEn: 'Garment worker', labelBn: 'পোশাক শ্রমিক' },
  { code: 'business', labelEn: 'Business', labelBn: 'ব্যবসা' },
  { code: 'homemaker', labelEn: 'Homemaker', labelBn: 'গৃহস্থালি কাজ' },
  { code: 'other', labelEn: 'Other', labelBn: 'অন্যান্য' },
] as const satisfies readonly Labelled[];
export type OccupationCode = (typeof OCCUPATIONS)[number]['code'];

export function isOccupationCode(s: string): s is OccupationCode {
  return OCCUPATIONS.some((o) => o.code === s);
}

/**
 * The current version of each group: the highest version per code. An older version stays in the
 * database for the registrations that used it but no longer decides anything.
 */
export function latestVersions(groups: readonly PriorityGroup[]): PriorityGroup[] {
  const latest = new Map<string, PriorityGroup>();
  for (const g of groups) {
    const seen = latest.get(g.code);
    if (!seen || g.version > seen.version) latest.set(g.code, g);
  }
  return [...latest.values()];
}

function byRank(a: PriorityGroup, b: PriorityGroup): number {
  return a.rank - b.rank || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

function isOpen(group: PriorityGroup, today: IsoDate): boolean {
  return group.active && group.opensOn <= today;
}

/** The groups people may register in today (current versions, active, opened), best rank first. */
export function openGroups(groups: readonly PriorityGroup[], today: IsoDate): PriorityGroup[] {
  return latestVersions(groups)
    .filter((g) => isOpen(g, today))
    .sort(byRank);
}

export interface GroupChoice {
  dateOfBirth: IsoDate;
  today: IsoDate;
  /** The person's identity document is on the group's roster (looked up by the server). */
  onRoster: boolean;
  /** The person uploaded or showed evidence for a staff-approved group. */
  hasEvidence: boolean;
  /** Declared condition codes; codes not in `COMORBIDITIES` do not count. */
  comorbidities: readonly string[];
}

export type GroupChoiceErrorCode =
  | 'group_not_open'
  | 'too_young_for_group'
  | 'too_old_for_group'
  | 'proof_required'
  | 'not_on_roster'
  | 'group_inactive';

export type GroupChoiceResult =
  | {
      ok: true;
      /** 'awaiting_approval': registered, but the group counts only once staff approve the evidence. */
      status: 'accepted' | 'awaiting_approval';
    }
  | { ok: false; code: GroupChoiceErrorCode; message: string };

/**
 * May this person register in this group today? Checks, in order: the group is active and open,
 * the age range (in completed years today), then the group's proof rule. A staff-approved group
 * with evidence is accepted as 'awaiting_approval': the registration goes ahead, and the group's
 * priority applies once staff have approved the evidence.
 *
 * `dateOfBirth` must be a calendar date not after `today` (checked at input by `validateIdDocument`).
 */
export function checkGroupChoice(group: PriorityGroup, choice: GroupChoice): GroupChoiceResult {
  const name = group.nameEn;
  if (!group.active) {
    return fail('group_inactive', `Registration in the group "${name}" has closed. Choose another group.`);
  }
  if (group.opensOn > choice.today) {
    return fail(
      'group_not_open',
      `Registration in the group "${name}" opens on ${formatDateEn(group.opensOn)}. Choose another group or come back then.`,
    );
  }
  const age = ageInYears(choice.dateOfBirth, choice.today);
  if (age < group.minAgeYears) {
    return fail(
      'too_young_for_group',
      `You must be at least ${group.minAgeYears} years old for the group "${name}".`,
    );
  }
  if (group.maxAgeYears != null && age > group.maxAgeYears) {
    return fail(
      'too_old_for_group',
      `The group "${name}" is for people up to ${group.maxAgeYears} years old. Choose another group.`,
    );
  }
  switch (group.proofRule) {
    case 'self_declared':
      if (group.code === COMORBIDITY_GROUP_CODE && !choice.comorbidities.some(isComorbidityCode)) {
        return fail('proof_required', `Choose at least one condition from the list for the group "${name}".`);
      }
      return { ok: true, status: 'accepted' };
    case 'staff_approval':
      if (!choice.hasEvidence) {
        return fail(
          'proof_required',
          `The group "${name}" needs proof, such as an ID card or letter from your employer or institution. Add it, or choose another group.`,
        );
      }
      return { ok: true, status: 'awaiting_approval' };
    case 'roster':
      if (!choice.onRoster) {
        return fail(
          'not_on_roster',
          `Your ID is not on the list for the group "${name}". Ask your employer to add you, or choose another group.`,
        );
      }
      return { ok: true, status: 'accepted' };
  }
}

function fail(code: GroupChoiceErrorCode, message: string): GroupChoiceResult {
  return { ok: false, code, message };
}

/**
 * The group to offer by default: the best-ranked open group the person is accepted in on their
 * own declaration, without a roster or evidence. That is their age, plus the comorbidity group
 * when they declared a condition. Null when no open group takes them (see `tooYoungForEveryOpenGroup`).
 */
export function bestOpenGroupFor(
  person: { dateOfBirth: IsoDate; comorbidities?: readonly string[] },
  groups: readonly PriorityGroup[],
  today: IsoDate,
): PriorityGroup | null {
  const choice: GroupChoice = {
    dateOfBirth: person.dateOfBirth,
    today,
    onRoster: false,
    hasEvidence: false,
    comorbidities: person.comorbidities ?? [],
  };
  return (
    openGroups(groups, today).find(
      (g) => g.proofRule === 'self_declared' && checkGroupChoice(g, choice).ok,
    ) ?? null
  );
}

export type TooYoungResult =
  | {
      tooYoung: true;
      /** The youngest age any open group accepts. */
      minimumAgeYears: number;
      /** The day the person reaches that age. */
      eligibleFrom: IsoDate;
      message: string;
    }
  | { tooYoung: false; minimumAgeYears: number | null };

/**
 * Is the person younger than every open group's minimum age? Checked before anything else at
 * registration, so that a child is told plainly when they can come back. With no open group at
 * all, nobody is too young (the problem is elsewhere) and `minimumAgeYears` is null.
 */
export function tooYoungForEveryOpenGroup(
  dateOfBirth: IsoDate,
  groups: readonly PriorityGroup[],
  today: IsoDate,
): TooYoungResult {
  const open = openGroups(groups, today);
  if (open.length === 0) return { tooYoung: false, minimumAgeYears: null };
  const minimumAgeYears = Math.min(...open.map((g) => g.minAgeYears));
  if (ageInYears(dateOfBirth, today) >= minimumAgeYears) return { tooYoung: false, minimumAgeYears };
  return {
    tooYoung: true,
    minimumAgeYears,
    eligibleFrom: dateOfTurningAge(dateOfBirth, minimumAgeYears),
    message: `You must be at least ${minimumAgeYears} years old to register now.`,
  };
}
