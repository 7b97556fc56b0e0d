import cluster from 'node:cluster';
import type { ChildProcess } from 'node:child_process';
import type { Config } from './config.ts';

/**
 * Several API processes on one machine (WEB_CONCURRENCY). A Node process runs JavaScript on one
 * core; the API is stateless, so N processes share one port (node:cluster hands each new
 * connection to a process in turn) and one PostgreSQL server. The first process prepares what must
 * happen once (migrations, the demo seed, the registry simulator), then only supervises: it starts
 * the API processes, starts another when one dies, and stops them all on SIGTERM or SIGINT.
 * Each API process runs its own background loops (SMS delivery, jobs); they share the work through
 * the database (FOR UPDATE SKIP LOCKED), as separate `dosewise worker` processes would.
 *
 * The embedded database lives inside one process, so with PGlite there is always one.
 */

/** Where an API process finds the registry simulator its supervisor started. */
const REGISTRY_URL_ENV = 'DOSEWISE_SUPERVISOR_REGISTRY_URL';

/** Whether this process is an API process started by a supervisor. */
export const isApiWorker = (): boolean => cluster.isWorker;

/** The registry simulator's address, in an API process whose supervisor started one. */
export function supervisorRegistryUrl(): string | undefined {
  return cluster.isWorker ? process.env[REGISTRY_URL_ENV] || undefined : undefined;
}

/** How many API processes to run: WEB_CONCURRENCY with a server database, else one. */
export function apiProcessCount(config: Pick<Config, 'WEB_CONCURRENCY'>, database: 'pglite' | 'postgres') {
  return database === 'postgres' ? config.WEB_CONCURRENCY : 1;
}

/**
 * Starts `count` API processes and watches them. Resolves with the port once all of them listen;
 * on SIGTERM or SIGINT stops them (each finishes its requests in flight), then the simulator, then
 * exits.
 */
export async function superviseApiProcesses(opts: {
  count: number;
  registryUrl?: string | undefined;
  simulator?: ChildProcess | undefined;
  say: (message: string) => void;
}): Promise<number> {
  const env = opts.registryUrl ? { [REGISTRY_URL_ENV]: opts.registryUrl } : {};
  let stopping = false;
  const listened = new Set<number>();

  const fork = () => cluster.fork(env);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const everServed = listened.has(worker.id);
    opts.say(`API process ${worker.process.pid ?? '?'} exited (${signal ?? `code ${code}`})`);
    if (!everServed) {
      // It died before serving (bad configuration, database unreachable): another would too.
      opts.say('an API process could not start; stopping');
      void stop(1);
      return;
    }
    setTimeout(() => {
      if (!stopping) fork();
    }, 1000).unref();
  });

  async function stop(exitCode: number) {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    const exited = Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
    for (const w of workers) w.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const w of workers) w.process.kill('SIGKILL');
    }, 20_000);
    await exited;
    clearTimeout(timer);
    opts.simulator?.kill('SIGTERM');
    process.exit(exitCode);
  }
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  return new Promise<number>((resolve) => {
    cluster.on('listening', (worker, address) => {
      listened.add(worker.id);
      if (listened.size === opts.count) resolve(address.port);
    });
    for (let i = 0; i < opts.count; i++) fork();
  });
}
