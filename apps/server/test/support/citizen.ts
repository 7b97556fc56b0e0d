import { existsSync, readFileSync } from 'node:fs';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { ageInYears } from '@dosewise/domain';
import type { Db } from '../../src/db/database.ts';
import { demoRegistryPeople, type DemoRegistryPerson } from '../../src/registry/demo-people.ts';
import { testConfig, type TestContext } from './app.ts';
import { TEST_PEOPLE } from './global-setup.ts';

/**
 * Helpers of the citizen-facing tests: phone sign-in through the SMS file, registry people of a
 * given age, and a place (a union and a centre in its district) to register them at.
 */

export const CONSENT_VERSION = testConfig().CONSENT_NOTICE_VERSION;

const today = () => new Date().toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------
// Client addresses and phones

let addressNumber = 0;
/**
 * A client address of its own for each OTP request: codes are limited per address, so helpers use
 * a fresh one unless a test is about that limit. 172.16.0.0/12, apart from the 10.x addresses the
 * staff sign-in helpers hand out.
 */
export function citizenAddress(): string {
  addressNumber++;
  return `172.${16 + ((addressNumber >> 16) & 15)}.${(addressNumber >> 8) & 255}.${addressNumber & 255}`;
}

let phoneNumber = Math.floor(Math.random() * 1_000_000);
/** A Bangladeshi mobile number no other call of this process gets, in E.164. */
export function newPhone(): string {
  phoneNumber++;
  return `+88017${String(phoneNumber % 100_000_000).padStart(8, '0')}`;
}

/** '+8801712345678' -> '01712345678', as people type it. */
export const localPhone = (e164: string) => `0${e164.slice(4)}`;

// ---------------------------------------------------------------------------------------------
// The SMS file

export interface SentSms {
  at: string;
  to: string;
  text: string;
  template: string;
  locale: 'en' | 'bn';
  notificationId: number;
}

/** Every message the `file` SMS provider has written so far. */
export function readSms(smsFile: string): SentSms[] {
  if (!existsSync(smsFile)) return [];
  return readFileSync(smsFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as SentSms);
}

/** Messages sent to one phone (E.164), oldest first, optionally of one template. */
export function smsTo(smsFile: string, phone: string, template?: string): SentSms[] {
  return readSms(smsFile).filter(
    (m) => m.to === phone && (template === undefined || m.template === template),
  );
}

/**
 * Drains until nothing is left to do: a job that runs in one drain (a registration re-check) queues
 * an SMS that the next one delivers.
 */
export async function settle(t: TestContext): Promise<void> {
  for (let i = 0; i < 10; i++) if ((await t.drain()) === 0) return;
  throw new Error('the SMS outbox and the job queue did not settle after 10 drains');
}

/** The six-digit code in an OTP text. */
export function codeIn(text: string): string {
  const m = /\b(\d{6})\b/.exec(text);
  if (!m?.[1]) throw new Error(`no six-digit code in the SMS "${text}"`);
  return m[1];
}

// ---------------------------------------------------------------------------------------------
// Phone sign-in

export interface OtpRequestOptions {
  locale?: 'en' | 'bn';
  /** Client address; a fresh one by default. */
  remoteAddress?: string;
}

export function requestOtp(t: TestContext, phone: string, opts: OtpRequestOptions = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/citizen/otp',
    payload: { phone, ...(opts.locale ? { locale: opts.locale } : {}) },
    remoteAddress: opts.remoteAddress ?? citizenAddress(),
  });
}

export function verifyOtp(
  t: TestContext,
  challengeId: string,
  code: string,
  remoteAddress = citizenAddress(),
) {
  return t.app.inject({
    method: 'POST',
    url: '/api/citizen/otp/verify',
    payload: { challengeId, code },
    remoteAddress,
  });
}

/** Delivers queued SMS, then reads the newest OTP sent to `phone` (E.164) from the SMS file. */
export async function otpFromSms(t: TestContext, phone: string): Promise<string> {
  await t.drain();
  const sent = smsTo(t.smsFile, phone, 'otp');
  const last = sent[sent.length - 1];
  if (!last) throw new Error(`no OTP SMS to ${phone} in ${t.smsFile}`);
  return codeIn(last.text);
}

