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
    throw Object.assign(new Error(`unknown scenario "${name ?? ''}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  }
  const database = values.db === 'pglite' ? 'pglite' : 'postgres';
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const server = await startServer(database);
  try {
    const ctx: BenchContext = { base: server.base, database };
    const plan = await scenario.prepare(ctx);
    // Warm-up: JIT, caches, connection pool.
    await autocannon({ url: server.base, connections, duration: 3, requests: plan.requests });
    const result = await autocannon({ url: server.base, connections, duration: seconds, requests: plan.requests });
    const ok = result['2xx'];
    const out: BenchResult = {
      scenario: scenario.name,
      database,
      ops: ok,
      seconds: result.duration,
      throughput: Math.round((ok / result.duration) * 10) / 10,
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      errors: result.non2xx + result.errors + result.timeouts,
      extra: {
        connections,
        machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
        node: process.version,
        date: new Date().toISOString().slice(0, 10),
        ...(plan.extra ? await plan.extra() : {}),
      },
    };
    mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench-results', `${scenario.name}.json`), JSON.stringify(out, null, 2) + '\n');
    console.log(
      `${out.scenario} on ${out.database}: ${out.throughput} ops/s, p50 ${out.p50_ms} ms, p99 ${out.p99_ms} ms, errors ${out.errors} (${out.ops} ops in ${out.seconds} s)`,
    );
  } finally {
    await server.stop();
  }
}
