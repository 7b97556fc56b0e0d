import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.ts';
import { keepMarkedStatementsPrepared } from './prepared.ts';

// int8 and numeric come back as JS numbers: counts and ids in this system stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// `date` stays a plain 'YYYY-MM-DD' string: a date of birth has no time zone.
pg.types.setTypeParser(1082, (v) => v);

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Anything that runs queries: the pool or a transaction. */
export type Queryable = Kysely<DB>;

export interface Database {
  /** Primary: every write and every read that must see its own writes. */
  db: Db;
  /** Read-only queries that tolerate replica lag; the primary when no DATABASE_READ_URL is set. */
  read: Db;
  kind: 'pglite' | 'postgres';
  /** Raw pg pool of the primary, for COPY in the seeder and bench generators. */
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string | undefined;
  readUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** Use an existing PGlite instance (tests clone a migrated template into one). */
  pglite?: PGlite;
}

export function serverPool(url: string, poolSize: number, statementTimeoutMs: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Every server connection carries a statement_timeout: one slow query must not hold a pool slot for ever.
    options: `-c statement_timeout=${statementTimeoutMs} -c idle_in_transaction_session_timeout=${statementTimeoutMs * 4}`,
  });
  keepMarkedStatementsPrepared(pool);
  return pool;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    const pool = serverPool(opts.url, opts.poolSize ?? 20, opts.statementTimeoutMs ?? 15000);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    let readPool: pg.Pool | undefined;
    let read = db;
    if (opts.readUrl) {
      readPool = serverPool(opts.readUrl, opts.poolSize ?? 20, opts.statementTimeoutMs ?? 15000);
      read = new Kysely<DB>({ dialect: new PostgresDialect({ pool: readPool }) });
    }
    return {
      db,
      read,
      kind: 'postgres',
      pool,
      async close() {
        await db.destroy();
        if (readPool) await read.destroy();
      },
    };
  }
  let pglite = opts.pglite;
  const owned = !pglite;
  if (!pglite) {
    const dir = path.join(opts.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    pglite = await PGlite.create(dir, { relaxedDurability: false });
  }
  // PGlite is one connection: node-postgres sees it as a pool of one, so the code path stays the same.
  const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    read: db,
    kind: 'pglite',
    pool,
    async close() {
      await db.destroy();
      if (owned) await pglite.close();
    },
  };
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

/**
 * The one transaction helper. The callback gets its own transaction object and uses only that.
 * Called with a transaction already open, it nests with a savepoint, so a service can be called
 * alone or from inside a larger unit of work.
 */
export async function withTransaction<T>(
  db: Db,
  cb: (trx: Tx) => Promise<T>,
  opts: { isolation?: Isolation } = {},
): Promise<T> {
  if (db.isTransaction) {
    const trx = db as Tx;
    const name = `sp_${Math.random().toString(36).slice(2, 10)}`;
    await sql`savepoint ${sql.id(name)}`.execute(trx);
    try {
      const result = await cb(trx);
      await sql`release savepoint ${sql.id(name)}`.execute(trx);
      return result;
    } catch (err) {
      await sql`rollback to savepoint ${sql.id(name)}`.execute(trx);
      throw err;
    }
  }
  let builder = db.transaction();
  if (opts.isolation) builder = builder.setIsolationLevel(opts.isolation);
  return builder.execute(cb);
}

/**
 * One statement of a hot path, outside any transaction, as a named prepared statement on a
 * PostgreSQL server: each connection parses and plans it once instead of on every request. The
 * text must be a constant (the name stands for it) with $1… parameters. On PGlite it runs plainly.
 */
export async function hotQuery<R extends pg.QueryResultRow>(
  database: Pick<Database, 'pool' | 'kind'>,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const res = await database.pool.query<R>(
    database.kind === 'postgres' ? { name, text, values } : { text, values },
  );
  return res.rows;
}
