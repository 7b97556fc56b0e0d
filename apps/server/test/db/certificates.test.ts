import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import path from 'node:path';
import {
  createCountrySigningCa,
  createDccIssuer,
  createDccSchemaValidator,
  createDocumentSigner,
  encodeDcc,
  generateSigningKey,
  RevocationIndex,
  TrustStore,
  verifyCertificate,
  type RevocationLists,
  type TrustList,
} from '@dosewise/certificates';
import { exportJWK } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateKeyError, certificateKeyStore } from '../../src/certificates/keys.ts';
import { runVerifyCli } from '../../src/certificates/verify-cli.ts';
import { identifierVault } from '../../src/privacy/identifiers.ts';
import { enqueueJob } from '../../src/jobs/queue.ts';
import { withTransaction } from '../../src/db/database.ts';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import { bulkPeople, type BulkPerson } from '../support/bulk-people.ts';
import { productId } from '../support/sessions.ts';
import { expectError } from './helpers.ts';

interface CertificateDto {
  id: number;
  personId: number;
  hcid: string;
  version: number;
  status: 'provisional' | 'complete' | 'booster';
  doseId: number;
  doseNumber: number;
  reason: string;
  revoked: boolean;
  revokedReason: string | null;
  qr: { euDcc: string; shc: string[]; native: string } | null;
}

interface VerificationDto {
  format: string;
  valid: boolean;
  reasons: string[];
  notRevoked: boolean;
  holder: { name: string; dateOfBirth: string; doses: { doseNumber: number | null; date: string }[] } | null;
}

const NAME_EN = 'Mohammad Abdullah Al Mamun Chowdhury Bin Rahman Talukder Kha'; // 60 characters
const NAME_BN = 'মোহাম্মদ আব্দুল্লাহ আল মামুন চৌধুরী বিন রহমান তালুকদার খান';
const GIVEN = ['Ayesha Siddiqua', 'Kamal', 'Farida Yasmin', 'Rafiqul Islam', 'Shirin', 'Tanvir', 'Nasima'];
const DCC_SCHEMA = createDccSchemaValidator(
  JSON.parse(
    readFileSync(path.resolve('../shared/testdata/eu-dcc-schema/DCC.combined-schema.json'), 'utf8'),
  ) as object,
);

