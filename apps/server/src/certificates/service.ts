import { createHmac } from 'node:crypto';
import type { Insertable } from 'kysely';
import {
  dccRevocationHash,
  encodeDcc,
  encodeNativeCertificate,
  encodeShc,
  RevocationIndex,
  shcFile,
  shcQrTexts,
  shcRevocationId,
  toDccPayload,
  toDdccDocument,
  TrustStore,
  verifyCertificate,
  type DccSchemaValidator,
  type RevocationLists,
  type VaccinationRecord,
  type VerificationResult,
} from '@dosewise/certificates';
import { authorize, type Principal } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { recordAudit, recordAudits, type AuditEntry } from '../audit/audit.ts';
import { withTransaction, type Db, type Tx } from '../db/database.ts';
import type { CertificateIssueReason, CertificateRevocationReason, CertificateTable } from '../db/schema.ts';
import { badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import { personScopesSeenBy } from '../registration/service.ts';
import { renderCertificatePdf } from './certificate-pdf.ts';
import {
  contentHash,
  hcidChecks,
  newHcid,
  printedDetails,
  recordFor,
  UnissuableError,
  type CertificateSettings,
  type PrintedDetails,
} from './content.ts';
import type { CertificateKeyStore, SigningKeys } from './keys.ts';
import { certificateRepository } from './repository.ts';

export interface CertificateServiceSettings extends CertificateSettings {
  /** How long a certificate is valid from its issue (days); never past its signer's validity. */
  validityDays: number;
  /** The deployment's public URL (the verify page is under it). */
  publicUrl: string;
  /** Keys the SMART Health Card revocation ids (a secret: the published rids name no one). */
  ridKeyHex: string;
  /** The EU DCC JSON schema validator, when the schema is available. */
  dccSchema?: DccSchemaValidator | undefined;
}

type Actor = { kind: 'system' } | { kind: 'staff'; userId: number; ctx?: RequestContext };

const DAY_S = 86_400;
/** How long the verifier reuses the revocation and trust lists it built (ms). */
const LIST_TTL_MS = 5_000;
/** How soon an unknown key id may make the verifier read the trust list again (ms). */
const UNKNOWN_KEY_RELOAD_MS = 1_000;
/** Printed certificates kept in memory: a PDF never changes once its certificate is issued. */
const PDF_CACHE_ENTRIES = 200;

export function certificateService(deps: {
  db: Db;
  vault: IdentifierVault;
  keys: CertificateKeyStore;
  settings: CertificateServiceSettings;
}) {
  const { db, vault, keys, settings } = deps;
  const ridSecret = createHmac('sha256', Buffer.from(settings.ridKeyHex, 'hex'))
    .update('certificate revocation id')
    .digest();
  const pdfCache = new Map<string, Promise<Buffer>>();
  let trustCache: { at: number; generation: number; store: Promise<TrustStore> } | undefined;
  let revocationCache: { at: number; index: Promise<RevocationIndex> } | undefined;

  const auditEntry = (actor: Actor, e: Omit<AuditEntry, 'actorKind' | 'actorId'>): AuditEntry => ({
    ...e,
    actorKind: actor.kind,
    actorId: actor.kind === 'staff' ? actor.userId : null,
    ...(actor.kind === 'staff' && actor.ctx ? { requestId: actor.ctx.requestId, ip: actor.ctx.ip } : {}),
  });
  const audit = (trx: Tx, actor: Actor, e: Omit<AuditEntry, 'actorKind' | 'actorId'>) =>
    recordAudit(trx, auditEntry(actor, e));

  async function sign(record: VaccinationRecord, signing: SigningKeys, issuedAt: Date) {
    const iat = Math.floor(issuedAt.getTime() / 1000);
    const exp = Math.min(
      iat + settings.validityDays * DAY_S,
      Math.floor(signing.dscNotAfter.getTime() / 1000),
    );
    const rid = await shcRevocationId(ridSecret, record.certificate.id);
    const validity = { issuedAt: iat, expiresAt: exp };
    let payload: ReturnType<typeof toDccPayload>;
    try {
      payload = toDccPayload(record);
    } catch (e) {
      // The record cannot make an EU DCC (a product without EU codes, a name without Latin letters).
      throw new UnissuableError(e instanceof Error ? e.message : String(e));
    }
    const [euDcc, shcJws, native] = await Promise.all([
      encodeDcc(payload, signing.dcc, validity),
      encodeShc(record, signing.shc, { ...validity, rid }),
      encodeNativeCertificate(record, signing.native, validity),
    ]);
    return { euDcc, shcJws, native, rid, expiresAt: new Date(exp * 1000) };
  }

  async function revokeRow(
    trx: Tx,
    actor: Actor,
    c: {
      person_id: number;
      id: number;
      hcid: string;
      dsc_kid: string;
      shc_iss: string;
      shc_kid: string;
      shc_rid: string;
    },
    reason: CertificateRevocationReason,
    note: string | null,
  ): Promise<boolean> {
    const uci = await dccRevocationHash('UCI', {
      certificateId: c.hcid,
      issuer: settings.country,
      signature: new Uint8Array(0),
      ecdsa: true,
    });
    const done = await certificateRepository(trx).revoke({
      person_id: c.person_id,
      certificate_id: c.id,
      reason,
      note,
      revoked_by: actor.kind === 'staff' ? actor.userId : null,
      uci_hash: uci!,
      dsc_kid: c.dsc_kid,
      shc_iss: c.shc_iss,
      shc_kid: c.shc_kid,
      shc_rid: c.shc_rid,
    });
    if (done) {
      await audit(trx, actor, {
        action: 'certificate.revoked',
        entityType: 'certificate',
        entityId: c.id,
        details: { personId: c.person_id, reason },
      });
      revocationCache = undefined;
    }
    return done;
  }

  type Reconciling = { reason: CertificateIssueReason; actor: Actor; reissue?: boolean; cause?: string };
  type Listed = Awaited<ReturnType<ReturnType<typeof certificateRepository>['listOf']>>[number];
  /** What one person's certificates need, signed but not yet written. */
  type Plan = {
    revoke: { certificate: Listed; reason: CertificateRevocationReason }[];
    issue: { row: Insertable<CertificateTable>; audit: Record<string, unknown> }[];
  };

  /**
   * What brings a person's certificates in line with the facts: every dose that stands has one
   * certificate in force that says what is true now. A certificate whose dose was voided is
   * revoked; one whose content changed (a corrected name or date of birth) is revoked and a new
   * version issued; a dose without a certificate gets one. `reissue` replaces every certificate
   * in force (staff). Signs the new certificates; writes nothing.
   */
  async function planFor(
    person: Parameters<typeof recordFor>[0] & { idEnc: string },
    doses: Parameters<typeof recordFor>[1][],
    certificates: Listed[],
    opts: Reconciling,
    signing: SigningKeys,
  ): Promise<Plan> {
    const inForce = certificates.filter((c) => !c.revoked_at);
    const standingIds = new Set(doses.map((d) => d.id));
    const plan: Plan = { revoke: [], issue: [] };
    for (const c of inForce)
      if (!standingIds.has(c.dose_id)) plan.revoke.push({ certificate: c, reason: 'dose_voided' });
    let version = Math.max(0, ...certificates.map((c) => c.version)) + 1;
    for (const dose of doses) {
      const base = recordFor(person, dose, settings);
      const details = printedDetails(person, dose, doses);
      const hash = contentHash({ base, details });
      const current = inForce.find((c) => c.dose_id === dose.id);
      if (current && current.content_hash === hash && !opts.reissue) continue;
      if (!current && !opts.reissue) {
        // A certificate staff revoked stays revoked until staff re-issue it.
        const last = certificates.find((c) => c.dose_id === dose.id);
        if (last?.revoked_reason === 'revoked_by_staff') continue;
      }
      // A certificate in force that no longer says what is true is replaced: because the person
      // was corrected (whichever job notices it first), or because the doses it lists changed.
      let reason: CertificateIssueReason = opts.reason;
      let revocation: CertificateRevocationReason = 'replaced';
      if (opts.reissue) {
        reason = 'reissued';
        revocation = 'reissued';
      } else if (current) {
        const personChanged =
          contentHash(personPart(stored(current))) !== contentHash(personPart({ record: base, details }));
        reason = personChanged ? 'person_corrected' : 'dose_corrected';
        revocation = personChanged ? 'person_corrected' : 'replaced';
      }
      if (current) plan.revoke.push({ certificate: current, reason: revocation });
      const issuedAt = new Date();
      const hcid = newHcid(settings.country);
      const record: VaccinationRecord = {
        ...base,
        certificate: { id: hcid, issuer: settings.issuer, version, validFrom: issuedAt.toISOString() },
      };
      const signed = await sign(record, signing, issuedAt);
      record.certificate.validUntil = signed.expiresAt.toISOString();
      plan.issue.push({
        row: {
          person_id: person.id,
          dose_id: dose.id,
          hcid,
          version,
          status: details.status,
          dose_number: dose.doseNumber,
          content_hash: hash,
          record: JSON.stringify({ record, details }),
          identifier_enc: person.idEnc,
          issued_at: issuedAt,
          expires_at: signed.expiresAt,
          eu_dcc: signed.euDcc,
          shc_jws: signed.shcJws,
          native: signed.native,
          dsc_kid: signing.dscKid,
          shc_kid: signing.shcKid,
          shc_iss: signing.iss,
          shc_rid: signed.rid,
          reason,
          issued_by: opts.actor.kind === 'staff' ? opts.actor.userId : null,
          replaces_id: current?.id ?? null,
        },
        audit: {
          personId: person.id,
          doseId: dose.id,
          version,
          status: details.status,
          reason,
          ...(current ? { replaces: current.id } : {}),
        },
      });
      version++;
    }
    return plan;
  }

  /**
   * Brings the certificates of several people in line with the facts (`planFor`), in the caller's
   * transaction: the people locked, their doses and certificates read, the revocations written,
   * and every new certificate and its audit row in one statement each. A person who is not found,
   * or whose certificate cannot be made, gets the error and nothing written; the others are done.
   * Running it again changes nothing, so a job that runs twice issues once.
   */
  async function reconcileIn(
    trx: Tx,
    personIds: number[],
    opts: Reconciling,
    signing: SigningKeys,
  ): Promise<Map<number, { issued: number[]; revoked: number[] } | Error>> {
    const ids = [...new Set(personIds)];
    if (ids.length === 0) return new Map();
    const repo = certificateRepository(trx);
    const people = await repo.lockPeople(ids);
    const doses = await repo.standingDoses(ids);
    const listed = await repo.listOf(ids);
    const outcome = new Map<number, { issued: number[]; revoked: number[] } | Error>();
    const plans = new Map<number, Plan>();
    for (const id of ids) {
      const person = people.get(id);
      if (!person) {
        outcome.set(id, notFound('The person'));
        continue;
      }
      try {
        const certificates = listed.filter((c) => c.person_id === id);
        plans.set(id, await planFor(person, doses.get(id) ?? [], certificates, opts, signing));
      } catch (e) {
        outcome.set(id, e instanceof Error ? e : new Error(String(e)));
      }
    }
    for (const [id, plan] of plans) {
      const revoked: number[] = [];
      for (const r of plan.revoke)
        if (await revokeRow(trx, opts.actor, r.certificate, r.reason, opts.cause ?? null))
          revoked.push(r.certificate.id);
      outcome.set(id, { issued: [], revoked });
    }
    const issuing = [...plans.values()].flatMap((p) => p.issue);
    const issuedIds = await repo.insert(issuing.map((i) => i.row));
    const audits: Omit<AuditEntry, 'actorKind' | 'actorId'>[] = [];
    for (const i of issuing) {
      const id = issuedIds.get(`${i.row.person_id}:${i.row.hcid}`)!;
      (outcome.get(i.row.person_id) as { issued: number[] }).issued.push(id);
      audits.push({
        action: 'certificate.issued',
        entityType: 'certificate',
        entityId: id,
        details: i.audit,
      });
    }
    await recordAudits(
      trx,
      audits.map((e) => auditEntry(opts.actor, e)),
    );
    return outcome;
  }

  /** One person's certificates in line with the facts (`reconcileIn`), in a transaction of their own. */
  async function reconcile(
    personId: number,
    opts: Reconciling,
  ): Promise<{ issued: number[]; revoked: number[] }> {
    const signing = await keys.signing();
    const result = await withTransaction(db, async (trx) => {
      const r = (await reconcileIn(trx, [personId], opts, signing)).get(personId)!;
      if (r instanceof Error) throw r;
      return r;
    });
    // Rebuilt from the committed revocations (a verification meanwhile may have cached the old list).
    if (result.revoked.length) revocationCache = undefined;
    return result;
  }

  /**
   * Certificates after doses for many people at once, in one transaction; for each person, true
   * when done. A person whose certificate could not be made here is left for `reconcile` alone,
   * which says why.
   */
  async function issueAfterDoses(personIds: number[]): Promise<boolean[]> {
    const signing = await keys.signing();
    const outcome = await withTransaction(db, (trx) =>
      reconcileIn(trx, personIds, { reason: 'dose', actor: { kind: 'system' } }, signing),
    );
    const done = personIds.map((id) => !(outcome.get(id) instanceof Error));
    if ([...outcome.values()].some((r) => !(r instanceof Error) && r.revoked.length))
      revocationCache = undefined;
    return done;
  }

  type Row = NonNullable<Awaited<ReturnType<ReturnType<typeof certificateRepository>['one']>>>;

  function dto(row: Row, withQr: boolean) {
    const revoked = row.revoked_at !== null;
    return {
      id: row.id,
      personId: row.person_id,
      hcid: row.hcid,
      version: row.version,
      status: row.status,
      doseId: row.dose_id,
      doseNumber: row.dose_number,
      issuedAt: row.issued_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      reason: row.reason,
      revoked,
      revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
      revokedReason: row.revoked_reason ?? null,
      // A revoked certificate's codes are not handed out again.
      qr: withQr && !revoked ? { euDcc: row.eu_dcc, shc: shcQrTexts(row.shc_jws), native: row.native } : null,
    };
  }

  /**
   * The person's scopes when staff may see the person; undefined for a person outside the caller's
   * scope, as for one who does not exist. Staff look-ups answer both with the same 404, so that none
   * tells staff who, or which certificate, exists beyond what they may see.
   */
  const scopesSeenBy = (staff: Principal, personId: number) => personScopesSeenBy(db, staff, personId);

  /** Staff who may see the person but not correct them are refused (403); others learn nothing (404). */
  async function mayCorrect(staff: Principal, personId: number) {
    const scopes = await scopesSeenBy(staff, personId);
    if (!scopes) throw notFound('The person');
    if (!scopes.some((s) => authorize(staff, 'person.correct', s))) throw forbidden();
  }

  async function inForce(personId: number, certificateId: number): Promise<Row> {
    const row = await certificateRepository(db).one(personId, certificateId);
    if (!row) throw notFound('The certificate');
    if (row.revoked_at)
      throw conflict('certificate_revoked', 'This certificate was revoked; use the newest one.');
    return row;
  }

  async function trustStore(fresh = false): Promise<TrustStore> {
    if (
      !trustCache ||
      fresh ||
      trustCache.generation !== keys.generation ||
      Date.now() - trustCache.at > LIST_TTL_MS
    ) {
      const store = keys.trustList().then((list) => TrustStore.create(list));
      trustCache = { at: Date.now(), generation: keys.generation, store };
      store.catch(() => {
        trustCache = undefined;
      });
    }
    return trustCache.store;
  }

  async function revocationLists(): Promise<Required<RevocationLists>> {
    const rows = await certificateRepository(db).revocations();
    const byKey = new Map<string, { iss: string; kid: string; rids: string[] }>();
    for (const r of rows) {
      const k = `${r.shc_iss}\u0000${r.shc_kid}`;
      const list = byKey.get(k) ?? { iss: r.shc_iss, kid: r.shc_kid, rids: [] };
      list.rids.push(r.shc_rid);
      byKey.set(k, list);
    }
    return {
      dcc: rows.length ? [{ hashType: 'UCI', hashes: rows.map((r) => r.uci_hash) }] : [],
      shc: [...byKey.values()].map((l) => ({
        iss: l.iss,
        kid: l.kid,
        method: 'rid',
        ctr: l.rids.length,
        rids: l.rids,
      })),
    };
  }

  async function revocationIndex(): Promise<RevocationIndex> {
    if (!revocationCache || Date.now() - revocationCache.at > LIST_TTL_MS) {
      const index = revocationLists().then((l) => new RevocationIndex(l));
      revocationCache = { at: Date.now(), index };
      index.catch(() => {
        revocationCache = undefined;
      });
    }
    return revocationCache.index;
  }

  return {
    reconcile,

    /** Job `certificate.issue` (a dose was recorded) and `certificate.revoke` (a dose was corrected). */
    issueAfterDose: (personId: number) => reconcile(personId, { reason: 'dose', actor: { kind: 'system' } }),
    issueAfterDoses,
    afterDoseCorrection: (personId: number, correctionId: unknown) =>
      reconcile(personId, {
        reason: 'dose_corrected',
        actor: { kind: 'system' },
        cause: typeof correctionId === 'number' ? `dose correction ${correctionId}` : 'dose correction',
      }),
    /** Job `certificate.refresh` (the person was corrected). */
    refresh: (personId: number, reason: unknown) =>
      reconcile(personId, {
        reason: 'person_corrected',
        actor: { kind: 'system' },
        ...(typeof reason === 'string' ? { cause: reason.slice(0, 200) } : {}),
      }),

    async list(personId: number) {
      return (await certificateRepository(db).list(personId)).map((r) => dto(r, true));
    },

    async staffReissue(staff: Principal, personId: number, note: string | undefined, ctx: RequestContext) {
      await mayCorrect(staff, personId);
      const r = await reconcile(personId, {
        reason: 'reissued',
        actor: { kind: 'staff', userId: staff.userId, ctx },
        reissue: true,
        ...(note ? { cause: note } : {}),
      });
      if (r.issued.length === 0)
        throw conflict('nothing_to_certify', 'This person has no dose on record to certify.');
      return (await certificateRepository(db).list(personId)).map((row) => dto(row, true));
    },

    async staffRevoke(
      staff: Principal,
      personId: number,
      certificateId: number,
      reason: string,
      ctx: RequestContext,
    ) {
      await mayCorrect(staff, personId);
      await withTransaction(db, async (trx) => {
        // The person locked as issuance locks them: an issuance in progress sees this revocation
        // (and keeps the certificate revoked) or finishes before it.
        await certificateRepository(trx).lockPeople([personId]);
        const row = await certificateRepository(trx).one(personId, certificateId);
        if (!row) throw notFound('The certificate');
        if (row.revoked_at) throw conflict('already_revoked', 'This certificate is already revoked.');
        await revokeRow(trx, { kind: 'staff', userId: staff.userId, ctx }, row, 'revoked_by_staff', reason);
      });
      revocationCache = undefined;
      return dto((await certificateRepository(db).one(personId, certificateId))!, false);
    },

    /** Answers 404 (as for no such person) unless staff may see the person. */
    async mayRead(staff: Principal, personId: number): Promise<void> {
      if (!(await scopesSeenBy(staff, personId))) throw notFound('The person');
    },

    /**
     * The person and certificate an HCID names (staff search). A certificate of a person outside
     * the caller's scope is answered exactly as an HCID no certificate has: the search tells staff
     * nothing of certificates they may not see. The caller records the read of the person.
     */
    async findByHcid(staff: Principal, hcid: string) {
      const id = hcid.trim().toUpperCase();
      if (!hcidChecks(id))
        throw badRequest('invalid_hcid', 'This is not a certificate ID (URN:UVCI:01:BD:…#check).', [
          { field: 'hcid' },
        ]);
      const found = await certificateRepository(db).byHcid(id);
      if (!found || !(await scopesSeenBy(staff, found.person_id))) throw notFound('The certificate');
      return found;
    },

    async one(personId: number, certificateId: number) {
      const row = await certificateRepository(db).one(personId, certificateId);
      if (!row) throw notFound('The certificate');
      return dto(row, true);
    },

    async pdf(personId: number, certificateId: number, locale: 'en' | 'bn' = 'en') {
      const row = await inForce(personId, certificateId);
      const key = `${personId}:${certificateId}:${locale}`;
      let pdf = pdfCache.get(key);
      if (!pdf) {
        const { record, details } = stored(row);
        pdf = renderCertificatePdf(
          {
            details,
            dateOfBirth: record.person.birthDate,
            hcid: row.hcid,
            version: row.version,
            issuedAt: row.issued_at.toISOString(),
            expiresAt: row.expires_at.toISOString(),
            issuer: settings.issuer,
            verifyUrl: `${settings.publicUrl}/verify`,
            qr: { native: row.native, euDcc: row.eu_dcc, shc: shcQrTexts(row.shc_jws) },
          },
          { locale },
        );
        pdfCache.set(key, pdf);
        pdf.catch(() => pdfCache.delete(key));
        if (pdfCache.size > PDF_CACHE_ENTRIES) pdfCache.delete(pdfCache.keys().next().value!);
      }
      return { pdf: await pdf, hcid: row.hcid, version: row.version };
    },

    async smartHealthCardFile(personId: number, certificateId: number) {
      const row = await inForce(personId, certificateId);
      return { file: shcFile([row.shc_jws]), version: row.version };
    },

    /** The WHO DDCC:VS document, rebuilt from the stored record as it was issued. */
    async fhirDocument(personId: number, certificateId: number) {
      const row = await inForce(personId, certificateId);
      const { record, details } = stored(row);
      const idNumber = row.identifier_enc ? vault.decrypt(row.identifier_enc) : undefined;
      return toDdccDocument(
        {
          ...record,
          person: {
            ...record.person,
            ...(idNumber
              ? { identifier: { system: `urn:dosewise:id:${details.idType}`, value: idNumber } }
              : {}),
          },
        },
        { timestamp: row.issued_at },
      );
    },

    trustList: () => keys.trustList(),
    async jwks() {
      const list = await keys.trustList();
      return { keys: list.shc.flatMap((e) => e.jwks.keys) };
    },
    revocationLists,

    /**
     * Verifies a scanned certificate against this deployment's trust list and revocation list.
     * Shows the holder's name, date of birth and doses only for a certificate whose signature holds
     * under a trusted key: anything else might say anything.
     */
    async verify(text: string, now = new Date()) {
      const run = async (trust: TrustStore) =>
        verifyCertificate(text, {
          trust,
          now,
          revocations: await revocationIndex(),
          ...(settings.dccSchema ? { dccSchema: settings.dccSchema } : {}),
        });
      let result = await run(await trustStore());
      // A key another process made since the list was built: look once more, at most once a second.
      if (
        result.reasons.includes('unknown_key') &&
        trustCache &&
        Date.now() - trustCache.at > UNKNOWN_KEY_RELOAD_MS
      )
        result = await run(await trustStore(true));
      return verificationDto(result);
    },
  };
}

export type CertificateService = ReturnType<typeof certificateService>;

/** What a certificate row stores: the record it was encoded from and the printed details. */
function stored(row: { record: unknown }): {
  record: Pick<VaccinationRecord, 'person'> & VaccinationRecord;
  details: PrintedDetails;
} {
  return row.record as { record: VaccinationRecord; details: PrintedDetails };
}

/** What a certificate says about the person (not about the doses). */
function personPart(c: { record: Pick<VaccinationRecord, 'person'>; details: PrintedDetails }) {
  const d = c.details;
  return {
    person: c.record.person,
    nameEn: d.nameEn,
    nameBn: d.nameBn,
    gender: d.gender,
    idType: d.idType,
    idLast4: d.idLast4,
    registrationNumber: d.registrationNumber,
  };
}

export interface ShownDose {
  doseNumber: number | null;
  totalDoses: number | null;
  date: string;
  vaccine: string;
  country: string | null;
}

function verificationDto(r: VerificationResult) {
  const holder = r.decoded && r.signature && r.trusted ? holderOf(r) : null;
  return {
    format: r.format,
    valid: r.valid,
    decoded: r.decoded,
    signature: r.signature,
    trusted: r.trusted,
    keyUsage: r.keyUsage,
    notExpired: r.notExpired,
    notRevoked: r.notRevoked,
    schema: r.schema,
    reasons: [...r.reasons],
    issuer: r.issuer ?? null,
    issuedAt: r.issuedAt !== undefined ? new Date(r.issuedAt * 1000).toISOString() : null,
    expiresAt: r.expiresAt !== undefined ? new Date(r.expiresAt * 1000).toISOString() : null,
    holder,
  };
}

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x && typeof x === 'object' ? (x as Obj) : {});
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const num = (x: unknown): number | null => (typeof x === 'number' ? x : null);

