import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DEFAULT_BENCH_URL = 'postgres://postgres@127.0.0.1:5432/dosewise_bench';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function ensureDatabase(url: string, fresh: boolean) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unusable bench database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  if (fresh) await client.query(`drop database if exists ${name} with (force)`);
  const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
  if (exists.rowCount === 0) await client.query(`create database ${name}`);
  await client.end();
}

async function waitReady(base: string, child: ChildProcess, timeoutMs = 600_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the server did not become ready in time');
}

/** Starts the server in its own process, so the load generator (this process) never shares its event loop. */
export interface ServerProcessOptions {
  /** Environment on top of the defaults (demo mode, small seed, warn logs). */
  env?: Record<string, string>;
  /** Serve the built web app too (browser tests); benchmarks run the API alone. */
  web?: boolean;
  /** Receives everything the server prints on stdout. */
  onOutput?: (text: string) => void;
  /** Drop and recreate the bench database first (PostgreSQL only). */
  fresh?: boolean;
}

export async function startServer(database: 'postgres' | 'pglite', opts: ServerProcessOptions = {}) {
  const env = opts.env ?? {};
  const port = await freePort();
  const dbEnv: Record<string, string> =
    database === 'postgres'
      ? { DATABASE_URL: process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL }
      : { DOSEWISE_DATA_DIR: path.join(ROOT, 'data', 'bench-pglite') };
  if (database === 'postgres') await ensureDatabase(dbEnv.DATABASE_URL!, opts.fresh ?? false);
  else if (opts.fresh) rmSync(dbEnv.DOSEWISE_DATA_DIR!, { recursive: true, force: true });
  // BENCH_NODE_ARGS: flags for the server's node (--cpu-prof, say) when looking into a figure.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, path.join(ROOT, 'bin/dosewise.mjs'), 'start', ...(opts.web ? [] : ['--api-only'])],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DOSEWISE_MODE: 'demo',
        SEED_PEOPLE: '2000',
        LOG_LEVEL: 'warn',
        ...dbEnv,
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  child.stdout?.on('data', (d: Buffer) =>
    (opts.onOutput ?? ((t: string) => process.stderr.write(`[server] ${t}`)))(d.toString()),
  );
  const base = `http://127.0.0.1:${port}`;
  await waitReady(base, child);
  return {
    base,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
