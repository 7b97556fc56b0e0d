import { checkDose, nextDose, type DoseReceived } from '@dosewise/domain';
import type { CatalogProduct, LotInfo } from './repository.ts';

/**
 * The rules a dose record must meet, shared by the vaccinator's on-line recording and the
 * offline upload: the lot, the dose number from the history, the product-mixing policy of the
 * product rules (a primary series is completed with the product it started with), the minimum
 * interval and the product's minimum age. Pure: the callers read the facts and write the result.
 */

export type DoseRefusal = { code: string; message: string; details?: Record<string, unknown> };

export interface DoseDecision {
  doseNumber: number;
  flags: string[];
  /** Whether the dose is drawn from the facility store (and an open vial). */
  draw: boolean;
  /** The waiting-queue entry for the dose after this one, if any. */
  next: { doseNumber: number; productId: number | null; earliestDate: string; dueDate: string | null } | null;
}

export type Existing = DoseReceived & { id: number; facilityId: number | null };

/** A record of a dose the person already has: by its number, or (number not given) one given the same day. */
export function alreadyGiven(
  doses: readonly Existing[],
  doseNumber: number | undefined,
  date: string,
): Existing | undefined {
  if (doseNumber !== undefined) return doses.find((d) => d.doseNumber === doseNumber);
  return doses.find((d) => d.date === date);
}

export function decideDose(input: {
  doses: readonly DoseReceived[];
  products: readonly CatalogProduct[];
  productId: number;
  doseNumber: number | undefined;
  date: string;
  dateOfBirth: string;
  lot: LotInfo;
  /** The facility has a store and its balance of the lot is above zero. */
  held: boolean;
  acceptUnheldLots: boolean;
}): { ok: true; decision: DoseDecision } | { ok: false; refusal: DoseRefusal } {
  const { products, date, lot } = input;
  const refuse = (code: string, message: string, details?: Record<string, unknown>) => ({
    ok: false as const,
    refusal: { code, message, ...(details ? { details } : {}) },
  });
  const product = products.find((p) => p.id === input.productId);
  if (!product) return refuse('unknown_product', 'This vaccine product does not exist.');
  if (lot.productId !== input.productId)
    return refuse(
      'lot_wrong_product',
      `Lot ${lot.lotNumber} is of another product than ${product.code}. Check the vial and choose its lot.`,
    );
  const next = nextDose(input.doses, products, date);
  if (next.kind === 'complete')
    return refuse('already_complete', 'This person has had every dose the programme offers.');
  if (input.doseNumber !== undefined && input.doseNumber !== next.doseNumber)
    return refuse(
      'dose_number_mismatch',
      `By the recorded history this person's next dose is dose ${next.doseNumber}, not dose ${input.doseNumber}.`,
      { doseNumber: next.doseNumber },
    );
  const check = checkDose(
    {
      received: input.doses,
      products,
      doseNumber: next.doseNumber,
      productId: input.productId,
      date,
      dateOfBirth: input.dateOfBirth,
    },
    date,
  );
  if (!check.ok) {
    switch (check.code) {
      case 'too_early':
        return refuse(
          'too_early',
          `Dose ${next.doseNumber} can be given from ${check.earliestDate} on: the minimum interval since the last dose has not passed.`,
          { earliestDate: check.earliestDate },
        );
      case 'product_not_allowed': {
        const names = products.filter((p) => check.allowedProductIds.includes(p.id)).map((p) => p.code);
        return refuse(
          'wrong_product',
          `Dose ${next.doseNumber} of this person must be ${names.join(' or ') || 'another product'}; ${product.code} may not be given for it.`,
          { allowedProductIds: check.allowedProductIds },
        );
      }
      case 'too_young_for_product':
        return refuse(
          'too_young_for_product',
          `${product.code} is given from ${check.minAgeYears} years of age.`,
          {
            minAgeYears: check.minAgeYears,
          },
        );
      case 'already_complete':
        return refuse('already_complete', 'This person has had every dose the programme offers.');
      case 'dose_not_due':
        return refuse('dose_number_mismatch', `This person's next dose is dose ${check.doseNumber}.`, {
          doseNumber: check.doseNumber,
        });
      default:
        check satisfies never;
    }
  }
  const flags: string[] = [];
  if (!input.held) {
    if (!input.acceptUnheldLots)
      return refuse(
        'lot_not_held',
        `The facility's store holds no doses of lot ${lot.lotNumber}. Use a lot the facility holds, or receive this lot into its store first.`,
      );
    flags.push('lot_not_held');
  }
  if (lot.expiresOn < date) {
    if (!input.acceptUnheldLots)
      return refuse('lot_expired', `Lot ${lot.lotNumber} expired on ${lot.expiresOn}; it may not be given.`, {
        expiresOn: lot.expiresOn,
      });
    flags.push('lot_expired');
  }
  const after = nextDose(
    [...input.doses, { doseNumber: next.doseNumber, productId: input.productId, date }],
    products,
    date,
  );
  return {
    ok: true,
    decision: {
      doseNumber: next.doseNumber,
      flags,
      draw: input.held,
      next:
        after.kind === 'due'
          ? {
              doseNumber: after.doseNumber,
              productId: after.seriesProductId,
              earliestDate: after.earliestDate,
              dueDate: after.dueDate,
            }
          : null,
    },
  };
}

/** The SMS after a dose: with the next dose's date when there is one. */
export function doseMessage(
  person: { name_en: string; name_bn: string | null; locale: 'en' | 'bn' },
  d: { doseNumber: number; productName: string; date: string; next: DoseDecision['next'] },
) {
  const name = person.locale === 'bn' && person.name_bn ? person.name_bn : person.name_en;
  const base = { name, doseNumber: d.doseNumber, product: d.productName, date: d.date };
  return d.next
    ? {
        template: 'dose_recorded_next' as const,
        params: { ...base, date: d.next.dueDate ?? d.next.earliestDate },
      }
    : { template: 'dose_recorded' as const, params: base };
}
