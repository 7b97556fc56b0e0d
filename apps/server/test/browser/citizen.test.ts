/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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

/**
 * What the test looks for on the citizen screens, by accessible name (labels, roles, headings),
 * in English. Kept in one place: these are the names the screens must keep.
 */
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
  registrationNumber: 'registration-number', // data-testid: the number is shown as text, not a field
  downloadCard: 'Download vaccination card',
} as const;

interface SmsLine {
  to: string;
  text: string;
  template: string;
}

/** The names of a union's division, district, upazila and union, as the address lists show them. */
function addressNames(unionCode: string): string[] {
  const areas = demoAreas(rng(0));
  const byCode = new Map(areas.map((a) => [a.code, a]));
  const chain: string[] = [];
  for (let a = byCode.get(unionCode); a; a = a.parentCode ? byCode.get(a.parentCode) : undefined)
    chain.unshift(a.nameEn);
  if (chain.length !== 4) throw new Error(`no four-level address for ${unionCode}`);
  return chain;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('citizen registration in a real browser, on a freshly started server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let dataDir: string;
  let smsFile: string;

  // A registry person of 30 to 50 with a four-level address: the server seeds the same registry.
  const today = new Date().toISOString().slice(0, 10);
  const person: DemoRegistryPerson = [...demoRegistryPeople(SEED_PEOPLE, 1)].find((p) => {
    const age = ageInYears(p.dateOfBirth, today);
    return age >= 30 && age <= 50;
  })!;
  // A phone of its own for each run (the data directory is new, but keep it unmistakable).
  const phone = `+88017${String(Math.floor(Math.random() * 100_000_000)).padStart(8, '0')}`;
  const localPhone = `0${phone.slice(4)}`;

  const sms = (): SmsLine[] =>
    existsSync(smsFile)
      ? readFileSync(smsFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as SmsLine)
      : [];
  const smsTo = (template: string) => sms().filter((m) => m.to === phone && m.template === template);

  beforeAll(async () => {
    // The server builds the web app itself when its assets are missing or older than the sources.
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-citizen-'));
    smsFile = path.join(dataDir, 'sms-outbox.jsonl');
    // The same start path as `npm start`: embedded database, demo seed, registry simulator, built web app.
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

  /** A heading whose name ends with `name`: step headings start with "Step 1 of 3". */
  const heading = (page: Page, name: string) =>
    page.getByRole('heading', { name: new RegExp(`(^|[^\\p{L}])${escapeRegExp(name)}$`, 'u') });

  it('signs in with an SMS code, registers a person and downloads their card', async () => {
    const context = await browser.newContext({
      viewport: { width: 1100, height: 1000 },
      locale: 'en-GB',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    // What went wrong in the page, for the failure message: script errors and refused API calls.
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
      await registerInBrowser(page);
    } catch (e) {
      await page.screenshot({ path: shot('citizen-failure'), fullPage: true }).catch(() => undefined);
      throw new Error(
        `${(e as Error).message}\nIn the page:\n${problems.join('\n') || '(nothing reported)'}`,
        { cause: e },
      );
    } finally {
      await context.close();
    }
  });

  async function registerInBrowser(page: Page) {
    // 1. The phone number.
    await page.goto(`${server.base}/citizen`);
    await page.getByLabel(UI.phoneField, { exact: true }).fill(localPhone);
    await page.screenshot({ path: shot('citizen-1-phone'), fullPage: true });
    await page.getByRole('button', { name: UI.sendCode }).click();

    // 2. The code, read from the SMS the server's worker writes (it polls about every second).
    await heading(page, UI.codeHeading).waitFor();
    await expect.poll(() => smsTo('otp').length, { timeout: 30_000, interval: 250 }).toBe(1);
    const code = /\b(\d{6})\b/.exec(smsTo('otp')[0]!.text)![1]!;
    await page.getByLabel(UI.codeField, { exact: true }).fill(code);
    await page.screenshot({ path: shot('citizen-2-code'), fullPage: true });
    await page.getByRole('button', { name: UI.continue, exact: true }).click();

    // 3. The family list, empty.
    await heading(page, UI.familyHeading).waitFor();
    await page.screenshot({ path: shot('citizen-3-family'), fullPage: true });
    await page.getByRole('button', { name: UI.addPerson }).click();

    // 4. The identity document.
    await heading(page, UI.documentHeading).waitFor();
    await page.getByRole('radio', { name: UI.nidType }).check();
    await page.getByLabel(UI.nidField, { exact: true }).fill(person.nid);
    await page.getByLabel(UI.dateOfBirth, { exact: true }).fill(person.dateOfBirth);
    await page.screenshot({ path: shot('citizen-4-document'), fullPage: true });
    await page.getByRole('button', { name: UI.continue, exact: true }).click();

    // 5. The person: name, gender, address down to the union, priority group.
    await heading(page, UI.detailsHeading).waitFor();
    await page.getByLabel(UI.nameEn, { exact: true }).fill(person.nameEn);
    await page.getByRole('radio', { name: UI.genders[person.gender], exact: true }).check();
    const names = addressNames(person.areaCode);
    for (const [i, level] of UI.address.entries()) {
      await page.getByLabel(level, { exact: true }).selectOption({ label: names[i]! });
    }
    await page.getByRole('radio', { name: UI.group }).check();
    await page.screenshot({ path: shot('citizen-5-details'), fullPage: true });
    await page.getByRole('button', { name: UI.continue, exact: true }).click();

    // 6. The centre, and consent.
    await heading(page, UI.centreHeading).waitFor();
    await page.getByRole('group', { name: UI.centres }).getByRole('radio').first().check();
    await page.getByLabel(UI.consent, { exact: true }).check();
    await page.screenshot({ path: shot('citizen-6-centre'), fullPage: true });
    await page.getByRole('button', { name: UI.register, exact: true }).click();

    // 7. Registered: the registry's name and the registration number.
    await heading(page, UI.registered(person.nameEn)).waitFor();
    const registrationNumber = (await page.getByTestId(UI.registrationNumber).textContent())?.trim() ?? '';
    expect(registrationNumber).toMatch(/^BD-\d{4}-\d{4}-\d{4}-\d{2}$/);
    await page.screenshot({ path: shot('citizen-7-registered'), fullPage: true });

    // The phone gets the confirmation by SMS.
    await expect
      .poll(() => smsTo('registration_confirmed').length, { timeout: 30_000, interval: 250 })
      .toBe(1);
    expect(smsTo('registration_confirmed')[0]!.text).toContain(registrationNumber);

    // 8. The card: downloaded as the person does, kept, rendered and read back.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: UI.downloadCard }).click(),
    ]);
    const pdfPath = path.join(SHOTS_DIR, 'card.pdf');
    await download.saveAs(pdfPath);
    const pdf = readFileSync(pdfPath);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(download.suggestedFilename()).toContain(registrationNumber);

    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '80',
      '-singlefile',
      pdfPath,
      path.join(SHOTS_DIR, 'citizen-card'),
    ]);
    expect(statSync(shot('citizen-card')).size).toBeGreaterThan(10_000);
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
    expect(text).toContain(registrationNumber);
    expect(text).toContain(person.nameEn);
    expect(text).toContain(person.nid.slice(-4));
    expect(text).not.toContain(person.nid);
  }
});
