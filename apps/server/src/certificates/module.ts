import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDccSchemaValidator, type DccSchemaValidator } from '@dosewise/certificates';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { App } from '../http/types.ts';
import type { Worker, WorkerLog } from '../jobs/poller.ts';
import { PermanentJobError } from '../jobs/runner.ts';
import { AppError } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { ReferenceService } from '../reference/service.ts';
import type { RegistrationService } from '../registration/service.ts';
import { UnissuableError } from './content.ts';
import { certificateKeyStore } from './keys.ts';
import { certificateRoutes } from './routes.ts';
import { certificateService } from './service.ts';

/** Job kinds this module runs: queued with a dose, a dose correction and a person correction. */
export const CERTIFICATE_ISSUE_JOB = 'certificate.issue';
export const CERTIFICATE_REVOKE_JOB = 'certificate.revoke';
export const CERTIFICATE_REFRESH_JOB = 'certificate.refresh';

const ALPHA3: Record<string, string> = { BD: 'BGD' };
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The EU DCC schema, from the setting, else the shared test data beside the repository when present. */
function loadDccSchema(file: string | undefined): DccSchemaValidator | undefined {
  const candidates = file
    ? [file]
    : [
        process.env.DOSEWISE_DCC_SCHEMA,
        path.join(REPO_ROOT, '..', 'shared/testdata/eu-dcc-schema/DCC.combined-schema.json'),
      ].filter((x): x is string => !!x);
  for (const candidate of candidates) {
    let text: string;
    try {
      text = readFileSync(candidate, 'utf8');
    } catch {
      if (file) throw new Error(`CERTIFICATE_DCC_SCHEMA_FILE: cannot read ${file}`);
      continue;
    }
    return createDccSchemaValidator(JSON.parse(text) as object);
  }
  return undefined;
}

/**
 * Certificates: issued after each dose (from the `certificate.issue` jobs the dose queues),
 * re-issued on a correction, revoked when what they say is no longer true; the keys and trust
 * list they are verified against; the PDF; the verification API.
 */
export function createCertificatesModule(deps: {
  config: Config;
  database: Database;
  vault: IdentifierVault;
}) {
  const { config, database, vault } = deps;
  const country = config.CERTIFICATE_COUNTRY;
  const publicUrl = config.PUBLIC_URL.replace(/\/+$/, '');
  const keys = certificateKeyStore({
    db: database.db,
    vault,
    settings: {
      mode: config.DOSEWISE_MODE,
      keyFile: config.CERTIFICATE_KEY_FILE,
      country,
      issuerUrl: publicUrl,
    },
  });
  const certificates = certificateService({
    db: database.db,
    vault,
    keys,
    settings: {
      country,
      countryAlpha3: ALPHA3[country] ?? country,
      issuer: config.CERTIFICATE_ISSUER_NAME,
      validityDays: config.CERTIFICATE_VALIDITY_DAYS,
      publicUrl,
      ridKeyHex: config.DOSEWISE_INDEX_KEY,
      dccSchema: loadDccSchema(config.CERTIFICATE_DCC_SCHEMA_FILE),
    },
  });

  /** A person or product that cannot be certified will not become certifiable by retrying. */
  const job =
    (run: (payload: Record<string, unknown>) => Promise<unknown>) =>
    async (payload: Record<string, unknown>): Promise<void> => {
      try {
        await run(payload);
      } catch (e) {
        if (e instanceof UnissuableError || (e instanceof AppError && e.statusCode === 404))
          throw new PermanentJobError(e.message);
        throw e;
      }
    };

  return {
    certificates,
    keys,
    registerRoutes(app: App, routeDeps: { reference: ReferenceService; registration: RegistrationService }) {
      certificateRoutes(app, {
        certificates,
        registration: routeDeps.registration,
        settings: { verifyPerIpMinute: config.CERTIFICATE_VERIFY_PER_IP_MINUTE },
      });
    },
    jobHandlers: {
      [CERTIFICATE_ISSUE_JOB]: job((p) => certificates.issueAfterDose(Number(p.personId))),
      [CERTIFICATE_REVOKE_JOB]: job((p) =>
        certificates.afterDoseCorrection(Number(p.personId), p.correctionId),
      ),
      [CERTIFICATE_REFRESH_JOB]: job((p) => certificates.refresh(Number(p.personId), p.reason)),
    } as Record<string, (payload: Record<string, unknown>) => Promise<void>>,
    /** Certificates after doses, many people in one transaction; what a batch leaves runs alone. */
    jobBatchHandlers: {
      [CERTIFICATE_ISSUE_JOB]: (payloads: Record<string, unknown>[]) =>
        certificates.issueAfterDoses(payloads.map((p) => Number(p.personId))),
    } as Record<string, (payloads: Record<string, unknown>[]) => Promise<boolean[]>>,
    startWorkers(log: WorkerLog, overrides: { pollMs?: number } = {}): Worker[] {
      // Certificates are issued by the shared job runner; nothing polls on its own.
      void log;
      void overrides;
      return [];
    },
  };
}

export type CertificatesModule = ReturnType<typeof createCertificatesModule>;
