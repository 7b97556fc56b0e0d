import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../http/errors.ts';
import { autoscheduleService, type RunSummary } from './autoschedule.ts';

/**
 * `dosewise schedule`: one auto-scheduler run against the configured database, in this process,
 * with its progress and summary on the terminal. Returns the exit code.
 */
export async function runScheduleFromCli(
  config: Config,
  database: Database,
  opts: { days?: number | undefined; area?: string | undefined },
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  let areaId: number | undefined;
  if (opts.area !== undefined) {
    const area = await database.db
      .selectFrom('area')
      .select('id')
      .where((eb) =>
        eb.or([
          eb('code', '=', opts.area!),
          eb('id', '=', /^\d+$/.test(opts.area!) ? Number(opts.area) : -1),
        ]),
      )
      .executeTakeFirst();
    if (!area) {
      out(`dosewise: there is no area "${opts.area}"`);
      return 2;
    }
    areaId = area.id;
  }
  const service = autoscheduleService({
    db: database.db,
    database,
    writers: database.kind === 'postgres' ? 2 : 1,
    settings: {
      timeZone: config.TIME_ZONE,
      daysAhead: config.SCHEDULER_DAYS_AHEAD,
      fallbackKm: config.SCHEDULER_FALLBACK_KM,
    },
  });
  let run;
  try {
    run = await service.start(null, { days: opts.days, areaId }, { queue: false });
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 409) {
      out(`dosewise: ${err.message}`);
      return 1;
    }
    throw err;
  }
  out(`run ${run.id}: ${run.params.fromDate} to ${run.params.toDate}${areaId ? `, area ${opts.area}` : ''}`);
  let lastPhase = '';
  const done = await service.execute(run.id, ({ progress, phase }) => {
    if (phase !== lastPhase && phase !== 'done') out(`  ${phase}...`);
    lastPhase = phase;
    if (phase === 'writing') out(`  ${Math.round(progress * 100)}%`);
  });
  if (!done.summary) {
    out(`run ${run.id} ${done.status}${done.error ? `: ${done.error}` : ''}`);
    return 1;
  }
  for (const line of summaryLines(done.summary)) out(line);
  return 0;
}

export function summaryLines(s: RunSummary): string[] {
  const reasons = Object.entries(s.unplaced.byReason).sort((a, b) => b[1] - a[1]);
  return [
    `placed ${s.placed} of ${s.considered} waiting (${s.sms} SMS queued)`,
    `left waiting ${s.unplaced.total}${reasons.length ? ':' : ''}`,
    ...reasons.map(([reason, n]) => `  ${reason.padEnd(24)} ${n}`),
    ...Object.entries(s.byDose).map(
      ([dose, d]) => `dose ${dose}: placed ${d.placed}, left waiting ${d.unplaced}`,
    ),
    ...(s.seatsTakenMeanwhile ? [`seats booked by citizens during the run: ${s.seatsTakenMeanwhile}`] : []),
    `seconds: ${s.seconds.total} (reading ${s.seconds.reading}, assigning ${s.seconds.assigning}, writing ${s.seconds.writing}, recording ${s.seconds.recording})`,
  ];
}
