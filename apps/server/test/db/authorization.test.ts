import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, TEST_SECRETS, type TestContext } from '../support/app.ts';
import {
  aged,
  personPicker,
  placeOf,
  placeUnder,
  registrationBody,
  registryPeople,
  settle,
  signInCitizen,
  type PersonDto,
  type Place,
  type RegistrationBody,
  type RegistryPerson,
} from '../support/citizen.ts';
import {
  areaId,
  bearer,
  expectError,
  facilityId,
  fingerprint,
  latestAudit,
  MUTABLE_TABLES,
  userId,
  VACCINATION_TABLES,
  type Method,
} from './helpers.ts';

/**
 * For every protected route: a user without the role, and a user whose grant does not reach the
 * target, get 403 `forbidden` (404 `not_found` where the route hides a person the user may not even
 * read) and nothing changes; a user in scope succeeds. A test keeps the table
 * in step with the routes the app registers, so a new route without an entry fails here.
 */

type Actor =
  | 'admin'
  | 'dhaka.admin'
  | 'manager'
  | 'vaccinator'
  | 'storekeeper'
  | 'auditor'
  | 'helpdesk'
  | 'nobody'
  | 'ctg.admin'
  | 'ctg.helper'
  | 'ctg.vaccinator'
  | 'national.storekeeper';

/** People registered for these tests, all living in Chattagram division. */
type PersonKey =
  /** Awaiting approval of the priority group (frontline worker): reads, corrections, the decision. */
  | 'ctg'
  /** Only for attempts to move an address out of the corrector's area; holds an appointment. */
  | 'mover'
  /** Accepted and without an appointment: booked for at the help desk. */
  | 'booker';

interface Fixture {
  area(code: string): number;
  facility(code: string): number;
  user(username: string): number;
  grant(username: string): number;
  product(code: string): number;
  unique(prefix: string): string;
  person(key: PersonKey): PersonDto;
  /** The vaccination centre the people of `person()` chose, where ctg.vaccinator works. */
  centre: number;
  /** A union in Dhaka district (Savar). */
  dhakaUnion: number;
  /** A valid registration of an adult of Chattagram not registered yet (a new one at each call). */
  newcomer(): RegistrationBody;
  /** A valid ID number for a priority roster. */
  rosterNid: string;
  /** Tomorrow's sessions at the Savar health complex (the demo manager's) and at the Chattagram centre. */
  session(key: 'savar' | 'ctg'): number;
  /** An appointment of `person('mover')` at the Chattagram session, for the cancel route. */
  appointment: { personId: number; id: number };
  /** A finished auto-scheduler run for the whole country. */
  scheduleRun: number;
  /** A lot of `stockProduct` that the national, Dhaka and Chattagram stores and the Savar centre hold. */
  lot: number;
  stockProduct: number;
  /** A receipt into the national store, with one document. */
  receipt: { id: number; documentId: number };
  /** Allocation plans of the Dhaka district store: a draft, a draft to approve, an approved one, one to cancel. */
  plan(key: 'draft' | 'pending' | 'approved' | 'cancellable'): number;
  /** Transfers dispatched by the Dhaka district store to the Savar centre and to the district hospital. */
  transfer(key: 'centre' | 'hospital'): number;
  /** A vial open at the Savar centre. */
  vial: number;
  /**
   * People of Dhaka district: `dosed` had a dose at the Savar centre (with a serious side-effect
   * report on it, and a second record of that dose waiting for review at the district hospital),
   * `corrected` a dose there to correct; `walkIn` and `synced` have had none yet.
   */
  dosed: { personId: number; doseId: number; registrationNumber: string };
  corrected: { personId: number; doseId: number };
  walkIn: number;
  synced: number;
  aefi: { personId: number; id: number };
  review: { personId: number; id: number };
  /**
   * Alerts to the district officers, each raised by a serious side-effect report on the dose of
   * `dosed` (the first by `aefi`): one for each attempt to acknowledge, so each finds its alert open.
   */
  alerts: [number, number, number];
  /** A coded symptom of the AEFI list. */
  symptom: string;
  /**
   * Certificates in force of two people of Dhaka district vaccinated at the Savar centre: one to
   * print and find, one to revoke.
   */
  certificate(key: 'print' | 'revoke'): { personId: number; id: number; hcid: string };
}

interface Call {
  url: string;
  payload?: Record<string, unknown>;
  csv?: string;
}

interface Attempt {
  as: Actor;
  why: string;
  call: (f: Fixture) => Call;
  /**
   * 404 `not_found` where the route tells staff nothing of what lies outside their scope (the
   * routes of a person answer a person staff may not even read like one who does not exist);
   * 403 `forbidden` else.
   */
  hidden?: true;
}

interface RouteCase {
  method: Method;
  /** As in the OpenAPI document: `/api/areas/{id}`. */
  path: string;
  /**
   * Who must get 403 (or 404 where `hidden`): a user without the role, a user outside the area (none
   * for any-staff routes).
   */
  denied: Attempt[];
  allowed: Attempt & {
    status: number;
    freshSession?: boolean;
    /** Brings about what the allowed call works on, just before it (after the denied attempts). */
    prepare?: (t: TestContext, f: Fixture) => Promise<void>;
    /**
     * Where the change records who made it, when not in `audit_event`: a dose is its own record
     * (recorded_by, recorded_at, device), so recording doses does not repeat it in the audit trail.
     */
    recordedIn?: 'dose';
  };
}

/** What "nothing changes" looks at: the tables requests write, stock and doses included. */
const WATCHED = [...MUTABLE_TABLES, ...VACCINATION_TABLES];

const NOBODY_PASSWORD = 'nobody-has-no-roles-1';
/** Staff made in `beforeAll` (the others are the demo users, with the demo password). */
const MADE_HERE: Partial<Record<Actor, { username: string; password: string }>> = {
  nobody: { username: 'nobody.user', password: NOBODY_PASSWORD },
  'ctg.admin': { username: 'ctg.admin', password: 'ctg-admin-password' },
  'ctg.helper': { username: 'ctg.helper', password: 'ctg-helper-password' },
  'ctg.vaccinator': { username: 'ctg.vaccinator', password: 'ctg-vaccinator-password' },
  'national.storekeeper': { username: 'national.storekeeper', password: 'national-store-password' },
};
const usernameOf = (actor: Actor) => MADE_HERE[actor]?.username ?? actor;
/** The priority group (proved by a roster) made in `beforeAll` for the group routes. */
const ROSTER_GROUP = 'authz_roster';
const ROLE = 'lacks the role';
const NO_GRANTS = 'has no grant at all';
const AREA = 'outside the area';
const FACILITY = 'bound to another facility';
/** Attempts from outside the scope of a route that hides what lies there: 404 as for nothing. */
const hidden = (attempts: Attempt[]): Attempt[] =>
  attempts.map((a) => (a.why === AREA || a.why === FACILITY ? { ...a, hidden: true } : a));

const productBody = (code: string) => ({
  code,
  name: `Test vaccine ${code}`,
  manufacturer: 'Test Manufacturer',
  primaryDoses: 2,
  minIntervalDays: 21,
  recommendedIntervalDays: 28,
  minAgeYears: 12,
  dosesPerVial: 10,
  openVialHours: 6,
  storageMinC: 2,
  storageMaxC: 8,
});
const areaBody = (f: Fixture, parent: string | null) => ({
  code: f.unique('AZ'),
  ...(parent ? { parentId: f.area(parent) } : {}),
  nameEn: 'Authz Test Area',
  nameBn: 'পরীক্ষা এলাকা',
});
const facilityBody = (f: Fixture, area: string) => ({
  code: f.unique('FZ'),
  nameEn: 'Authz Test Clinic',
  nameBn: 'পরীক্ষা ক্লিনিক',
  type: 'clinic',
  areaId: f.area(area),
});
const userBody = (f: Fixture, grant: { role: string; areaId?: number; facilityId?: number }) => ({
  username: f.unique('authz.user').toLowerCase(),
  displayName: 'Authz Test User',
  password: 'a-long-enough-password',
  ...grant,
});
const areasCsv = (f: Fixture, parent: string) =>
  `code,parent_code,name_en,name_bn\n${f.unique('AI')},${parent},Imported Area,আমদানি এলাকা\n`;
const facilitiesCsv = (f: Fixture, area: string) =>
  `code,name_en,name_bn,type,area_code\n${f.unique('FI')},Imported Clinic,আমদানি ক্লিনিক,clinic,${area}\n`;
const personUrl = (f: Fixture, key: PersonKey, rest = '') => `/api/people/${f.person(key).id}${rest}`;
const searchUrl = (f: Fixture) =>
  `/api/people?registrationNumber=${encodeURIComponent(f.person('ctg').registrationNumber)}`;
const correction = (changes: Record<string, unknown>) => ({ changes, reason: 'Corrected at the help desk' });
const registrationCall = (f: Fixture, facility: number): Call => ({
  url: `/api/facilities/${facility}/registrations`,
  payload: { ...f.newcomer() },
});
const groupBody = (overrides: Record<string, unknown> = {}) => ({
  nameEn: 'Authz test group',
  nameBn: 'পরীক্ষা দল',
  rank: 9,
  minAgeYears: 18,
  proofRule: 'roster',
  // Not open yet: the group changes no registration of the other tests.
  opensOn: '2099-01-01',
  ...overrides,
});
const groupCode = (f: Fixture) => f.unique('authz_g').toLowerCase().replaceAll('-', '_');
const rosterCsv = (f: Fixture) => `id_type,id_number\nnid,${f.rosterNid}\n`;
const sessionDate = (days: number) => {
  const d = new Date(Date.now() + days * 86_400_000 + 6 * 3_600_000);
  return d.toISOString().slice(0, 10);
};
const sessionPayload = (f: Fixture, facility: string) => ({
  facilityId: f.facility(facility),
  productId: f.product('COMIRNATY'),
  date: sessionDate(5),
  doseNumbers: [1],
  minAgeYears: 18,
  startsAt: '09:00',
  endsAt: '13:00',
  capacity: 40,
});
const templatePayload = (f: Fixture, facility: string) => {
  const { date, ...rest } = sessionPayload(f, facility);
  void date;
  return {
    ...rest,
    startsAt: '14:00',
    endsAt: '16:00',
    from: sessionDate(8),
    to: sessionDate(14),
    weekdays: [2, 4],
  };
};
const sessionsUrl = (f: Fixture, facility: string) =>
  `/api/sessions?facilityId=${f.facility(facility)}&from=${sessionDate(0)}&to=${sessionDate(20)}`;
const attendanceUrl = (f: Fixture, facility: string) =>
  `/api/facilities/${f.facility(facility)}/attendance?from=${sessionDate(-30)}&to=${sessionDate(0)}`;
const staffBooking = (f: Fixture, session: 'savar' | 'ctg'): Call => ({
  url: `/api/people/${f.person('booker').id}/appointments`,
  payload: { sessionId: f.session(session) },
});
const cancelUrl = (f: Fixture) =>
  `/api/people/${f.appointment.personId}/appointments/${f.appointment.id}/cancel`;
const populationCsv = (union: string) => `area_code,age_band,gender,population\n${union},18-29,female,1200\n`;
const storeUrl = (f: Fixture, store: string, rest = '') => `/api/stores/${f.facility(store)}${rest}`;
const lotBody = (f: Fixture) => ({
  productId: f.stockProduct,
  lotNumber: f.unique('LOT'),
  manufacturer: 'Test Manufacturer',
  expiresOn: sessionDate(400),
  dosesPerVial: 10,
});
const receiptCall = (f: Fixture, store: string): Call => ({
  url: storeUrl(f, store, '/receipts'),
  payload: {
    supplier: 'Test Supplier',
    reference: f.unique('PO'),
    receivedOn: sessionDate(-1),
    lines: [{ lotId: f.lot, doses: 100 }],
  },
});
const documentUrl = (f: Fixture) => `/api/receipts/${f.receipt.id}/documents/${f.receipt.documentId}`;
const planCall = (f: Fixture, store: string): Call => ({
  url: storeUrl(f, store, '/allocation-plans'),
  payload: { productId: f.stockProduct, totalDoses: 100 },
});
const planCancelCall = (f: Fixture): Call => ({
  url: `/api/allocation-plans/${f.plan('cancellable')}/cancel`,
  payload: { reason: 'Replaced by a new plan.' },
});
const planLinesCall = (f: Fixture): Call => ({
  url: `/api/allocation-plans/${f.plan('draft')}/lines`,
  payload: { lines: [{ toStoreId: f.facility('UHC-UPA365'), doses: 40 }] },
});
const suggestionUrl = (f: Fixture, store: string) =>
  storeUrl(f, store, `/dispatch-suggestion?productId=${f.stockProduct}&doses=50`);
const transferCall = (f: Fixture, from: string, to: string): Call => ({
  url: '/api/transfers',
  payload: {
    fromStoreId: f.facility(from),
    toStoreId: f.facility(to),
    lines: [{ lotId: f.lot, doses: 5 }],
  },
});
const transfersUrl = (f: Fixture, store: string) => `/api/transfers?storeId=${f.facility(store)}`;
const receiveCall = (f: Fixture): Call => ({
  url: `/api/transfers/${f.transfer('centre')}/receive`,
  payload: { lines: [{ lotId: f.lot, receivedDoses: 10 }] },
});
const adjustmentCall = (f: Fixture, store: string): Call => ({
  url: storeUrl(f, store, '/adjustments'),
  payload: { lotId: f.lot, kind: 'breakage', quantityChange: -1, reason: 'A vial dropped while unpacking' },
});
const vialsUrl = (f: Fixture, facility: number | string) =>
  `/api/facilities/${typeof facility === 'number' ? facility : f.facility(facility)}/vials`;
const openVialCall = (f: Fixture, facility: number | string): Call => ({
  url: vialsUrl(f, facility),
  payload: { lotId: f.lot },
});
const closeVialCall = (f: Fixture, facility: number | string): Call => ({
  url: `${vialsUrl(f, facility)}/${f.vial}/close`,
  payload: { reason: 'manual' },
});
const doseCall = (f: Fixture, facility: number | string, personId = f.walkIn): Call => ({
  url: `/api/people/${personId}/doses`,
  payload: {
    facilityId: typeof facility === 'number' ? facility : f.facility(facility),
    productId: f.stockProduct,
    lotId: f.lot,
    bodySite: 'left_deltoid',
    identityCheck: 'registration_number',
    consent: true,
    walkIn: true,
  },
});
const queueUrl = (f: Fixture, facility: number | string, view: 'queue' | 'pack') =>
  `/api/vaccinator/facilities/${typeof facility === 'number' ? facility : f.facility(facility)}/${view}`;
