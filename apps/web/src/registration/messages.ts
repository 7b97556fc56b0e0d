import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { COMORBIDITY_GROUP_CODE, type PhoneErrorCode } from '@dosewise/domain';
import type { ApiError, IdType, PriorityGroup } from '../api/client.ts';
import { useFormat } from '../ui/format.ts';
import { ID_RULES, tooYoung, type DocumentProblem } from './rules.ts';

/** The form field a server error is about (`details[0].field`), when it says. */
export function errorField(error: ApiError): string | undefined {
  const d = error.details;
  if (Array.isArray(d) && d.length > 0) {
    const first: unknown = d[0];
    if (first && typeof first === 'object' && 'field' in first && typeof first.field === 'string') {
      return first.field;
    }
  }
  return undefined;
}

export interface MessageContext {
  idType: IdType;
  idNumber?: string;
  dateOfBirth?: string;
  groups?: readonly PriorityGroup[];
  groupCode?: string;
  today: string;
}

/**
 * Plain words, in the language shown, for what is wrong with a registration: from the browser's
 * own checks (same rules as the server) or from the server's error codes.
 */
export function useRegistrationMessages() {
  const { t } = useTranslation();
  const f = useFormat();

  const list = useCallback(
    (items: number[]) =>
      new Intl.ListFormat(f.locale, { type: 'disjunction' }).format(items.map((n) => f.number(n))),
    [f],
  );

  const ages = useCallback(
    (type: IdType) => {
      const { minAgeYears: min, maxAgeYears: max } = ID_RULES[type];
      if (min !== undefined && max !== undefined)
        return t('registration.problems.agesRange', { min: f.number(min), max: f.number(max) });
      if (min !== undefined) return t('registration.problems.agesMin', { min: f.number(min) });
      return t('registration.problems.agesMax', { max: f.number(max ?? 0) });
    },
    [t, f],
  );

  /** How many digits a number of this type has, for hints: "10, 13 or 17". */
  const idLengths = useCallback(
    (type: 'nid' | 'birth_registration') => list(ID_RULES[type].formats.map((x) => x.length)),
    [list],
  );

  const documentProblem = useCallback(
    (p: DocumentProblem, idType: IdType, idNumber = '', dateOfBirth = '', today = ''): string => {
      switch (p.code) {
        case 'invalid_format':
          if (p.field === 'nationality') return t('registration.problems.nationalityUnknown');
          if (p.field === 'dateOfBirth') {
            if (!dateOfBirth.trim()) return t('registration.problems.dateOfBirthMissing');
            if (today && dateOfBirth > today) return t('registration.problems.dateOfBirthFuture');
            return t('registration.problems.dateOfBirthInvalid');
          }
          if (!idNumber.trim()) return t('registration.problems.idMissing');
          return idType === 'passport'
            ? t('registration.problems.idFormat.passport')
            : t(`registration.problems.idFormat.${idType}`, { lengths: idLengths(idType) });
        case 'invalid_check_digit':
          return t('registration.problems.checkDigit');
        case 'nationality_required':
          return t('registration.problems.nationalityRequired');
        case 'wrong_age_for_document':
          return t(`registration.problems.wrongAge.${idType}`, { ages: ages(idType) });
      }
    },
    [t, ages, idLengths],
  );

  const phoneProblem = useCallback(
    (code: PhoneErrorCode | 'missing') => t(`registration.problems.phone.${code}`),
    [t],
  );

  const tooYoungText = useCallback(
    (groups: readonly PriorityGroup[], dateOfBirth: string, today: string) => {
      const young = tooYoung(groups, dateOfBirth, today);
      return young
        ? t('registration.problems.tooYoung', {
            age: f.number(young.minimumAgeYears),
            date: f.date(young.eligibleFrom),
          })
        : undefined;
    },
    [t, f],
  );

  /** For ErrorAlert: the server's refusal in the words of this form (undefined: the general wording). */
  const apiMessage = useCallback(
    (error: ApiError, ctx: MessageContext): string | undefined => {
      const field = errorField(error);
      switch (error.code) {
        case 'invalid_format':
        case 'invalid_check_digit':
        case 'nationality_required':
        case 'wrong_age_for_document':
          return documentProblem(
            {
              code: error.code,
              field: field === 'nationality' || field === 'dateOfBirth' ? field : 'idNumber',
            },
            ctx.idType,
            ctx.idNumber ?? 'x',
            ctx.dateOfBirth ?? 'x',
          );
        case 'too_young':
          return ctx.groups && ctx.dateOfBirth
            ? tooYoungText(ctx.groups, ctx.dateOfBirth, ctx.today)
            : undefined;
        case 'proof_required':
          return ctx.groupCode === COMORBIDITY_GROUP_CODE
            ? t('registration.problems.conditionsNeeded')
            : undefined;
        default:
          return undefined;
      }
    },
    [documentProblem, tooYoungText, t],
  );

  return useMemo(
    () => ({ documentProblem, phoneProblem, tooYoungText, apiMessage, idLengths, ages }),
    [documentProblem, phoneProblem, tooYoungText, apiMessage, idLengths, ages],
  );
}
