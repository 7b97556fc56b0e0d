/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ageInYears } from '@dosewise/domain';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../bench/server-process.ts';
import { demoRegistryPeople, type DemoRegistryPerson } from '../../src/registry/demo-people.ts';
import { demoAreas } from '../../src/seed/demo.ts';
import { rng } from '../../src/seed/random.ts';
import { launchBrowser, shot, SHOTS_DIR } from '../support/browser.ts';

const SEED_PEOPLE = 300;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1200, height: 900 };

/** What the test finds by accessible name on the registration steps (as citizen.test.ts does). */
const UI = {
  phoneField: 'Mobile phone number',
  sendCode: 'Send the code',
  codeHeading: 'Enter the code',
  codeField: '6-digit code',
  continue: 'Continue',
  familyHeading: 'My family',
  addPerson: /^Add (yourself or a family member|a person)$/,
  documentHeading: 'Identity document',
  nidType: 'National ID card (NID)',
  nidField: 'National ID number',
  dateOfBirth: 'Date of birth',
  detailsHeading: 'About the person',
  nameEn: 'Name in English',
  genders: { female: 'Female', male: 'Male', third_gender: 'Third gender' },
  address: ['Division', 'District', 'Upazila', 'Union'],
  group: 'Everyone aged 18 and over',
  centreHeading: 'Vaccination centre',
  centres: /^Vaccination centres in /,
  consent: 'I have read this notice and I agree, for myself or for the person I am registering.',
  register: 'Register',
  registered: (name: string) => `${name} is registered`,
  backToFamily: 'Back to my family',
} as const;

interface SmsLine {
  to: string;
  text: string;
  template: string;
}

interface Appointment {
  id: number;
  personId: number;
  sessionId: number;
  slotId: number;
  date: string;
  startsAt: string;
  code: string;
  status: string;
  registrationNumber: string;
  reschedulesLeft: number;
}

