import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createRegistry } from '../../src/registry/index.ts';
import { startRegistrySimulator, type RunningRegistrySimulator } from '../../src/registry/simulator.ts';
import { testDatabase } from '../support/db.ts';
import { TEST_PEOPLE } from '../support/global-setup.ts';

/**
 * The simulator generates its people in memory; the seeder writes them into nid_registry.person.
 * Both must hold the same people, field for field, or a demo would verify a person as living in a
 * different union than the database says. The test template is seeded with seed 1.
 */
describe('registry simulator and the seeded registry stand-in', () => {
  let database: Database;
  let sim: RunningRegistrySimulator;
  beforeAll(async () => {
    database = await testDatabase();
    sim = await startRegistrySimulator({ people: TEST_PEOPLE, seed: 1 });
  });
  afterAll(async () => {
    await sim.close();
    await database.close();
  });

  it('verifies every seeded person with the names, gender and union the database holds', async () => {
    const rows = await database.db
      .selectFrom('nid_registry.person')
      .select(['id_type', 'id_number', 'name_en', 'name_bn', 'date_of_birth', 'gender', 'area_code'])
      .execute();
    expect(rows).toHaveLength(TEST_PEOPLE);

    const registry = createRegistry({ baseUrl: sim.url });
    for (const row of rows) {
      expect(row.id_type).toBe('nid');
      const answer = await registry.verify('nid', row.id_number, row.date_of_birth);
      expect(answer).toEqual({
        status: 'matched',
        person: {
          nameEn: row.name_en,
          nameBn: row.name_bn,
          dateOfBirth: row.date_of_birth,
          gender: row.gender,
          areaCode: row.area_code,
        },
      });
    }
  });
});