const lookupCall = (f: Fixture, facility: number | string): Call => ({
  url: '/api/vaccinator/lookup',
  payload: {
    facilityId: typeof facility === 'number' ? facility : f.facility(facility),
    registrationNumber: f.dosed.registrationNumber,
  },
});
const syncCall = (f: Fixture, facility: number | string = 'UHC-UPA365'): Call => ({
  url: '/api/vaccinator/sync',
  payload: {
    deviceId: 'authz-test-device',
    deviceTime: new Date().toISOString(),
    records: [
      {
        clientId: randomUUID(),
        personId: f.synced,
        facilityId: typeof facility === 'number' ? facility : f.facility(facility),
        productId: f.stockProduct,
        lotId: f.lot,
        doseNumber: 1,
        bodySite: 'right_deltoid',
        identityCheck: 'registration_number',
        consent: true,
        administeredAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ],
  },
});
const dosesUrl = (f: Fixture) => `/api/people/${f.dosed.personId}/doses`;
const correctionCall = (f: Fixture): Call => ({
  url: `/api/people/${f.corrected.personId}/doses/${f.corrected.doseId}/corrections`,
  payload: { kind: 'entered_in_error', reason: 'Recorded for the wrong visit' },
});
const resolveCall = (f: Fixture): Call => ({
  url: `/api/dose-reviews/${f.review.personId}/${f.review.id}/resolve`,
  payload: { decision: 'keep_existing', note: 'The dose on record is the one given' },
});
const aefiCall = (f: Fixture): Call => ({
  url: `/api/people/${f.dosed.personId}/aefi`,
  payload: {
    doseId: f.dosed.doseId,
    symptoms: [f.symptom],
    onsetAt: new Date().toISOString(),
    severity: 'non_serious',
    outcome: 'recovering',
  },
});
const aefiUrl = (f: Fixture) => `/api/aefi/${f.aefi.personId}/${f.aefi.id}`;
const investigationCall = (f: Fixture): Call => ({
  url: `${aefiUrl(f)}/investigation`,
  payload: { status: 'investigating', note: 'Hospital records requested' },
});
const acknowledgeUrl = (f: Fixture, n: 0 | 1 | 2 = 0) => `/api/alerts/${f.alerts[n]}/acknowledge`;
const certificatesUrl = (f: Fixture) => `/api/people/${f.dosed.personId}/certificates`;
const reissueCall = (f: Fixture): Call => ({
  url: `${certificatesUrl(f)}/reissue`,
  payload: { reason: 'Name corrected at the help desk' },
});
const certificateUrl = (f: Fixture, key: 'print' | 'revoke', rest: string) =>
  `/api/people/${f.certificate(key).personId}/certificates/${f.certificate(key).id}/${rest}`;
const revokeCall = (f: Fixture): Call => ({
  url: certificateUrl(f, 'revoke', 'revoke'),
  payload: { reason: 'Reported stolen with the phone' },
});
const pdfUrl = (f: Fixture) => certificateUrl(f, 'print', 'pdf');
const hcidUrl = (f: Fixture) => `/api/certificates?hcid=${encodeURIComponent(f.certificate('print').hcid)}`;
const stockReportUrl = (f: Fixture, report: 'wastage' | 'alerts', store?: string) => {
  const q = new URLSearchParams();
  if (report === 'wastage') {
    q.set('from', sessionDate(-30));
    q.set('to', sessionDate(0));
  }
  if (store) q.set('storeId', String(f.facility(store)));
  const query = q.toString();
  return `/api/stock/${report}${query ? `?${query}` : ''}`;
};

/**
 * One entry per route that needs a staff sign-in. A new route needs an entry here: the test "the
 * table has one entry for each route that needs a staff sign-in" fails until it has one.
 */
const ROUTES: RouteCase[] = [
  {
    method: 'POST',
    path: '/api/auth/sign-out',
    denied: [],
    allowed: {
      as: 'nobody',
      why: 'any signed-in staff',
      call: () => ({ url: '/api/auth/sign-out' }),
      status: 204,
      freshSession: true,
    },
  },
  {
    method: 'GET',
    path: '/api/auth/me',
    denied: [],
    allowed: { as: 'nobody', why: 'any signed-in staff', call: () => ({ url: '/api/auth/me' }), status: 200 },
  },
  {
    method: 'GET',
    path: '/api/users',
    denied: [
      { as: 'vaccinator', why: ROLE, call: () => ({ url: '/api/users' }) },
      { as: 'storekeeper', why: ROLE, call: () => ({ url: '/api/users' }) },
      { as: 'helpdesk', why: ROLE, call: () => ({ url: '/api/users' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/users' }) },
    ],
    allowed: { as: 'auditor', why: 'national auditor', call: () => ({ url: '/api/users' }), status: 200 },
  },
  {
    method: 'POST',
    path: '/api/users',
    denied: [
      {
        as: 'vaccinator',
        why: ROLE,
        call: (f) => ({
          url: '/api/users',
          payload: userBody(f, { role: 'help_desk', areaId: f.area('DIS47') }),
        }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({
          url: '/api/users',
          payload: userBody(f, { role: 'help_desk', areaId: f.area('DIS47') }),
        }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: (f) => ({
          url: '/api/users',
          payload: userBody(f, { role: 'vaccinator', facilityId: f.facility('UHC-UPA365') }),
        }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({
          url: '/api/users',
          payload: userBody(f, { role: 'help_desk', areaId: f.area('DIS1') }),
        }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({
          url: '/api/users',
          payload: userBody(f, { role: 'vaccinator', facilityId: f.facility('DH-DIS1') }),
        }),
      },
      {
        as: 'dhaka.admin',
        why: `${AREA} (national)`,
        call: (f) => ({ url: '/api/users', payload: userBody(f, { role: 'auditor' }) }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({
        url: '/api/users',
        payload: userBody(f, { role: 'help_desk', areaId: f.area('DIS47') }),
      }),
      status: 201,
    },
  },
  {
    method: 'POST',
    path: '/api/users/{id}/grants',
    denied: [
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({
          url: `/api/users/${f.user('dhaka.helper')}/grants`,
          payload: { role: 'help_desk', areaId: f.area('DIS47') },
        }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: (f) => ({
          url: `/api/users/${f.user('dhaka.helper')}/grants`,
          payload: { role: 'vaccinator', facilityId: f.facility('UHC-UPA365') },
        }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({
          url: `/api/users/${f.user('dhaka.helper')}/grants`,
          payload: { role: 'help_desk', areaId: f.area('DIV1') },
        }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({
          url: `/api/users/${f.user('ctg.helper')}/grants`,
          payload: { role: 'vaccinator', facilityId: f.facility('UHC-UPA1') },
        }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({
        url: `/api/users/${f.user('dhaka.helper')}/grants`,
        payload: { role: 'vaccinator', facilityId: f.facility('UHC-UPA365') },
      }),
      status: 201,
    },
  },
  {
    method: 'DELETE',
    path: '/api/users/{id}/grants/{grantId}',
    denied: [
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: `/api/users/${f.user('dhaka.helper')}/grants/${f.grant('dhaka.helper')}` }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: (f) => ({ url: `/api/users/${f.user('dhaka.helper')}/grants/${f.grant('dhaka.helper')}` }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: `/api/users/${f.user('ctg.helper')}/grants/${f.grant('ctg.helper')}` }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: `/api/users/${f.user('dhaka.helper')}/grants/${f.grant('dhaka.helper')}` }),
      status: 204,
    },
  },
  {
    method: 'GET',
    path: '/api/area-levels',
    denied: [{ as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/area-levels' }) }],
    allowed: {
      as: 'vaccinator',
      why: 'every role reads areas',
      call: () => ({ url: '/api/area-levels' }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/areas',
    denied: [
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/areas' }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: `/api/areas?parentId=${f.area('DIV1')}` }) },
      { as: 'helpdesk', why: AREA, call: (f) => ({ url: `/api/areas?parentId=${f.area('DIS1')}` }) },
      {
        as: 'vaccinator',
        why: `${AREA} (not above its facility)`,
        call: (f) => ({ url: `/api/areas?parentId=${f.area('UPA366')}` }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: `/api/areas?parentId=${f.area('DIS47')}` }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/areas/{id}',
    denied: [
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: `/api/areas/${f.area('DIV6')}` }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: `/api/areas/${f.area('DIS1')}` }) },
      { as: 'helpdesk', why: AREA, call: (f) => ({ url: `/api/areas/${f.area('DIV1')}` }) },
      {
        as: 'storekeeper',
        why: `${AREA} (below its store)`,
        call: (f) => ({ url: `/api/areas/${f.area('UPA365')}` }),
      },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'the chain above its facility',
      call: (f) => ({ url: `/api/areas/${f.area('DIV6')}` }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/areas/{id}/subtree',
    denied: [
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: `/api/areas/${f.area('DIS47')}/subtree` }) },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: `/api/areas/${f.area('DIV1')}/subtree?depth=2` }),
      },
      { as: 'manager', why: AREA, call: (f) => ({ url: `/api/areas/${f.area('DIS1')}/subtree` }) },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: `/api/areas/${f.area('DIS47')}/subtree?depth=2` }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/areas',
    denied: [
      { as: 'vaccinator', why: ROLE, call: (f) => ({ url: '/api/areas', payload: areaBody(f, 'UPA365') }) },
      { as: 'manager', why: ROLE, call: (f) => ({ url: '/api/areas', payload: areaBody(f, 'UPA365') }) },
      { as: 'auditor', why: ROLE, call: (f) => ({ url: '/api/areas', payload: areaBody(f, 'DIS47') }) },
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: '/api/areas', payload: areaBody(f, 'DIS47') }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: '/api/areas', payload: areaBody(f, 'DIS1') }) },
      {
        as: 'dhaka.admin',
        why: `${AREA} (a new division)`,
        call: (f) => ({ url: '/api/areas', payload: areaBody(f, null) }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: '/api/areas', payload: areaBody(f, 'DIS47') }),
      status: 201,
    },
  },
  {
    method: 'PATCH',
    path: '/api/areas/{id}',
    denied: [
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: `/api/areas/${f.area('DIS47')}`, payload: { population: 1 } }),
      },
      {
        as: 'helpdesk',
        why: ROLE,
        call: (f) => ({ url: `/api/areas/${f.area('DIS47')}`, payload: { population: 1 } }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: (f) => ({ url: `/api/areas/${f.area('UPA365')}`, payload: { population: 1 } }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: `/api/areas/${f.area('DIS1')}`, payload: { nameEn: 'Taken over' } }),
      },
      {
        as: 'dhaka.admin',
        why: `${AREA} (another division)`,
        call: (f) => ({ url: `/api/areas/${f.area('DIV1')}`, payload: { population: 1 } }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: `/api/areas/${f.area('DIS47')}`, payload: { postcode: '1000' } }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/areas/import',
    denied: [
      { as: 'vaccinator', why: ROLE, call: (f) => ({ url: '/api/areas/import', csv: areasCsv(f, 'DIS47') }) },
      { as: 'auditor', why: ROLE, call: (f) => ({ url: '/api/areas/import', csv: areasCsv(f, 'DIS47') }) },
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: '/api/areas/import', csv: areasCsv(f, 'DIS47') }) },
      { as: 'manager', why: ROLE, call: (f) => ({ url: '/api/areas/import', csv: areasCsv(f, 'UPA365') }) },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: '/api/areas/import', csv: areasCsv(f, 'DIS47') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/facilities',
    denied: [{ as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/facilities' }) }],
    allowed: {
      as: 'storekeeper',
      why: 'its own store',
      call: () => ({ url: '/api/facilities' }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/facilities/{id}',
    denied: [
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: `/api/facilities/${f.facility('DH-DIS47')}` }) },
      {
        as: 'vaccinator',
        why: FACILITY,
        call: (f) => ({ url: `/api/facilities/${f.facility('DH-DIS47')}` }),
      },
      {
        as: 'storekeeper',
        why: FACILITY,
        call: (f) => ({ url: `/api/facilities/${f.facility('UHC-UPA365')}` }),
      },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: `/api/facilities/${f.facility('DH-DIS1')}` }) },
      { as: 'helpdesk', why: AREA, call: (f) => ({ url: `/api/facilities/${f.facility('STORE-DIV1')}` }) },
    ],
    allowed: {
      as: 'helpdesk',
      why: 'help desk in Dhaka',
      call: (f) => ({ url: `/api/facilities/${f.facility('DH-DIS47')}` }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/facilities',
    denied: [
      {
        as: 'vaccinator',
        why: ROLE,
        call: (f) => ({ url: '/api/facilities', payload: facilityBody(f, 'UPA365') }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: '/api/facilities', payload: facilityBody(f, 'DIS47') }),
      },
      {
        as: 'storekeeper',
        why: ROLE,
        call: (f) => ({ url: '/api/facilities', payload: facilityBody(f, 'DIS47') }),
      },
      {
        as: 'helpdesk',
        why: ROLE,
        call: (f) => ({ url: '/api/facilities', payload: facilityBody(f, 'DIS47') }),
      },
      {
        as: 'manager',
        why: `${FACILITY} (a new one is not its own)`,
        call: (f) => ({ url: '/api/facilities', payload: facilityBody(f, 'UPA365') }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: '/api/facilities', payload: facilityBody(f, 'DIS1') }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: '/api/facilities', payload: facilityBody(f, 'DIS47') }),
      status: 201,
    },
  },
  {
    method: 'PATCH',
    path: '/api/facilities/{id}',
    denied: [
      {
        as: 'vaccinator',
        why: ROLE,
        call: (f) => ({ url: `/api/facilities/${f.facility('UHC-UPA365')}`, payload: { dailyCapacity: 1 } }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: `/api/facilities/${f.facility('UHC-UPA365')}`, payload: { dailyCapacity: 1 } }),
      },
      {
        as: 'storekeeper',
        why: ROLE,
        call: (f) => ({ url: `/api/facilities/${f.facility('STORE-DIS47')}`, payload: { address: 'Moved' } }),
      },
      {
        as: 'manager',
        why: FACILITY,
        call: (f) => ({ url: `/api/facilities/${f.facility('DH-DIS47')}`, payload: { dailyCapacity: 1 } }),
      },
      {
        as: 'manager',
        why: `${AREA} (moving its facility away)`,
        call: (f) => ({
          url: `/api/facilities/${f.facility('UHC-UPA365')}`,
          payload: { areaId: f.area('UPA366') },
        }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: `/api/facilities/${f.facility('DH-DIS1')}`, payload: { dailyCapacity: 1 } }),
      },
      {
        as: 'dhaka.admin',
        why: `${AREA} (moving a facility into Chattagram)`,
        call: (f) => ({
          url: `/api/facilities/${f.facility('DH-DIS47')}`,
          payload: { areaId: f.area('DIS1') },
        }),
      },
    ],
    allowed: {
      as: 'manager',
      why: 'manager of this facility',
      call: (f) => ({ url: `/api/facilities/${f.facility('UHC-UPA365')}`, payload: { dailyCapacity: 450 } }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/facilities/import',
    denied: [
      {
        as: 'vaccinator',
        why: ROLE,
        call: (f) => ({ url: '/api/facilities/import', csv: facilitiesCsv(f, 'UPA365') }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: '/api/facilities/import', csv: facilitiesCsv(f, 'DIS47') }),
      },
      {
        as: 'storekeeper',
        why: ROLE,
        call: (f) => ({ url: '/api/facilities/import', csv: facilitiesCsv(f, 'DIS47') }),
      },
      {
        as: 'helpdesk',
        why: ROLE,
        call: (f) => ({ url: '/api/facilities/import', csv: facilitiesCsv(f, 'DIS47') }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: '/api/facilities/import', csv: facilitiesCsv(f, 'DIS47') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/products',
    denied: [{ as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/products' }) }],
    allowed: {
      as: 'vaccinator',
      why: 'every role reads products',
      call: () => ({ url: '/api/products' }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/products/{id}',
    denied: [
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: `/api/products/${f.product('COMIRNATY')}` }) },
    ],
    allowed: {
      as: 'helpdesk',
      why: 'every role reads products',
      call: (f) => ({ url: `/api/products/${f.product('COMIRNATY')}` }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/products',
    denied: [
      {
        as: 'dhaka.admin',
        why: `${ROLE} (products are national)`,
        call: (f) => ({ url: '/api/products', payload: productBody(f.unique('P')) }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: '/api/products', payload: productBody(f.unique('P')) }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: (f) => ({ url: '/api/products', payload: productBody(f.unique('P')) }),
      },
      {
        as: 'storekeeper',
        why: ROLE,
        call: (f) => ({ url: '/api/products', payload: productBody(f.unique('P')) }),
      },
    ],
    allowed: {
      as: 'admin',
      why: 'national admin',
      call: (f) => ({ url: '/api/products', payload: productBody(f.unique('P')) }),
      status: 201,
    },
  },
  {
    method: 'PATCH',
    path: '/api/products/{id}',
    denied: [
      {
        as: 'dhaka.admin',
        why: `${ROLE} (products are national)`,
        call: (f) => ({ url: `/api/products/${f.product('COMIRNATY')}`, payload: { active: false } }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: `/api/products/${f.product('COMIRNATY')}`, payload: { active: false } }),
      },
      {
        as: 'storekeeper',
        why: ROLE,
        call: (f) => ({ url: `/api/products/${f.product('COMIRNATY')}`, payload: { openVialHours: 12 } }),
      },
    ],
    allowed: {
      as: 'admin',
      why: 'national admin',
      call: (f) => ({ url: `/api/products/${f.product('COMIRNATY')}`, payload: { openVialHours: 6 } }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/audit-events',
    denied: [
      { as: 'vaccinator', why: ROLE, call: () => ({ url: '/api/audit-events' }) },
      { as: 'manager', why: ROLE, call: () => ({ url: '/api/audit-events' }) },
      { as: 'storekeeper', why: ROLE, call: () => ({ url: '/api/audit-events' }) },
      { as: 'helpdesk', why: ROLE, call: () => ({ url: '/api/audit-events' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/audit-events' }) },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: () => ({ url: '/api/audit-events' }),
      status: 200,
    },
  },
  // Registration: people are visible to staff whose grant covers their address or their chosen
  // centre. The people of `f.person()` live in Chattagram and chose `f.centre`.
  {
    method: 'POST',
    path: '/api/facilities/{id}/registrations',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => registrationCall(f, f.facility('UHC-UPA1')) },
      { as: 'auditor', why: ROLE, call: (f) => registrationCall(f, f.facility('UHC-UPA1')) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => registrationCall(f, f.facility('UHC-UPA1')) },
      { as: 'dhaka.admin', why: AREA, call: (f) => registrationCall(f, f.facility('UHC-UPA1')) },
      { as: 'helpdesk', why: AREA, call: (f) => registrationCall(f, f.facility('DH-DIS1')) },
      { as: 'vaccinator', why: FACILITY, call: (f) => registrationCall(f, f.facility('UHC-UPA1')) },
      { as: 'manager', why: FACILITY, call: (f) => registrationCall(f, f.centre) },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => registrationCall(f, f.facility('DH-DIS1')) },
    ],
    allowed: {
      as: 'ctg.vaccinator',
      why: 'vaccinator at this centre',
      call: (f) => registrationCall(f, f.centre),
      status: 201,
    },
  },
  {
    method: 'GET',
    path: '/api/people',
    // Outside the area it is a 200 without the person: see "list routes filter to the caller".
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: searchUrl(f) }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: searchUrl(f) }) },
    ],
    allowed: {
      as: 'ctg.admin',
      why: 'area admin in Chattagram',
      call: (f) => ({ url: searchUrl(f) }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/people/{id}',
    denied: hidden([
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: personUrl(f, 'ctg') }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: personUrl(f, 'ctg') }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: personUrl(f, 'ctg') }) },
      { as: 'helpdesk', why: AREA, call: (f) => ({ url: personUrl(f, 'ctg') }) },
      { as: 'vaccinator', why: FACILITY, call: (f) => ({ url: personUrl(f, 'ctg') }) },
    ]),
    allowed: {
      as: 'ctg.admin',
      why: 'area admin in Chattagram',
      call: (f) => ({ url: personUrl(f, 'ctg') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/people/{id}/card.pdf',
    denied: hidden([
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: personUrl(f, 'ctg', '/card.pdf') }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: personUrl(f, 'ctg', '/card.pdf') }) },
      { as: 'helpdesk', why: AREA, call: (f) => ({ url: personUrl(f, 'ctg', '/card.pdf') }) },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: personUrl(f, 'ctg', '/card.pdf') }) },
    ]),
    allowed: {
      as: 'ctg.vaccinator',
      why: "vaccinator at the person's chosen centre",
      call: (f) => ({ url: personUrl(f, 'ctg', '/card.pdf') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/people/{id}/corrections',
    denied: hidden([
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: personUrl(f, 'ctg', '/corrections') }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: personUrl(f, 'ctg', '/corrections') }) },
      { as: 'helpdesk', why: AREA, call: (f) => ({ url: personUrl(f, 'ctg', '/corrections') }) },
      { as: 'vaccinator', why: FACILITY, call: (f) => ({ url: personUrl(f, 'ctg', '/corrections') }) },
    ]),
    allowed: {
      as: 'auditor',
      why: 'national auditor',
      call: (f) => ({ url: personUrl(f, 'ctg', '/corrections') }),
      status: 200,
    },
  },
  {
    method: 'PATCH',
    path: '/api/people/{id}',
    denied: hidden([
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: personUrl(f, 'ctg'), payload: correction({ nameEn: 'Taken Over' }) }),
      },
      {
        as: 'storekeeper',
        why: ROLE,
        call: (f) => ({ url: personUrl(f, 'ctg'), payload: correction({ nameEn: 'Taken Over' }) }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: (f) => ({ url: personUrl(f, 'ctg'), payload: correction({ nameEn: 'Taken Over' }) }),
      },
      {
        as: 'ctg.vaccinator',
        why: `${ROLE} (at the person's chosen centre)`,
        call: (f) => ({ url: personUrl(f, 'ctg'), payload: correction({ nameEn: 'Taken Over' }) }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: personUrl(f, 'ctg'), payload: correction({ nameEn: 'Taken Over' }) }),
      },
      {
        as: 'helpdesk',
        why: AREA,
        call: (f) => ({ url: personUrl(f, 'ctg'), payload: correction({ addressLine: 'Elsewhere' }) }),
      },
      {
        as: 'ctg.helper',
        why: `${AREA} (moving the address into Dhaka)`,
        call: (f) => ({ url: personUrl(f, 'mover'), payload: correction({ areaId: f.dhakaUnion }) }),
      },
    ]),
    allowed: {
      as: 'ctg.helper',
      why: 'help desk in Chattagram',
      call: (f) => ({ url: personUrl(f, 'ctg'), payload: correction({ addressLine: 'House 7, Road 9' }) }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/people/{id}/priority-decision',
    denied: hidden([
      {
        as: 'ctg.helper',
        why: `${ROLE} (help desk in the area)`,
        call: (f) => ({ url: personUrl(f, 'ctg', '/priority-decision'), payload: { approve: true } }),
      },
      {
        as: 'ctg.vaccinator',
        why: `${ROLE} (at the person's chosen centre)`,
        call: (f) => ({ url: personUrl(f, 'ctg', '/priority-decision'), payload: { approve: true } }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: personUrl(f, 'ctg', '/priority-decision'), payload: { approve: true } }),
      },
      {
        as: 'storekeeper',
        why: ROLE,
        call: (f) => ({ url: personUrl(f, 'ctg', '/priority-decision'), payload: { approve: true } }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: personUrl(f, 'ctg', '/priority-decision'), payload: { approve: false } }),
      },
      {
        as: 'manager',
        why: FACILITY,
        call: (f) => ({ url: personUrl(f, 'ctg', '/priority-decision'), payload: { approve: true } }),
      },
    ]),
    allowed: {
      as: 'ctg.admin',
      why: 'area admin in Chattagram',
      call: (f) => ({ url: personUrl(f, 'ctg', '/priority-decision'), payload: { approve: true } }),
      status: 200,
    },
  },
  // Priority groups are national: only a national admin writes them.
  {
    method: 'POST',
    path: '/api/priority-groups/{code}',
    denied: [
      {
        as: 'dhaka.admin',
        why: `${ROLE} (groups are national)`,
        call: (f) => ({ url: `/api/priority-groups/${groupCode(f)}`, payload: groupBody() }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: `/api/priority-groups/${groupCode(f)}`, payload: groupBody() }),
      },
      {
        as: 'helpdesk',
        why: ROLE,
        call: (f) => ({ url: `/api/priority-groups/${groupCode(f)}`, payload: groupBody() }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: (f) => ({ url: `/api/priority-groups/${groupCode(f)}`, payload: groupBody() }),
      },
    ],
    allowed: {
      as: 'admin',
      why: 'national admin',
      call: (f) => ({ url: `/api/priority-groups/${groupCode(f)}`, payload: groupBody() }),
      status: 201,
    },
  },
  {
    method: 'PUT',
    path: '/api/priority-groups/{code}',
    denied: [
      {
        as: 'dhaka.admin',
        why: `${ROLE} (groups are national)`,
        call: () => ({ url: `/api/priority-groups/${ROSTER_GROUP}`, payload: groupBody({ rank: 1 }) }),
      },
      {
        as: 'ctg.admin',
        why: `${ROLE} (groups are national)`,
        call: () => ({ url: `/api/priority-groups/${ROSTER_GROUP}`, payload: groupBody({ active: false }) }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: () => ({ url: `/api/priority-groups/${ROSTER_GROUP}`, payload: groupBody({ rank: 1 }) }),
      },
      {
        as: 'storekeeper',
        why: ROLE,
        call: () => ({ url: `/api/priority-groups/${ROSTER_GROUP}`, payload: groupBody({ rank: 1 }) }),
      },
    ],
    allowed: {
      as: 'admin',
      why: 'national admin',
      call: () => ({ url: `/api/priority-groups/${ROSTER_GROUP}`, payload: groupBody({ rank: 8 }) }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/priority-groups/{code}/roster',
    denied: [
      {
        as: 'dhaka.admin',
        why: `${ROLE} (groups are national)`,
        call: (f) => ({ url: `/api/priority-groups/${ROSTER_GROUP}/roster`, csv: rosterCsv(f) }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: `/api/priority-groups/${ROSTER_GROUP}/roster`, csv: rosterCsv(f) }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: (f) => ({ url: `/api/priority-groups/${ROSTER_GROUP}/roster`, csv: rosterCsv(f) }),
      },
      {
        as: 'nobody',
        why: NO_GRANTS,
        call: (f) => ({ url: `/api/priority-groups/${ROSTER_GROUP}/roster`, csv: rosterCsv(f) }),
      },
    ],
    allowed: {
      as: 'admin',
      why: 'national admin',
      call: (f) => ({ url: `/api/priority-groups/${ROSTER_GROUP}/roster`, csv: rosterCsv(f) }),
      status: 200,
    },
  },

  // Sessions and appointments.
  {
    method: 'POST',
    path: '/api/sessions',
    denied: [
      {
        as: 'vaccinator',
        why: ROLE,
        call: (f) => ({ url: '/api/sessions', payload: sessionPayload(f, 'UHC-UPA365') }),
      },
      {
        as: 'helpdesk',
        why: ROLE,
        call: (f) => ({ url: '/api/sessions', payload: sessionPayload(f, 'UHC-UPA365') }),
      },
      {
        as: 'manager',
        why: FACILITY,
        call: (f) => ({ url: '/api/sessions', payload: sessionPayload(f, 'DH-DIS47') }),
      },
      {
        as: 'ctg.admin',
        why: AREA,
        call: (f) => ({ url: '/api/sessions', payload: sessionPayload(f, 'UHC-UPA365') }),
      },
    ],
    allowed: {
      as: 'manager',
      why: 'manager of the facility',
      call: (f) => ({ url: '/api/sessions', payload: sessionPayload(f, 'UHC-UPA365') }),
      status: 201,
    },
  },
  {
    method: 'POST',
    path: '/api/sessions/from-template',
    denied: [
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: '/api/sessions/from-template', payload: templatePayload(f, 'UHC-UPA365') }),
      },
      {
        as: 'manager',
        why: FACILITY,
        call: (f) => ({ url: '/api/sessions/from-template', payload: templatePayload(f, 'DH-DIS47') }),
      },
      {
        as: 'ctg.admin',
        why: AREA,
        call: (f) => ({ url: '/api/sessions/from-template', payload: templatePayload(f, 'DH-DIS47') }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin of Dhaka',
      call: (f) => ({ url: '/api/sessions/from-template', payload: templatePayload(f, 'DH-DIS47') }),
      status: 201,
    },
  },
  {
    method: 'GET',
    path: '/api/sessions',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: sessionsUrl(f, 'UHC-UPA365') }) },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: sessionsUrl(f, 'DH-DIS47') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: sessionsUrl(f, 'UHC-UPA365') }) },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => ({ url: sessionsUrl(f, 'UHC-UPA365') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/sessions/{id}',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: `/api/sessions/${f.session('savar')}` }) },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: `/api/sessions/${f.session('ctg')}` }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: `/api/sessions/${f.session('ctg')}` }) },
    ],
    allowed: {
      as: 'auditor',
      why: 'national auditor',
      call: (f) => ({ url: `/api/sessions/${f.session('ctg')}` }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/sessions/{id}/status',
    denied: [
      {
        as: 'vaccinator',
        why: ROLE,
        call: (f) => ({ url: `/api/sessions/${f.session('savar')}/status`, payload: { status: 'closed' } }),
      },
      {
        as: 'manager',
        why: FACILITY,
        call: (f) => ({ url: `/api/sessions/${f.session('ctg')}/status`, payload: { status: 'closed' } }),
      },
      {
        as: 'ctg.admin',
        why: AREA,
        call: (f) => ({ url: `/api/sessions/${f.session('savar')}/status`, payload: { status: 'closed' } }),
      },
    ],
    allowed: {
      as: 'manager',
      why: 'manager of the facility',
      call: (f) => ({ url: `/api/sessions/${f.session('savar')}/status`, payload: { status: 'closed' } }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/sessions/{id}/appointments',
    denied: [
      {
        as: 'storekeeper',
        why: ROLE,
        call: (f) => ({ url: `/api/sessions/${f.session('ctg')}/appointments` }),
      },
      {
        as: 'vaccinator',
        why: FACILITY,
        call: (f) => ({ url: `/api/sessions/${f.session('ctg')}/appointments` }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: `/api/sessions/${f.session('ctg')}/appointments` }),
      },
    ],
    allowed: {
      as: 'ctg.vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => ({ url: `/api/sessions/${f.session('ctg')}/appointments` }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/facilities/{id}/attendance',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: attendanceUrl(f, 'UHC-UPA365') }) },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: attendanceUrl(f, 'DH-DIS47') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: attendanceUrl(f, 'UHC-UPA365') }) },
    ],
    allowed: {
      as: 'manager',
      why: 'manager of the facility',
      call: (f) => ({ url: attendanceUrl(f, 'UHC-UPA365') }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/people/{id}/appointments',
    denied: [
      { as: 'vaccinator', why: ROLE, call: (f) => staffBooking(f, 'savar') },
      { as: 'auditor', why: ROLE, call: (f) => staffBooking(f, 'savar') },
      { as: 'dhaka.admin', why: AREA, call: (f) => staffBooking(f, 'ctg') },
      { as: 'manager', why: FACILITY, call: (f) => staffBooking(f, 'ctg') },
    ],
    allowed: {
      as: 'ctg.helper',
      why: 'help desk of the area',
      call: (f) => staffBooking(f, 'ctg'),
      status: 201,
    },
  },
  {
    method: 'POST',
    path: '/api/people/{id}/appointments/{appointmentId}/cancel',
    denied: hidden([
      { as: 'vaccinator', why: ROLE, call: (f) => ({ url: cancelUrl(f) }) },
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: cancelUrl(f) }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: cancelUrl(f) }) },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: cancelUrl(f) }) },
    ]),
    allowed: {
      as: 'ctg.helper',
      why: 'help desk of the area',
      call: (f) => ({ url: cancelUrl(f) }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/waiting-queue',
    denied: [
      { as: 'storekeeper', why: ROLE, call: () => ({ url: '/api/waiting-queue' }) },
      { as: 'dhaka.admin', why: AREA, call: () => ({ url: '/api/waiting-queue' }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: `/api/waiting-queue?areaId=${f.area('DIV1')}` }) },
    ],
    allowed: {
      as: 'ctg.admin',
      why: 'area admin of Chattagram',
      call: (f) => ({ url: `/api/waiting-queue?areaId=${f.area('DIV1')}` }),
      status: 200,
    },
  },
  // The auto-scheduler: national staff for the whole country, area admins for their area.
  {
    method: 'POST',
    path: '/api/schedule-runs',
    denied: [
      { as: 'vaccinator', why: ROLE, call: () => ({ url: '/api/schedule-runs', payload: {} }) },
      { as: 'manager', why: ROLE, call: () => ({ url: '/api/schedule-runs', payload: {} }) },
      { as: 'auditor', why: ROLE, call: () => ({ url: '/api/schedule-runs', payload: {} }) },
      {
        as: 'dhaka.admin',
        why: `${AREA} (national)`,
        call: () => ({ url: '/api/schedule-runs', payload: {} }),
      },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: '/api/schedule-runs', payload: { areaId: f.area('DIV1') } }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: '/api/schedule-runs', payload: { areaId: f.area('DIV6'), days: 2 } }),
      status: 202,
    },
  },
  {
    method: 'GET',
    path: '/api/schedule-runs',
    denied: [
      { as: 'vaccinator', why: ROLE, call: () => ({ url: '/api/schedule-runs' }) },
      { as: 'helpdesk', why: ROLE, call: () => ({ url: '/api/schedule-runs' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/schedule-runs' }) },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin',
      call: () => ({ url: '/api/schedule-runs' }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/schedule-runs/{id}',
    denied: [
      { as: 'auditor', why: ROLE, call: (f) => ({ url: `/api/schedule-runs/${f.scheduleRun}` }) },
      { as: 'vaccinator', why: ROLE, call: (f) => ({ url: `/api/schedule-runs/${f.scheduleRun}` }) },
      {
        as: 'dhaka.admin',
        why: `${AREA} (a national run)`,
        call: (f) => ({ url: `/api/schedule-runs/${f.scheduleRun}` }),
      },
    ],
    allowed: {
      as: 'admin',
      why: 'national admin',
      call: (f) => ({ url: `/api/schedule-runs/${f.scheduleRun}` }),
      status: 200,
    },
  },
  // Stock. A store's routes are authorized on the store: staff bound to it, staff whose area holds
  // it, national staff. The national store belongs to the whole country (national staff, or staff
  // bound to it); the Dhaka district store is the demo store keeper's, and supplies the Savar centre
  // (the demo manager's and vaccinator's) and the district hospital.
  {
    method: 'GET',
    path: '/api/stores',
    // Outside the area it is a 200 without those stores: see "list routes filter to the caller".
    denied: [
      { as: 'helpdesk', why: ROLE, call: () => ({ url: '/api/stores' }) },
      { as: 'ctg.helper', why: ROLE, call: () => ({ url: '/api/stores?level=district' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/stores' }) },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'its own store',
      call: () => ({ url: '/api/stores' }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/stores/derive',
    denied: [
      { as: 'auditor', why: ROLE, call: () => ({ url: '/api/stores/derive' }) },
      { as: 'vaccinator', why: ROLE, call: () => ({ url: '/api/stores/derive' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/stores/derive' }) },
      { as: 'dhaka.admin', why: `${AREA} (national)`, call: () => ({ url: '/api/stores/derive' }) },
      { as: 'storekeeper', why: `${FACILITY} (national)`, call: () => ({ url: '/api/stores/derive' }) },
    ],
    allowed: {
      as: 'admin',
      why: 'national admin',
      call: () => ({ url: '/api/stores/derive' }),
      status: 200,
      // A clinic written straight to the facility table has no store until the stores are derived.
      prepare: async (t, f) => {
        await t.database.db
          .insertInto('facility')
          .values({
            code: f.unique('FS'),
            name_en: 'Clinic without a store',
            name_bn: 'ভান্ডারহীন ক্লিনিক',
            type: 'clinic',
            area_id: f.area('UPA365'),
          })
          .execute();
      },
    },
  },
  {
    method: 'GET',
    path: '/api/stores/{id}',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: storeUrl(f, 'STORE-DIS47') }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: storeUrl(f, 'STORE-DIS47') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: storeUrl(f, 'STORE-DIS47') }) },
      {
        as: 'dhaka.admin',
        why: `${AREA} (the national store)`,
        call: (f) => ({ url: storeUrl(f, 'STORE-NATIONAL') }),
      },
      {
        as: 'storekeeper',
        why: `${FACILITY} (the store above its own)`,
        call: (f) => ({ url: storeUrl(f, 'STORE-DIV6') }),
      },
      { as: 'vaccinator', why: FACILITY, call: (f) => ({ url: storeUrl(f, 'DH-DIS47') }) },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'its own store',
      call: (f) => ({ url: storeUrl(f, 'STORE-DIS47') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/stores/{id}/stock',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: storeUrl(f, 'UHC-UPA365', '/stock') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: storeUrl(f, 'UHC-UPA365', '/stock') }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: storeUrl(f, 'STORE-DIS1', '/stock') }) },
      {
        as: 'storekeeper',
        why: `${FACILITY} (a store it supplies)`,
        call: (f) => ({ url: storeUrl(f, 'UHC-UPA365', '/stock') }),
      },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: storeUrl(f, 'DH-DIS47', '/stock') }) },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => ({ url: storeUrl(f, 'UHC-UPA365', '/stock') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/lots',
    denied: [
      { as: 'helpdesk', why: ROLE, call: () => ({ url: '/api/lots' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/lots' }) },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'every stock reader reads the lot catalogue',
      call: (f) => ({ url: `/api/lots?productId=${f.stockProduct}` }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/lots',
    denied: [
      { as: 'auditor', why: ROLE, call: (f) => ({ url: '/api/lots', payload: lotBody(f) }) },
      { as: 'vaccinator', why: ROLE, call: (f) => ({ url: '/api/lots', payload: lotBody(f) }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: '/api/lots', payload: lotBody(f) }) },
      {
        as: 'dhaka.admin',
        why: `${AREA} (the national store)`,
        call: (f) => ({ url: '/api/lots', payload: lotBody(f) }),
      },
      { as: 'storekeeper', why: FACILITY, call: (f) => ({ url: '/api/lots', payload: lotBody(f) }) },
    ],
    allowed: {
      as: 'national.storekeeper',
      why: 'store keeper of the national store',
      call: (f) => ({ url: '/api/lots', payload: lotBody(f) }),
      status: 201,
    },
  },
  {
    method: 'POST',
    path: '/api/stores/{id}/receipts',
    denied: [
      { as: 'auditor', why: ROLE, call: (f) => receiptCall(f, 'STORE-NATIONAL') },
      { as: 'helpdesk', why: ROLE, call: (f) => receiptCall(f, 'STORE-NATIONAL') },
      { as: 'nobody', why: NO_GRANTS, call: (f) => receiptCall(f, 'STORE-NATIONAL') },
      {
        as: 'dhaka.admin',
        why: `${AREA} (the national store)`,
        call: (f) => receiptCall(f, 'STORE-NATIONAL'),
      },
      { as: 'storekeeper', why: FACILITY, call: (f) => receiptCall(f, 'STORE-NATIONAL') },
    ],
    allowed: {
      as: 'national.storekeeper',
      why: 'store keeper of the national store',
      call: (f) => receiptCall(f, 'STORE-NATIONAL'),
      status: 201,
    },
  },
  {
    method: 'GET',
    path: '/api/stores/{id}/receipts',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: storeUrl(f, 'STORE-NATIONAL', '/receipts') }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: storeUrl(f, 'STORE-NATIONAL', '/receipts') }) },
      {
        as: 'dhaka.admin',
        why: `${AREA} (the national store)`,
        call: (f) => ({ url: storeUrl(f, 'STORE-NATIONAL', '/receipts') }),
      },
      {
        as: 'storekeeper',
        why: FACILITY,
        call: (f) => ({ url: storeUrl(f, 'STORE-NATIONAL', '/receipts') }),
      },
    ],
    allowed: {
      as: 'auditor',
      why: 'national auditor',
      call: (f) => ({ url: storeUrl(f, 'STORE-NATIONAL', '/receipts') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/receipts/{id}/documents/{documentId}',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: documentUrl(f) }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: documentUrl(f) }) },
      { as: 'dhaka.admin', why: `${AREA} (the national store)`, call: (f) => ({ url: documentUrl(f) }) },
      { as: 'storekeeper', why: FACILITY, call: (f) => ({ url: documentUrl(f) }) },
    ],
    allowed: {
      as: 'national.storekeeper',
      why: 'store keeper of the national store',
      call: (f) => ({ url: documentUrl(f) }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/stores/{id}/allocation-plans',
    denied: [
      { as: 'auditor', why: ROLE, call: (f) => planCall(f, 'STORE-DIS47') },
      { as: 'vaccinator', why: ROLE, call: (f) => planCall(f, 'STORE-DIS47') },
      { as: 'ctg.admin', why: AREA, call: (f) => planCall(f, 'STORE-DIS47') },
      { as: 'dhaka.admin', why: `${AREA} (the national store)`, call: (f) => planCall(f, 'STORE-NATIONAL') },
      {
        as: 'storekeeper',
        why: `${FACILITY} (the store above its own)`,
        call: (f) => planCall(f, 'STORE-DIV6'),
      },
      { as: 'manager', why: FACILITY, call: (f) => planCall(f, 'STORE-DIS47') },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'its own store',
      call: (f) => planCall(f, 'STORE-DIS47'),
      status: 201,
    },
  },
  {
    method: 'GET',
    path: '/api/allocation-plans/{id}',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: `/api/allocation-plans/${f.plan('draft')}` }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: `/api/allocation-plans/${f.plan('draft')}` }) },
      {
        as: 'manager',
        why: `${FACILITY} (a store below the plan's)`,
        call: (f) => ({ url: `/api/allocation-plans/${f.plan('draft')}` }),
      },
    ],
    allowed: {
      as: 'storekeeper',
      why: "the plan's store",
      call: (f) => ({ url: `/api/allocation-plans/${f.plan('draft')}` }),
      status: 200,
    },
  },
  {
    method: 'PUT',
    path: '/api/allocation-plans/{id}/lines',
    denied: [
      { as: 'auditor', why: ROLE, call: (f) => planLinesCall(f) },
      { as: 'vaccinator', why: ROLE, call: (f) => planLinesCall(f) },
      { as: 'ctg.admin', why: AREA, call: (f) => planLinesCall(f) },
      { as: 'manager', why: `${FACILITY} (a store below the plan's)`, call: (f) => planLinesCall(f) },
    ],
    allowed: {
      as: 'storekeeper',
      why: "the plan's store",
      call: (f) => planLinesCall(f),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/allocation-plans/{id}/approve',
    denied: [
      {
        as: 'storekeeper',
        why: `${ROLE} (the plan's store)`,
        call: (f) => ({ url: `/api/allocation-plans/${f.plan('pending')}/approve` }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: (f) => ({ url: `/api/allocation-plans/${f.plan('pending')}/approve` }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: `/api/allocation-plans/${f.plan('pending')}/approve` }),
      },
      {
        as: 'ctg.admin',
        why: AREA,
        call: (f) => ({ url: `/api/allocation-plans/${f.plan('pending')}/approve` }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: `/api/allocation-plans/${f.plan('pending')}/approve` }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/allocation-plans/{id}/cancel',
    denied: [
      { as: 'storekeeper', why: `${ROLE} (the plan's store)`, call: (f) => planCancelCall(f) },
      { as: 'manager', why: ROLE, call: (f) => planCancelCall(f) },
      { as: 'auditor', why: ROLE, call: (f) => planCancelCall(f) },
      { as: 'ctg.admin', why: AREA, call: (f) => planCancelCall(f) },
    ],
    allowed: { as: 'dhaka.admin', why: 'area admin in Dhaka', call: (f) => planCancelCall(f), status: 200 },
  },
  {
    method: 'POST',
    path: '/api/allocation-plans/{id}/dispatch',
    denied: [
      {
        as: 'auditor',
        why: ROLE,
        call: (f) => ({ url: `/api/allocation-plans/${f.plan('approved')}/dispatch` }),
      },
      {
        as: 'vaccinator',
        why: ROLE,
        call: (f) => ({ url: `/api/allocation-plans/${f.plan('approved')}/dispatch` }),
      },
      {
        as: 'ctg.admin',
        why: AREA,
        call: (f) => ({ url: `/api/allocation-plans/${f.plan('approved')}/dispatch` }),
      },
      {
        as: 'manager',
        why: `${FACILITY} (a store below the plan's)`,
        call: (f) => ({ url: `/api/allocation-plans/${f.plan('approved')}/dispatch` }),
      },
    ],
    allowed: {
      as: 'storekeeper',
      why: "the plan's store",
      call: (f) => ({ url: `/api/allocation-plans/${f.plan('approved')}/dispatch` }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/stores/{id}/dispatch-suggestion',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: suggestionUrl(f, 'STORE-DIS47') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: suggestionUrl(f, 'STORE-DIS47') }) },
      { as: 'vaccinator', why: FACILITY, call: (f) => ({ url: suggestionUrl(f, 'STORE-DIS47') }) },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'its own store',
      call: (f) => ({ url: suggestionUrl(f, 'STORE-DIS47') }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/transfers',
    denied: [
      { as: 'auditor', why: ROLE, call: (f) => transferCall(f, 'STORE-DIS47', 'UHC-UPA365') },
      {
        as: 'vaccinator',
        why: `${ROLE} (sending back from its facility)`,
        call: (f) => transferCall(f, 'UHC-UPA365', 'STORE-DIS47'),
      },
      { as: 'nobody', why: NO_GRANTS, call: (f) => transferCall(f, 'STORE-DIS47', 'UHC-UPA365') },
      { as: 'ctg.admin', why: AREA, call: (f) => transferCall(f, 'STORE-DIS47', 'UHC-UPA365') },
      { as: 'dhaka.admin', why: AREA, call: (f) => transferCall(f, 'STORE-DIV1', 'STORE-DIS1') },
      {
        as: 'dhaka.admin',
        why: `${AREA} (from the national store)`,
        call: (f) => transferCall(f, 'STORE-NATIONAL', 'STORE-DIV6'),
      },
      {
        as: 'storekeeper',
        why: `${FACILITY} (from the store above its own)`,
        call: (f) => transferCall(f, 'STORE-DIV6', 'STORE-DIS47'),
      },
      {
        as: 'manager',
        why: `${FACILITY} (to its facility)`,
        call: (f) => transferCall(f, 'STORE-DIS47', 'UHC-UPA365'),
      },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'from its own store',
      call: (f) => transferCall(f, 'STORE-DIS47', 'UHC-UPA365'),
      status: 201,
    },
  },
  {
    method: 'GET',
    path: '/api/transfers',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: transfersUrl(f, 'UHC-UPA365') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: transfersUrl(f, 'UHC-UPA365') }) },
      { as: 'vaccinator', why: FACILITY, call: (f) => ({ url: transfersUrl(f, 'STORE-DIS47') }) },
      { as: 'storekeeper', why: FACILITY, call: (f) => ({ url: transfersUrl(f, 'STORE-DIV6') }) },
    ],
    allowed: {
      as: 'manager',
      why: 'manager of the facility',
      call: (f) => ({ url: transfersUrl(f, 'UHC-UPA365') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/transfers/{id}',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: `/api/transfers/${f.transfer('hospital')}` }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: `/api/transfers/${f.transfer('hospital')}` }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: `/api/transfers/${f.transfer('hospital')}` }) },
      {
        as: 'vaccinator',
        why: `${FACILITY} (at neither end)`,
        call: (f) => ({ url: `/api/transfers/${f.transfer('hospital')}` }),
      },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'the sending store',
      call: (f) => ({ url: `/api/transfers/${f.transfer('hospital')}` }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/transfers/{id}/receive',
    denied: [
      { as: 'auditor', why: ROLE, call: (f) => receiveCall(f) },
      { as: 'vaccinator', why: `${ROLE} (the receiving facility)`, call: (f) => receiveCall(f) },
      { as: 'ctg.admin', why: AREA, call: (f) => receiveCall(f) },
      { as: 'storekeeper', why: `${FACILITY} (the sending store)`, call: (f) => receiveCall(f) },
    ],
    allowed: {
      as: 'manager',
      why: 'manager of the receiving facility',
      call: (f) => receiveCall(f),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/stores/{id}/adjustments',
    denied: [
      { as: 'auditor', why: ROLE, call: (f) => adjustmentCall(f, 'STORE-DIS47') },
      { as: 'vaccinator', why: ROLE, call: (f) => adjustmentCall(f, 'UHC-UPA365') },
      { as: 'nobody', why: NO_GRANTS, call: (f) => adjustmentCall(f, 'STORE-DIS47') },
      { as: 'ctg.admin', why: AREA, call: (f) => adjustmentCall(f, 'STORE-DIS47') },
      {
        as: 'dhaka.admin',
        why: `${AREA} (the national store)`,
        call: (f) => adjustmentCall(f, 'STORE-NATIONAL'),
      },
      {
        as: 'storekeeper',
        why: `${FACILITY} (a store it supplies)`,
        call: (f) => adjustmentCall(f, 'UHC-UPA365'),
      },
      { as: 'manager', why: FACILITY, call: (f) => adjustmentCall(f, 'STORE-DIS47') },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'its own store',
      call: (f) => adjustmentCall(f, 'STORE-DIS47'),
      status: 201,
    },
  },
  {
    method: 'GET',
    path: '/api/stores/{id}/adjustments',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: storeUrl(f, 'STORE-DIS47', '/adjustments') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: storeUrl(f, 'STORE-DIS47', '/adjustments') }) },
      { as: 'vaccinator', why: FACILITY, call: (f) => ({ url: storeUrl(f, 'STORE-DIS47', '/adjustments') }) },
    ],
    allowed: {
      as: 'auditor',
      why: 'national auditor',
      call: (f) => ({ url: storeUrl(f, 'STORE-DIS47', '/adjustments') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/stores/{id}/ledger',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: storeUrl(f, 'STORE-DIS47', '/ledger') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: storeUrl(f, 'STORE-DIS47', '/ledger') }) },
      {
        as: 'dhaka.admin',
        why: `${AREA} (the national store)`,
        call: (f) => ({ url: storeUrl(f, 'STORE-NATIONAL', '/ledger') }),
      },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: storeUrl(f, 'STORE-DIS47', '/ledger') }) },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'its own store',
      call: (f) => ({ url: storeUrl(f, 'STORE-DIS47', '/ledger') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/facilities/{id}/vials',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: vialsUrl(f, 'UHC-UPA365') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: vialsUrl(f, 'UHC-UPA365') }) },
      {
        as: 'storekeeper',
        why: `${FACILITY} (a store it supplies)`,
        call: (f) => ({ url: vialsUrl(f, 'UHC-UPA365') }),
      },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: vialsUrl(f, 'DH-DIS47') }) },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => ({ url: vialsUrl(f, 'UHC-UPA365') }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/facilities/{id}/vials',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => openVialCall(f, 'UHC-UPA365') },
      { as: 'auditor', why: ROLE, call: (f) => openVialCall(f, 'UHC-UPA365') },
      { as: 'helpdesk', why: ROLE, call: (f) => openVialCall(f, 'UHC-UPA365') },
      { as: 'ctg.admin', why: AREA, call: (f) => openVialCall(f, 'UHC-UPA365') },
      { as: 'manager', why: FACILITY, call: (f) => openVialCall(f, 'DH-DIS47') },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => openVialCall(f, 'UHC-UPA365') },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => openVialCall(f, 'UHC-UPA365'),
      status: 201,
    },
  },
  {
    method: 'POST',
    path: '/api/facilities/{id}/vials/{vialId}/close',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => closeVialCall(f, 'UHC-UPA365') },
      { as: 'auditor', why: ROLE, call: (f) => closeVialCall(f, 'UHC-UPA365') },
      { as: 'ctg.admin', why: AREA, call: (f) => closeVialCall(f, 'UHC-UPA365') },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => closeVialCall(f, 'UHC-UPA365') },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => closeVialCall(f, 'UHC-UPA365'),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/stock/wastage',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: stockReportUrl(f, 'wastage', 'STORE-DIV6') }) },
      {
        as: 'dhaka.admin',
        why: `${AREA} (the whole country)`,
        call: (f) => ({ url: stockReportUrl(f, 'wastage') }),
      },
      {
        as: 'storekeeper',
        why: `${FACILITY} (the whole country)`,
        call: (f) => ({ url: stockReportUrl(f, 'wastage') }),
      },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: stockReportUrl(f, 'wastage', 'STORE-DIS47') }) },
      {
        as: 'vaccinator',
        why: FACILITY,
        call: (f) => ({ url: stockReportUrl(f, 'wastage', 'STORE-DIS47') }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: stockReportUrl(f, 'wastage', 'STORE-DIV6') }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/stock/alerts',
    denied: [
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: stockReportUrl(f, 'alerts', 'STORE-DIS47') }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: stockReportUrl(f, 'alerts', 'STORE-DIS47') }) },
      {
        as: 'dhaka.admin',
        why: `${AREA} (the whole country)`,
        call: (f) => ({ url: stockReportUrl(f, 'alerts') }),
      },
      {
        as: 'storekeeper',
        why: `${FACILITY} (the whole country)`,
        call: (f) => ({ url: stockReportUrl(f, 'alerts') }),
      },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: stockReportUrl(f, 'alerts', 'STORE-DIS47') }) },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: stockReportUrl(f, 'alerts', 'STORE-DIS47') }) },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'its own store and below',
      call: (f) => ({ url: stockReportUrl(f, 'alerts', 'STORE-DIS47') }),
      status: 200,
    },
  },
  // Vaccination. Doses are recorded at a facility (dose.record on it; anyone may be vaccinated as
  // a walk-in), corrected and reviewed by the facility's supervisors or the area's officers
  // (dose.correct on the dose's facility), read by staff who may see the person.
  {
    method: 'GET',
    path: '/api/vaccinator/facilities/{id}/queue',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'queue') }) },
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'queue') }) },
      { as: 'auditor', why: ROLE, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'queue') }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'queue') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'queue') }) },
      { as: 'vaccinator', why: FACILITY, call: (f) => ({ url: queueUrl(f, 'DH-DIS47', 'queue') }) },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'queue') }) },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'queue') }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/vaccinator/lookup',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => lookupCall(f, 'UHC-UPA365') },
      { as: 'helpdesk', why: ROLE, call: (f) => lookupCall(f, 'UHC-UPA365') },
      { as: 'auditor', why: ROLE, call: (f) => lookupCall(f, 'UHC-UPA365') },
      { as: 'nobody', why: NO_GRANTS, call: (f) => lookupCall(f, 'UHC-UPA365') },
      { as: 'ctg.admin', why: AREA, call: (f) => lookupCall(f, 'UHC-UPA365') },
      { as: 'vaccinator', why: FACILITY, call: (f) => lookupCall(f, 'DH-DIS47') },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => lookupCall(f, 'UHC-UPA365') },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => lookupCall(f, 'UHC-UPA365'),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/vaccinator/facilities/{id}/pack',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'pack') }) },
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'pack') }) },
      { as: 'auditor', why: ROLE, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'pack') }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'pack') }) },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: queueUrl(f, 'DH-DIS47', 'pack') }) },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'pack') }) },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => ({ url: queueUrl(f, 'UHC-UPA365', 'pack') }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/vaccinator/sync',
    // A record for a facility outside the caller's grants is refused in the answer, record by
    // record: see "list routes filter to the caller".
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => syncCall(f) },
      { as: 'helpdesk', why: ROLE, call: (f) => syncCall(f) },
      { as: 'auditor', why: ROLE, call: (f) => syncCall(f) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => syncCall(f) },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility',
      call: (f) => syncCall(f),
      status: 200,
      recordedIn: 'dose',
    },
  },
  {
    method: 'POST',
    path: '/api/people/{id}/doses',
    denied: [
      { as: 'storekeeper', why: ROLE, call: (f) => doseCall(f, 'UHC-UPA365') },
      { as: 'helpdesk', why: ROLE, call: (f) => doseCall(f, 'UHC-UPA365') },
      { as: 'auditor', why: ROLE, call: (f) => doseCall(f, 'UHC-UPA365') },
      { as: 'nobody', why: NO_GRANTS, call: (f) => doseCall(f, 'UHC-UPA365') },
      { as: 'ctg.admin', why: AREA, call: (f) => doseCall(f, 'UHC-UPA365') },
      { as: 'vaccinator', why: FACILITY, call: (f) => doseCall(f, 'DH-DIS47') },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => doseCall(f, 'UHC-UPA365') },
    ],
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator of the facility (a walk-in)',
      call: (f) => doseCall(f, 'UHC-UPA365'),
      status: 201,
      recordedIn: 'dose',
    },
  },
  {
    method: 'GET',
    path: '/api/people/{id}/doses',
    denied: hidden([
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: dosesUrl(f) }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: dosesUrl(f) }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: dosesUrl(f) }) },
      { as: 'ctg.helper', why: AREA, call: (f) => ({ url: dosesUrl(f) }) },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => ({ url: dosesUrl(f) }) },
    ]),
    allowed: {
      as: 'vaccinator',
      why: 'where the person had a dose',
      call: (f) => ({ url: dosesUrl(f) }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/people/{id}/doses/{doseId}/corrections',
    denied: hidden([
      { as: 'vaccinator', why: `${ROLE} (where the dose was given)`, call: (f) => correctionCall(f) },
      { as: 'helpdesk', why: ROLE, call: (f) => correctionCall(f) },
      { as: 'auditor', why: ROLE, call: (f) => correctionCall(f) },
      { as: 'storekeeper', why: ROLE, call: (f) => correctionCall(f) },
      { as: 'ctg.admin', why: AREA, call: (f) => correctionCall(f) },
    ]),
    allowed: {
      as: 'manager',
      why: 'supervisor where the dose was given',
      call: (f) => correctionCall(f),
      status: 201,
    },
  },
  {
    method: 'GET',
    path: '/api/dose-reviews',
    // Outside the area it is a 200 without those reviews (a facility asked for by name is refused).
    denied: [
      { as: 'vaccinator', why: ROLE, call: () => ({ url: '/api/dose-reviews' }) },
      { as: 'helpdesk', why: ROLE, call: () => ({ url: '/api/dose-reviews' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/dose-reviews' }) },
      {
        as: 'ctg.admin',
        why: AREA,
        call: (f) => ({ url: `/api/dose-reviews?facilityId=${f.facility('DH-DIS47')}` }),
      },
      {
        as: 'manager',
        why: FACILITY,
        call: (f) => ({ url: `/api/dose-reviews?facilityId=${f.facility('DH-DIS47')}` }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: `/api/dose-reviews?facilityId=${f.facility('DH-DIS47')}` }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/dose-reviews/{personId}/{id}/resolve',
    denied: [
      { as: 'vaccinator', why: ROLE, call: (f) => resolveCall(f) },
      { as: 'helpdesk', why: ROLE, call: (f) => resolveCall(f) },
      { as: 'auditor', why: ROLE, call: (f) => resolveCall(f) },
      { as: 'ctg.admin', why: AREA, call: (f) => resolveCall(f), hidden: true },
      // The manager of the Savar centre may read the person (dosed there), so is refused with 403.
      { as: 'manager', why: FACILITY, call: (f) => resolveCall(f) },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => resolveCall(f),
      status: 200,
    },
  },

  // Side effects (AEFI) and officer alerts: a report belongs to the facility of its dose; a serious
  // one alerts the officers of that facility's district.
  {
    method: 'POST',
    path: '/api/people/{id}/aefi',
    denied: hidden([
      { as: 'storekeeper', why: ROLE, call: (f) => aefiCall(f) },
      { as: 'auditor', why: ROLE, call: (f) => aefiCall(f) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => aefiCall(f) },
      { as: 'ctg.helper', why: AREA, call: (f) => aefiCall(f) },
      { as: 'ctg.admin', why: AREA, call: (f) => aefiCall(f) },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => aefiCall(f) },
    ]),
    allowed: {
      as: 'helpdesk',
      why: 'help desk in Dhaka',
      call: (f) => aefiCall(f),
      status: 201,
    },
  },
  {
    method: 'GET',
    path: '/api/aefi',
    // Outside the area it is a 200 without those reports (a facility asked for by name is refused).
    denied: [
      { as: 'storekeeper', why: ROLE, call: () => ({ url: '/api/aefi' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/aefi' }) },
      {
        as: 'ctg.admin',
        why: AREA,
        call: (f) => ({ url: `/api/aefi?facilityId=${f.facility('UHC-UPA365')}` }),
      },
      {
        as: 'manager',
        why: FACILITY,
        call: (f) => ({ url: `/api/aefi?facilityId=${f.facility('DH-DIS47')}` }),
      },
    ],
    allowed: {
      as: 'helpdesk',
      why: 'help desk in Dhaka',
      call: (f) => ({ url: `/api/aefi?facilityId=${f.facility('UHC-UPA365')}` }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/aefi/lots',
    denied: [
      { as: 'storekeeper', why: ROLE, call: () => ({ url: '/api/aefi/lots' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/aefi/lots' }) },
    ],
    allowed: {
      as: 'auditor',
      why: 'national auditor',
      call: () => ({ url: '/api/aefi/lots' }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/aefi/{personId}/{id}',
    denied: hidden([
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: aefiUrl(f) }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: aefiUrl(f) }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: aefiUrl(f) }) },
      { as: 'ctg.helper', why: AREA, call: (f) => ({ url: aefiUrl(f) }) },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => ({ url: aefiUrl(f) }) },
    ]),
    allowed: {
      as: 'vaccinator',
      why: 'vaccinator where the dose was given',
      call: (f) => ({ url: aefiUrl(f) }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/aefi/{personId}/{id}/investigation',
    denied: hidden([
      { as: 'manager', why: `${ROLE} (where the dose was given)`, call: (f) => investigationCall(f) },
      { as: 'vaccinator', why: ROLE, call: (f) => investigationCall(f) },
      { as: 'helpdesk', why: ROLE, call: (f) => investigationCall(f) },
      { as: 'auditor', why: ROLE, call: (f) => investigationCall(f) },
      { as: 'ctg.admin', why: AREA, call: (f) => investigationCall(f) },
    ]),
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => investigationCall(f),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/alerts',
    // Outside the area it is a 200 without those alerts.
    denied: [
      { as: 'vaccinator', why: ROLE, call: () => ({ url: '/api/alerts' }) },
      { as: 'helpdesk', why: ROLE, call: () => ({ url: '/api/alerts' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/alerts' }) },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: () => ({ url: '/api/alerts?open=true' }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/alerts/{id}/acknowledge',
    denied: [
      { as: 'vaccinator', why: ROLE, call: (f) => ({ url: acknowledgeUrl(f) }) },
      { as: 'helpdesk', why: ROLE, call: (f) => ({ url: acknowledgeUrl(f) }) },
      {
        as: 'auditor',
        why: `${ROLE} (an auditor changes nothing)`,
        call: (f) => ({ url: acknowledgeUrl(f, 1) }),
      },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: acknowledgeUrl(f) }) },
      {
        as: 'storekeeper',
        why: `${FACILITY} (a store below the district)`,
        call: (f) => ({ url: acknowledgeUrl(f, 2) }),
      },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'officer of the district',
      call: (f) => ({ url: acknowledgeUrl(f) }),
      status: 200,
    },
  },

  // Programme-wide switches: every staff member reads them, a national admin changes them.
  {
    method: 'GET',
    path: '/api/programme-settings',
    denied: [],
    allowed: {
      as: 'nobody',
      why: 'any signed-in staff',
      call: () => ({ url: '/api/programme-settings' }),
      status: 200,
    },
  },
  {
    method: 'PUT',
    path: '/api/programme-settings',
    denied: [
      {
        as: 'dhaka.admin',
        why: `${ROLE} (the switches are national)`,
        call: () => ({ url: '/api/programme-settings', payload: { acceptUnheldLots: true } }),
      },
      {
        as: 'auditor',
        why: ROLE,
        call: () => ({ url: '/api/programme-settings', payload: { acceptUnheldLots: true } }),
      },
      {
        as: 'manager',
        why: ROLE,
        call: () => ({ url: '/api/programme-settings', payload: { acceptUnheldLots: true } }),
      },
      {
        as: 'nobody',
        why: NO_GRANTS,
        call: () => ({ url: '/api/programme-settings', payload: { acceptUnheldLots: true } }),
      },
    ],
    allowed: {
      as: 'admin',
      why: 'national admin',
      // The setting the other tests expect: a lot the facility does not hold is refused.
      call: () => ({ url: '/api/programme-settings', payload: { acceptUnheldLots: false } }),
      status: 200,
    },
  },
  // Certificates: read by staff who may see the person (its home area or chosen centre), re-issued
  // and revoked by staff who may correct the person's record.
  {
    method: 'GET',
    path: '/api/people/{id}/certificates',
    denied: hidden([
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: certificatesUrl(f) }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: certificatesUrl(f) }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: certificatesUrl(f) }) },
      { as: 'ctg.helper', why: AREA, call: (f) => ({ url: certificatesUrl(f) }) },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => ({ url: certificatesUrl(f) }) },
    ]),
    allowed: {
      as: 'helpdesk',
      why: 'help desk in Dhaka',
      call: (f) => ({ url: certificatesUrl(f) }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/people/{id}/certificates/{certificateId}/pdf',
    denied: hidden([
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: pdfUrl(f) }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: pdfUrl(f) }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: pdfUrl(f) }) },
      { as: 'ctg.helper', why: AREA, call: (f) => ({ url: pdfUrl(f) }) },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => ({ url: pdfUrl(f) }) },
    ]),
    allowed: {
      as: 'helpdesk',
      why: 'help desk in Dhaka',
      call: (f) => ({ url: pdfUrl(f) }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/people/{id}/certificates/reissue',
    denied: hidden([
      { as: 'vaccinator', why: ROLE, call: (f) => reissueCall(f) },
      { as: 'manager', why: ROLE, call: (f) => reissueCall(f) },
      { as: 'auditor', why: ROLE, call: (f) => reissueCall(f) },
      { as: 'storekeeper', why: ROLE, call: (f) => reissueCall(f) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => reissueCall(f) },
      { as: 'ctg.admin', why: AREA, call: (f) => reissueCall(f) },
      { as: 'ctg.helper', why: AREA, call: (f) => reissueCall(f) },
    ]),
    allowed: {
      as: 'helpdesk',
      why: 'help desk in Dhaka',
      call: (f) => reissueCall(f),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/people/{id}/certificates/{certificateId}/revoke',
    denied: hidden([
      { as: 'vaccinator', why: ROLE, call: (f) => revokeCall(f) },
      { as: 'manager', why: ROLE, call: (f) => revokeCall(f) },
      { as: 'auditor', why: ROLE, call: (f) => revokeCall(f) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => revokeCall(f) },
      { as: 'ctg.admin', why: AREA, call: (f) => revokeCall(f) },
      { as: 'ctg.helper', why: AREA, call: (f) => revokeCall(f) },
    ]),
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => revokeCall(f),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/certificates',
    denied: hidden([
      { as: 'storekeeper', why: ROLE, call: (f) => ({ url: hcidUrl(f) }) },
      { as: 'nobody', why: NO_GRANTS, call: (f) => ({ url: hcidUrl(f) }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: hcidUrl(f) }) },
      { as: 'ctg.helper', why: AREA, call: (f) => ({ url: hcidUrl(f) }) },
      { as: 'ctg.vaccinator', why: FACILITY, call: (f) => ({ url: hcidUrl(f) }) },
    ]),
    allowed: {
      as: 'auditor',
      why: 'national auditor',
      call: (f) => ({ url: hcidUrl(f) }),
      status: 200,
    },
  },
  ...areaReportCases([
    '/api/reports/vaccination',
    '/api/reports/vaccination/trend',
    '/api/reports/coverage',
    '/api/reports/funnel',
    '/api/reports/registrations',
    '/api/populations',
  ]),
  ...facilityReportCases(['/api/reports/facilities', '/api/reports/aefi']),
  {
    method: 'GET',
    path: '/api/reports/status',
    denied: [
      { as: 'vaccinator', why: ROLE, call: () => ({ url: '/api/reports/status' }) },
      { as: 'helpdesk', why: ROLE, call: () => ({ url: '/api/reports/status' }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: '/api/reports/status' }) },
    ],
    allowed: {
      as: 'manager',
      why: 'every report reader',
      call: () => ({ url: '/api/reports/status' }),
      status: 200,
    },
  },
  {
    method: 'GET',
    path: '/api/reports/stock',
    denied: [
      { as: 'helpdesk', why: ROLE, call: () => ({ url: '/api/reports/stock' }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: `/api/reports/stock?areaId=${f.area('DIS1')}` }) },
      {
        as: 'dhaka.admin',
        why: AREA,
        call: (f) => ({ url: `/api/reports/stock?storeId=${f.facility('STORE-DIV1')}` }),
      },
      {
        as: 'manager',
        why: FACILITY,
        call: (f) => ({ url: `/api/reports/stock?storeId=${f.facility('STORE-DIS47')}` }),
      },
      {
        as: 'storekeeper',
        why: FACILITY,
        call: (f) => ({ url: `/api/reports/stock?areaId=${f.area('DIS1')}` }),
      },
    ],
    allowed: {
      as: 'storekeeper',
      why: 'its own store',
      call: (f) => ({ url: `/api/reports/stock?storeId=${f.facility('STORE-DIS47')}` }),
      status: 200,
    },
  },
  {
    method: 'POST',
    path: '/api/populations',
    denied: [
      { as: 'auditor', why: ROLE, call: () => ({ url: '/api/populations', csv: populationCsv('UNI3271') }) },
      { as: 'manager', why: ROLE, call: () => ({ url: '/api/populations', csv: populationCsv('UNI3271') }) },
      {
        as: 'vaccinator',
        why: ROLE,
        call: () => ({ url: '/api/populations', csv: populationCsv('UNI3271') }),
      },
      // A union of Cumilla (Chattagram division).
      { as: 'dhaka.admin', why: AREA, call: () => ({ url: '/api/populations', csv: populationCsv('UNI1') }) },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka (a union of Savar)',
      call: () => ({ url: '/api/populations', csv: populationCsv('UNI3271') }),
      status: 200,
    },
  },
];

/** Reports by where people live: report readers with an area or national grant, within it. */
function areaReportCases(paths: string[]): RouteCase[] {
  return paths.map((path) => ({
    method: 'GET',
    path,
    denied: [
      { as: 'vaccinator', why: ROLE, call: () => ({ url: path }) },
      { as: 'helpdesk', why: ROLE, call: () => ({ url: path }) },
      { as: 'storekeeper', why: ROLE, call: () => ({ url: path }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: path }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: `${path}?areaId=${f.area('DIS1')}` }) },
      { as: 'ctg.admin', why: AREA, call: (f) => ({ url: `${path}?areaId=${f.area('DIS47')}` }) },
    ],
    allowed: {
      as: 'dhaka.admin',
      why: 'area admin in Dhaka',
      call: (f) => ({ url: `${path}?areaId=${f.area('DIS47')}` }),
      status: 200,
    },
  }));
}