export interface Citizen {
  /** E.164. */
  phone: string;
  token: string;
  /** `{ authorization: 'Bearer ...' }` */
  headers: { authorization: string };
}

function expectStatus(res: LightMyRequestResponse, status: number, what: string) {
  if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
}

/** Signs a phone in the way a citizen does: request a code, read it from the SMS, enter it. */
export async function signInCitizen(t: TestContext, phone = newPhone()): Promise<Citizen> {
  const requested = await requestOtp(t, phone);
  expectStatus(requested, 202, `OTP request for ${phone}`);
  const code = await otpFromSms(t, phone);
  const verified = await verifyOtp(t, requested.json<{ challengeId: string }>().challengeId, code);
  expectStatus(verified, 200, `OTP verification for ${phone}`);
  const token = verified.json<{ token: string }>().token;
  return { phone, token, headers: { authorization: `Bearer ${token}` } };
}

/** Signs many phones in at once: one SMS delivery for all the codes. */
export async function signInCitizens(t: TestContext, count: number): Promise<Citizen[]> {
  const phones = Array.from({ length: count }, () => newPhone());
  const requested = await Promise.all(phones.map((p) => requestOtp(t, p)));
  requested.forEach((r, i) => expectStatus(r, 202, `OTP request for ${phones[i]}`));
  await t.drain();
  const sms = readSms(t.smsFile).filter((m) => m.template === 'otp');
  const verified = await Promise.all(
    phones.map((phone, i) => {
      const mine = sms.filter((m) => m.to === phone);
      const last = mine[mine.length - 1];
      if (!last) throw new Error(`no OTP SMS to ${phone}`);
      return verifyOtp(t, requested[i]!.json<{ challengeId: string }>().challengeId, codeIn(last.text));
    }),
  );
  return verified.map((r, i) => {
    expectStatus(r, 200, `OTP verification for ${phones[i]}`);
    const token = r.json<{ token: string }>().token;
    return { phone: phones[i]!, token, headers: { authorization: `Bearer ${token}` } };
  });
}

// ---------------------------------------------------------------------------------------------
// Registry people

export type RegistryPerson = DemoRegistryPerson & { age: number };

let registry: RegistryPerson[] | undefined;
/** The people of the test registry (the template's TEST_PEOPLE, seed 1), with their age today. */
export function registryPeople(): RegistryPerson[] {
  registry ??= [...demoRegistryPeople(TEST_PEOPLE, 1)].map((p) => ({
    ...p,
    age: ageInYears(p.dateOfBirth, today()),
  }));
  return registry;
}

/** People aged `min` to `max` (completed years today). */
export const aged =
  (min: number, max = 200) =>
  (p: RegistryPerson) =>
    p.age >= min && p.age <= max;

/**
 * Hands out registry people, each once per picker: one person can be registered only once, and a
 * test file shares its database across its tests.
 */
export function personPicker() {
  const taken = new Set<string>();
  return (
    filter: (p: RegistryPerson) => boolean = () => true,
    what = 'a matching registry person',
  ): RegistryPerson => {
    const p = registryPeople().find((q) => !taken.has(q.nid) && filter(q));
    if (!p) throw new Error(`the test registry has no more ${what}`);
    taken.add(p.nid);
    return p;
  };
}

/** The self-declared group a person of this age registers in. */
export function groupFor(p: { age: number }): string {
  if (p.age >= 60) return 'age_60_plus';
  if (p.age >= 18) return 'general_18_plus';
  return 'children_12_17';
}

/** A valid 10-digit NID (Luhn) that is in no registry of the tests. */
export function unknownNid(): string {
  const known = new Set(registryPeople().map((p) => p.nid));
  for (let body = 999_999_999; ; body--) {
    const payload = String(body);
    const nid = payload + String(luhn(payload));
    if (!known.has(nid)) return nid;
  }
}