/** Name, date of birth and doses: all a verifier is shown of the holder. */
function holderOf(r: VerificationResult): { name: string; dateOfBirth: string; doses: ShownDose[] } | null {
  const p = obj(r.payload);
  switch (r.format) {
    case 'eu-dcc': {
      const nam = obj(p.nam);
      const doses = (Array.isArray(p.v) ? p.v : []).map((v) => {
        const e = obj(v);
        return {
          doseNumber: num(e.dn),
          totalDoses: num(e.sd),
          date: str(e.dt) ?? '',
          vaccine: str(e.mp) ?? '',
          country: str(e.co),
        };
      });
      return {
        name: [str(nam.gn), str(nam.fn)].filter(Boolean).join(' '),
        dateOfBirth: str(p.dob) ?? '',
        doses,
      };
    }
    case 'dosewise': {
      const v = obj(p.vaccination);
      return {
        name: [str(v.givenName), str(v.familyName)].filter(Boolean).join(' '),
        dateOfBirth: str(v.birthDate) ?? '',
        doses: [
          {
            doseNumber: num(v.doseNumber),
            totalDoses: num(v.totalDoses),
            date: str(v.date) ?? '',
            vaccine: str(v.brand) ?? '',
            country: str(v.country),
          },
        ],
      };
    }
    case 'smart-health-card': {
      const bundle = obj(obj(obj(p.vc).credentialSubject).fhirBundle);
      const resources = (Array.isArray(bundle.entry) ? bundle.entry : []).map((e) => obj(obj(e).resource));
      const patient = resources.find((x) => x.resourceType === 'Patient') ?? {};
      const name = obj(Array.isArray(patient.name) ? patient.name[0] : undefined);
      const given = Array.isArray(name.given) ? name.given.filter((g) => typeof g === 'string') : [];
      const doses = resources
        .filter((x) => x.resourceType === 'Immunization')
        .map((x) => {
          const coding = obj(
            Array.isArray(obj(x.vaccineCode).coding)
              ? (obj(x.vaccineCode).coding as unknown[])[0]
              : undefined,
          );
          return {
            doseNumber: null,
            totalDoses: null,
            date: str(x.occurrenceDateTime) ?? '',
            vaccine: str(coding.display) ?? str(coding.code) ?? '',
            country: null,
          };
        });
      return {
        name: [...given, str(name.family)].filter(Boolean).join(' '),
        dateOfBirth: str(patient.birthDate) ?? '',
        doses,
      };
    }
    case 'unknown':
      return null;
  }
}