/** Reports by facility: area staff within their area, facility staff for their own facility. */
function facilityReportCases(paths: string[]): RouteCase[] {
  return paths.map((path) => ({
    method: 'GET',
    path,
    denied: [
      { as: 'vaccinator', why: ROLE, call: () => ({ url: path }) },
      { as: 'helpdesk', why: ROLE, call: () => ({ url: path }) },
      { as: 'nobody', why: NO_GRANTS, call: () => ({ url: path }) },
      { as: 'dhaka.admin', why: AREA, call: (f) => ({ url: `${path}?areaId=${f.area('DIS1')}` }) },
      { as: 'manager', why: FACILITY, call: (f) => ({ url: `${path}?areaId=${f.area('DIS1')}` }) },
    ],
    allowed: {
      as: 'manager',
      why: 'manager of a facility in the area',
      call: (f) => ({ url: `${path}?areaId=${f.area('DIS47')}` }),
      status: 200,
    },
  }));
}

/**
 * Routes anyone may call, each on purpose. Everything else under /api must answer 401 without a
 * sign-in; a route made public without being listed here fails "only the routes meant to be public".
 */
const PUBLIC_ROUTES = [
  'POST /api/auth/sign-in',
  'POST /api/auth/refresh',
  'GET /api/openapi.json',
  // What the citizen screens show before a sign-in, and the phone sign-in itself.
  'GET /api/registration/settings',
  'GET /api/priority-groups',
  'GET /api/public/areas',
  'GET /api/public/facilities',
  'GET /api/public/products',
  'POST /api/citizen/otp',
  'POST /api/citizen/otp/verify',
  // Keys that verify the signed token on vaccination cards, for offline checks.
  'GET /api/card-keys',
  // The coded side-effect symptom list (WHO AEFI categories): reference data, no one's record.
  'GET /api/aefi/symptoms',
  // What verifiers anywhere need to check a certificate: the keys, the revocations, a check.
  'GET /api/public/trust-list',
  'GET /api/public/revocations',
  'POST /api/public/verify',
  // Availability: our search and the CoWIN-compatible public API for third-party slot finders.
  'GET /api/public/availability',
  'GET /api/v2/admin/location/states',
  'GET /api/v2/admin/location/districts/{state_id}',
  'GET /api/v2/appointment/sessions/public/findByPin',
  'GET /api/v2/appointment/sessions/public/findByDistrict',
  'GET /api/v2/appointment/sessions/public/calendarByPin',
  'GET /api/v2/appointment/sessions/public/calendarByDistrict',
  'GET /api/v2/appointment/sessions/public/calendarByCenter',
  'GET /api/v2/appointment/centers/public/findByLatLong',
  // The public dashboard: counts for the country and its divisions, small ones suppressed.
  'GET /api/public/dashboard',
];

