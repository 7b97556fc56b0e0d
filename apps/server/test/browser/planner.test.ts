/// <reference lib="dom" />
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ageInYears } from '@dosewise/domain';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../bench/server-process.ts';
import { demoRegistryPeople } from '../../src/registry/demo-people.ts';
import { launchBrowser, shot } from '../support/browser.ts';

const SEED_PEOPLE = 300;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

/** The ISO date `n` days after today in Bangladesh, the programme's calendar. */
function dhakaDay(n: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Dhaka' }).format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The Monday after next week's start: a week with no demo sessions planned by hand yet. */
function nextMonday(): string {
  for (let n = 1; n <= 7; n++) {
    const d = dhakaDay(n);
    if (new Date(`${d}T00:00:00Z`).getUTCDay() === 1) return d;
  }
  throw new Error('no Monday in the coming week');
}

const addDays = (iso: string, n: number) => {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

describe('session planner in a real browser, on a freshly started server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-planner-'));
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

  async function api<T>(token: string, method: string, url: string, body?: unknown): Promise<T> {
    const res = await fetch(`${server.base}${url}`, {
      signal: AbortSignal.timeout(20_000),
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async function staffToken(username: string): Promise<string> {
    const res = await fetch(`${server.base}/api/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'dosewise-demo', tokenDelivery: 'body' }),
    });
    if (!res.ok) throw new Error(`sign-in ${username}: ${res.status}`);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  /**
   * Registers `count` registry people at a help desk near their home (as staff do for people who
   * come in) and books them into a session: the session's fill then shows in the planner.
   */
  async function bookPeopleInto(sessionId: number, count: number) {
    const admin = await staffToken('admin');
    const { consentVersion } = await api<{ consentVersion: string }>(
      admin,
      'GET',
      '/api/registration/settings',
    );
    const today = new Date().toISOString().slice(0, 10);
    let booked = 0;
    for (const p of demoRegistryPeople(SEED_PEOPLE, 1)) {
      if (booked >= count) break;
      const age = ageInYears(p.dateOfBirth, today);
      if (age < 20 || age > 60) continue;
      const [union] = await api<{ id: number; parentId: number }[]>(
        admin,
        'GET',
        `/api/areas?q=${encodeURIComponent(p.areaCode)}&limit=5`,
      );
      if (!union) continue;
      const [centre] = await api<{ id: number }[]>(
        admin,
        'GET',
        `/api/public/facilities?areaId=${union.parentId}`,
      );
      if (!centre) continue;
      const person = await api<{ id: number }>(admin, 'POST', `/api/facilities/${centre.id}/registrations`, {
        idType: 'nid',
        idNumber: p.nid,
        dateOfBirth: p.dateOfBirth,
        nameEn: p.nameEn,
        gender: p.gender,
        areaId: union.id,
        priorityGroup: 'general_18_plus',
        preferredFacilityId: centre.id,
        consent: { accepted: true, noticeVersion: consentVersion },
      });
      await api(admin, 'POST', `/api/people/${person.id}/appointments`, { sessionId });
      booked++;
    }
    expect(booked).toBe(count);
  }

  it('lets a facility manager plan a weekly pattern and see the sessions fill in the calendar', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.url().includes('/api/') && r.status() >= 400)
        problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    try {
      await planInBrowser(page);
    } catch (e) {
      await page.screenshot({ path: shot('planner-failure'), fullPage: true }).catch(() => undefined);
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

  async function planInBrowser(page: Page) {
    // 1. The manager signs in; the console shows Sessions and the waiting queue, not the auto-scheduler.
    await page.goto(`${server.base}/console/sign-in`);
    await page.getByLabel('Username').fill('manager');
    await page.getByLabel('Password').fill('dosewise-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor();
    const nav = page.getByRole('navigation', { name: 'Console sections' });
    await nav.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    expect(await nav.getByRole('link', { name: 'Waiting queue' }).count()).toBe(1);
    expect(await nav.getByRole('link', { name: 'Auto-scheduler' }).count()).toBe(0);
    // A facility manager plans for their own facility only: it is named, not chosen.
    await page.getByTestId('sessions-facility').waitFor();
    await page.getByTestId('calendar').waitFor();
    await page.screenshot({ path: shot('planner-1-calendar-en-desktop'), fullPage: true });

    // 2. A weekly pattern over two weeks: every day but Friday, 14:00 to 17:00, 40 seats in hour slots.
    const from = nextMonday();
    const to = addDays(from, 13);
    await page.getByTestId('plan-template').click();
    const form = page.getByTestId('template-form');
    await form.getByLabel('First day').fill(from);
    await form.getByLabel('Last day').fill(to);
    await form.getByLabel('Vaccine').selectOption({ label: 'Comirnaty (Pfizer-BioNTech) (COMIRNATY)' });
    await form.getByLabel('Dose 2').check();
    await form.getByLabel('Starts').fill('14:00');
    await form.getByLabel('Ends').fill('17:00');
    await form.getByLabel('Seats').fill('42');
    expect(await form.getByTestId('template-count').textContent()).toContain('12 sessions');
    await page.screenshot({ path: shot('planner-2-template-form-en-desktop'), fullPage: true });
    await form.getByRole('button', { name: 'Plan the sessions' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('12 sessions were planned.');

    // 3. The calendar shows the two weeks of the pattern, each new session empty.
    expect(await page.getByTestId('calendar-day').first().getAttribute('data-date')).toBe(from);
    const planned = page.getByTestId('session-chip').filter({ hasText: '14:00–17:00' });
    await expect.poll(() => planned.count()).toBe(12);
    expect(await planned.first().textContent()).toContain('0 of 42 booked');
    const friday = page.locator(`[data-testid="calendar-day"][data-date="${addDays(from, 4)}"]`);
    expect(await friday.getByTestId('session-chip').filter({ hasText: '14:00–17:00' }).count()).toBe(0);

    // 4. People book the first one; the planner shows its fill, and its appointments.
    const firstId = Number(await planned.first().getAttribute('data-session-id'));
    await bookPeopleInto(firstId, 3);
    await page.reload();
    const first = page.locator(`[data-testid="session-chip"][data-session-id="${firstId}"]`);
    // After a reload the calendar opens on this week again: go on to the pattern's first week.
    for (let weeks = 0; weeks < 3; weeks++) {
      await page.getByTestId('calendar').waitFor();
      await page.getByTestId('calendar-range').filter({ hasText: 'Sessions from' }).waitFor();
      if (await first.count()) break;
      await page.getByRole('button', { name: 'Next week' }).click();
    }
    await expect.poll(() => first.textContent()).toContain('3 of 42 booked');
    await first.click();
    const detail = page.getByTestId('session-detail');
    await detail.waitFor();
    await expect.poll(() => detail.getByTestId('session-appointments').locator('tbody tr').count()).toBe(3);
    expect(await detail.textContent()).toContain('Comirnaty');
    await page.screenshot({ path: shot('planner-3-filled-en-desktop'), fullPage: true });

    // 5. Close the second session for booking: the calendar marks it.
    const secondId = Number(await planned.nth(1).getAttribute('data-session-id'));
    await page.locator(`[data-testid="session-chip"][data-session-id="${secondId}"]`).click();
    await page.getByTestId('close-session').click();
    await expect
      .poll(() => page.locator(`[data-testid="session-chip"][data-session-id="${secondId}"]`).textContent())
      .toContain('Closed');

    // 6. The same in Bengali, on a desktop and on a phone.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => first.textContent()).toContain('৪২টির মধ্যে ৩টি নির্ধারিত');
    await first.click();
    await page.getByTestId('session-detail').waitFor();
    await page.screenshot({ path: shot('planner-4-filled-bn-desktop'), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.getByTestId('calendar').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('planner-5-calendar-bn-phone'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByTestId('lang-switch').click();
    await page.screenshot({ path: shot('planner-6-calendar-en-phone'), fullPage: true });

    // 7. Cancel the first session, with a reason: its three people go back to the waiting queue.
    await page.setViewportSize(DESKTOP);
    if ((await first.getAttribute('aria-pressed')) !== 'true') await first.click();
    await page.getByTestId('cancel-session').click();
    await page.getByLabel('Why is the session cancelled?').fill('The vaccine delivery is late.');
    await page.screenshot({ path: shot('planner-7-cancel-en-desktop'), fullPage: true });
    await page.getByRole('button', { name: 'Cancel the session' }).click();
    await expect.poll(() => first.textContent()).toContain('Cancelled');
    expect(await page.getByTestId('session-detail').textContent()).toContain('The vaccine delivery is late.');

    // 8. The manager's waiting queue opens on the facility's own area.
    await nav.getByRole('link', { name: 'Waiting queue' }).click();
    await page.getByRole('heading', { name: 'Waiting queue', level: 1 }).waitFor();
    await page.getByTestId('queue-by-dose').waitFor();
    expect(await page.getByText(/^Chosen: .+ \(Upazila\)$/).count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.screenshot({ path: shot('planner-8-queue-manager-en-desktop'), fullPage: true });

    // 9. A national admin sees the whole country's queue, with the three people and why they wait.
    const admin = await page.context().browser()!.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const adminPage = await admin.newPage();
    try {
      await adminPage.goto(`${server.base}/console/sign-in`);
      await adminPage.getByLabel('Username').fill('admin');
      await adminPage.getByLabel('Password').fill('dosewise-demo');
      await adminPage.getByRole('button', { name: 'Sign in' }).click();
      await adminPage.getByTestId('current-user').waitFor();
      await adminPage
        .getByRole('navigation', { name: 'Console sections' })
        .getByRole('link', { name: 'Waiting queue' })
        .click();
      const rows = adminPage.getByTestId('queue-table').locator('tbody tr');
      await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      expect(await adminPage.getByTestId('queue-by-reason').textContent()).toContain('Session cancelled');
      await adminPage.screenshot({ path: shot('planner-9-queue-en-desktop'), fullPage: true });
      await adminPage.getByTestId('lang-switch').click();
      await adminPage.getByRole('heading', { name: 'অপেক্ষমাণ তালিকা', level: 1 }).waitFor();
      await adminPage.screenshot({ path: shot('planner-10-queue-bn-desktop'), fullPage: true });
      await adminPage.setViewportSize(PHONE);
      await adminPage.screenshot({ path: shot('planner-11-queue-bn-phone'), fullPage: true });
      const overflow = await adminPage.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);

      // 10. The admin runs the auto-scheduler for a week, follows its progress and reads its summary.
      await adminPage.setViewportSize(DESKTOP);
      await adminPage.getByTestId('lang-switch').click();
      await adminPage
        .getByRole('navigation', { name: 'Console sections' })
        .getByRole('link', { name: 'Auto-scheduler' })
        .click();
      await adminPage.getByRole('heading', { name: 'Auto-scheduler', level: 1 }).waitFor();
      await adminPage.getByLabel('Days to fill').fill('7');
      await adminPage.getByTestId('start-run').click();
      const summary = adminPage.getByTestId('run-summary');
      await summary.waitFor({ timeout: 60_000 });
      // Figures are shown with digit grouping (the demo's history leaves thousands waiting).
      const count = async (id: string) =>
        Number(((await summary.getByTestId(id).textContent()) ?? '').replace(/\D/g, ''));
      const placed = await count('run-placed');
      const unplaced = await count('run-unplaced');
      expect(placed + unplaced).toBeGreaterThanOrEqual(3);
      await expect
        .poll(() => adminPage.getByTestId('run-list').locator('tbody tr').first().textContent())
        .toContain('Done');
      await adminPage.screenshot({ path: shot('planner-12-scheduler-en-desktop'), fullPage: true });
      await adminPage.getByTestId('lang-switch').click();
      await adminPage.getByRole('heading', { name: 'স্বয়ংক্রিয় সময় নির্ধারণ', level: 1 }).waitFor();
      await adminPage.screenshot({ path: shot('planner-13-scheduler-bn-desktop'), fullPage: true });
      await adminPage.setViewportSize(PHONE);
      await adminPage.screenshot({ path: shot('planner-14-scheduler-bn-phone'), fullPage: true });
    } finally {
      await admin.close();
    }
  }
});
