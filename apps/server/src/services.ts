import path from 'node:path';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { accessService } from './access/service.ts';
import { referenceService } from './reference/service.ts';
import { identifierVault } from './privacy/identifiers.ts';
import { enqueueNotification, notificationRow } from './notifications/outbox.ts';
import { createSmsProvider } from './notifications/providers.ts';
import type { TemplateName, TemplateParams } from './notifications/templates.ts';
import { apiProcessCount } from './cluster.ts';
import { sendRates } from './notifications/rate.ts';
import { DEFAULT_DELIVERY_SETTINGS } from './notifications/settings.ts';
import { startNotificationWorker } from './notifications/worker.ts';
import { DEFAULT_JOB_RUNNER_SETTINGS, startJobRunner } from './jobs/runner.ts';
import { startPoller, type Worker, type WorkerLog } from './jobs/poller.ts';
import { purgeExpired, vacuumQueues } from './jobs/housekeeping.ts';
import { createRegistry, registrySettingsFromConfig, type RegistryAdapter } from './registry/index.ts';
import { otpService } from './registration/otp.ts';
import { registrationService } from './registration/service.ts';
import { priorityGroupService } from './registration/groups.ts';
import { cardService } from './cards/service.ts';
import { loadCardKeys } from './cards/keys.ts';
import type { Notify, PrepareNotification } from './registration/ports.ts';
import { registrationReference } from './registration/repository.ts';
import { idRulesFromConfig } from './registration/id-rules.ts';
import { availabilityService } from './availability/service.ts';
import { sessionService } from './scheduling/sessions.ts';
import { bookingService } from './scheduling/booking.ts';
import { autoscheduleService, JOB_KIND as SCHEDULE_RUN_JOB } from './scheduling/autoschedule.ts';
import { createStockModule } from './stock/module.ts';
import { ensureStores } from './stock/stores.ts';
import { createVaccinationModule } from './vaccination/module.ts';
import { createCertificatesModule } from './certificates/module.ts';
import { createReportsModule } from './reports/module.ts';

/**
 * The composition root: every service is made here from the configuration and the database, with
 * its dependencies passed in. Nothing else constructs services, and nothing is global.
 */