/** The names of a union's division, district, upazila and union, as the address lists show them. */
function addressNames(unionCode: string): string[] {
  const byCode = new Map(demoAreas(rng(0)).map((a) => [a.code, a]));
  const chain: string[] = [];
  for (let a = byCode.get(unionCode); a; a = a.parentCode ? byCode.get(a.parentCode) : undefined)
    chain.unshift(a.nameEn);
  if (chain.length !== 4) throw new Error(`no four-level address for ${unionCode}`);
  return chain;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The ISO date `n` days after today in Bangladesh, the programme's calendar. */
function dhakaDay(n: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Dhaka' }).format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

describe('citizen booking in a real browser, on a freshly started server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let dataDir: string;
  let smsFile: string;

  const today = new Date().toISOString().slice(0, 10);
  const person: DemoRegistryPerson = [...demoRegistryPeople(SEED_PEOPLE, 1)].find((p) => {
    const age = ageInYears(p.dateOfBirth, today);
    return age >= 30 && age <= 50;
  })!;
  const phone = `+88018${String(Math.floor(Math.random() * 100_000_000)).padStart(8, '0')}`;
  const localPhone = `0${phone.slice(4)}`;

  const smsTo = (template: string): SmsLine[] =>
    existsSync(smsFile)
      ? readFileSync(smsFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as SmsLine)
          .filter((m) => m.to === phone && m.template === template)
      : [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-booking-'));
    smsFile = path.join(dataDir, 'sms-outbox.jsonl');
    server = await startServer('pglite', {
      web: true,
      env: { DOSEWISE_DATA_DIR: dataDir, SEED_PEOPLE: String(SEED_PEOPLE), SEED_RANDOM: '1' },
      onOutput: () => undefined,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const heading = (page: Page, name: string) =>
    page.getByRole('heading', { name: new RegExp(`(^|[^\\p{L}])${escapeRegExp(name)}$`, 'u') });

  /** Calls the API as the signed-in citizen (the token the page keeps in sessionStorage). */
  async function citizenGet<T>(page: Page, url: string): Promise<T> {
    const raw = await page.evaluate(() => sessionStorage.getItem('dosewise.citizen'));
    const token = (JSON.parse(raw ?? '{}') as { token?: string }).token;
    const res = await fetch(`${server.base}${url}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async function adminToken(): Promise<string> {
    const res = await fetch(`${server.base}/api/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'dosewise-demo', tokenDelivery: 'body' }),
    });
    if (!res.ok) throw new Error(`admin sign-in: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  /** Plans a session at a facility through the staff API, as a facility manager would. */
  async function planSession(token: string, body: Record<string, unknown>): Promise<{ id: number }> {
    const res = await fetch(`${server.base}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`plan session: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: number };
  }

  /**
   * Someone else, registered at a help desk near their home, is booked by staff into a session:
   * the way a seat goes while a citizen is still choosing.
   */
  async function bookSomeoneElse(admin: string, sessionId: number) {
    const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${server.base}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const { consentVersion } = await call<{ consentVersion: string }>('GET', '/api/registration/settings');
    const other = [...demoRegistryPeople(SEED_PEOPLE, 1)].find((p) => {
      const age = ageInYears(p.dateOfBirth, today);
      return p.nid !== person.nid && age >= 20 && age <= 60;
    })!;
    const [union] = await call<{ id: number; parentId: number }[]>(
      'GET',
      `/api/areas?q=${encodeURIComponent(other.areaCode)}&limit=5`,
    );
    const [centre] = await call<{ id: number }[]>('GET', `/api/public/facilities?areaId=${union!.parentId}`);
    const registered = await call<{ id: number }>('POST', `/api/facilities/${centre!.id}/registrations`, {
      idType: 'nid',
      idNumber: other.nid,
      dateOfBirth: other.dateOfBirth,
      nameEn: other.nameEn,
      gender: other.gender,
      areaId: union!.id,
      priorityGroup: 'general_18_plus',
      preferredFacilityId: centre!.id,
      consent: { accepted: true, noticeVersion: consentVersion },
    });
    await call('POST', `/api/people/${registered.id}/appointments`, { sessionId });
  }

  async function signInAndRegister(page: Page) {
    await page.goto(`${server.base}/citizen`);
    await page.getByLabel(UI.phoneField, { exact: true }).fill(localPhone);
    await page.getByRole('button', { name: UI.sendCode }).click();
    await heading(page, UI.codeHeading).waitFor();
    await expect.poll(() => smsTo('otp').length, { timeout: 30_000, interval: 250 }).toBe(1);
    const code = /\b(\d{6})\b/.exec(smsTo('otp')[0]!.text)![1]!;
    await page.getByLabel(UI.codeField, { exact: true }).fill(code);
    await page.getByRole('button', { name: UI.continue, exact: true }).click();

    await heading(page, UI.familyHeading).waitFor();
    await page.getByRole('button', { name: UI.addPerson }).click();
    await heading(page, UI.documentHeading).waitFor();
    await page.getByRole('radio', { name: UI.nidType }).check();
    await page.getByLabel(UI.nidField, { exact: true }).fill(person.nid);
    await page.getByLabel(UI.dateOfBirth, { exact: true }).fill(person.dateOfBirth);
    await page.getByRole('button', { name: UI.continue, exact: true }).click();
    await heading(page, UI.detailsHeading).waitFor();
    await page.getByLabel(UI.nameEn, { exact: true }).fill(person.nameEn);
    await page.getByRole('radio', { name: UI.genders[person.gender], exact: true }).check();
    const names = addressNames(person.areaCode);
    for (const [i, level] of UI.address.entries())
      await page.getByLabel(level, { exact: true }).selectOption({ label: names[i]! });
    await page.getByRole('radio', { name: UI.group }).check();
    await page.getByRole('button', { name: UI.continue, exact: true }).click();
    await heading(page, UI.centreHeading).waitFor();
    await page.getByRole('group', { name: UI.centres }).getByRole('radio').first().check();
    await page.getByLabel(UI.consent, { exact: true }).check();
    await page.getByRole('button', { name: UI.register, exact: true }).click();
    await heading(page, UI.registered(person.nameEn)).waitFor();
    await page.getByRole('button', { name: UI.backToFamily }).click();
    await heading(page, UI.familyHeading).waitFor();
  }

  it('searches, books a slot, prints the slip, reschedules and cancels, in English and Bengali', async () => {
    const context = await browser.newContext({
      viewport: PHONE,
      locale: 'en-GB',
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.url().includes('/api/') && r.status() >= 400)
        problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    try {
      await bookInBrowser(page);
    } catch (e) {
      await page.screenshot({ path: shot('booking-failure'), fullPage: true }).catch(() => undefined);
      throw new Error(
        `${(e as Error).message}\nIn the page:\n${problems.join('\n') || '(nothing reported)'}`,
        {
          cause: e,
        },
      );
    } finally {
      await context.close();
    }
  });

  async function bookInBrowser(page: Page) {
    // 1. A registered person: sign in with the SMS code and register through the screens.
    await signInAndRegister(page);
    const [registered] = await citizenGet<{ id: number; preferredFacility: { id: number } | null }[]>(
      page,
      '/api/citizen/people',
    );
    expect(registered?.preferredFacility).not.toBeNull();
    const facilityId = registered!.preferredFacility!.id;
    const next = await citizenGet<{
      nextDoses: { status: string; doseNumber: number; productIds: number[] }[];
    }>(page, '/api/citizen/appointments');
    expect(next.nextDoses[0]).toMatchObject({ status: 'due', doseNumber: 1 });
    const productId = next.nextDoses[0]!.productIds[0]!;

    // Two sessions at the person's centre, planned by staff: one to book, one to move to.
    const admin = await adminToken();
    const shape = {
      facilityId,
      productId,
      doseNumbers: [1, 2],
      minAgeYears: 18,
      capacity: 30,
      slotMinutes: 60,
    };
    const first = await planSession(admin, {
      ...shape,
      date: dhakaDay(2),
      startsAt: '09:00',
      endsAt: '12:00',
    });
    const second = await planSession(admin, {
      ...shape,
      date: dhakaDay(3),
      startsAt: '14:00',
      endsAt: '16:00',
    });
    // And one with a single seat, which someone else takes while the person is deciding.
    const tiny = await planSession(admin, {
      ...shape,
      date: dhakaDay(2),
      startsAt: '17:00',
      endsAt: '18:00',
      capacity: 1,
      slotMinutes: undefined,
    });

    // 2. The family screen says the first dose can be booked.
    await page.reload();
    const vaccination = page.getByTestId('person-vaccination');
    await expect.poll(() => vaccination.getByTestId('next-dose').getAttribute('data-status')).toBe('due');
    await page.screenshot({ path: shot('booking-1-family-en-phone'), fullPage: true });
    await vaccination.getByTestId('book-dose').click();

    // 3. The search opens on the person's own centre; the first session is listed with its slots.
    await page.getByRole('heading', { name: 'Find a session' }).waitFor();
    const firstCard = page.locator(`[data-testid="session-card"][data-session-id="${first.id}"]`);
    await firstCard.waitFor();
    expect(await firstCard.getByTestId('slot-button').count()).toBe(3);
    await page.screenshot({ path: shot('booking-2-search-en-phone'), fullPage: true });

    // 4. Near me: the phone's location is the centre's, so distances show and the nearest comes first.
    const found = (await (
      await fetch(
        `${server.base}/api/public/availability?facilityId=${facilityId}&from=${dhakaDay(2)}&to=${dhakaDay(3)}`,
      )
    ).json()) as { sessions: { facility: { latitude: number; longitude: number } }[] };
    const centre = found.sessions[0]!.facility;
    await page.context().grantPermissions(['geolocation']);
    await page.context().setGeolocation({ latitude: centre.latitude, longitude: centre.longitude });
    await page.getByRole('radio', { name: /^Near me/ }).check();
    await page.getByTestId('search-sessions').click();
    await expect
      .poll(() => page.getByTestId('session-card').first().locator('.distance').textContent())
      .toBe('0 km away');
    await firstCard.waitFor();
    await page.screenshot({ path: shot('booking-3-near-me-en-phone'), fullPage: true });

    // 5. The single seat: chosen, but taken by someone else before "Book" is pressed. The refusal
    //    is said in words, and the nearby sessions with free seats are offered instead.
    const tinyCard = page.locator(`[data-testid="session-card"][data-session-id="${tiny.id}"]`);
    await tinyCard.getByTestId('slot-button').click();
    const confirm = page.getByTestId('confirm-booking');
    await confirm.waitFor();
    await bookSomeoneElse(admin, tiny.id);
    await page.getByTestId('confirm-book').click();
    await expect.poll(() => confirm.getByRole('alert').textContent()).toContain('This session is full.');
    const offered = confirm.getByTestId('alternatives');
    await offered.waitFor();
    expect(await offered.getByRole('button', { name: 'Choose this' }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: shot('booking-4a-full-en-phone'), fullPage: true });
    await page.getByTestId('choose-another').click();

    // 6. Choose the first slot of the first session, check, book.
    await firstCard.getByTestId('slot-button').first().click();
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('09:00–10:00');
    await page.screenshot({ path: shot('booking-4-confirm-en-phone'), fullPage: true });
    await page.getByTestId('confirm-book').click();

    // 7. The slip: name, registration number, dose, vaccine, centre, date and time, the 4-digit code.
    await page.getByTestId('slip').waitFor();
    await page.waitForURL(/\/citizen\/people\/\d+\/appointments\/\d+$/);
    const code = (await page.getByTestId('slip-code').textContent())?.trim() ?? '';
    expect(code).toMatch(/^\d{4}$/);
    const booked = await citizenGet<{ appointments: Appointment[] }>(page, '/api/citizen/appointments');
    const active = booked.appointments.filter((a) => a.status === 'booked');
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ sessionId: first.id, code, reschedulesLeft: 3 });
    const slipText = (await page.getByTestId('slip').textContent()) ?? '';
    expect(slipText).toContain(active[0]!.registrationNumber);
    expect(slipText).toContain(person.nameEn);
    expect(slipText).toContain('Dose 1');
    expect(await page.getByTestId('slip-time').textContent()).toBe('09:00–10:00');
    expect(await page.getByRole('status').first().textContent()).toContain('The appointment is booked');
    await page.screenshot({ path: shot('booking-5-slip-en-phone'), fullPage: true });
    await expect.poll(() => smsTo('appointment_booked').length, { timeout: 30_000, interval: 250 }).toBe(1);

    // 8. Print: the button opens the browser's print; what is printed is the slip alone, code included.
    await page.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => {
        (window as unknown as { printed: number }).printed++;
      };
    });
    await page.getByTestId('print-slip').click();
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: shot('booking-6-slip-print'), fullPage: true });
    await page.emulateMedia({ media: null });
    const pdfPath = path.join(SHOTS_DIR, 'booking-slip.pdf');
    await page.pdf({ path: pdfPath, format: 'A4' });
    const printed = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
    expect(printed).toContain(code);
    expect(printed).toContain(active[0]!.registrationNumber);
    expect(printed).not.toContain('Print the slip');
    expect(printed).not.toContain('Cancel the appointment');

    // 9. The slip in Bengali, on a phone and on a desktop.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('bn');
    await page.getByRole('heading', { name: 'টিকা গ্রহণের নির্ধারিত সময়' }).waitFor();
    expect(await page.getByTestId('slip-code').textContent()).toBe(code);
    await page.screenshot({ path: shot('booking-7-slip-bn-phone'), fullPage: true });
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: shot('booking-8-slip-bn-desktop'), fullPage: true });

    // 10. Reschedule (in Bengali): the number of changes left, then the second session.
    expect(await page.getByTestId('reschedules-left').textContent()).toContain('৩');
    await page.getByTestId('reschedule').click();
    await page.getByTestId('current-appointment').waitFor();
    const secondCard = page.locator(`[data-testid="session-card"][data-session-id="${second.id}"]`);
    await secondCard.waitFor();
    await page.screenshot({ path: shot('booking-9-reschedule-bn-desktop'), fullPage: true });
    await secondCard.getByTestId('slot-button').nth(1).click();
    await page.getByTestId('confirm-booking').waitFor();
    await page.getByTestId('confirm-book').click();
    await page.getByTestId('slip').waitFor();
    await expect.poll(() => page.getByTestId('slip-time').textContent()).toBe('১৫:০০–১৬:০০');
    await page.screenshot({ path: shot('booking-10-rescheduled-bn-desktop'), fullPage: true });
    const moved = await citizenGet<Appointment>(
      page,
      `/api/citizen/people/${active[0]!.personId}/appointments/${active[0]!.id}`,
    );
    expect(moved).toMatchObject({ sessionId: second.id, status: 'booked', reschedulesLeft: 2 });
    expect(await page.getByTestId('slip-code').textContent()).toBe(moved.code);

    // 11. Cancel, with a confirmation (back in English, on the phone).
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.setViewportSize(PHONE);
    await page.getByTestId('cancel-appointment').click();
    await page.getByTestId('cancel-confirm').waitFor();
    expect(await page.getByTestId('cancel-confirm').textContent()).toContain(person.nameEn);
    await page.screenshot({ path: shot('booking-11-cancel-confirm-en-phone'), fullPage: true });
    await page.getByTestId('confirm-cancel').click();
    await expect
      .poll(() => page.getByTestId('slip').getByTestId('appointment-status').textContent())
      .toBe('Cancelled');
    expect(await page.getByTestId('print-slip').count()).toBe(0);
    const cancelled = await citizenGet<Appointment>(
      page,
      `/api/citizen/people/${moved.personId}/appointments/${moved.id}`,
    );
    expect(cancelled.status).toBe('cancelled');
    await page.screenshot({ path: shot('booking-12-cancelled-en-phone'), fullPage: true });

    // 12. Back on the family screen the dose can be booked again; the cancelled one is listed as earlier.
    const citizenNav = page.getByRole('navigation', { name: 'Your vaccination pages' });
    await citizenNav.getByRole('link', { name: 'My family' }).click();
    await expect.poll(() => page.getByTestId('next-dose').getAttribute('data-status')).toBe('due');
    await page.getByText('1 earlier appointment').click();
    await page.screenshot({ path: shot('booking-13-family-after-en-phone'), fullPage: true });
    await page.getByTestId('lang-switch').click();
    await page.setViewportSize(DESKTOP);
    await page
      .getByRole('navigation', { name: 'আপনার টিকা সংক্রান্ত পাতা' })
      .getByRole('link', { name: 'টিকার সময় নিন' })
      .click();
    await page.getByTestId('bookable-person').waitFor();
    await page.screenshot({ path: shot('booking-14-choose-person-bn-desktop'), fullPage: true });

    // Nothing on these screens is wider than a phone.
    await page.setViewportSize(PHONE);
    await page.getByTestId('bookable-person').getByTestId('book-dose').click();
    await page.locator(`[data-testid="session-card"][data-session-id="${first.id}"]`).waitFor();
    await page.screenshot({ path: shot('booking-15-search-bn-phone'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }
});
