import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { App } from '../http/types.ts';
import type { Worker, WorkerLog } from '../jobs/poller.ts';
import type { ReferenceService } from '../reference/service.ts';

/**
 * Vaccine stock: stores, lots, receipts, allocation, transfers, the ledger, open vials,
 * adjustments and alerts. Made once by the composition root (services.ts); its routes are
 * registered by the app and its workers started with the others.
 */
export function createStockModule(deps: { config: Config; database: Database }) {
  void deps;
  return {
    registerRoutes(app: App, routeDeps: { reference: ReferenceService }) {
      void app;
      void routeDeps;
    },
    jobHandlers: {} as Record<string, (payload: Record<string, unknown>) => Promise<void>>,
    startWorkers(log: WorkerLog, overrides: { pollMs?: number } = {}): Worker[] {
      void log;
      void overrides;
      return [];
    },
  };
}

export type StockModule = ReturnType<typeof createStockModule>;