/**
 * Routes for a citizen signed in with a phone code: in neither table. They answer 401 to a staff
 * token (and staff routes answer 401 to a citizen's token): "the sign-ins do not cross".
 */
const CITIZEN_ROUTES = [
  'GET /api/citizen/people',
  'POST /api/citizen/people',
  'DELETE /api/citizen/people/{id}',
  'GET /api/citizen/people/{id}/card.pdf',
  'GET /api/citizen/appointments',
  'POST /api/citizen/appointments',
  'GET /api/citizen/people/{id}/appointments/{appointmentId}',
  'POST /api/citizen/people/{id}/appointments/{appointmentId}/reschedule',
  'POST /api/citizen/people/{id}/appointments/{appointmentId}/cancel',
  'GET /api/citizen/people/{id}/doses',
  'POST /api/citizen/people/{id}/aefi',
  'GET /api/citizen/people/{id}/certificates',
  'GET /api/citizen/people/{id}/certificates/{certificateId}/pdf',
  'GET /api/citizen/people/{id}/certificates/{certificateId}/shc',
  'GET /api/citizen/people/{id}/certificates/{certificateId}/fhir',
];

const keyOf = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/**
 * Flattens `app.printRoutes({ commonPrefix: false })` (a tree drawn with box characters, four
 * columns per level) into `METHOD /path` keys, so routes hidden from the OpenAPI document count too.
 */
