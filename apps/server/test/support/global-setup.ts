import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { seedDemo } from '../../src/seed/demo.ts';

/** People in the test template's registry stand-in. */
export const TEST_PEOPLE = 300;

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: path of the migrated, seeded data directory dump. Server: name of the template database. */
    dbTemplate: string;
    dbKind: 'pglite' | 'postgres';
  }
}

/**
 * Migrates and seeds one template, once per run: every test file then starts from a clone of it
 * (CREATE DATABASE ... TEMPLATE on a server; a loaded data-directory dump on PGlite).
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const template = `dosewise_test_template_${process.pid}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    const url = new URL(serverUrl);
    url.pathname = `/${template}`;
    const database = await openDatabase({ url: url.toString(), dataDir: '' });
    await migrate(database.db);
    await seedDemo(database, { people: TEST_PEOPLE, seed: 1, history: false });
    await database.close();
    project.provide('dbTemplate', template);
    project.provide('dbKind', 'postgres');
    return async () => {
      // Clones made by test files are dropped by the files; the template goes last.
      await admin.query(`drop database if exists ${template} with (force)`);
      await admin.end();
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-test-'));
  const pglite = await PGlite.create();
  const database = await openDatabase({ dataDir: '', pglite });
  await migrate(database.db);
  await seedDemo(database, { people: TEST_PEOPLE, seed: 1, history: false });
  await database.close();
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const file = path.join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('dbTemplate', file);
  project.provide('dbKind', 'pglite');
  return () => rmSync(dir, { recursive: true, force: true });
}
