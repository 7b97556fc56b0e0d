import { demoUnionCodes, registryRows } from '../seed/demo.ts';
import type { RegistryGender, RegistryPerson } from './adapter.ts';

/**
 * The people of the demo registry, generated in memory exactly as the seeder writes them into
 * `nid_registry.person` (same generator, same union order), so the simulator needs no database.
 *
 * The demo dataset gives everyone a national ID only. The simulator also holds the other two
 * documents, derived from the national ID by fixed rules so that tests and demo scripts can
 * compute them:
 * - birth registration number, held by everyone: the year of birth, `000`, then the 10-digit
 *   national ID (17 digits starting with the year of birth, the shape of Bangladesh's BRN);
 * - passport, held by the people whose national ID ends in 0 (about one in ten): a letter for the
 *   national ID's first digit (1 -> A ... 9 -> I), then its next 8 digits (one letter and 8
 *   digits, the shape of a Bangladeshi e-passport number).
 * Any other number is not found.
 */

export interface DemoRegistryPerson extends RegistryPerson {
  nid: string;
  birthRegistrationNumber: string;
  /** Null for the nine in ten who hold no passport. */
  passportNumber: string | null;
}

export function demoBirthRegistrationNumber(nid: string, dateOfBirth: string): string {
  return `${dateOfBirth.slice(0, 4)}000${nid}`;
}

export function demoPassportNumber(nid: string): string | null {
  if (!nid.endsWith('0')) return null;
  return `${'ABCDEFGHI'[Number(nid[0]) - 1] ?? 'Z'}${nid.slice(1, 9)}`;
}

const GENDERS: ReadonlySet<string> = new Set<RegistryGender>(['female', 'male', 'third_gender']);

/** The first `count` people of the demo registry for `seed` (the seeder's SEED_PEOPLE and SEED_RANDOM). */
export function* demoRegistryPeople(count: number, seed: number): Generator<DemoRegistryPerson> {
  for (const line of registryRows(count, seed, demoUnionCodes())) {
    // The generator's CSV has no quoting: names hold no commas (the seeder splits it the same way).
    const [, nid, nameEn, nameBn, dateOfBirth, gender, , areaCode] = line.slice(0, -1).split(',');
    if (!nid || !nameEn || !nameBn || !dateOfBirth || !gender || !GENDERS.has(gender) || !areaCode) {
      throw new Error('unexpected registry row shape from the demo generator');
    }
    yield {
      nid,
      nameEn,
      nameBn,
      dateOfBirth,
      gender: gender as RegistryGender,
      areaCode,
      birthRegistrationNumber: demoBirthRegistrationNumber(nid, dateOfBirth),
      passportNumber: demoPassportNumber(nid),
    };
  }
}
