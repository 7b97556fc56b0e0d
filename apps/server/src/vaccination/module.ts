import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { App } from '../http/types.ts';
import type { Worker, WorkerLog } from '../jobs/poller.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { PrepareNotification } from '../registration/ports.ts';
import type { CardKeys } from '../cards/keys.ts';
import type { ReferenceService } from '../reference/service.ts';
import type { RegistrationService } from '../registration/service.ts';
import type { Scope } from '../access/policy.ts';
import { vaccinationCatalog } from './catalog.ts';
import { doseService } from './doses.ts';
import { offlineService } from './offline.ts';
import { aefiService } from './aefi.ts';
import { vaccinationRoutes } from './routes.ts';

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
  const { config, database, vault, prepareMessage, cardKeys } = deps;
  const { db, read } = database;
  const catalog = vaccinationCatalog(read);
  const settings = { timeZone: config.TIME_ZONE, clockToleranceS: config.DEVICE_CLOCK_TOLERANCE_S };
  // Scope look-ups come from the reference service once routes are registered.
  let reference: Pick<ReferenceService, 'facilityScope' | 'areaScope'> | undefined;
  // Where a facility sits, asked on every dose: kept for a few seconds (facilities rarely move).
  const scopes = new Map<number, { at: number; value: Promise<Scope> }>();
  const facilityScope = (facilityId: number): Promise<Scope> => {
    if (!reference) throw new Error('vaccination routes are not registered yet');
    const now = Date.now();
    const hit = scopes.get(facilityId);
    if (hit && now - hit.at < FACILITY_SCOPE_TTL_MS) return hit.value;
    if (scopes.size > 50_000) scopes.clear();
    const value = reference.facilityScope(facilityId);
    scopes.set(facilityId, { at: now, value });
    value.catch(() => scopes.delete(facilityId));
    return value;
  };
  const areaScope = (areaId: number): Promise<Scope> => {
    if (!reference) throw new Error('vaccination routes are not registered yet');
    return reference.areaScope(areaId);
  };
  const doses = doseService({
    db,
    read,
    database,
    vault,
    prepareMessage,
    cardKeys,
    catalog,
    facilityScope,
    settings,
  });
  const offline = offlineService({
    db,
    read,
    vault,
    prepareMessage,
    cardKeys,
    catalog,
    facilityScope,
    settings,
  });
  const aefi = aefiService({ db, read, vault, prepareMessage, catalog, facilityScope, areaScope });
  return {
    doses,
    offline,
    aefi,
    registerRoutes(app: App, routeDeps: { reference: ReferenceService; registration: RegistrationService }) {
      reference = routeDeps.reference;
      vaccinationRoutes(app, {
        doses,
        offline,
        aefi,
        facilityScope,
        reference: routeDeps.reference,
        registration: routeDeps.registration,
        read,
        syncBatchMax: config.SYNC_BATCH_MAX,
      });
    },
    // Certificate jobs queued with each dose are the certificates module's to run.
    jobHandlers: {} as Record<string, (payload: Record<string, unknown>) => Promise<void>>,
    startWorkers(log: WorkerLog, overrides: { pollMs?: number } = {}): Worker[] {
      void log;
      void overrides;
      return [];
    },
  };
}

const FACILITY_SCOPE_TTL_MS = 5_000;

export type VaccinationModule = ReturnType<typeof createVaccinationModule>;
