import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './database.ts';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
// Any fixed number: every process that migrates takes the same session-level advisory lock.
const MIGRATION_LOCK = 7_214_003;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

const checksum = (m: Migration) => createHash('sha256').update(m.sql).digest('hex');

export interface Migration {
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ name: f.replace(/\.sql$/, ''), sql: readFileSync(path.join(dir, f), 'utf8') }));
}

/**
 * Forward-only migrations: each file runs once, in its own transaction, in name order, while this
 * process holds an advisory lock, so several servers starting at once apply each file exactly once.
 */
export async function migrate(db: Db, migrations = listMigrations()): Promise<string[]> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      await sql`create table if not exists schema_migration (
        name text primary key,
        applied_at timestamptz not null default now()
      )`.execute(conn);
      await sql`alter table schema_migration add column if not exists checksum text`.execute(conn);
      const rows = await sql<{
        name: string;
        checksum: string | null;
      }>`select name, checksum from schema_migration`.execute(conn);
      const done = new Map(rows.rows.map((r) => [r.name, r.checksum]));
      // A released migration is never edited: a changed file would leave databases that ran the old
      // text and databases that run the new one. Refuse to start rather than drift.
      const changed = migrations.filter((m) => {
        const stored = done.get(m.name);
        return stored !== undefined && stored !== null && stored !== checksum(m);
      });
      if (changed.length) {
        throw new MigrationError(
          `Migration files changed after they were applied to this database: ${changed.map((m) => m.name).join(', ')}. ` +
            'Put the change in a new migration file instead (or, for a throwaway demo database, delete its data directory).',
        );
      }
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.name)) continue;
        await conn.transaction().execute(async (trx) => {
          await sql.raw(m.sql).execute(trx);
          await sql`insert into schema_migration (name, checksum) values (${m.name}, ${checksum(m)})`.execute(
            trx,
          );
        });
        applied.push(m.name);
      }
      return applied;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
}

/** Names of migrations this build knows that the database has not applied (readiness check). */
export async function pendingMigrations(db: Db, migrations = listMigrations()): Promise<string[]> {
  const exists = await sql<{ t: string | null }>`select to_regclass('schema_migration')::text as t`.execute(
    db,
  );
  if (!exists.rows[0]?.t) return migrations.map((m) => m.name);
  const done = new Set(
    (await sql<{ name: string }>`select name from schema_migration`.execute(db)).rows.map((r) => r.name),
  );
  return migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
}
