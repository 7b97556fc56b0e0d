/// <reference lib="dom" />
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../bench/server-process.ts';
import {
  bookTodayAt,
  launchBrowser,
  shot,
  signInApi,
  staffCall,
  type BookedPerson,
} from '../support/browser.ts';

/**
 * The vaccinator's day without a connection: the app and the day's list are loaded once, the
 * device goes offline (the page is even reloaded, from the service worker), three doses are
 * recorded, the connection comes back and they upload by themselves; the console shows them, and
 * sending the same records again stores nothing new.
 */
describe('vaccinator app offline, in a real browser', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let dataDir: string;
  let facilityId: number;
  let people: BookedPerson[];
  /** The day's list at the facility: the demo's own appointments for today, and the three booked here. */
  let listed: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-vaccinator-'));
    server = await startServer('pglite', {
      web: true,
      env: { DOSEWISE_DATA_DIR: dataDir, SEED_PEOPLE: '50' },
      onOutput: () => undefined,
    });
    browser = await launchBrowser();
    const vaccinator = await signInApi(server.base, 'vaccinator');
    facilityId = vaccinator.user.grants.find((g) => g.facilityId !== null)!.facilityId!;
    people = await bookTodayAt(server.base, facilityId, 3);
    const pack = await staffCall<{ appointments: unknown[] }>(
      server.base,
      vaccinator.accessToken,
      'GET',
      `/api/vaccinator/facilities/${facilityId}/pack`,
    );
    listed = pack.appointments.length;
    expect(listed).toBeGreaterThanOrEqual(3);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const pendingCount = (page: Page) =>
    page.getByTestId('pending-count').getAttribute('data-count').then(Number);

  async function recordDose(page: Page, person: BookedPerson, identity: 'slip' | 'id') {
    await page
      .getByTestId(`queue-row-${person.registrationNumber}`)
      .getByRole('button', { name: 'Open' })
      .click();
    await page.getByTestId('candidate').waitFor();
    expect(await page.getByTestId('candidate').textContent()).toContain(person.nameEn);
    expect(await page.getByTestId('due-dose').textContent()).toContain('Dose 1');
    if (identity === 'slip') {
      // A wrong code is caught on the device, with no connection to ask.
      const wrong = person.code === '0000' ? '1111' : '0000';
      await page.getByLabel('Code on the slip').fill(wrong);
      await page.getByLabel(/consents to the vaccination/).check();
      await page.getByLabel('Vaccine').selectOption({ label: person.productName });
      await page.getByTestId('record-dose').click();
      await page.getByText('The code does not match this appointment').waitFor();
      await page.getByLabel('Code on the slip').fill(person.code);
    } else {
      await page.getByRole('radio', { name: 'ID document seen' }).check();
      await page.getByLabel(/seen the person's ID document/).check();
      await page.getByLabel(/consents to the vaccination/).check();
      await page.getByLabel('Vaccine').selectOption({ label: person.productName });
    }
    await page.getByLabel('Lot').selectOption({ index: 1 });
    await page.getByLabel('Body site').selectOption('left_deltoid');
    await page.getByTestId('record-dose').click();
    await page.locator('[data-testid="dose-outcome"][data-outcome="queued"]').waitFor();
    await page.getByTestId('next-person').click();
    await page.getByTestId('vaccinator-queue').waitFor();
  }

  it('records three doses offline, uploads them when back online, and a replay adds nothing', async () => {
    const context = await browser.newContext({
      viewport: { width: 420, height: 900 },
      locale: 'en-GB',
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));

    // Online: sign in, the day's list comes down, and the service worker takes the app shell.
    await page.goto(`${server.base}/vaccinator`);
    await page.getByLabel('Username').fill('vaccinator');
    await page.getByLabel('Password').fill('dosewise-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByTestId('pack-status').textContent())
      .toContain(`${listed.toLocaleString('en-GB')} appointments`);
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 })
      .toBe(true);
    expect(
      await page.evaluate(() => document.querySelector('link[rel="manifest"]')?.getAttribute('href')),
    ).toBe('/manifest.webmanifest');
    await page.screenshot({ path: shot('vaccinator-queue-en'), fullPage: true });

    // Offline, and the page reloaded: the app and the list come from the device.
    await context.setOffline(true);
    await page.reload();
    await page.getByTestId('vaccinator-queue').waitFor();
    expect(await page.getByTestId('connection').textContent()).toBe('Offline');
    expect(await page.getByTestId('vaccinator-queue').locator('tbody tr').count()).toBe(listed);

    await recordDose(page, people[0]!, 'slip');
    await recordDose(page, people[1]!, 'id');
    await recordDose(page, people[2]!, 'slip');
    expect(await pendingCount(page)).toBe(3);
    expect(await page.getByTestId('vaccinator-queue').textContent()).toContain('Recorded, not uploaded');
    await page.screenshot({ path: shot('vaccinator-offline-en'), fullPage: true });

    // The doses kept on the device: ids made there, no names.
    const kept = await page.evaluate(
      () =>
        new Promise<{ clientId: string; record: Record<string, unknown> }[]>((resolve, reject) => {
          const open = indexedDB.open('dosewise-vaccinator');
          open.onerror = () => reject(new Error(String(open.error)));
          open.onsuccess = () => {
            const read = open.result.transaction('doses').objectStore('doses').getAll();
            read.onsuccess = () =>
              resolve(read.result as { clientId: string; record: Record<string, unknown> }[]);
            read.onerror = () => reject(new Error(String(read.error)));
          };
        }),
    );
    expect(kept).toHaveLength(3);
    for (const d of kept) {
      expect(d.clientId).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(d)).not.toContain(people[0]!.nameEn);
    }

    // Back online: the upload starts by itself and each dose's result is shown.
    await context.setOffline(false);
    await expect.poll(() => pendingCount(page), { timeout: 30_000 }).toBe(0);
    const results = page.getByTestId('sync-results').locator('li');
    await expect.poll(() => results.count()).toBe(3);
    for (const li of await results.all()) expect(await li.getAttribute('data-status')).toBe('stored');
    expect(await page.getByTestId('vaccinator-queue').textContent()).not.toContain('Recorded, not uploaded');
    await page.screenshot({ path: shot('vaccinator-synced-en'), fullPage: true });

    // The same screen in Bengali.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('অনলাইন');
    await page.screenshot({ path: shot('vaccinator-synced-bn'), fullPage: true });
    await page.getByTestId('lang-switch').click();

    // The console shows each dose on the person's page (the people live elsewhere: a national admin looks).
    const officer = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await officer.goto(`${server.base}/console/sign-in`);
    await officer.getByLabel('Username').fill('admin');
    await officer.getByLabel('Password').fill('dosewise-demo');
    await officer.getByRole('button', { name: 'Sign in' }).click();
    await officer.getByTestId('current-user').waitFor();
    for (const p of people) {
      await officer.goto(`${server.base}/console/people/${p.personId}`);
      const row = officer.getByTestId('doses-table').getByTestId('dose-1');
      await row.waitFor();
      expect(await row.textContent()).toContain('Offline device');
    }
    await officer.screenshot({ path: shot('console-person-doses-en'), fullPage: true });

    // A side effect after one of these doses, reported by staff on the person's page, is listed with its lot.
    await officer.getByTestId('report-aefi').click();
    await officer.getByLabel('Fever', { exact: true }).check();
    await officer.getByTestId('aefi-submit').click();
    await officer.getByText('Thank you: the report is recorded.').waitFor();
    await officer.goto(`${server.base}/console/aefi`);
    // The demo's history has side-effect reports of its own: this person's is listed once.
    const report = officer
      .getByTestId('aefi-list')
      .locator('tbody tr', { hasText: people[2]!.registrationNumber });
    await expect.poll(() => report.count()).toBe(1);

    // Replaying the upload stores nothing new: every record answers "already stored".
    const staff = await signInApi(server.base, 'vaccinator');
    const replay = await staffCall<{ results: { clientId: string; status: string }[] }>(
      server.base,
      staff.accessToken,
      'POST',
      '/api/vaccinator/sync',
      { deviceId: 'replay', deviceTime: new Date().toISOString(), records: kept.map((d) => d.record) },
    );
    expect(replay.results.map((r) => r.status)).toEqual([
      'already_stored',
      'already_stored',
      'already_stored',
    ]);
    const admin = await signInApi(server.base, 'admin');
    for (const p of people) {
      const doses = await staffCall<{ items: { doseNumber: number; voided: boolean }[] }>(
        server.base,
        admin.accessToken,
        'GET',
        `/api/people/${p.personId}/doses`,
      );
      expect(doses.items.filter((d) => !d.voided)).toHaveLength(1);
    }
    // And from the device: nothing is left to send.
    expect(await page.getByTestId('sync-now').isDisabled()).toBe(true);

    expect(problems).toEqual([]);
    await context.close();
    await officer.close();
  });
});
