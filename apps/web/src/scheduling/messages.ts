import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api/client.ts';
import { useScheduleFormat } from './format.ts';

/** The refusals of booking, rescheduling and cancelling, each with its own words for the citizen. */
const BOOKING_CODES = [
  'session_full',
  'slot_full',
  'appointment_exists',
  'too_early',
  'product_not_allowed',
  'dose_not_offered',
  'outside_age_band',
  'group_not_open',
  'session_closed',
  'session_cancelled',
  'session_past',
  'too_far_ahead',
  'too_young_for_product',
  'priority_awaiting_approval',
  'priority_rejected',
  'identity_not_verified',
  'already_complete',
  'person_not_in_family',
  'booking_rate_limited',
  'reschedule_limit',
  'appointment_not_active',
  'appointment_changed',
  'same_slot',
  'unknown_slot',
  'not_found',
  'invalid_range',
  'range_too_long',
  'unknown_area',
  'unknown_facility',
] as const;
type BookingCode = (typeof BOOKING_CODES)[number];

/** What the console's session forms and actions are refused for. */
const SESSION_CODES = [
  'facility_inactive',
  'facility_is_store',
  'unknown_product',
  'product_inactive',
  'dose_not_offered',
  'age_below_product_minimum',
  'invalid_age_band',
  'invalid_hours',
  'too_many_slots',
  'slots_without_seats',
  'date_in_past',
  'date_too_far',
  'invalid_range',
  'range_too_long',
  'reason_required',
  'session_cancelled',
  'session_past',
] as const;

const isOneOf = <T extends string>(list: readonly T[], code: string): code is T =>
  (list as readonly string[]).includes(code);

/** An error's details as a record, when it has one. */
export function detailsOf(error: ApiError): Record<string, unknown> {
  const d = error.details;
  return d && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, unknown>) : {};
}

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** For ErrorAlert's localMessage: a booking refusal in the language shown, dates and numbers formatted. */
export function useBookingMessage() {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  return useCallback(
    (error: ApiError): string | undefined => {
      const code = error.code;
      if (!isOneOf(BOOKING_CODES, code)) return undefined;
      const d = detailsOf(error);
      const c: BookingCode = code;
      if (c === 'too_early') {
        const date = text(d.earliestDate);
        return date ? t('booking.errors.too_early', { date: f.longDate(date) }) : undefined;
      }
      if (c === 'group_not_open') {
        const date = text(d.opensOn);
        return date ? t('booking.errors.group_not_open', { date: f.longDate(date) }) : undefined;
      }
      if (c === 'outside_age_band') {
        const min = num(d.minAgeYears);
        const max = num(d.maxAgeYears);
        if (min === undefined) return undefined;
        return max === undefined
          ? t('booking.errors.outside_age_band_min', { min: f.number(min) })
          : t('booking.errors.outside_age_band', { min: f.number(min), max: f.number(max) });
      }
      if (c === 'too_young_for_product') {
        const min = num(d.minAgeYears);
        return min === undefined
          ? undefined
          : t('booking.errors.too_young_for_product', { min: f.number(min) });
      }
      if (c === 'dose_not_offered') {
        const dose = num(d.doseNumber);
        return dose === undefined
          ? t('booking.errors.dose_not_offered_plain')
          : t('booking.errors.dose_not_offered', { dose: f.number(dose) });
      }
      return t(`booking.errors.${c}`);
    },
    [t, f],
  );
}

/** For ErrorAlert's localMessage on the console's session screens. */
export function useSessionMessage() {
  const { t } = useTranslation();
  return useCallback(
    (error: ApiError): string | undefined =>
      isOneOf(SESSION_CODES, error.code) ? t(`sessions.errors.${error.code}`) : undefined,
    [t],
  );
}
