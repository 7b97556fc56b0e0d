import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SCENARIOS, type BenchContext } from './scenarios.ts';
import { startServer } from './server-process.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface BenchResult {
  scenario: string;
  database: 'postgres' | 'pglite';
  ops: number;
  seconds: number;
  throughput: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  extra: Record<string, unknown>;
}

/** Drives the server with autocannon after a short warm-up (JIT, caches, connection pool). */
export async function loadWithAutocannon(
  base: string,
  requests: autocannon.Request[],
  connections: number,
  seconds: number,
) {
  await autocannon({ url: base, connections, duration: 3, requests });
  const result = await autocannon({ url: base, connections, duration: seconds, requests });
  const ok = result['2xx'];
  return {
    ops: ok,
    seconds: result.duration,
    throughput: Math.round((ok / result.duration) * 10) / 10,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

export async function runBench(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string', default: 'postgres' },
      seconds: { type: 'string', default: '20' },
      connections: { type: 'string', default: '50' },
    },
  });
  const name = positionals[0];
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) {
    throw Object.assign(
      new Error(`unknown scenario "${name ?? ''}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`),
      { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' },
    );
  }
  const database = values.db === 'pglite' ? 'pglite' : 'postgres';
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const driver = scenario.start ? await scenario.start() : undefined;
  const server = await startServer(database, {
    env: { ...scenario.serverEnv, ...driver?.env },
    fresh: scenario.freshDatabase ?? false,
  });
  try {
    const ctx: BenchContext = {
      base: server.base,
      database,
      seconds,
      connections,
      serverPid: server.child.pid,
    };
    let measured: Omit<BenchResult, 'scenario' | 'database' | 'extra'> & { extra?: Record<string, unknown> };
    if (driver) {
      measured = await driver.drive(ctx);
    } else {
      const plan = await scenario.prepare!(ctx);
      measured = {
        ...(await loadWithAutocannon(server.base, plan.requests, connections, seconds)),
        extra: plan.extra ? await plan.extra() : {},
      };
    }
    const out: BenchResult = {
      scenario: scenario.name,
      database,
      ops: measured.ops,
      seconds: measured.seconds,
      throughput: measured.throughput,
      p50_ms: measured.p50_ms,
      p99_ms: measured.p99_ms,
      errors: measured.errors,
      extra: {
        connections,
        machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
        node: process.version,
        date: new Date().toISOString().slice(0, 10),
        ...measured.extra,
      },
    };
    mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(
      path.join(ROOT, 'bench-results', `${scenario.name}.json`),
      JSON.stringify(out, null, 2) + '\n',
    );
    console.log(
      `${out.scenario} on ${out.database}: ${out.throughput} ops/s, p50 ${out.p50_ms} ms, p99 ${out.p99_ms} ms, errors ${out.errors} (${out.ops} ops in ${out.seconds} s)`,
    );
  } finally {
    await server.stop();
    await driver?.close();
  }
}