function luhn(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** The same NID with another last (check) digit: well formed, but the check digit is wrong. */
export const withBadCheckDigit = (nid: string) => nid.slice(0, -1) + String((Number(nid.slice(-1)) + 1) % 10);

// ---------------------------------------------------------------------------------------------
// Places

export interface Place {
  /** A union: the address. */
  areaId: number;
  areaCode: string;
  areaPath: string;
  districtPath: string;
  divisionPath: string;
  /** A vaccination centre in the union's district. */
  facilityId: number;
  facilityCode: string;
}

const districtOf = (path: string) => path.split('/').slice(0, 3).join('/') + '/';
const divisionOf = (path: string) => path.split('/').slice(0, 2).join('/') + '/';

/** The first vaccination centre inside an area subtree (by code), skipping `except`. */
async function centreIn(db: Db, areaPath: string, except: number[] = []) {
  let q = db
    .selectFrom('facility as f')
    .innerJoin('area as a', 'a.id', 'f.area_id')
    .select(['f.id', 'f.code'])
    .where('a.path', 'like', `${areaPath}%`)
    .where('f.type', '=', 'vaccination_centre')
    .where('f.active', '=', true)
    .orderBy('f.code');
  if (except.length) q = q.where('f.id', 'not in', except);
  const f = await q.executeTakeFirst();
  if (!f) throw new Error(`no vaccination centre under ${areaPath}`);
  return f;
}

async function placeOfArea(
  db: Db,
  area: { id: number; code: string; path: string },
  centre?: { id: number; code: string },
): Promise<Place> {
  const f = centre ?? (await centreIn(db, districtOf(area.path)));
  return {
    areaId: area.id,
    areaCode: area.code,
    areaPath: area.path,
    districtPath: districtOf(area.path),
    divisionPath: divisionOf(area.path),
    facilityId: f.id,
    facilityCode: f.code,
  };
}

/** A union by code (a registry person's `areaCode`), with the first centre of its district. */
export async function placeOf(db: Db, unionCode: string): Promise<Place> {
  const area = await db
    .selectFrom('area')
    .select(['id', 'code', 'path'])
    .where('code', '=', unionCode)
    .executeTakeFirst();
  if (!area) throw new Error(`no union ${unionCode} in the test database`);
  return placeOfArea(db, area);
}

/** The `nth` union (by code) under an area, with the first centre of its district. */
export async function placeUnder(db: Db, areaPath: string, nth = 0): Promise<Place> {
  const area = await db
    .selectFrom('area')
    .select(['id', 'code', 'path'])
    .where('path', 'like', `${areaPath}%`)
    .where('depth', '=', (eb) => eb.selectFrom('area_level').select((e) => e.fn.max('depth').as('d')))
    .orderBy('code')
    .offset(nth)
    .limit(1)
    .executeTakeFirst();
  if (!area) throw new Error(`no union under ${areaPath}`);
  return placeOfArea(db, area);
}

/** A union in a division named `nameEn` (e.g. 'Chattagram'), with a centre of its district. */
export async function placeInDivision(db: Db, nameEn: string, nth = 0): Promise<Place> {
  const division = await db
    .selectFrom('area')
    .select('path')
    .where('depth', '=', 0)
    .where('name_en', '=', nameEn)
    .executeTakeFirst();
  if (!division) throw new Error(`no division ${nameEn}`);
  return placeUnder(db, division.path, nth);
}

/** A union in the district of a facility, with that facility as the chosen centre. */
export async function placeNearFacility(db: Db, facilityId: number, nth = 0): Promise<Place> {
  const f = await db
    .selectFrom('facility as f')
    .innerJoin('area as a', 'a.id', 'f.area_id')
    .select(['f.id', 'f.code', 'a.path'])
    .where('f.id', '=', facilityId)
    .executeTakeFirstOrThrow();
  const place = await placeUnder(db, districtOf(f.path), nth);
  return { ...place, facilityId: f.id, facilityCode: f.code };
}

/** Another vaccination centre in the same district as `place`'s. */
export async function otherCentreInDistrict(db: Db, place: Place) {
  return centreIn(db, place.districtPath, [place.facilityId]);
}

/** The facility a demo staff user is bound to (vaccinator, manager). */
export async function facilityOfUser(db: Db, username: string): Promise<number> {
  const g = await db
    .selectFrom('role_grant as g')
    .innerJoin('staff_user as u', 'u.id', 'g.user_id')
    .select('g.facility_id')
    .where('u.username', '=', username)
    .where('g.facility_id', 'is not', null)
    .executeTakeFirst();
  if (!g?.facility_id) throw new Error(`${username} is not bound to a facility`);
  return g.facility_id;
}

// ---------------------------------------------------------------------------------------------
// Registration

export interface RegistrationBody {
  idType: 'nid' | 'birth_registration' | 'passport';
  idNumber: string;
  nationality?: string;
  dateOfBirth: string;
  nameEn: string;
  nameBn?: string;
  gender: 'female' | 'male' | 'third_gender';
  areaId: number;
  addressLine?: string;
  occupation?: string;
  comorbidities?: string[];
  priorityGroup: string;
  evidence?: { note?: string; documentRef?: string };
  preferredFacilityId: number;
  preferredProductId?: number;
  consent: { accepted: boolean; noticeVersion: string };
  locale?: 'en' | 'bn';
  phone?: string;
}

/** A valid registration of a registry person with their NID, at `place`. */
export function registrationBody(
  p: RegistryPerson,
  place: Place,
  overrides: Partial<RegistrationBody> = {},
): RegistrationBody {
  return {
    idType: 'nid',
    idNumber: p.nid,
    dateOfBirth: p.dateOfBirth,
    nameEn: p.nameEn,
    gender: p.gender,
    areaId: place.areaId,
    addressLine: 'House 12, Road 3',
    priorityGroup: groupFor(p),
    preferredFacilityId: place.facilityId,
    consent: { accepted: true, noticeVersion: CONSENT_VERSION },
    locale: 'en',
    ...overrides,
  };
}

export function register(
  t: TestContext,
  citizen: Citizen,
  body: RegistrationBody | Record<string, unknown>,
  extra: Partial<InjectOptions> = {},
) {
  return t.app.inject({
    method: 'POST',
    url: '/api/citizen/people',
    headers: citizen.headers,
    payload: body,
    ...extra,
  });
}

/** The Person DTO fields tests look at. */
export interface PersonDto {
  id: number;
  registrationNumber: string;
  nameEn: string;
  nameBn: string | null;
  dateOfBirth: string;
  gender: string;
  idType: string;
  idLast4: string;
  nationality: string;
  areaId: number;
  priorityGroup: { code: string; nameEn: string; nameBn: string };
  priorityStatus: 'accepted' | 'awaiting_approval' | 'rejected';
  preferredFacility: { id: number; nameEn: string; nameBn: string } | null;
  verificationStatus: 'verified' | 'pending' | 'failed' | 'in_person';
  registeredVia: 'self' | 'assisted';
  registeredAt: string;
}

/** Registers and fails the test's set-up unless it is accepted. */
export async function registered(
  t: TestContext,
  citizen: Citizen,
  body: RegistrationBody,
): Promise<PersonDto> {
  const res = await register(t, citizen, body);
  expectStatus(res, 201, `registration of ${body.idType} ${body.idNumber}`);
  return res.json<PersonDto>();
}

// ---------------------------------------------------------------------------------------------
// What a registration leaves behind

export interface RowCounts {
  person: number;
  identity_claim: number;
  notification: number;
  job: number;
  registered_audit: number;
}

/** Rows a registration writes: equal counts before and after mean it stored nothing. */
export async function registrationRows(db: Db): Promise<RowCounts> {
  const { rows } = await sql<RowCounts>`
    select
      (select count(*)::int from person) as person,
      (select count(*)::int from identity_claim) as identity_claim,
      (select count(*)::int from notification) as notification,
      (select count(*)::int from job) as job,
      (select count(*)::int from audit_event where action = 'person.registered') as registered_audit`.execute(
    db,
  );
  return rows[0]!;
}

/** Audit events of one action, oldest first. */
export function auditEvents(db: Db, action: string) {
  return db.selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('id').execute();
}
