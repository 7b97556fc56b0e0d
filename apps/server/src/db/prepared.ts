import { sql } from 'kysely';
import type pg from 'pg';

/**
 * Statements of the hot path, kept prepared on each server connection.
 *
 * A statement sent unnamed is parsed, analysed and planned on every execution; for the short
 * statements of a registration that is most of what PostgreSQL does for them. A statement that
 * starts with `prepared` (`sql\`${prepared}select ...\``) is sent as a named statement instead:
 * parsed once per connection, and after a few executions planned once too (PostgreSQL's plan
 * cache picks a generic plan when it is no worse than the custom ones).
 *
 * Only marked statements are named, so the number per connection stays bounded by the code (a
 * statement whose text varies with its input, a multi-row insert, stays unnamed). A prepared
 * statement names its columns rather than `*`: a later migration that adds a column must not
 * change the shape of a statement already prepared on a live connection. The embedded database
 * and a pool that turns this off ignore the mark: it is an SQL comment.
 */
const MARK = '/* prepared */';
export const prepared = sql.raw(`${MARK} `);

/** Most distinct marked texts that get a name; past it (a bug: a marked text that varies), unnamed. */
const MAX_NAMES = 500;
const names = new Map<string, string>();

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMES) {
    name = `dw_prepared_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** Makes every connection the pool opens send marked statements as named, prepared statements. */
export function keepMarkedStatementsPrepared(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const target = client as unknown as { query: QueryFn };
    const query: QueryFn = target.query.bind(client);
    target.query = (config, values, callback) => {
      if (typeof config === 'string' && config.startsWith(MARK) && typeof values !== 'function') {
        const name = nameOf(config);
        if (name !== undefined) return query({ name, text: config, values }, callback);
      }
      return query(config, values, callback);
    };
  });
}
