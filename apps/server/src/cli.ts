import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, configurationMarkdown, loadConfig } from './config.ts';
import { migrate, MigrationError } from './db/migrate.ts';
import { seedDemo } from './seed/demo.ts';
import { connect, start } from './server.ts';

const HELP = `dosewise <command> [options]

  start [--dev] [--api-only]     start the server (API and web app on one port); --dev serves the web app from Vite
  migrate                        apply database migrations and exit
  seed [--people N] [--seed S]   build the demo dataset (deterministic for the same S)
  schedule [--days N] [--area CODE]
                                 run the auto-scheduler now (the whole country, or one area) and print its summary
  stock-check                    prove that every stock balance equals the ledger, none is negative and every
                                 transfer's doses in transit add up; exit code 1 when anything differs
  rollup-rebuild                 recompute every report rollup from the facts (in one transaction; reports keep
                                 answering from the old figures until it commits)
  rollup-check                   prove that the report rollups equal a direct count over the facts; exit code 1
                                 when anything differs
  bench <scenario> [--db postgres|pglite] [--seconds N] [--connections N]
                                 run a benchmark scenario (see docs/benchmarks.md)
  nid-sim                        run the national ID registry simulator (demo; SEED_PEOPLE, SEED_RANDOM, NID_SIM_PORT)
  worker                         run the background workers (SMS delivery, jobs) in a process of their own
  openapi [--out FILE]           print the OpenAPI document (or write FILE as TypeScript types with --out *.d.ts)
  verify --at TIME --trust FILE [--revocations FILE]
                                 verify a certificate QR text read from stdin (EU DCC, SMART Health Card, native)
  config-doc                     print docs/configuration.md from the configuration schema

Environment: see docs/configuration.md (PORT, DOSEWISE_DATA_DIR, DATABASE_URL, ...).`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { values } = parseArgs({
        args: rest,
        options: {
          dev: { type: 'boolean', default: false },
          'api-only': { type: 'boolean', default: false },
        },
      });
      const config = loadConfig(values.dev ? { DOSEWISE_MODE: 'development', ...process.env } : process.env);
      await start(config, { dev: values.dev ?? false, apiOnly: values['api-only'] ?? false });
      return;
    }
    case 'migrate': {
      const database = await connect(loadConfig());
      const applied = await migrate(database.db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      await database.close();
      return;
    }
    case 'seed': {
      const config = loadConfig();
      const { values } = parseArgs({
        args: rest,
        options: { people: { type: 'string' }, seed: { type: 'string' } },
      });
      const people = values.people === undefined ? config.SEED_PEOPLE : Number(values.people);
      const seed = values.seed === undefined ? config.SEED_RANDOM : Number(values.seed);
      if (!Number.isInteger(people) || people < 0 || !Number.isInteger(seed) || seed < 0) {
        throw new UsageError('--people and --seed take whole numbers of 0 or more');
      }
      const database = await connect(config);
      await migrate(database.db);
      const t = Date.now();
      await seedDemo(database, { people, seed, log: (m) => console.log(m) });
      console.log(`seeded in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      await database.close();
      return;
    }
    case 'schedule': {
      const config = loadConfig();
      const { values } = parseArgs({
        args: rest,
        options: { days: { type: 'string' }, area: { type: 'string' } },
      });
      const days = values.days === undefined ? undefined : Number(values.days);
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 60))
        throw new UsageError('--days takes a whole number from 1 to 60');
      const database = await connect(config);
      try {
        await migrate(database.db);
        const { runScheduleFromCli } = await import('./scheduling/schedule-cli.ts');
        process.exitCode = await runScheduleFromCli(config, database, { days, area: values.area });
      } finally {
        await database.close();
      }
      return;
    }
    case 'stock-check': {
      const database = await connect(loadConfig());
      try {
        const { stockCheck, formatStockCheck } = await import('./stock/check.ts');
        const report = await stockCheck(database.db);
        console.log(formatStockCheck(report));
        process.exitCode = report.ok ? 0 : 1;
      } finally {
        await database.close();
      }
      return;
    }
    case 'rollup-rebuild':
    case 'rollup-check': {
      const config = loadConfig();
      const database = await connect(config);
      try {
        const rollups = await import('./reports/rollups.ts');
        const settings = { timeZone: config.TIME_ZONE };
        if (command === 'rollup-rebuild') {
          const r = await rollups.rebuildRollups(database, settings);
          for (const [table, n] of Object.entries(r.rows))
            console.log(`${table.padEnd(24)} ${String(n).padStart(10)} rows`);
          console.log(`rollups rebuilt from the facts in ${(r.ms / 1000).toFixed(1)} s`);
        } else {
          const report = await rollups.checkRollups(database, settings);
          console.log(rollups.formatRollupCheck(report));
          process.exitCode = report.ok ? 0 : 1;
        }
      } finally {
        await database.close();
      }
      return;
    }
    case 'bench': {
      const { runBench } = await import('../bench/run.ts');
      await runBench(rest);
      return;
    }
    case 'openapi': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } } });
      const { openApiDocument, openApiTypes } = await import('./openapi.ts');
      const doc = await openApiDocument();
      if (values.out)
        writeFileSync(
          values.out,
          values.out.endsWith('.ts') ? await openApiTypes(doc) : JSON.stringify(doc, null, 2) + '\n',
        );
      else process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      return;
    }
    case 'nid-sim': {
      const config = loadConfig();
      const { runRegistrySimulator } = await import('./registry/simulator.ts');
      await runRegistrySimulator({
        port: config.NID_SIM_PORT,
        host: '127.0.0.1',
        people: config.SEED_PEOPLE,
        seed: config.SEED_RANDOM,
      });
      return;
    }
    case 'worker': {
      const config = loadConfig();
      if (!config.NID_REGISTRY_URL)
        throw new UsageError(
          'a separate worker process needs NID_REGISTRY_URL (the demo simulator lives with `dosewise start`)',
        );
      const database = await connect(config);
      const { createServices } = await import('./services.ts');
      const pino = (await import('pino')).default;
      const log = pino({ level: config.LOG_LEVEL });
      const services = await createServices(config, database, { log });
      const workers = services.startWorkers(log);
      log.info('workers running: SMS delivery, jobs');
      const stop = async () => {
        await workers.stop();
        await database.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      return;
    }
    case 'verify': {
      const { runVerifyCli } = await import('./certificates/verify-cli.ts');
      process.exitCode = await runVerifyCli(rest, {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
      });
      return;
    }
    case 'config-doc':
      process.stdout.write(configurationMarkdown());
      return;
    case undefined:
    case 'help':
    case '--help':
      console.log(HELP);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof MigrationError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(`dosewise: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
