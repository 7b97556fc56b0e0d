import { verifyCardToken, CARD_TOKEN_PREFIX, type CardTokenFailure } from '@dosewise/certificates';
import { normaliseRegistrationNumber } from '@dosewise/domain';
import type { DoseView, FacilityPack, Lookup, PackAppointment } from '../api/vaccination.ts';
import { programmeToday } from '../scheduling/format.ts';

/** The person in front of the vaccinator, found online (full history) or in the facility pack. */
export interface Candidate {
  personId: number;
  registrationNumber: string;
  nameEn: string;
  nameBn: string | null;
  age: number | null;
  birthYear: number | null;
  gender: string;
  due: {
    doseNumber: number;
    productIds: number[];
    earliestDate: string | null;
    eligible: boolean;
    reason?: string | null;
  } | null;
  /** Why no dose is due (the course is complete, ...), when none is. */
  noDueReason?: string | null;
  appointment: { appointmentId: number; slipCodeHash: string | null } | null;
  /** Earlier doses; null when found offline (the pack carries no history). */
  doses: DoseView[] | null;
  /** The card QR was scanned and its signature checked. */
  cardVerified: boolean;
  walkIn: boolean;
  fromPack: boolean;
}

export function fromPackAppointment(a: PackAppointment, cardVerified = false): Candidate {
  const today = programmeToday();
  const eligible = !a.earliestDate || a.earliestDate <= today;
  return {
    personId: a.personId,
    registrationNumber: a.registrationNumber,
    nameEn: a.nameEn,
    nameBn: a.nameBn ?? null,
    age: null,
    birthYear: a.birthYear ?? null,
    gender: a.gender,
    due: {
      doseNumber: a.doseNumber,
      productIds: a.productIds,
      earliestDate: a.earliestDate ?? null,
      eligible,
      reason: eligible ? null : 'too_early',
    },
    appointment: { appointmentId: a.appointmentId, slipCodeHash: a.slipCodeHash ?? null },
    doses: null,
    cardVerified,
    walkIn: false,
    fromPack: true,
  };
}

export function fromLookup(
  found: Lookup,
  pack: FacilityPack | null,
  cardVerified: boolean,
  walkIn = false,
): Candidate {
  const appointmentId = found.appointment?.appointmentId ?? null;
  const inPack =
    appointmentId === null ? undefined : pack?.appointments.find((a) => a.appointmentId === appointmentId);
  return {
    personId: found.person.personId,
    registrationNumber: found.person.registrationNumber,
    nameEn: found.person.nameEn,
    nameBn: found.person.nameBn ?? null,
    age: found.person.age ?? null,
    birthYear: null,
    gender: found.person.gender,
    due:
      found.due.doseNumber !== null
        ? {
            doseNumber: found.due.doseNumber,
            productIds: found.due.productIds,
            earliestDate: found.due.earliestDate ?? null,
            eligible: found.due.eligible,
            reason: found.due.reason ?? null,
          }
        : null,
    noDueReason: found.due.doseNumber === null ? (found.due.reason ?? null) : null,
    appointment:
      appointmentId === null ? null : { appointmentId, slipCodeHash: inPack?.slipCodeHash ?? null },
    doses: found.doses,
    cardVerified,
    walkIn,
    fromPack: false,
  };
}

export type ScanResult =
  | { kind: 'card'; registrationNumber: string; token: string }
  | { kind: 'card_invalid'; reason: CardTokenFailure | 'no_keys' }
  | { kind: 'registration_number'; registrationNumber: string };

/**
 * Reads what was scanned or typed: a vaccination card token (checked here, offline, with the card
 * keys from the pack) or a registration number.
 */
export async function readScan(text: string, pack: FacilityPack | null): Promise<ScanResult> {
  const value = text.trim();
  if (value.startsWith(CARD_TOKEN_PREFIX)) {
    const keys = pack?.cardKeys.keys ?? [];
    if (!keys.length) return { kind: 'card_invalid', reason: 'no_keys' };
    const result = await verifyCardToken(value, keys);
    if (!result.valid) return { kind: 'card_invalid', reason: result.reason };
    return { kind: 'card', registrationNumber: result.claims.rn, token: value };
  }
  return {
    kind: 'registration_number',
    registrationNumber: normaliseRegistrationNumber(value) ?? value.toUpperCase(),
  };
}

export function findInPack(
  pack: FacilityPack | null,
  registrationNumber: string,
): PackAppointment | undefined {
  const wanted = normaliseRegistrationNumber(registrationNumber) ?? registrationNumber;
  return pack?.appointments.find((a) => a.registrationNumber === wanted);
}

/** hex SHA-256 of `${appointmentId}:${code}`, as the pack's slipCodeHash. */
export async function slipCodeHash(appointmentId: number, code: string): Promise<string> {
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${appointmentId}:${code}`));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
