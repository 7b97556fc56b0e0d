import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * CPU time by role, read from /proc (Linux): the server process and its children (API workers),
 * the registry simulator, the PostgreSQL backends of the bench database, PostgreSQL's own
 * background processes (WAL writer, checkpointer), the benchmark process itself (load generator
 * and SMS gateway), and whatever else ran on the machine. Empty where /proc is not there.
 */
export interface CpuSnapshot {
  /** Clock ticks per pid, with the role the pid plays. */
  ticks: Map<number, { role: CpuRole; ticks: number }>;
  /** Machine-wide busy and total ticks, summed over every core. */
  machineBusy: number;
  machineTotal: number;
  /** This process (load generator), in microseconds. */
  self: NodeJS.CpuUsage;
}
export type CpuRole = 'server' | 'registry_simulator' | 'postgres' | 'postgres_background';

const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux architecture Node supports

function procStat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its closing one.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export function cpuSnapshot(serverPid: number | undefined, databaseName: string | undefined): CpuSnapshot {
  const ticks = new Map<number, { role: CpuRole; ticks: number }>();
  let machineBusy = 0;
  let machineTotal = 0;
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    machineTotal = cpu.reduce((a, b) => a + b, 0);
    machineBusy = machineTotal - (cpu[3] ?? 0) - (cpu[4] ?? 0);
    const pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
    const parent = new Map<number, number>();
    const own = new Map<number, number>();
    for (const pid of pids) {
      const s = procStat(pid);
      if (!s) continue;
      parent.set(pid, s.ppid);
      own.set(pid, s.ticks);
    }
    const underServer = (pid: number) => {
      for (let p = pid, hops = 0; p > 1 && hops < 16; p = parent.get(p) ?? 0, hops++)
        if (p === serverPid) return true;
      return false;
    };
    for (const [pid, t] of own) {
      if (serverPid !== undefined && underServer(pid)) {
        ticks.set(pid, {
          role: cmdline(pid).includes('nid-sim') ? 'registry_simulator' : 'server',
          ticks: t,
        });
        continue;
      }
      const title = cmdline(pid);
      if (!title.startsWith('postgres:')) continue;
      if (databaseName && title.includes(` ${databaseName} `)) ticks.set(pid, { role: 'postgres', ticks: t });
      else if (/(walwriter|checkpointer|background writer|autovacuum launcher)/.test(title))
        ticks.set(pid, { role: 'postgres_background', ticks: t });
    }
  } catch {
    // no /proc: leave the snapshot empty
  }
  return { ticks, machineBusy, machineTotal, self: process.cpuUsage() };
}

/**
 * CPU milliseconds per operation between two snapshots, by role, plus the machine's busy share.
 * `other` is machine time none of the roles account for (other work on the machine, the kernel's
 * softirq time for loopback traffic).
 */
export function cpuPerOp(a: CpuSnapshot, b: CpuSnapshot, ops: number) {
  const msPerTick = 1000 / TICKS_PER_S;
  const byRole: Record<CpuRole | 'load_generator', number> = {
    server: 0,
    registry_simulator: 0,
    postgres: 0,
    postgres_background: 0,
    load_generator: (b.self.user - a.self.user + b.self.system - a.self.system) / 1000,
  };
  for (const [pid, after] of b.ticks) {
    const before = a.ticks.get(pid)?.ticks ?? 0;
    byRole[after.role] += (after.ticks - before) * msPerTick;
  }
  const machineMs = (b.machineBusy - a.machineBusy) * msPerTick;
  const known = Object.values(byRole).reduce((x, y) => x + y, 0);
  const per = (ms: number) => Math.round((ms / Math.max(1, ops)) * 1000) / 1000;
  return {
    cpu_ms_per_op: {
      ...Object.fromEntries(Object.entries(byRole).map(([k, v]) => [k, per(v)])),
      other: per(Math.max(0, machineMs - known)),
      total: per(machineMs),
    },
    machine_busy_percent:
      b.machineTotal > a.machineTotal
        ? Math.round(((b.machineBusy - a.machineBusy) / (b.machineTotal - a.machineTotal)) * 1000) / 10
        : null,
  };
}
