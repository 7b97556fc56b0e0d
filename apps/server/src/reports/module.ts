import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { App } from '../http/types.ts';
import { startPoller, type Worker, type WorkerLog } from '../jobs/poller.ts';
import type { ReferenceService } from '../reference/service.ts';
import { applyDeltas, rebuildRollups, ROLLUP_BATCH, rollupsBuilt } from './rollups.ts';
import { populationService } from './population.ts';
import { publicDashboard } from './public-dashboard.ts';
import { reportRoutes } from './routes.ts';
import { reportService } from './service.ts';

export { applyDeltas, rebuildRollups, checkRollups, formatRollupCheck, rollupLagSeconds } from './rollups.ts';

/**
 * Reports: the rollups kept as facts arrive, population denominators, the officers' reports and
 * the public dashboard. Made once by the composition root (services.ts).
 */
export function createReportsModule(deps: { config: Config; database: Database }) {
  const { config, database } = deps;
  const rollupSettings = { timeZone: config.TIME_ZONE };
  return {
    rollupSettings,
    registerRoutes(app: App, routeDeps: { reference: ReferenceService }) {
      void routeDeps;
      reportRoutes(app, {
        reports: reportService({
          db: database.db,
          read: database.read,
          settings: { timeZone: config.TIME_ZONE },
        }),
        populations: populationService({ db: database.db, read: database.read }),
        dashboard: publicDashboard({
          read: database.read,
          settings: {
            timeZone: config.TIME_ZONE,
            refreshSeconds: config.PUBLIC_DASHBOARD_REFRESH_S,
            suppressBelow: config.REPORT_SUPPRESS_BELOW,
          },
        }),
        importBodyLimit: config.IMPORT_BODY_LIMIT_BYTES,
        publicPerIpMinute: config.SEARCH_PER_IP_MINUTE,
      });
    },
    jobHandlers: {} as Record<string, (payload: Record<string, unknown>) => Promise<void>>,
    /** Adds the facts recorded since the last pass into the rollups (building them the first time). */
    startWorkers(log: WorkerLog, overrides: { pollMs?: number } = {}): Worker[] {
      let built = false;
      return [
        startPoller({
          name: 'rollups',
          pollMs: overrides.pollMs ?? config.ROLLUP_INTERVAL_MS,
          runBatch: async () => {
            if (!built) {
              if (!(await rollupsBuilt(database.db))) {
                const r = await rebuildRollups(database, rollupSettings);
                log.info({ worker: 'rollups', ms: r.ms, rows: r.rows }, 'rollups built from the facts');
              }
              built = true;
            }
            return applyDeltas(database, rollupSettings);
          },
          // A pass of fewer deltas than a batch took all there were: the next waits the interval,
          // so that under steady load one pass takes in a second's facts instead of many passes a few.
          more: (n) => n >= ROLLUP_BATCH,
          log,
        }),
      ];
    },
  };
}

export type ReportsModule = ReturnType<typeof createReportsModule>;