const hasPoppler = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Certificates: issued from doses by the job, verifiable against what the server publishes. */
describe('certificates', () => {
  let t: TestContext;
  let people: BulkPerson[];
  let facility: { id: number; name_en: string };
  let lotId: number;
  let comirnaty: number;
  let admin: string;

  beforeAll(async () => {
    // A SMART Health Card issuer is an https URL.
    t = await testApp({ PUBLIC_URL: 'https://vaccination.example.gov.bd' });
    const db = t.database.db;
    people = await bulkPeople(db, { count: 7, secrets: TEST_SECRETS, batch: 61 });
    for (const [i, p] of people.entries())
      await db
        .updateTable('person')
        .set({ name_en: `${GIVEN[i]} Rahman`, name_bn: null })
        .where('id', '=', p.personId)
        .execute();
    facility = await db
      .selectFrom('facility')
      .select(['id', 'name_en'])
      .where('type', '<>', 'store')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    comirnaty = await productId(db, 'COMIRNATY');
    lotId = (
      await db
        .insertInto('lot')
        .values({
          product_id: comirnaty,
          lot_number: 'FK8891',
          manufacturer: 'BioNTech Manufacturing GmbH',
          expires_on: '2030-01-01',
          doses_per_vial: 6,
          created_by: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    admin = await t.auth('admin');
  });
  /** Temporary files (a key file among them) go when the file's tests are done. */
  const afterDirs: string[] = [];
  afterAll(async () => {
    for (const dir of afterDirs) rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  /** A dose as the vaccination module records it: the row and its certificate job in one transaction. */
  async function giveDose(personId: number, doseNumber: number, date: string): Promise<number> {
    return withTransaction(t.database.db, async (trx) => {
      const d = await trx
        .insertInto('dose')
        .values({
          person_id: personId,
          dose_number: doseNumber,
          product_id: comirnaty,
          facility_id: facility.id,
          administered_on: date,
          administered_at: new Date(`${date}T04:00:00Z`),
          appointment_id: null,
          recorded_by: null,
          voided_at: null,
          lot_id: lotId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await enqueueJob(trx, 'certificate.issue', { personId, doseId: d.id });
      return d.id;
    });
  }

  /** A supervisor corrects a dose as entered in error (the vaccination module queues the revoke job). */
  async function enteredInError(personId: number, doseId: number): Promise<void> {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/people/${personId}/doses/${doseId}/corrections`,
      headers: { authorization: admin },
      payload: { kind: 'entered_in_error', reason: 'recorded for the wrong visit' },
    });
    expect(res.statusCode, res.body).toBe(201);
  }

  const citizen = (p: BulkPerson) => ({ authorization: `Bearer ${p.token}` });
  const get = async <T>(url: string, headers: Record<string, string> = {}) => {
    const res = await t.app.inject({ method: 'GET', url, headers });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    return { body: res.json<T>(), raw: res.body };
  };
  const certificatesOf = async (p: BulkPerson) =>
    (await get<{ items: CertificateDto[] }>(`/api/citizen/people/${p.personId}/certificates`, citizen(p)))
      .body.items;
  const verifyApi = async (text: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/public/verify', payload: { text } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    return res.json<VerificationDto>();
  };
  /** The verifier library, offline, with exactly what the server publishes. */
  const verifyOffline = async (text: string, at = new Date()) => {
    const trust = (await get<TrustList>('/api/public/trust-list')).body;
    const revocations = (await get<RevocationLists>('/api/public/revocations')).body;
    return verifyCertificate(text, {
      trust: await TrustStore.create(trust),
      now: at,
      revocations: new RevocationIndex(revocations),
      dccSchema: DCC_SCHEMA,
    });
  };
  const allTexts = (c: CertificateDto) => [c.qr!.euDcc, c.qr!.shc.join('\n'), c.qr!.native];

  it('issues a certificate after a dose whose three QR codes verify against the published trust list', async () => {
    const p = people[0]!;
    await giveDose(p.personId, 1, '2026-01-10');
    await t.drain();
    const [c, ...rest] = await certificatesOf(p);
    expect(rest).toHaveLength(0);
    expect(c).toMatchObject({
      version: 1,
      status: 'provisional',
      doseNumber: 1,
      reason: 'dose',
      revoked: false,
    });
    expect(c!.hcid).toMatch(/^URN:UVCI:01:BD:[0-9A-Z]{20}#[0-9A-Z]$/);
    expect(c!.qr!.euDcc).toMatch(/^HC1:/);
    expect(c!.qr!.shc[0]).toMatch(/^shc:\/\d+$/);
    expect(c!.qr!.native).toMatch(/^DWV1:/);
    const formats: string[] = [];
    for (const text of allTexts(c!)) {
      const r = await verifyOffline(text);
      expect(r.valid, `${r.format}: ${r.reasons.join(', ')}`).toBe(true);
      formats.push(r.format);
    }
    expect(formats).toEqual(['eu-dcc', 'smart-health-card', 'dosewise']);
    // The EU DCC says dose 1 of 2, for this person, from the vaccination centre's country.
    const eu = await verifyOffline(c!.qr!.euDcc);
    const v = (eu.payload as { v: { dn: number; sd: number; dt: string; co: string; ci: string }[] }).v[0]!;
    expect(v).toMatchObject({ dn: 1, sd: 2, dt: '2026-01-10', co: 'BD', ci: c!.hcid });
    // The same through the API, which shows name, date of birth and doses.
    const api = await verifyApi(c!.qr!.native);
    expect(api.valid).toBe(true);
    expect(api.holder).toMatchObject({
      dateOfBirth: '1980-01-01',
      doses: [{ doseNumber: 1, date: '2026-01-10' }],
    });
    expect(api.holder!.name).toBe('Ayesha Siddiqua Rahman');
    // Every step is audited.
    const audit = await t.database.db
      .selectFrom('audit_event')
      .select(['action', 'actor_kind'])
      .where('entity_type', '=', 'certificate')
      .where('entity_id', '=', String(c!.id))
      .execute();
    expect(audit).toEqual([{ action: 'certificate.issued', actor_kind: 'system' }]);
  });

  it('issues once when the job runs twice', async () => {
    const p = people[1]!;
    const doseId = await giveDose(p.personId, 1, '2026-01-11');
    await t.drain();
    await withTransaction(t.database.db, (trx) =>
      enqueueJob(trx, 'certificate.issue', { personId: p.personId, doseId }),
    );
    await t.drain();
    await t.services.certificates.jobHandlers['certificate.issue']!({ personId: p.personId, doseId });
    expect(await certificatesOf(p)).toHaveLength(1);
    // Two runners taking the jobs of two doses at once still issue one certificate per dose.
    const second = await giveDose(p.personId, 2, '2026-02-11');
    const issue = t.services.certificates.jobHandlers['certificate.issue']!;
    await Promise.all([
      issue({ personId: p.personId, doseId: second }),
      issue({ personId: p.personId, doseId: second }),
      issue({ personId: p.personId, doseId }),
    ]);
    await t.drain();
    expect((await certificatesOf(p)).map((c) => [c.version, c.doseNumber])).toEqual([
      [2, 2],
      [1, 1],
    ]);
  });

  it('issues the certificates of many doses in one go, and leaves a dose it cannot certify to fail alone', async () => {
    const db = t.database.db;
    const more = await bulkPeople(db, { count: 5, secrets: TEST_SECRETS, batch: 62 });
    for (const [i, p] of more.entries())
      await db
        .updateTable('person')
        .set({ name_en: `${GIVEN[i]} Hossain`, name_bn: null })
        .where('id', '=', p.personId)
        .execute();
    // A name with no Latin letters cannot make an EU DCC: that person's certificate cannot be made.
    await db.updateTable('person').set({ name_en: NAME_BN }).where('id', '=', more[2]!.personId).execute();
    const doses = [
      await giveDose(more[0]!.personId, 1, '2026-05-02'),
      await giveDose(more[1]!.personId, 1, '2026-05-02'),
      await giveDose(more[2]!.personId, 1, '2026-05-02'),
      await giveDose(more[3]!.personId, 1, '2026-05-02'),
      await giveDose(more[3]!.personId, 2, '2026-06-02'),
      await giveDose(more[4]!.personId, 1, '2026-05-02'),
    ];
    await t.drain();
    for (const p of [more[0]!, more[1]!, more[4]!]) {
      const list = await certificatesOf(p);
      expect(list.map((c) => [c.version, c.doseNumber, c.status, c.revoked])).toEqual([
        [1, 1, 'provisional', false],
      ]);
      for (const text of allTexts(list[0]!)) expect((await verifyOffline(text)).valid).toBe(true);
    }
    expect((await certificatesOf(more[3]!)).map((c) => [c.version, c.doseNumber, c.status])).toEqual([
      [2, 2, 'complete'],
      [1, 1, 'provisional'],
    ]);
    expect(await certificatesOf(more[2]!)).toEqual([]);
    const jobs = await db
      .selectFrom('job')
      .select(['status', 'last_error', 'attempts'])
      .where('kind', '=', 'certificate.issue')
      .where(sql<boolean>`(payload ->> 'doseId')::bigint = any(${doses}::bigint[])`)
      .orderBy('id')
      .execute();
    expect(jobs.map((j) => j.status)).toEqual(['done', 'done', 'failed', 'done', 'done', 'done']);
    expect(jobs[2]!.last_error).toMatch(/Latin/);
    // Issued together: one transaction, so one time on every audit row of the five certificates.
    const audit = await db
      .selectFrom('audit_event')
      .select(['occurred_at', 'details'])
      .where('action', '=', 'certificate.issued')
      .where(sql<boolean>`(details ->> 'personId')::bigint = any(${more.map((p) => p.personId)}::bigint[])`)
      .execute();
    expect(audit).toHaveLength(5);
    expect(new Set(audit.map((a) => new Date(a.occurred_at).getTime())).size).toBe(1);
  });

  it('is provisional, then complete, then booster', async () => {
    const p = people[2]!;
    await giveDose(p.personId, 1, '2026-01-01');
    await giveDose(p.personId, 2, '2026-02-01');
    await giveDose(p.personId, 3, '2026-08-01');
    await t.drain();
    const list = await certificatesOf(p);
    expect(list.map((c) => [c.version, c.doseNumber, c.status])).toEqual([
      [3, 3, 'booster'],
      [2, 2, 'complete'],
      [1, 1, 'provisional'],
    ]);
    const booster = await verifyOffline(list[0]!.qr!.euDcc);
    expect((booster.payload as { v: { dn: number; sd: number }[] }).v[0]).toMatchObject({ dn: 3, sd: 3 });
    const complete = await verifyOffline(list[1]!.qr!.euDcc);
    expect((complete.payload as { v: { dn: number; sd: number }[] }).v[0]).toMatchObject({ dn: 2, sd: 2 });
  });

  it('revokes what a dose entered in error produced, and the published list makes verifiers say revoked', async () => {
    const p = people[3]!;
    await giveDose(p.personId, 1, '2026-03-01');
    const second = await giveDose(p.personId, 2, '2026-04-01');
    await t.drain();
    const before = await certificatesOf(p);
    const wrong = before.find((c) => c.doseId === second)!;
    await enteredInError(p.personId, second);
    await t.drain();
    const after = await certificatesOf(p);
    expect(after.find((c) => c.id === wrong.id)).toMatchObject({
      revoked: true,
      revokedReason: 'dose_voided',
      qr: null,
    });
    expect(after.filter((c) => !c.revoked).map((c) => c.doseNumber)).toEqual([1]);
    for (const text of allTexts(wrong)) {
      const offline = await verifyOffline(text);
      expect(offline.valid).toBe(false);
      expect(offline.notRevoked).toBe(false);
      expect(offline.reasons).toContain('revoked');
      const api = await verifyApi(text);
      expect(api).toMatchObject({ valid: false, notRevoked: false });
      expect(api.reasons).toContain('revoked');
    }
    // The verifier command, with the files a verifier downloads, says the same.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'certificate-lists-'));
    writeFileSync(path.join(dir, 'trust.json'), (await get('/api/public/trust-list')).raw);
    writeFileSync(path.join(dir, 'revocations.json'), (await get('/api/public/revocations')).raw);
    afterDirs.push(dir);
    const cli = async (text: string) => {
      let out = '';
      const code = await runVerifyCli(
        [
          'verify',
          '--at',
          new Date().toISOString(),
          '--trust',
          path.join(dir, 'trust.json'),
          '--revocations',
          path.join(dir, 'revocations.json'),
        ],
        {
          stdin: Readable.from([text]),
          stdout: { write: (s: string) => (out += s) },
          stderr: { write: () => true },
        },
      );
      return { code, report: JSON.parse(out) as { valid: boolean; notRevoked: boolean } };
    };
    expect(await cli(wrong.qr!.shc.join('\n'))).toMatchObject({
      code: 1,
      report: { valid: false, notRevoked: false },
    });
    expect(await cli(before.find((c) => c.doseNumber === 1)!.qr!.euDcc)).toMatchObject({
      code: 0,
      report: { valid: true },
    });
    // The first dose's certificate still stands.
    expect((await verifyOffline(before.find((c) => c.doseNumber === 1)!.qr!.native)).valid).toBe(true);
    const revocations = await t.database.db
      .selectFrom('audit_event')
      .select('action')
      .where('entity_type', '=', 'certificate')
      .where('entity_id', '=', String(wrong.id))
      .orderBy('id')
      .execute();
    expect(revocations.map((r) => r.action)).toEqual(['certificate.issued', 'certificate.revoked']);
  });

  it('replaces a later certificate whose list of doses a correction changed', async () => {
    const p = people[6]!;
    const first = await giveDose(p.personId, 1, '2026-03-05');
    await giveDose(p.personId, 2, '2026-04-05');
    await t.drain();
    await enteredInError(p.personId, first);
    await t.drain();
    const list = await certificatesOf(p);
    expect(list.map((c) => [c.version, c.doseNumber, c.reason, c.revoked, c.revokedReason])).toEqual([
      [3, 2, 'dose_corrected', false, null],
      [2, 2, 'dose', true, 'replaced'],
      [1, 1, 'dose', true, 'dose_voided'],
    ]);
    expect((await verifyApi(list[0]!.qr!.euDcc)).valid).toBe(true);
  });

  it('re-issues a new version on a demographic correction and revokes the old one', async () => {
    const p = people[4]!;
    await giveDose(p.personId, 1, '2026-05-01');
    await t.drain();
    const [old] = await certificatesOf(p);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/people/${p.personId}`,
      headers: { authorization: admin },
      payload: { changes: { nameEn: 'Nasrin Akter Chowdhury' }, reason: 'name as on the national ID card' },
    });
    expect(res.statusCode, res.body).toBe(200);
    await t.drain();
    const list = await certificatesOf(p);
    expect(list.map((c) => [c.version, c.revoked, c.reason])).toEqual([
      [2, false, 'person_corrected'],
      [1, true, 'dose'],
    ]);
    expect(list[1]!.revokedReason).toBe('person_corrected');
    const fresh = await verifyApi(list[0]!.qr!.euDcc);
    expect(fresh.valid, fresh.reasons.join()).toBe(true);
    expect(fresh.holder!.name).toBe('Nasrin Akter Chowdhury');
    for (const text of allTexts(old!)) expect((await verifyOffline(text)).reasons).toContain('revoked');
    // A correction that changes nothing a certificate says (the address) issues nothing new.
    const again = await t.app.inject({
      method: 'PATCH',
      url: `/api/people/${p.personId}`,
      headers: { authorization: admin },
      payload: { changes: { addressLine: 'House 12, Road 4' }, reason: 'new address given' },
    });
    expect(again.statusCode).toBe(200);
    await t.drain();
    expect(await certificatesOf(p)).toHaveLength(2);
  });

  it('prints a PDF with a 60-character name in English and Bengali', async () => {
    const p = people[5]!;
    await t.database.db
      .updateTable('person')
      .set({ name_en: NAME_EN, name_bn: NAME_BN })
      .where('id', '=', p.personId)
      .execute();
    await giveDose(p.personId, 1, '2026-06-01');
    await t.drain();
    const [c] = await certificatesOf(p);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/citizen/people/${p.personId}/certificates/${c!.id}/pdf`,
      headers: citizen(p),
    });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/pdf/);
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The certificate's names are in the EU DCC as issued (ICAO form of the Latin name).
    const eu = await verifyOffline(c!.qr!.euDcc);
    expect((eu.payload as { nam: { fn: string; gnt: string } }).nam).toMatchObject({
      fn: 'Kha',
      gnt: 'MOHAMMAD<ABDULLAH<AL<MAMUN<CHOWDHURY<BIN<RAHMAN<TALUKDER',
    });
    // The second request is served from the cache: the same bytes.
    const cached = await t.app.inject({
      method: 'GET',
      url: `/api/citizen/people/${p.personId}/certificates/${c!.id}/pdf`,
      headers: citizen(p),
    });
    expect(cached.rawPayload.equals(res.rawPayload)).toBe(true);
    if (!hasPoppler) return;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'certificate-pdf-'));
    afterDirs.push(dir);
    writeFileSync(path.join(dir, 'c.pdf'), res.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'c.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain(NAME_EN);
    expect(text).toContain(NAME_BN);
    expect(text).toContain(c!.hcid);
    expect(text).toContain('1 Jun 2026');
    expect(text).toContain('FK8891');
    expect(text).toContain('কোভিড-১৯ টিকা সনদ');
    expect(text).toContain('COVID-19 Vaccination Certificate');
    const bn = await t.app.inject({
      method: 'GET',
      url: `/api/citizen/people/${p.personId}/certificates/${c!.id}/pdf?locale=bn`,
      headers: citizen(p),
    });
    expect(bn.statusCode).toBe(200);
  });

  it('gives the SMART Health Card file, and nothing of another family', async () => {
    const p = people[0]!;
    const [c] = await certificatesOf(p);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/citizen/people/${p.personId}/certificates/${c!.id}/shc`,
      headers: citizen(p),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/smart-health-card/);
    const file = JSON.parse(res.body) as { verifiableCredential: string[] };
    expect(file.verifiableCredential).toHaveLength(1);
    expect((await verifyOffline(file.verifiableCredential[0]!)).valid).toBe(true);
    const fhir = await t.app.inject({
      method: 'GET',
      url: `/api/citizen/people/${p.personId}/certificates/${c!.id}/fhir`,
      headers: citizen(p),
    });
    expect(fhir.statusCode, fhir.body.slice(0, 300)).toBe(200);
    const bundle = fhir.json<{ type: string; entry: { resource: Record<string, unknown> }[] }>();
    expect(bundle.type).toBe('document');
    const patient = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Patient')!;
    expect(patient.birthDate).toBe('1980-01-01');
    // The identity document, decrypted for the document only (it is in no QR code).
    expect(JSON.stringify(patient.identifier)).toMatch(/"value":"9\d{12}"/);
    const nid = /"value":"(9\d{12})"/.exec(JSON.stringify(patient.identifier))![1]!;
    for (const text of allTexts(c!))
      expect(JSON.stringify((await verifyOffline(text)).payload)).not.toContain(nid);
    const immunization = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Immunization')!;
    expect(immunization.lotNumber).toBe('FK8891');
    const stranger = people[1]!;
    expectError(
      await t.app.inject({
        method: 'GET',
        url: `/api/citizen/people/${p.personId}/certificates`,
        headers: citizen(stranger),
      }),
      404,
      'not_found',
    );
    expectError(
      await t.app.inject({
        method: 'GET',
        url: `/api/citizen/people/${p.personId}/certificates/${c!.id}/pdf`,
        headers: citizen(stranger),
      }),
      404,
      'not_found',
    );
  });

  it('lets staff find, revoke and re-issue certificates', async () => {
    const p = people[0]!;
    const [c] = await certificatesOf(p);
    const found = await t.app.inject({
      method: 'GET',
      url: `/api/certificates?hcid=${encodeURIComponent(c!.hcid)}`,
      headers: { authorization: admin },
    });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json<{ items: CertificateDto[] }>().items.map((x) => x.id)).toEqual([c!.id]);
    const typo = c!.hcid.slice(0, -1) + (c!.hcid.endsWith('A') ? 'B' : 'A');
    expectError(
      await t.app.inject({
        method: 'GET',
        url: `/api/certificates?hcid=${encodeURIComponent(typo)}`,
        headers: { authorization: admin },
      }),
      400,
      'invalid_hcid',
    );
    const list = await t.app.inject({
      method: 'GET',
      url: `/api/people/${p.personId}/certificates`,
      headers: { authorization: admin },
    });
    expect(list.statusCode).toBe(200);
    const print = async (user: string) =>
      t.app.inject({
        method: 'GET',
        url: `/api/people/${p.personId}/certificates/${c!.id}/pdf`,
        headers: { authorization: await t.auth(user) },
      });
    // An auditor reads (and prints); a store keeper has no business with people.
    expect((await print('auditor')).statusCode).toBe(200);
    expectError(await print('storekeeper'), 403, 'forbidden');
    const adminPrint = await t.app.inject({
      method: 'GET',
      url: `/api/people/${p.personId}/certificates/${c!.id}/pdf`,
      headers: { authorization: admin },
    });
    expect(adminPrint.statusCode).toBe(200);
    expect(adminPrint.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const revoke = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: `/api/people/${p.personId}/certificates/${c!.id}/revoke`,
        headers,
        payload: { reason: 'reported as a forged copy' },
      });
    expectError(await revoke({ authorization: await t.auth('vaccinator') }), 403, 'forbidden');
    const revoked = await revoke({ authorization: admin });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json<CertificateDto>()).toMatchObject({
      revoked: true,
      revokedReason: 'revoked_by_staff',
      qr: null,
    });
    expectError(await revoke({ authorization: admin }), 409, 'already_revoked');
    expect((await verifyApi(c!.qr!.euDcc)).reasons).toContain('revoked');
    // A later dose job does not bring a certificate staff revoked back by itself...
    await t.services.certificates.jobHandlers['certificate.issue']!({
      personId: p.personId,
      doseId: c!.doseId,
    });
    expect((await certificatesOf(p)).filter((x) => !x.revoked)).toHaveLength(0);
    // ...a re-issue does.
    const reissued = await t.app.inject({
      method: 'POST',
      url: `/api/people/${p.personId}/certificates/reissue`,
      headers: { authorization: admin },
      payload: { reason: 'new copy after the forgery report' },
    });
    expect(reissued.statusCode, reissued.body).toBe(200);
    const items = reissued.json<{ items: CertificateDto[] }>().items;
    expect(items[0]).toMatchObject({ version: 2, revoked: false, reason: 'reissued' });
    expect((await verifyOffline(items[0]!.qr!.shc.join('\n'))).valid).toBe(true);
  });

  it('never lets a private key out', async () => {
    const vault = identifierVault(TEST_SECRETS.DOSEWISE_DATA_KEY, TEST_SECRETS.DOSEWISE_INDEX_KEY);
    const keys = await t.database.db
      .selectFrom('certificate_signing_key')
      .select(['kind', 'private_key_enc'])
      .execute();
    expect(keys.map((k) => k.kind).sort()).toEqual(['csca', 'dsc', 'shc']);
    const secrets = keys.map((k) => (JSON.parse(vault.decrypt(k.private_key_enc!)) as { d: string }).d);
    const p = people[2]!;
    const bodies = [
      (await get('/.well-known/jwks.json')).raw,
      (await get('/api/public/trust-list')).raw,
      (await get('/api/public/revocations')).raw,
      (await get(`/api/citizen/people/${p.personId}/certificates`, citizen(p))).raw,
      (await get(`/api/people/${p.personId}/certificates`, { authorization: admin })).raw,
      JSON.stringify(await verifyApi((await certificatesOf(p))[0]!.qr!.native)),
    ];
    for (const body of bodies) {
      expect(body).not.toMatch(/"d"\s*:/);
      for (const d of secrets) expect(body).not.toContain(d);
    }
    const jwks = (await get<{ keys: { kid: string }[] }>('/.well-known/jwks.json')).body;
    const trust = (await get<TrustList>('/api/public/trust-list')).body;
    expect(trust.shc![0]!.iss).toBe('https://vaccination.example.gov.bd');
    expect(jwks.keys.map((k) => k.kid)).toEqual(trust.shc![0]!.jwks.keys.map((k) => k.kid));
  });

  it('answers bad input with valid: false and a reason, never an error', async () => {
    const p = people[2]!;
    const [c] = await certificatesOf(p);
    const eu = c!.qr!.euDcc;
    const middle = Math.floor(eu.length / 2);
    const tampered = eu.slice(0, middle) + (eu[middle] === 'A' ? 'B' : 'A') + eu.slice(middle + 1);
    // Signed by a document signer this country never published.
    const now = new Date();
    const ca = await createCountrySigningCa({
      country: 'XX',
      commonName: 'Elsewhere CSCA',
      notBefore: new Date(now.getTime() - 86_400_000),
      notAfter: new Date(now.getTime() + 86_400_000 * 365),
    });
    const dsc = await createDocumentSigner({
      ca,
      country: 'XX',
      commonName: 'Elsewhere DSC',
      notBefore: new Date(now.getTime() - 86_400_000),
      notAfter: new Date(now.getTime() + 86_400_000 * 365),
    });
    const foreign = await encodeDcc(
      (await verifyOffline(eu)).payload as Parameters<typeof encodeDcc>[0],
      createDccIssuer(dsc.key.privateKey, dsc.kid, 'XX'),
      {
        issuedAt: Math.floor(now.getTime() / 1000) - 60,
        expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
      },
    );
    const shc = c!.qr!.shc[0]!;
    const cases: [string, string][] = [
      ['truncated EU DCC', eu.slice(0, eu.length - 40)],
      ['tampered EU DCC', tampered],
      ['foreign key (unknown kid)', foreign],
      ['truncated SMART Health Card', shc.slice(0, shc.length - 30)],
      ['truncated native', c!.qr!.native.slice(0, 60)],
      ['not a certificate', 'hello, world'],
      ['a lone chunk', 'shc:/1/2/5676290952432060346029243740'],
    ];
    for (const [name, text] of cases) {
      const r = await verifyApi(text);
      expect(r.valid, name).toBe(false);
      expect(r.reasons.length, name).toBeGreaterThan(0);
      expect(r.holder, name).toBeNull();
    }
    expect((await verifyApi(foreign)).reasons).toContain('unknown_key');
    expectError(
      await t.app.inject({ method: 'POST', url: '/api/public/verify', payload: { text: '' } }),
      400,
      'validation_failed',
    );
  });

  it('keeps verifying what a retired key signed after rotation', async () => {
    const p = people[2]!;
    const before = (await certificatesOf(p)).filter((c) => !c.revoked);
    await t.services.certificates.keys.rotate();
    await giveDose(p.personId, 4, '2026-11-01');
    await t.drain();
    const [newest] = await certificatesOf(p);
    expect(newest!.doseNumber).toBe(4);
    const trust = (await get<TrustList>('/api/public/trust-list')).body;
    expect(trust.dcc).toHaveLength(2);
    expect(trust.shc![0]!.jwks.keys).toHaveLength(2);
    const newKid = (await verifyOffline(newest!.qr!.euDcc)).kid;
    const oldKid = (await verifyOffline(before[0]!.qr!.euDcc)).kid;
    expect(newKid).not.toBe(oldKid);
    for (const c of [newest!, ...before])
      for (const text of allTexts(c)) expect((await verifyApi(text)).valid, text.slice(0, 10)).toBe(true);
  });
  it('signs with the keys of a key file in production, keeping earlier keys in the trust list', async () => {
    const vault = identifierVault(TEST_SECRETS.DOSEWISE_DATA_KEY, TEST_SECRETS.DOSEWISE_INDEX_KEY);
    const settings = { country: 'BD', issuerUrl: 'https://vaccination.example.gov.bd' };
    const db = t.database.db;
    await expect(
      certificateKeyStore({ db, vault, settings: { ...settings, mode: 'production' } }).signing(),
    ).rejects.toThrow(CertificateKeyError);
    const now = new Date();
    const ca = await createCountrySigningCa({
      country: 'BD',
      commonName: 'Bangladesh CSCA',
      notBefore: new Date(now.getTime() - 86_400_000),
      notAfter: new Date(now.getTime() + 86_400_000 * 3650),
    });
    const dscKey = await generateSigningKey({ extractable: true });
    const dsc = await createDocumentSigner({
      ca,
      country: 'BD',
      commonName: 'Bangladesh DSC 1',
      notBefore: new Date(now.getTime() - 86_400_000),
      notAfter: new Date(now.getTime() + 86_400_000 * 700),
      key: dscKey,
    });
    const shcKey = await generateSigningKey({ extractable: true });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'certificate-keys-'));
    afterDirs.push(dir);
    const file = path.join(dir, 'keys.json');
    const content = {
      csca: { certificate: Buffer.from(ca.certificate).toString('base64') },
      dsc: {
        certificate: Buffer.from(dsc.certificate).toString('base64'),
        privateJwk: await exportJWK(dscKey.privateKey),
      },
      shc: { privateJwk: await exportJWK(shcKey.privateKey) },
    };
    writeFileSync(file, JSON.stringify(content));
    const store = certificateKeyStore({
      db,
      vault,
      settings: { ...settings, mode: 'production', keyFile: file },
    });
    const signing = await store.signing();
    expect(signing.dscKid).toBe(dsc.kid);
    expect(signing.shcKid).toBe(shcKey.publicJwk.kid);
    const trust = await store.trustList();
    // The file's keys join the keys used before, which stay trusted.
    expect(trust.dcc.map((e) => e.kid)).toContain(dsc.kid);
    expect(trust.dcc.length).toBeGreaterThan(1);
    expect(JSON.stringify(trust)).not.toContain(String((content.dsc.privateJwk as { d: string }).d));
    const stored = await db
      .selectFrom('certificate_signing_key')
      .select(['kid', 'private_key_enc', 'retired_at'])
      .where('kid', '=', dsc.kid)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ private_key_enc: null, retired_at: null });
    // A DSC with a private key that is not its own is refused.
    const other = await generateSigningKey({ extractable: true });
    writeFileSync(
      file,
      JSON.stringify({ ...content, dsc: { ...content.dsc, privateJwk: await exportJWK(other.privateKey) } }),
    );
    await expect(
      certificateKeyStore({
        db,
        vault,
        settings: { ...settings, mode: 'production', keyFile: file },
      }).signing(),
    ).rejects.toThrow(/not the key of dsc.certificate/);
  });
});