function flattenRouteTree(tree: string): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (depth > 0 ? stack[depth - 1]! : '') + m[2]!;
    stack.length = depth;
    stack.push(path);
    for (const method of (m[3] ?? '').split(', ').filter(Boolean))
      out.add(keyOf(method, toOpenApiPath(path)));
  }
  return out;
}

describe('authorization of every protected route', () => {
  let t: TestContext;
  let fixture: Fixture;
  const tokens = new Map<Actor, string>();

  const token = async (actor: Actor, fresh = false) => {
    const username = usernameOf(actor);
    const password = MADE_HERE[actor]?.password;
    if (fresh) return bearer(t.app, username, password);
    let header = tokens.get(actor);
    if (!header) {
      header = await bearer(t.app, username, password);
      tokens.set(actor, header);
    }
    return header;
  };

  const send = (method: Method, call: Call, authorization?: string) =>
    t.app.inject({
      method,
      url: call.url,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(call.csv !== undefined ? { 'content-type': 'text/csv' } : {}),
      },
      ...(call.csv !== undefined ? { payload: call.csv } : call.payload ? { payload: call.payload } : {}),
    });

  beforeAll(async () => {
    t = await testApp();
    const db = t.database.db;
    const areas = new Map<string, number>();
    for (const code of ['DIV1', 'DIV6', 'DIS1', 'DIS47', 'UPA1', 'UPA365', 'UPA366'])
      areas.set(code, await areaId(db, code));
    const facilities = new Map<string, number>();
    for (const code of [
      'UHC-UPA365',
      'UHC-UPA1',
      'DH-DIS47',
      'DH-DIS1',
      'STORE-DIS47',
      'STORE-DIV1',
      'STORE-NATIONAL',
      'STORE-DIV6',
      'STORE-DIS1',
    ])
      facilities.set(code, await facilityId(db, code));
    const products = new Map(
      (await db.selectFrom('vaccine_product').select(['id', 'code']).execute()).map((p) => [p.code, p.id]),
    );

    // Staff made for these tests by the national admin: one with no role left at all, one in
    // Dhaka and one in Chattagram whose grants the Dhaka admin may and may not touch.
    const admin = await token('admin');
    const create = async (username: string, password: string, grant: Record<string, unknown>) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { authorization: admin },
        payload: { username, displayName: username, password, ...grant },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: number; grantId: number }>();
    };
    const nobody = await create('nobody.user', NOBODY_PASSWORD, {
      role: 'vaccinator',
      facilityId: facilities.get('DH-DIS47'),
    });
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/api/users/${nobody.id}/grants/${nobody.grantId}`,
      headers: { authorization: admin },
    });
    expect(revoked.statusCode, revoked.body).toBe(204);
    const dhakaHelper = await create('dhaka.helper', 'dhaka-helper-password', {
      role: 'help_desk',
      areaId: areas.get('DIS47'),
    });
    const ctgHelper = await create('ctg.helper', MADE_HERE['ctg.helper']!.password, {
      role: 'help_desk',
      areaId: areas.get('DIV1'),
    });
    await create('ctg.admin', MADE_HERE['ctg.admin']!.password, {
      role: 'area_admin',
      areaId: areas.get('DIV1'),
    });
    await create('national.storekeeper', MADE_HERE['national.storekeeper']!.password, {
      role: 'store_keeper',
      facilityId: facilities.get('STORE-NATIONAL'),
    });

    // People of Chattagram, registered by the national admin at a health complex there. The first
    // chose a staff-approved group, so its registration waits for a decision.
    const ctgPath = (
      await db.selectFrom('area').select('path').where('code', '=', 'DIV1').executeTakeFirstOrThrow()
    ).path;
    const ctgUnions = new Set(
      (
        await db
          .selectFrom('area')
          .select('code')
          .where('path', 'like', `${ctgPath}%`)
          .where('depth', '=', 3)
          .execute()
      ).map((a) => a.code),
    );
    const ofChattagram = (p: RegistryPerson) => ctgUnions.has(p.areaCode) && aged(18)(p);
    // Each with the place to register at: the union, and the first centre of its district.
    const places = new Map<string, Place>();
    for (const p of registryPeople().filter(ofChattagram))
      if (!places.has(p.areaCode)) places.set(p.areaCode, await placeOf(db, p.areaCode));
    const pick = personPicker();
    const adultOfChattagram = () => pick(ofChattagram, 'adult living in Chattagram');
    const registrationOf = (p: RegistryPerson, overrides: Partial<RegistrationBody> = {}) =>
      registrationBody(p, places.get(p.areaCode)!, overrides);
    const registerAsAdmin = async (body: RegistrationBody) => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/facilities/${facilities.get('UHC-UPA1')}/registrations`,
        headers: { authorization: admin },
        payload: { ...body },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<PersonDto>();
    };
    const first = adultOfChattagram();
    const place = places.get(first.areaCode)!;
    const people = new Map<PersonKey, PersonDto>();
    people.set(
      'ctg',
      await registerAsAdmin(
        registrationOf(first, {
          priorityGroup: 'frontline_worker',
          evidence: { note: 'Police identity card' },
        }),
      ),
    );
    expect(people.get('ctg')!.priorityStatus).toBe('awaiting_approval');
    people.set('mover', await registerAsAdmin(registrationOf(adultOfChattagram())));
    people.set('booker', await registerAsAdmin(registrationOf(adultOfChattagram())));

    await create('ctg.vaccinator', MADE_HERE['ctg.vaccinator']!.password, {
      role: 'vaccinator',
      facilityId: place.facilityId,
    });
    const group = await t.app.inject({
      method: 'POST',
      url: `/api/priority-groups/${ROSTER_GROUP}`,
      headers: { authorization: admin },
      payload: groupBody(),
    });
    expect(group.statusCode, group.body).toBe(201);
    const savar = await db
      .selectFrom('area')
      .select('path')
      .where('code', '=', 'UPA365')
      .executeTakeFirstOrThrow();
    const dhakaUnion = await db
      .selectFrom('area')
      .select('id')
      .where('path', 'like', `${savar.path}%`)
      .where('depth', '=', 3)
      .orderBy('code')
      .executeTakeFirstOrThrow();
    const grants = new Map([
      ['dhaka.helper', dhakaHelper.grantId],
      ['ctg.helper', ctgHelper.grantId],
    ]);

    let counter = 0;
    const get = (map: Map<string, number>, what: string) => (key: string) => {
      const id = map.get(key);
      if (id === undefined) throw new Error(`fixture has no ${what} ${key}`);
      return id;
    };
    const users = new Map<string, number>();
    for (const u of ['dhaka.helper', 'ctg.helper', 'nobody.user']) users.set(u, await userId(db, u));
    const rosterNid = adultOfChattagram().nid;
    const makeSession = async (facility: number) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/sessions',
        headers: { authorization: admin },
        payload: {
          ...sessionPayload(
            { facility: () => facility, product: (c: string) => products.get(c)! } as unknown as Fixture,
            '',
          ),
          date: sessionDate(1),
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: number }>().id;
    };
    const sessionIds = new Map([
      ['savar', await makeSession(facilities.get('UHC-UPA365')!)],
      ['ctg', await makeSession(place.facilityId)],
    ]);
    const mover = people.get('mover')!;
    const booked = await t.app.inject({
      method: 'POST',
      url: `/api/people/${mover.id}/appointments`,
      headers: { authorization: admin },
      payload: { sessionId: sessionIds.get('ctg') },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const scheduleRun = await db
      .insertInto('schedule_run')
      .values({
        status: 'done',
        params: JSON.stringify({
          days: 7,
          areaId: null,
          fromDate: '2026-01-02',
          toDate: '2026-01-08',
          fallbackKm: 15,
        }),
        started_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    // Stock, made by the national admin through the API: a lot held all along the Dhaka chain and
    // in Chattagram, a receipt with a document, allocation plans of the Dhaka district store,
    // transfers on their way from it, and a vial open at the Savar centre.
    const adminPost = async (url: string, payload?: Record<string, unknown>, status = 201) => {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { authorization: admin },
        ...(payload ? { payload } : {}),
      });
      expect(res.statusCode, res.body).toBe(status);
      return res.json<{ id: number } & Record<string, unknown>>();
    };
    const holders = [
      'STORE-NATIONAL',
      'STORE-DIV6',
      'STORE-DIS47',
      'UHC-UPA365',
      'DH-DIS47',
      'STORE-DIV1',
      'STORE-DIS1',
    ].map((code) => facilities.get(code)!);
    const lot = await db
      .selectFrom('stock_balance as b')
      .innerJoin('lot as l', 'l.id', 'b.lot_id')
      .select(['l.id', 'l.product_id'])
      .where('b.store_id', 'in', holders)
      .where('b.quantity', '>=', 100)
      .where('l.expires_on', '>', sessionDate(120))
      .groupBy(['l.id', 'l.product_id'])
      .having((eb) => eb.fn.countAll(), '=', holders.length)
      .orderBy('l.id')
      .executeTakeFirstOrThrow();
    const national = facilities.get('STORE-NATIONAL')!;
    const districtStore = facilities.get('STORE-DIS47')!;
    const savarCentre = facilities.get('UHC-UPA365')!;
    const receipt = await adminPost(`/api/stores/${national}/receipts`, {
      supplier: 'Test Supplier',
      reference: 'PO-AUTHZ-1',
      receivedOn: sessionDate(-1),
      lines: [{ lotId: lot.id, doses: 1000 }],
      documents: [
        {
          fileName: 'delivery-note.pdf',
          contentType: 'application/pdf',
          contentBase64: Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64'),
        },
      ],
    });
    const documentId = (receipt as unknown as { documents: { id: number }[] }).documents[0]!.id;
    const makePlan = () =>
      adminPost(`/api/stores/${districtStore}/allocation-plans`, {
        productId: lot.product_id,
        totalDoses: 100,
      });
    const plans = new Map([
      ['draft', (await makePlan()).id],
      ['pending', (await makePlan()).id],
      ['approved', (await makePlan()).id],
      ['cancellable', (await makePlan()).id],
    ]);
    await adminPost(`/api/allocation-plans/${plans.get('approved')}/approve`, undefined, 200);
    const dispatch = (to: number) =>
      adminPost('/api/transfers', {
        fromStoreId: districtStore,
        toStoreId: to,
        lines: [{ lotId: lot.id, doses: 10 }],
      });
    const transfers = new Map([
      ['centre', (await dispatch(savarCentre)).id],
      ['hospital', (await dispatch(facilities.get('DH-DIS47')!)).id],
    ]);
    const vial = await adminPost(`/api/facilities/${savarCentre}/vials`, { lotId: lot.id });

    // Doses and side effects, for people of Dhaka district registered by the national admin.
    const dhakaDistrict = (
      await db.selectFrom('area').select('path').where('code', '=', 'DIS47').executeTakeFirstOrThrow()
    ).path;
    // Registered with an address in a union of Dhaka district (the registry matches the person, not
    // the address).
    let nthUnion = 0;
    const registerInDhaka = async () => {
      const p = pick((q) => !ctgUnions.has(q.areaCode) && aged(18, 59)(q), 'adult living outside Chattagram');
      const person = await registerAsAdmin(
        registrationBody(p, await placeUnder(db, dhakaDistrict, nthUnion++)),
      );
      expect(person.priorityStatus).toBe('accepted');
      return person;
    };
    const [dosed, corrected, walkIn, synced, printed, toRevoke] = [
      await registerInDhaka(),
      await registerInDhaka(),
      await registerInDhaka(),
      await registerInDhaka(),
      await registerInDhaka(),
      await registerInDhaka(),
    ];
    const doseBody = (facility: number, extra: Record<string, unknown> = {}) => ({
      facilityId: facility,
      productId: lot.product_id,
      lotId: lot.id,
      bodySite: 'left_deltoid',
      identityCheck: 'registration_number',
      consent: true,
      walkIn: true,
      ...extra,
    });
    const firstDose = (await adminPost(`/api/people/${dosed.id}/doses`, doseBody(savarCentre))).id;
    const toCorrect = (await adminPost(`/api/people/${corrected.id}/doses`, doseBody(savarCentre))).id;
    for (const p of [printed, toRevoke]) await adminPost(`/api/people/${p.id}/doses`, doseBody(savarCentre));
    // The same dose recorded again, at the district hospital: it waits for a supervisor.
    const review = (
      await adminPost(
        `/api/people/${dosed.id}/doses`,
        doseBody(facilities.get('DH-DIS47')!, { doseNumber: 1 }),
        202,
      )
    ).review as { id: number };
    const symptoms = await t.app.inject({ method: 'GET', url: '/api/aefi/symptoms' });
    expect(symptoms.statusCode, symptoms.body).toBe(200);
    const symptom = symptoms
      .json<{ items: { code: string }[] }>()
      .items.find((s) => s.code !== 'other')!.code;
    const seriousReport = () =>
      adminPost(`/api/people/${dosed.id}/aefi`, {
        doseId: firstDose,
        symptoms: [symptom],
        onsetAt: new Date().toISOString(),
        severity: 'serious',
        seriousCriteria: ['hospitalisation'],
        outcome: 'recovering',
      });
    const reports = [await seriousReport(), await seriousReport(), await seriousReport()];
    const aefi = reports[0]!;
    const open = await t.app.inject({
      method: 'GET',
      url: '/api/alerts?open=true',
      headers: { authorization: admin },
    });
    expect(open.statusCode, open.body).toBe(200);
    const raised = open.json<{
      items: { id: number; areaId: number | null; detail: { personId?: number; reportId?: number } }[];
    }>().items;
    const alerts = reports.map((r) => {
      const a = raised.find((x) => x.detail.personId === dosed.id && x.detail.reportId === r.id);
      expect(a?.areaId, `the alert of report ${r.id}`).toBe(areas.get('DIS47'));
      return a!.id;
    }) as [number, number, number];
    // Certificates are issued by the jobs the doses queued.
    await settle(t);
    const certificates = new Map<string, { personId: number; id: number; hcid: string }>();
    for (const [key, p] of [
      ['print', printed],
      ['revoke', toRevoke],
    ] as const) {
      const issued = await t.app.inject({
        method: 'GET',
        url: `/api/people/${p.id}/certificates`,
        headers: { authorization: admin },
      });
      expect(issued.statusCode, issued.body).toBe(200);
      const c = issued.json<{ items: { id: number; hcid: string; revoked: boolean }[] }>().items[0];
      expect(c?.revoked, `the certificate of ${key}`).toBe(false);
      certificates.set(key, { personId: p.id, id: c!.id, hcid: c!.hcid });
    }

    fixture = {
      lot: lot.id,
      stockProduct: lot.product_id,
      receipt: { id: receipt.id, documentId },
      plan: get(plans, 'allocation plan'),
      transfer: get(transfers, 'transfer'),
      vial: vial.id,
      dosed: { personId: dosed.id, doseId: firstDose, registrationNumber: dosed.registrationNumber },
      corrected: { personId: corrected.id, doseId: toCorrect },
      walkIn: walkIn.id,
      synced: synced.id,
      aefi: { personId: dosed.id, id: aefi.id },
      review: { personId: dosed.id, id: review.id },
      alerts,
      symptom,
      certificate: (key) => certificates.get(key)!,
      scheduleRun: scheduleRun.id,
      session: (key) => sessionIds.get(key)!,
      appointment: { personId: mover.id, id: booked.json<{ id: number }>().id },
      area: get(areas, 'area'),
      facility: get(facilities, 'facility'),
      user: get(users, 'user'),
      grant: get(grants, 'grant of'),
      product: get(products, 'product'),
      unique: (prefix) => `${prefix}-${process.pid}-${++counter}`.toUpperCase(),
      person: (key) => people.get(key)!,
      centre: place.facilityId,
      dhakaUnion: dhakaUnion.id,
      newcomer: () => registrationOf(adultOfChattagram()),
      rosterNid,
    };
  });
  afterAll(() => t.close());

  /**
   * Every /api route the app registers, sorted by how it answers: without a sign-in (public), to a
   * staff member who holds no role (a staff route lets the sign-in through and refuses the action
   * with 403), or with 401 even then (routes for another kind of sign-in, such as citizens).
   */
  const inventory = async () => {
    const registered = [...flattenRouteTree(t.app.printRoutes({ commonPrefix: false, includeHooks: false }))]
      .filter((k) => {
        const [method, path] = k.split(' ') as [string, string];
        return (
          path.startsWith('/api/') &&
          !path.startsWith('/api/docs') &&
          method !== 'HEAD' &&
          method !== 'OPTIONS'
        );
      })
      .sort();
    const publicRoutes: string[] = [];
    const staffRoutes: string[] = [];
    const otherRoutes: string[] = [];
    for (const key of registered) {
      const [method, path] = key.split(' ') as [InjectOptions['method'], string];
      const url = path.replace(/\{\w+\}/g, '1');
      const anonymous = await t.app.inject({ method, url });
      // Public routes may answer 401 themselves (a refresh without a session); the access hooks'
      // refusal for want of a sign-in is `not_signed_in`.
      if (
        anonymous.statusCode !== 401 ||
        anonymous.json<{ error?: { code?: string } }>().error?.code !== 'not_signed_in'
      ) {
        publicRoutes.push(key);
        continue;
      }
      const roleless = await t.app.inject({
        method,
        url,
        headers: { authorization: await token('nobody', true) },
      });
      (roleless.statusCode === 401 ? otherRoutes : staffRoutes).push(key);
    }
    return { registered, publicRoutes, staffRoutes, otherRoutes };
  };

  it('every route the app registers is in the OpenAPI document', async () => {
    const doc = (await t.app.inject('/api/openapi.json')).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => keyOf(m, path)));
    const { registered } = await inventory();
    // The parse of the route tree found the routes (a broken parse would make the checks vacuous).
    expect(registered).toEqual(
      expect.arrayContaining(['GET /api/areas/{id}/subtree', 'DELETE /api/users/{id}/grants/{grantId}']),
    );
    expect(registered.filter((k) => !documented.includes(k))).toEqual(['GET /api/openapi.json']);
    expect(documented.filter((k) => !registered.includes(k))).toEqual([]);
  });

  it('the table has one entry for each route that needs a staff sign-in, and no other', async () => {
    const tabled = ROUTES.map((r) => keyOf(r.method, r.path));
    expect(new Set(tabled).size, 'one table entry per route').toBe(tabled.length);
    const { staffRoutes } = await inventory();
    expect(staffRoutes).toEqual(
      expect.arrayContaining(['GET /api/auth/me', 'POST /api/areas', 'GET /api/audit-events']),
    );
    const missing = staffRoutes.filter((k) => !tabled.includes(k));
    const stale = tabled.filter((k) => !staffRoutes.includes(k));
    expect(missing, 'staff routes without an entry in ROUTES of authorization.test.ts').toEqual([]);
    expect(stale, 'entries in ROUTES for routes that are gone or no longer need a staff sign-in').toEqual([]);
  });

  it('only the routes meant to be public answer without a sign-in', async () => {
    const { publicRoutes } = await inventory();
    expect(publicRoutes, 'routes that answer without a sign-in but are not in PUBLIC_ROUTES').toEqual(
      [...PUBLIC_ROUTES].sort(),
    );
  });

  it("a citizen's sign-in and a staff sign-in do not cross", async () => {
    const { otherRoutes } = await inventory();
    expect(otherRoutes, 'routes that refuse a staff token but are not citizen routes').toEqual(
      [...CITIZEN_ROUTES].sort(),
    );
    const citizen = await signInCitizen(t);
    const staff = await token('admin');
    for (const key of CITIZEN_ROUTES) {
      const [method, path] = key.split(' ') as [Method, string];
      const call: Call = {
        url: path.replace('{id}', String(fixture.person('ctg').id)),
        ...(method === 'POST' ? { payload: { ...fixture.newcomer() } } : {}),
      };
      const before = await fingerprint(t.database.db, WATCHED);
      expectError(await send(method, call, staff), 401, 'invalid_token');
      expect(await fingerprint(t.database.db, WATCHED), key).toEqual(before);
    }
    // ... while the citizen's token works there,
    const family = await send('GET', { url: '/api/citizen/people' }, citizen.headers.authorization);
    expect(family.statusCode, family.body).toBe(200);
    // ... and nowhere a staff sign-in is needed.
    for (const route of ROUTES) {
      const before = await fingerprint(t.database.db, WATCHED);
      const res = await send(route.method, route.allowed.call(fixture), citizen.headers.authorization);
      expectError(res, 401, 'invalid_token');
      expect(await fingerprint(t.database.db, WATCHED), keyOf(route.method, route.path)).toEqual(before);
    }
  });

  describe.each(ROUTES.map((r) => [keyOf(r.method, r.path), r] as const))('%s', (_name, route) => {
    if (route.denied.length) {
      it.each(route.denied.map((d) => [d.as, d.why, d] as const))(
        '%s (%s) is refused and nothing changes',
        async (_as, _why, attempt) => {
          const call = attempt.call(fixture);
          const authorization = await token(attempt.as);
          const before = await fingerprint(t.database.db, WATCHED);
          const res = await send(route.method, call, authorization);
          if (attempt.hidden) expectError(res, 404, 'not_found');
          else expectError(res, 403, 'forbidden');
          expect(await fingerprint(t.database.db, WATCHED)).toEqual(before);
        },
      );
    }

    it('answers 401 without a valid sign-in, and nothing changes', async () => {
      const call = route.allowed.call(fixture);
      const before = await fingerprint(t.database.db, WATCHED);
      expectError(await send(route.method, call), 401, 'not_signed_in');
      expectError(await send(route.method, call, 'Basic YWRtaW46ZG9zZXdpc2UtZGVtbw=='), 401, 'not_signed_in');
      expectError(await send(route.method, call, 'Bearer not-a-token'), 401, 'invalid_token');
      // A well-formed token for the admin, signed with another key.
      const forged = await new SignJWT({ sid: '00000000-0000-4000-8000-000000000000' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('1')
        .setIssuer('dosewise')
        .setAudience('dosewise-staff')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(TEST_SECRETS.DOSEWISE_TOKEN_SECRET.replace('test', 'fake')));
      expectError(await send(route.method, call, `Bearer ${forged}`), 401, 'invalid_token');
      // Signed with the right key but for no session that exists.
      const orphan = await new SignJWT({ sid: '00000000-0000-4000-8000-000000000000' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('1')
        .setIssuer('dosewise')
        .setAudience('dosewise-staff')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(TEST_SECRETS.DOSEWISE_TOKEN_SECRET));
      expectError(await send(route.method, call, `Bearer ${orphan}`), 401, 'session_ended');
      expect(await fingerprint(t.database.db, WATCHED)).toEqual(before);
    });

    it(`${route.allowed.as} (${route.allowed.why}) is allowed`, async () => {
      await route.allowed.prepare?.(t, fixture);
      const call = route.allowed.call(fixture);
      const authorization = await token(route.allowed.as, route.allowed.freshSession);
      const before = await fingerprint(t.database.db, WATCHED);
      const lastAudit = (await latestAudit(t.database.db, 1))[0]?.id ?? 0;
      const res = await send(route.method, call, authorization);
      expect(res.statusCode, res.body).toBe(route.allowed.status);
      if (route.method !== 'GET') {
        // A change was made and recorded, by this actor.
        expect(await fingerprint(t.database.db, WATCHED)).not.toEqual(before);
        const actor = await userId(t.database.db, usernameOf(route.allowed.as));
        if (route.allowed.recordedIn === 'dose') {
          const last = await t.database.db
            .selectFrom('dose')
            .select(['recorded_by'])
            .orderBy('recorded_at', 'desc')
            .orderBy('id', 'desc')
            .executeTakeFirstOrThrow();
          expect(last.recorded_by).toBe(actor);
          return;
        }
        const written = (await latestAudit(t.database.db, 50)).filter((e) => e.id > lastAudit);
        expect(written.length).toBeGreaterThan(0);
        expect(written.every((e) => e.actor_id === actor)).toBe(true);
      }
    });
  });

  describe('list routes filter to the caller instead of refusing', () => {
    const found = async (actor: Actor) => {
      const res = await send('GET', { url: searchUrl(fixture) }, await token(actor));
      expect(res.statusCode, res.body).toBe(200);
      return res.json<PersonDto[]>().map((p) => p.id);
    };

    it.each(['dhaka.admin', 'helpdesk', 'manager', 'vaccinator'] as const)(
      'a person search by %s (outside the area) finds no one of Chattagram',
      async (actor) => {
        expect(await found(actor)).toEqual([]);
      },
    );

    it.each(['admin', 'auditor', 'ctg.admin', 'ctg.helper'] as const)(
      "a person search by %s (whose grant covers the person's address) finds them",
      async (actor) => {
        expect(await found(actor)).toEqual([fixture.person('ctg').id]);
      },
    );

    it("a person search by staff of the person's chosen centre finds them, as opening the record does", async () => {
      const record = await send('GET', { url: personUrl(fixture, 'ctg') }, await token('ctg.vaccinator'));
      expect(record.statusCode, record.body).toBe(200);
      expect(await found('ctg.vaccinator')).toEqual([fixture.person('ctg').id]);
    });

    it('an area admin asking for facilities of another division gets none', async () => {
      const res = await send(
        'GET',
        { url: `/api/facilities?areaId=${fixture.area('DIV1')}` },
        await token('dhaka.admin'),
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual([]);
      // ... while the national admin sees them.
      const all = await send(
        'GET',
        { url: `/api/facilities?areaId=${fixture.area('DIV1')}` },
        await token('admin'),
      );
      expect(all.json<unknown[]>().length).toBeGreaterThan(0);
    });

    it('an area admin lists only staff with a role in its area', async () => {
      const res = await send('GET', { url: '/api/users?limit=500' }, await token('dhaka.admin'));
      expect(res.statusCode).toBe(200);
      const names = res.json<{ username: string }[]>().map((u) => u.username);
      expect(names).toEqual(
        expect.arrayContaining(['dhaka.admin', 'manager', 'vaccinator', 'storekeeper', 'helpdesk']),
      );
      expect(names).not.toContain('admin');
      expect(names).not.toContain('auditor');
      expect(names).not.toContain('ctg.helper');
    });

    it('an area admin sees audit events of its area only', async () => {
      const res = await send('GET', { url: '/api/audit-events?limit=500' }, await token('dhaka.admin'));
      expect(res.statusCode).toBe(200);
      const events = res.json<{ areaId: number | null }[]>();
      expect(events.length).toBeGreaterThan(0);
      const dhakaPath = (
        await t.database.db
          .selectFrom('area')
          .select('path')
          .where('code', '=', 'DIV6')
          .executeTakeFirstOrThrow()
      ).path;
      const inDhaka = new Set(
        (
          await t.database.db.selectFrom('area').select('id').where('path', 'like', `${dhakaPath}%`).execute()
        ).map((a) => a.id),
      );
      expect(events.every((e) => e.areaId !== null && inDhaka.has(e.areaId))).toBe(true);
      // The Chattagram help desk's grant was recorded with its area; the Dhaka admin does not see it.
      const national = await send(
        'GET',
        { url: `/api/audit-events?action=grant.added&limit=500` },
        await token('admin'),
      );
      expect(
        national.json<{ areaId: number | null }[]>().some((e) => e.areaId === fixture.area('DIV1')),
      ).toBe(true);
    });

    it('a store list by an area admin holds the stores of its area only, not the national store', async () => {
      const listed = async (actor: Actor) => {
        const res = await send('GET', { url: '/api/stores?limit=1000' }, await token(actor));
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ items: { facilityId: number }[] }>().items.map((s) => s.facilityId);
      };
      const dhaka = await listed('dhaka.admin');
      expect(dhaka).toEqual(
        expect.arrayContaining([fixture.facility('STORE-DIV6'), fixture.facility('STORE-DIS47')]),
      );
      expect(dhaka).not.toContain(fixture.facility('STORE-DIV1'));
      expect(dhaka).not.toContain(fixture.facility('STORE-DIS1'));
      expect(dhaka).not.toContain(fixture.facility('STORE-NATIONAL'));
      const ctg = await listed('ctg.admin');
      expect(ctg).toContain(fixture.facility('STORE-DIS1'));
      expect(ctg).not.toContain(fixture.facility('STORE-DIS47'));
      expect(await listed('auditor')).toContain(fixture.facility('STORE-NATIONAL'));
    });

    it('an upload of a dose recorded at a facility outside the grants is refused for that record, and stores nothing', async () => {
      const before = await fingerprint(t.database.db, WATCHED);
      const res = await send('POST', syncCall(fixture, 'DH-DIS47'), await token('vaccinator'));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ results: { status: string; code?: string }[] }>().results).toMatchObject([
        { status: 'rejected', code: 'forbidden_facility' },
      ]);
      expect(await fingerprint(t.database.db, WATCHED)).toEqual(before);
    });

    it("side-effect reports and officer alerts of Dhaka are listed to Dhaka's officers, not to Chattagram's", async () => {
      const reports = async (actor: Actor) => {
        const res = await send('GET', { url: '/api/aefi?limit=500' }, await token(actor));
        expect(res.statusCode, res.body).toBe(200);
        return res
          .json<{ items: { id: number; personId: number }[] }>()
          .items.filter((r) => r.personId === fixture.aefi.personId)
          .map((r) => r.id);
      };
      expect(await reports('dhaka.admin')).toContain(fixture.aefi.id);
      expect(await reports('ctg.admin')).toEqual([]);
      const alerts = async (actor: Actor) => {
        const res = await send('GET', { url: '/api/alerts?limit=500' }, await token(actor));
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ items: { id: number }[] }>().items.map((a) => a.id);
      };
      expect(await alerts('dhaka.admin')).toEqual(expect.arrayContaining(fixture.alerts));
      expect((await alerts('ctg.admin')).filter((id) => fixture.alerts.includes(id))).toEqual([]);
    });

    it('an import by an area admin refuses rows outside its area, row by row, and stores none of them', async () => {
      const before = await fingerprint(t.database.db, ['area', 'facility']);
      const areas = await send(
        'POST',
        { url: '/api/areas/import', csv: areasCsv(fixture, 'DIS1') },
        await token('dhaka.admin'),
      );
      expect(areas.statusCode).toBe(200);
      expect(areas.json()).toMatchObject({
        total: 1,
        created: 0,
        updated: 0,
        rejected: 1,
        errors: [{ row: 2, code: 'forbidden' }],
      });
      const facilities = await send(
        'POST',
        { url: '/api/facilities/import', csv: facilitiesCsv(fixture, 'DIS1') },
        await token('dhaka.admin'),
      );
      expect(facilities.statusCode).toBe(200);
      expect(facilities.json()).toMatchObject({
        total: 1,
        created: 0,
        updated: 0,
        rejected: 1,
        errors: [{ row: 2, code: 'forbidden' }],
      });
      expect(await fingerprint(t.database.db, ['area', 'facility'])).toEqual(before);
    });
  });
});
