import { describe, expect, it } from 'vitest';
import { AEFI_SYMPTOMS, addDays } from '@dosewise/domain';
import { alreadyGiven, decideDose, doseMessage } from '../../src/vaccination/rules.ts';
import type { CatalogProduct, LotInfo } from '../../src/vaccination/repository.ts';
import { renderMessage } from '../../src/notifications/templates.ts';

const product = (id: number, code: string, over: Partial<CatalogProduct> = {}): CatalogProduct => ({
  id,
  code,
  name: code,
  primaryDoses: 2,
  minIntervalDays: 28,
  recommendedIntervalDays: 56,
  boosterAllowed: true,
  boosterMinIntervalDays: 120,
  minAgeYears: 18,
  active: true,
  dosesPerVial: 10,
  openVialHours: 6,
  ...over,
});
const PRODUCTS = [product(1, 'AAA'), product(2, 'BBB', { minAgeYears: 40 })];
const lot = (over: Partial<LotInfo> = {}): LotInfo => ({
  id: 7,
  productId: 1,
  lotNumber: 'L7',
  expiresOn: '2030-01-01',
  dosesPerVial: 10,
  ...over,
});
const base = {
  doses: [],
  products: PRODUCTS,
  productId: 1,
  doseNumber: undefined,
  date: '2026-03-01',
  dateOfBirth: '1980-05-05',
  lot: lot(),
  held: true,
  acceptUnheldLots: false,
};

describe('dose rules', () => {
  it('computes the dose number from the history and queues the next dose of the series', () => {
    const r = decideDose(base);
    expect(r).toEqual({
      ok: true,
      decision: {
        doseNumber: 1,
        flags: [],
        draw: true,
        next: { doseNumber: 2, productId: 1, earliestDate: '2026-03-29', dueDate: '2026-04-26' },
      },
    });
  });

  it('refuses another product for a later dose of a series, a dose before the interval, and the wrong age', () => {
    const doses = [{ doseNumber: 1, productId: 1, date: '2026-02-20' }];
    const bbbLot = lot({ productId: 2 });
    expect(decideDose({ ...base, doses, productId: 2, lot: bbbLot, date: '2026-04-01' })).toMatchObject({
      ok: false,
      refusal: { code: 'wrong_product' },
    });
    expect(decideDose({ ...base, doses })).toMatchObject({
      ok: false,
      refusal: { code: 'too_early', details: { earliestDate: addDays('2026-02-20', 28) } },
    });
    expect(decideDose({ ...base, productId: 2, lot: bbbLot, dateOfBirth: '2000-01-01' })).toMatchObject({
      ok: false,
      refusal: { code: 'too_young_for_product' },
    });
    expect(decideDose({ ...base, doseNumber: 2 })).toMatchObject({
      ok: false,
      refusal: { code: 'dose_number_mismatch' },
    });
    expect(decideDose({ ...base, lot: lot({ productId: 2 }) })).toMatchObject({
      ok: false,
      refusal: { code: 'lot_wrong_product' },
    });
  });

  it('refuses an unheld or expired lot, or keeps the dose flagged when the programme allows it', () => {
    expect(decideDose({ ...base, held: false })).toMatchObject({
      ok: false,
      refusal: { code: 'lot_not_held' },
    });
    expect(decideDose({ ...base, lot: lot({ expiresOn: '2026-02-28' }) })).toMatchObject({
      ok: false,
      refusal: { code: 'lot_expired' },
    });
    expect(
      decideDose({ ...base, held: false, lot: lot({ expiresOn: '2026-02-28' }), acceptUnheldLots: true }),
    ).toMatchObject({ ok: true, decision: { flags: ['lot_not_held', 'lot_expired'], draw: false } });
  });

  it('finds a dose the person already has by its number, or by its day when no number is given', () => {
    const doses = [{ id: 3, doseNumber: 1, productId: 1, date: '2026-03-01', facilityId: 9 }];
    expect(alreadyGiven(doses, 1, '2026-05-01')?.id).toBe(3);
    expect(alreadyGiven(doses, undefined, '2026-03-01')?.id).toBe(3);
    expect(alreadyGiven(doses, 2, '2026-03-01')).toBeUndefined();
  });

  it('renders the SMS after a dose in both languages, with the next dose when there is one', () => {
    const person = { name_en: 'Rahima Khatun', name_bn: 'রহিমা খাতুন', locale: 'bn' as const };
    const withNext = doseMessage(person, {
      doseNumber: 1,
      productName: 'AAA',
      date: '2026-03-01',
      next: { doseNumber: 2, productId: 1, earliestDate: '2026-03-29', dueDate: '2026-04-26' },
    });
    expect(withNext.template).toBe('dose_recorded_next');
    expect(renderMessage(withNext.template, 'bn', withNext.params)).toContain('2026-04-26');
    expect(renderMessage(withNext.template, 'en', withNext.params)).toContain(
      'The next dose is due from 2026-04-26',
    );
    const last = doseMessage(
      { ...person, locale: 'en' },
      { doseNumber: 3, productName: 'AAA', date: '2026-09-01', next: null },
    );
    expect(renderMessage(last.template, 'en', last.params)).toContain('Rahima Khatun');
  });

  it('lists every AEFI symptom once, labelled in English and Bengali', () => {
    expect(new Set(AEFI_SYMPTOMS.map((s) => s.code)).size).toBe(AEFI_SYMPTOMS.length);
    for (const s of AEFI_SYMPTOMS) expect(s.bn, s.code).toMatch(/[\u0980-\u09FF]/);
    expect(AEFI_SYMPTOMS.find((s) => s.code === 'anaphylaxis')?.usuallySerious).toBe(true);
  });
});
