import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';

/**
 * A database of this test file's own, cloned from the migrated and seeded template.
 * On a server the clone is dropped by close().
 */
export async function testDatabase(): Promise<Database> {
  const template = inject('dbTemplate');
  if (inject('dbKind') === 'postgres') {
    const serverUrl = process.env.TEST_DATABASE_URL!;
    const name = `dosewise_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name} template ${template}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const database = await openDatabase({ url: url.toString(), dataDir: '', poolSize: 20 });
    return {
      ...database,
      async close() {
        // pg's pool.end() can resolve before its sockets are closed; the forced drop then ends them,
        // which is expected here and not an error of the test.
        database.pool.on('error', () => undefined);
        await database.close();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(template)]) });
  const database = await openDatabase({ dataDir: '', pglite });
  return {
    ...database,
    async close() {
      await database.close();
      await pglite.close();
    },
  };
}
