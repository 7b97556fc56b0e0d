import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { App } from '../http/types.ts';
import type { Worker, WorkerLog } from '../jobs/poller.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { PrepareNotification } from '../registration/ports.ts';
import type { CardKeys } from '../cards/keys.ts';
import type { ReferenceService } from '../reference/service.ts';
import type { RegistrationService } from '../registration/service.ts';

/**
 * Vaccination: recording doses (on-line and from offline devices), corrections and reviews,
 * side-effect (AEFI) reports, and the facility pack a vaccinator's device works from offline.
 */
export function createVaccinationModule(deps: {
  config: Config;
  database: Database;
  vault: IdentifierVault;
  prepareMessage: PrepareNotification;
  cardKeys: CardKeys;
}) {
  void deps;
  return {
    registerRoutes(app: App, routeDeps: { reference: ReferenceService; registration: RegistrationService }) {
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

export type VaccinationModule = ReturnType<typeof createVaccinationModule>;
