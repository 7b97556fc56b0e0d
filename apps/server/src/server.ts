import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildApp, WEB_ROOT } from './http/app.ts';
import { createServices } from './services.ts';
import { DEMO_PASSWORD, DEMO_USERS, isSeeded, seedDemo } from './seed/demo.ts';
import { ensureDemoSessions } from './seed/demo-sessions.ts';
import { todayIn } from './registration/calendar.ts';
import { apiProcessCount, isApiWorker, superviseApiProcesses, supervisorRegistryUrl } from './cluster.ts';

export async function connect(config: Config): Promise<Database> {
  return openDatabase({
    url: config.DATABASE_URL,
    readUrl: config.DATABASE_READ_URL,
    dataDir: config.DOSEWISE_DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
}

/** Newest modification time of the files under a directory (the web app's sources). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the web app when its built assets are missing (a fresh clone) or older than its sources (a pull). */
export async function ensureWebBuilt(log: (m: string) => void) {
  const index = path.join(WEB_ROOT, 'dist', 'index.html');
  const sources = Math.max(
    newestMtime(path.join(WEB_ROOT, 'src')),
    statSync(path.join(WEB_ROOT, 'index.html')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  log('building the web app...');
  const { build } = await import('vite');
  // A production build whatever this process runs as (a test runner sets NODE_ENV=test, which Vite
  // would keep, building without the service worker); this process and its children keep their own.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: WEB_ROOT, logLevel: 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

export async function start(config: Config, opts: { dev?: boolean; apiOnly?: boolean } = {}) {
  // An API process started by a supervisor (WEB_CONCURRENCY > 1, see cluster.ts) only serves: the
  // supervisor has migrated, seeded and started the registry simulator, and prints the banner.
  const worker = isApiWorker();
  const say = (m: string) => (worker ? undefined : process.stdout.write(`${m}\n`));
  const database = await connect(config);
  const applied = worker ? [] : await migrate(database.db);
  if (applied.length) say(`migrations applied: ${applied.join(', ')}`);
  if (!worker && config.DOSEWISE_MODE === 'demo' && !(await isSeeded(database.db))) {
    say(`seeding the demo dataset (${config.SEED_PEOPLE} people)...`);
    await seedDemo(database, {
      people: config.SEED_PEOPLE,
      seed: config.SEED_RANDOM,
      log: (m) => say(`  ${m}`),
    });
  }
  if (!worker && config.DOSEWISE_MODE === 'demo') {
    const made = await ensureDemoSessions(database.db, todayIn(config.TIME_ZONE));
    if (made) say(`demo sessions planned for the coming days: ${made}`);
  }
  if (!worker && !opts.dev && !opts.apiOnly) await ensureWebBuilt(say);
  // Without a registry address (demo, development) the registry simulator runs beside the server.
  const simulator = config.NID_REGISTRY_URL || worker ? undefined : await spawnRegistrySimulator(config, say);
  const processes = worker || opts.dev ? 1 : apiProcessCount(config, database.kind);
  if (processes > 1) {
    await database.close();
    const port = await superviseApiProcesses({
      count: processes,
      registryUrl: simulator?.url,
      simulator: simulator?.child,
      say,
    });
    say(
      `Dosewise is running at http://localhost:${port}  (${processes} API processes, PostgreSQL server, mode ${config.DOSEWISE_MODE})`,
    );
    return undefined;
  }
  const services = await createServices(config, database, {
    registryUrl: simulator?.url ?? supervisorRegistryUrl(),
  });
  const app = await buildApp({
    config,
    database,
    services,
    web: opts.apiOnly ? 'none' : opts.dev ? 'vite' : 'static',
  });
  const workers = config.RUN_WORKERS ? services.startWorkers(app.log) : undefined;

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    const timer = setTimeout(() => process.exit(1), 15_000).unref();
    try {
      await app.close();
      await workers?.stop();
      simulator?.child.kill('SIGTERM');
      // Handlers of requests whose clients went away may still be running queries: let them finish.
      const until = Date.now() + 10_000;
      while (
        Date.now() < until &&
        (database.pool.waitingCount > 0 || database.pool.idleCount < database.pool.totalCount)
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await database.close();
    } finally {
      clearTimeout(timer);
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://localhost:${port}`;
  say('');
  say(
    `Dosewise is running at ${url}  (${database.kind === 'pglite' ? `embedded database in ${config.DOSEWISE_DATA_DIR}` : 'PostgreSQL server'}, mode ${config.DOSEWISE_MODE})`,
  );
  say(`  console: ${url}/console   API docs: ${url}/api/docs   health: ${url}/health/ready`);
  if (config.DOSEWISE_MODE === 'demo') {
    say(`  demo sign-in (password "${DEMO_PASSWORD}" for each):`);
    for (const u of DEMO_USERS) say(`    ${u.username.padEnd(12)} ${u.label}`);
  }
  return { app, database };
}

/** Runs `dosewise nid-sim` as a child process and waits for its start-up line. */
async function spawnRegistrySimulator(
  config: Config,
  say: (m: string) => void,
): Promise<{ url: string; child: ChildProcess }> {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/dosewise.mjs');
  const child = spawn(process.execPath, [bin, 'nid-sim'], {
    env: {
      ...process.env,
      DOSEWISE_MODE: config.DOSEWISE_MODE,
      DOSEWISE_DATA_DIR: config.DOSEWISE_DATA_DIR,
      NID_SIM_PORT: String(config.NID_SIM_PORT),
      SEED_PEOPLE: String(config.SEED_PEOPLE),
      SEED_RANDOM: String(config.SEED_RANDOM),
    },
    // The IPC channel ties the simulator's life to this process.
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) =>
      reject(new Error(`the registry simulator exited with code ${code ?? 'null'}`)),
    );
  });
  say(`national ID registry simulator at ${url}`);
  return { url, child };
}
