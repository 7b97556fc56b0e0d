import {
  ageInYears,
  checkGroupChoice,
  DEFAULT_ID_RULES,
  isValidIsoDate,
  tooYoungForEveryOpenGroup,
  validateIdDocument,
  type IdDocumentErrorCode,
  type IdDocumentField,
  type PriorityGroup as DomainGroup,
} from '@dosewise/domain';
import type { IdType, PriorityGroup } from '../api/client.ts';

/** The browser checks with the same rules as the server (packages/domain), before anything is sent. */
export const ID_RULES = DEFAULT_ID_RULES;

export const ID_TYPES = ['nid', 'birth_registration', 'passport'] as const satisfies readonly IdType[];
export const GENDERS = ['female', 'male', 'third_gender'] as const;

/** Today as the server counts it (the UTC calendar day), so both sides accept the same dates. */
export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}

export interface DocumentProblem {
  code: IdDocumentErrorCode;
  field: IdDocumentField;
}

/** The first problem with an identity document and date of birth, or null when they may be sent. */
export function checkDocument(
  idType: IdType,
  idNumber: string,
  dateOfBirth: string,
  nationality: string,
  today: string,
): DocumentProblem | null {
  const r = validateIdDocument(idType, idNumber, { dateOfBirth, today, nationality }, ID_RULES);
  return r.ok ? null : { code: r.code, field: r.field };
}

const asDomain = (g: PriorityGroup): DomainGroup => g;

/** Open groups whose age range takes someone born on `dateOfBirth`, best rank first. */
export function groupsFor(
  groups: readonly PriorityGroup[],
  dateOfBirth: string,
  today: string,
): PriorityGroup[] {
  const age = isValidIsoDate(dateOfBirth) && dateOfBirth <= today ? ageInYears(dateOfBirth, today) : null;
  return groups
    .filter((g) => g.open)
    .filter((g) => age === null || (age >= g.minAgeYears && (g.maxAgeYears === null || age <= g.maxAgeYears)))
    .sort((a, b) => a.rank - b.rank || a.code.localeCompare(b.code));
}

/** When nobody this young may register yet: the age and the day from which they may. */
export function tooYoung(
  groups: readonly PriorityGroup[],
  dateOfBirth: string,
  today: string,
): { minimumAgeYears: number; eligibleFrom: string } | null {
  if (!isValidIsoDate(dateOfBirth) || dateOfBirth > today) return null;
  const r = tooYoungForEveryOpenGroup(dateOfBirth, groups.map(asDomain), today);
  return r.tooYoung ? { minimumAgeYears: r.minimumAgeYears, eligibleFrom: r.eligibleFrom } : null;
}

/** The group's own rules (age, conditions, evidence), as the server will apply them; roster membership is the server's to check. */
export function checkGroup(
  group: PriorityGroup,
  choice: { dateOfBirth: string; today: string; hasEvidence: boolean; comorbidities: readonly string[] },
) {
  return checkGroupChoice(asDomain(group), { ...choice, onRoster: true });
}
