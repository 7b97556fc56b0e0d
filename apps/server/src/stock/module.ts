import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { App } from '../http/types.ts';
import { startPoller, type Worker, type WorkerLog } from '../jobs/poller.ts';
import type { ReferenceService } from '../reference/service.ts';
import { stockRoutes } from './routes.ts';
import { stockService } from './service.ts';
import { closeDueVials } from './vials.ts';

export { ensureStores } from './stores.ts';
export { stockCheck, formatStockCheck } from './check.ts';
export { closeVial, usableUntilSql } from './vials.ts';
export { isInsufficientStock } from './repository.ts';

/**
 * Vaccine stock: stores, lots, receipts, allocation, transfers, the ledger, open vials,
 * adjustments and alerts. Made once by the composition root (services.ts); its routes are
 * registered by the app and its workers started with the others.
 */
export function createStockModule(deps: { config: Config; database: Database }) {
  const { config, database } = deps;
  const service = stockService({
    db: database.db,
    read: database.read,
    settings: {
      timeZone: config.TIME_ZONE,
      lowDays: config.STOCK_LOW_DAYS,
      nationalStoreCode: config.NATIONAL_STORE_CODE,
      expiryAlertDays: config.LOT_EXPIRY_ALERT_DAYS,
    },
  });
  return {
    service,
    registerRoutes(app: App, routeDeps: { reference: ReferenceService }) {
      void routeDeps;
      stockRoutes(app, { stock: service });
    },
    jobHandlers: {} as Record<string, (payload: Record<string, unknown>) => Promise<void>>,
    /** Closes vials past their usable time or whose day's sessions ended, counting the rest as wasted. */
    startWorkers(log: WorkerLog, overrides: { pollMs?: number } = {}): Worker[] {
      return [
        startPoller({
          name: 'vials',
          pollMs: overrides.pollMs ?? 60_000,
          runBatch: () => closeDueVials(database.db, config.TIME_ZONE),
          log,
        }),
      ];
    },
  };
}

export type StockModule = ReturnType<typeof createStockModule>;