export async function createServices(
  config: Config,
  database: Database,
  opts: { registryUrl?: string | undefined; log?: WorkerLog } = {},
) {
  const { db, read } = database;
  const vault = identifierVault(config.DOSEWISE_DATA_KEY, config.DOSEWISE_INDEX_KEY);
  const reference = referenceService({
    db,
    read,
    facilitiesAdded: async (q) => {
      await ensureStores(q, { nationalStoreCode: config.NATIONAL_STORE_CODE });
    },
  });
  const availability = availabilityService({ db, read, timeZone: config.TIME_ZONE });
  const access = accessService({
    db,
    settings: {
      tokenSecret: config.DOSEWISE_TOKEN_SECRET,
      accessTtlS: config.ACCESS_TOKEN_TTL_S,
      refreshTtlS: config.REFRESH_TOKEN_TTL_S,
      maxFailures: config.LOGIN_MAX_FAILURES,
      lockoutS: config.LOGIN_LOCKOUT_S,
    },
    resolveScope: (areaId, facilityId) => reference.grantScope(areaId, facilityId),
  });
  const notify: Notify = async (trx, m) => {
    await enqueueNotification(
      trx,
      {
        to: m.to,
        template: m.template as TemplateName,
        locale: m.locale,
        params: m.params as TemplateParams<TemplateName>,
        personId: m.personId ?? null,
      },
      vault,
    );
  };
  /** The same message as its outbox row, for repositories that store it in the fact's own statement. */
  const prepareMessage: PrepareNotification = (m) =>
    notificationRow(
      {
        to: m.to,
        template: m.template as TemplateName,
        locale: m.locale,
        params: m.params as TemplateParams<TemplateName>,
        personId: m.personId ?? null,
      },
      vault,
    );
  const registrationRef = registrationReference(db, { ttlMs: config.REFERENCE_CACHE_TTL_MS });
  const registryUrl = opts.registryUrl ?? config.NID_REGISTRY_URL;
  const registry: RegistryAdapter | undefined = registryUrl
    ? createRegistry(registrySettingsFromConfig(config, { baseUrl: registryUrl }))
    : undefined;
  const unavailableRegistry: RegistryAdapter = {
    verify: async () => ({ status: 'unavailable', reason: 'network_error' }),
  };
  const otp = otpService({
    db,
    vault,
    prepareMessage,
    settings: {
      ttlS: config.OTP_TTL_S,
      maxTries: config.OTP_MAX_TRIES,
      maxPerPhoneHour: config.OTP_MAX_PER_PHONE_HOUR,
      maxPerPhoneDay: config.OTP_MAX_PER_PHONE_DAY,
      maxPerIpHour: config.OTP_MAX_PER_IP_HOUR,
      tokenSecret: config.DOSEWISE_TOKEN_SECRET,
      citizenTokenTtlS: config.CITIZEN_TOKEN_TTL_S,
      indexKeyHex: config.DOSEWISE_INDEX_KEY,
    },
  });
  const idRules = idRulesFromConfig(config.ID_RULES);
  const registration = registrationService({
    db,
    read,
    vault,
    registry: registry ?? unavailableRegistry,
    notify,
    prepareMessage,
    reference: registrationRef,
    settings: {
      peoplePerPhone: config.PEOPLE_PER_PHONE,
      registrationPrefix: config.REGISTRATION_NUMBER_PREFIX,
      consentVersion: config.CONSENT_NOTICE_VERSION,
      idRules,
      centreAreaDepth: 1,
      timeZone: config.TIME_ZONE,
    },
  });
  const groups = priorityGroupService({
    db,
    read,
    vault,
    idRules,
    timeZone: config.TIME_ZONE,
    reference: registrationRef,
  });
  const cardKeys = await loadCardKeys({
    dataDir: config.DOSEWISE_DATA_DIR,
    mode: config.DOSEWISE_MODE,
    keyFile: config.CARD_SIGNING_KEY_FILE,
  });
  const cards = cardService({ db, keys: cardKeys });
  /** Set by startWorkers: a queued job is looked at now rather than at the runner's next poll. */
  let nudgeJobs: () => void = () => undefined;
  const autoschedule = autoscheduleService({
    db,
    database,
    settings: {
      timeZone: config.TIME_ZONE,
      daysAhead: config.SCHEDULER_DAYS_AHEAD,
      fallbackKm: config.SCHEDULER_FALLBACK_KM,
    },
    nudgeJobs: () => nudgeJobs(),
    // Two connections write appointments at once on a server; the embedded database has one.
    writers: database.kind === 'postgres' ? 2 : 1,
  });
  const sessions = sessionService({
    db,
    read,
    vault,
    settings: { timeZone: config.TIME_ZONE, remindersFrom: config.REMINDERS_FROM },
  });
  const booking = bookingService({
    db,
    read,
    database,
    alternatives: (q) => availability.nearestAlternatives(q),
    vault,
    settings: {
      timeZone: config.TIME_ZONE,
      maxReschedules: config.MAX_RESCHEDULES,
      daysAhead: config.BOOKING_DAYS_AHEAD,
      perPersonDay: config.BOOKING_PER_PERSON_DAY,
      perPhoneDay: config.BOOKING_PER_PHONE_DAY,
    },
  });

  const stock = createStockModule({ config, database });
  const vaccination = createVaccinationModule({ config, database, vault, prepareMessage, cardKeys });
  const certificates = createCertificatesModule({ config, database, vault });
  const reports = createReportsModule({ config, database });

  const smsProvider = () =>
    createSmsProvider(
      {
        provider: config.SMS_PROVIDER ?? 'file',
        filePath: config.SMS_FILE_PATH ?? path.join(config.DOSEWISE_DATA_DIR, 'sms-outbox.jsonl'),
        consolePrintMessages: config.SMS_CONSOLE_PRINT,
        http: config.SMS_HTTP_URL
          ? {
              url: config.SMS_HTTP_URL,
              method: config.SMS_HTTP_METHOD,
              authHeaderName: config.SMS_HTTP_AUTH_HEADER,
              authHeaderValue: config.SMS_HTTP_AUTH_VALUE ?? '',
              bodyTemplate: config.SMS_HTTP_BODY_TEMPLATE,
              contentType: config.SMS_HTTP_CONTENT_TYPE,
              timeoutMs: config.SMS_HTTP_TIMEOUT_MS,
              responseRefField: config.SMS_HTTP_RESPONSE_REF_FIELD,
            }
          : undefined,
      },
      opts.log ?? silentLog,
    );

  /** Background workers: SMS delivery and jobs. In-process by default; `dosewise worker` runs them alone. */
  let smsWorkers: Worker[] = [];
  /**
   * Called after a sign-in code is queued: a delivery loop looks within a few milliseconds instead
   * of at its next poll. The codes queued in those milliseconds go out in one pass of one loop (one
   * claim for the lot rather than a claim per code and loop), and the loops take turns.
   */
  let nudgeTimer: NodeJS.Timeout | undefined;
  let nextLoop = 0;
  const nudgeSms = () => {
    if (nudgeTimer || smsWorkers.length === 0) return;
    nudgeTimer = setTimeout(() => {
      nudgeTimer = undefined;
      smsWorkers[nextLoop++ % smsWorkers.length]?.nudge();
    }, SMS_NUDGE_WINDOW_MS).unref();
  };

  function startWorkers(log: WorkerLog, overrides: { pollMs?: number } = {}) {
    // On a server database several delivery loops share the outbox (SKIP LOCKED splits it);
    // the embedded database has one connection, so one loop.
    const loops = database.kind === 'postgres' ? config.SMS_WORKERS : 1;
    const provider = smsProvider();
    // The gateway's rates are the deployment's: each API process sends its share.
    const rates = sendRates({
      perSecond: config.SMS_SEND_RATE,
      bulkPerSecond: config.SMS_BULK_RATE,
      processes: apiProcessCount(config, database.kind),
    });
    smsWorkers = Array.from({ length: loops }, () =>
      startNotificationWorker({
        db,
        vault,
        provider,
        rates,
        settings: { ...DEFAULT_DELIVERY_SETTINGS, maxAttempts: config.SMS_MAX_ATTEMPTS, ...overrides },
        log,
      }),
    );
    const jobs = startJobRunner({
      db,
      handlers: {
        'registration.recheck': async (payload) => registration.recheck(Number(payload.personId)),
        [SCHEDULE_RUN_JOB]: (payload) => autoschedule.handleJob(payload),
        ...stock.jobHandlers,
        ...vaccination.jobHandlers,
        ...certificates.jobHandlers,
        ...reports.jobHandlers,
      },
      batchHandlers: certificates.jobBatchHandlers,
      settings: { ...DEFAULT_JOB_RUNNER_SETTINGS, ...overrides },
      log,
    });
    nudgeJobs = () => jobs.nudge();
    // Sessions that ended: missed appointments back to the queue; tomorrow's reminders.
    const sessionUpkeep = startPoller({
      name: 'sessions',
      pollMs: overrides.pollMs ?? 60_000,
      runBatch: async () => (await sessions.settleEnded()) + (await sessions.sendReminders()),
      log,
    });
    // Expired sign-in challenges and ended abuse-limit windows.
    const housekeeping = startPoller({
      name: 'housekeeping',
      pollMs: overrides.pollMs ?? 600_000,
      runBatch: () => purgeExpired(db),
      log,
    });
    // The queues' dead rows, when the database server leaves them (autovacuum off). Not part of
    // drain(): a pass is upkeep, not work anyone waits for.
    const queueUpkeep = startPoller({
      name: 'queue upkeep',
      pollMs: overrides.pollMs ?? 60_000,
      runBatch: async () => {
        await vacuumQueues(db);
        return 0;
      },
      log,
    });
    const moduleWorkers = [
      housekeeping,
      ...stock.startWorkers(log, overrides),
      ...vaccination.startWorkers(log, overrides),
      ...certificates.startWorkers(log, overrides),
      ...reports.startWorkers(log, overrides),
    ];
    return {
      async drain() {
        // Jobs first: what they queue (a re-check's SMS) goes out in the same drain.
        let n = await sessionUpkeep.drain();
        for (const w of moduleWorkers) n += await w.drain();
        n += await jobs.drain();
        for (const w of smsWorkers) n += await w.drain();
        return n;
      },
      async stop() {
        await Promise.all([
          ...smsWorkers.map((w) => w.stop()),
          jobs.stop(),
          sessionUpkeep.stop(),
          queueUpkeep.stop(),
          ...moduleWorkers.map((w) => w.stop()),
        ]);
        smsWorkers = [];
      },
    };
  }

  return {
    vault,
    reference,
    availability,
    access,
    otp,
    registration,
    groups,
    cards,
    sessions,
    booking,
    autoschedule,
    stock,
    vaccination,
    certificates,
    reports,
    registry,
    startWorkers,
    nudgeSms,
  };
}

/** How long a nudge waits for more codes to go out with the first (milliseconds). */
const SMS_NUDGE_WINDOW_MS = 5;

const silentLog: WorkerLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export type Services = Awaited<ReturnType<typeof createServices>>;
