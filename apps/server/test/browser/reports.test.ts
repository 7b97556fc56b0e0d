/// <reference lib="dom" />
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../bench/server-process.ts';
import { bookTodayAt, launchBrowser, shot, signInApi, staffCall } from '../support/browser.ts';

interface ReportArea {
  id: number;
  code: string;
  nameEn: string;
  nameBn: string;
}

interface VaccinationReport {
  totals: { doses: number; firstDose: number };
  byArea: { area: ReportArea; doses: number; firstDose: number }[];
}

interface PublicDashboard {
  totals: { registered: number | null; doses: number | null; dosesToday: number | null };
  divisions: { area: ReportArea; firstDose: number | null }[];
}

const en = new Intl.NumberFormat('en-GB');
const bn = new Intl.NumberFormat('bn-BD');

/**
 * The reports in the console and the public dashboard: doses recorded through the API show up in
 * the national vaccination report, in its chart and the chart's table, one division down, in the
 * CSV download, and on the public dashboard without signing in, where counts under 10 are hidden.
 */
describe('reports and the public dashboard in a real browser', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let dataDir: string;
  let adminToken: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-reports-'));
    server = await startServer('pglite', {
      web: true,
      env: {
        DOSEWISE_DATA_DIR: dataDir,
        SEED_PEOPLE: '20',
        ROLLUP_INTERVAL_MS: '200',
        PUBLIC_DASHBOARD_REFRESH_S: '1',
      },
      onOutput: () => undefined,
    });
    browser = await launchBrowser();
    adminToken = (await signInApi(server.base, 'admin')).accessToken;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const admin = <T>(url: string) => staffCall<T>(server.base, adminToken, 'GET', url);

  /** Waits until the report workers have counted every dose (they run every 200 ms here). */
  async function vaccinationReportWith(doses: number, url = '/api/reports/vaccination') {
    let report: VaccinationReport | undefined;
    await expect
      .poll(
        async () => {
          report = await admin<VaccinationReport>(url);
          return report.totals.doses;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(doses);
    return report!;
  }

  async function signIn(page: Page, username: string) {
    await page.goto(`${server.base}/console/sign-in`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('dosewise-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor();
  }

  it('shows recorded doses in the vaccination report, its drill-down, CSV and the public dashboard', async () => {
    const before = (await admin<VaccinationReport>('/api/reports/vaccination')).totals.doses;

    // Three first doses of Comirnaty, recorded as the vaccinator's screen records them.
    const vaccinator = await signInApi(server.base, 'vaccinator');
    const facilityId = vaccinator.user.grants.find((g) => g.facilityId !== null)!.facilityId!;
    const booked = await bookTodayAt(server.base, facilityId, 3);
    const pack = await staffCall<{
      products: { id: number; code: string }[];
      lots: { lotId: number; productId: number; quantity: number }[];
    }>(server.base, vaccinator.accessToken, 'GET', `/api/vaccinator/facilities/${facilityId}/pack`);
    const productId = pack.products.find((p) => p.code === 'COMIRNATY')!.id;
    const lot = pack.lots.find((l) => l.productId === productId && l.quantity > 0)!;
    for (const b of booked) {
      await staffCall(server.base, vaccinator.accessToken, 'POST', `/api/people/${b.personId}/doses`, {
        facilityId,
        productId,
        lotId: lot.lotId,
        bodySite: 'left_deltoid',
        identityCheck: 'slip_code',
        slipCode: b.code,
        appointmentId: b.appointmentId,
        consent: true,
      });
    }
    const national = await vaccinationReportWith(before + 3);
    const division = [...national.byArea].sort((a, b) => b.doses - a.doses)[0]!;
    expect(division.doses).toBeGreaterThan(0);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, 'admin');
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.waitForURL(/\/console\/reports\/vaccination/);
    await expect.poll(() => page.getByTestId('total-doses').textContent()).toBe(en.format(before + 3));
    expect(await page.getByTestId('report-status').textContent()).toMatch(/Figures as of .+ s behind/);

    // The trend chart is an image with a summary; its table holds today's doses.
    const trend = page.getByTestId('trend-panel');
    const chart = trend.locator('svg[role="img"]');
    await chart.waitFor();
    expect(await chart.getAttribute('aria-label')).toContain(`${en.format(before + 3)}`);
    await trend.getByRole('button', { name: 'Show table' }).click();
    const table = trend.getByTestId('trend-table');
    await table.waitFor();
    expect(await table.locator('caption').textContent()).toBe('Doses per day');
    const today = (await admin<{ days: { doses: number }[] }>('/api/reports/vaccination/trend')).days.at(
      -1,
    )!.doses;
    expect(today).toBeGreaterThanOrEqual(3);
    const lastRow = table.locator('tbody tr').last();
    expect(await lastRow.locator('td').first().textContent()).toBe(en.format(today));
    expect(await lastRow.locator('td').last().textContent()).toBe(en.format(before + 3));

    // The area league lists every division; the one with the doses leads the doses column.
    const league = page.getByTestId('area-league');
    await expect.poll(() => league.locator('tbody tr').count()).toBe(8);
    const divisionRow = league.locator('tbody tr', { has: page.getByTestId(`drill-${division.area.code}`) });
    expect(await divisionRow.locator('td').nth(1).textContent()).toBe(en.format(division.doses));
    await page.screenshot({ path: shot('reports-vaccination-en'), fullPage: true });

    // One level down: the division's districts, with a breadcrumb back to the country.
    await page.getByTestId(`drill-${division.area.code}`).click();
    await expect.poll(() => page.getByTestId('total-doses').textContent()).toBe(en.format(division.doses));
    const crumbs = page.getByTestId('report-breadcrumb');
    expect(await crumbs.textContent()).toContain('Bangladesh');
    expect(await crumbs.locator('[aria-current="page"]').textContent()).toBe(division.area.nameEn);
    const inDivision = await vaccinationReportWith(
      division.doses,
      `/api/reports/vaccination?areaId=${division.area.id}`,
    );
    const district = [...inDivision.byArea].sort((a, b) => b.doses - a.doses)[0]!;
    await page.getByTestId(`drill-${district.area.code}`).waitFor();

    // The CSV of the districts holds the same figures.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('csv-area').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines.length).toBe(inDivision.byArea.length + 1);
    // The first column is the area's code; the doses column follows the names.
    const header = lines[0]!.replace(/^\uFEFF/, '').split(',');
    const districtLine = lines.find((l) => l.split(',')[0] === district.area.code);
    expect(districtLine).toBeDefined();
    expect(districtLine!.split(',')[header.indexOf('doses')]).toBe(String(district.doses));
    await page.screenshot({ path: shot('reports-division-en'), fullPage: true });

    // In Bengali: Bengali digits and names.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('total-doses').textContent()).toBe(bn.format(division.doses));
    expect(await crumbs.locator('[aria-current="page"]').textContent()).toBe(division.area.nameBn);
    await crumbs.getByRole('link', { name: 'বাংলাদেশ' }).click();
    await expect.poll(() => page.getByTestId('total-doses').textContent()).toBe(bn.format(before + 3));
    await page.screenshot({ path: shot('reports-vaccination-bn'), fullPage: true });
    await page.getByTestId('lang-switch').click();
    expect(problems).toEqual([]);
    await page.close();

    // The public dashboard, without signing in: fewer than 10 doses are shown as "<10".
    const publicPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    publicPage.on('pageerror', (e) => problems.push(e.message));
    let dashboard: PublicDashboard | undefined;
    await expect
      .poll(
        async () => {
          const res = await fetch(`${server.base}/api/public/dashboard`);
          dashboard = (await res.json()) as PublicDashboard;
          return dashboard.totals.dosesToday;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBeNull();
    await publicPage.goto(`${server.base}/`);
    await publicPage.getByTestId('dashboard-link').click();
    await publicPage.waitForURL(/\/dashboard$/);
    await expect.poll(() => publicPage.getByTestId('public-today').textContent()).toBe('<10');
    expect(await publicPage.getByTestId('public-registered').textContent()).toBe(
      en.format(dashboard!.totals.registered!),
    );
    expect(await publicPage.getByTestId('suppression-note').textContent()).toContain('Counts below 10');
    const leagueRows = publicPage.getByTestId('division-league').locator('tbody tr');
    await expect.poll(() => leagueRows.count()).toBe(8);
    // Today's trend point is one of the suppressed cells too.
    const trendPanel = publicPage.getByTestId('public-trend-panel');
    await trendPanel.getByRole('button', { name: 'Show table' }).click();
    const todayRow = trendPanel.locator('tbody tr').last();
    expect(await todayRow.locator('td').textContent()).toBe('<10');
    expect(await todayRow.locator('abbr').getAttribute('title')).toBe('Fewer than 10');
    await publicPage.screenshot({ path: shot('dashboard-en'), fullPage: true });

    // A division where one of today's doses was given, in Bengali.
    let todays: PublicDashboard['divisions'][number] | undefined;
    for (const d of dashboard!.divisions) {
      const res = await fetch(`${server.base}/api/public/dashboard?areaId=${d.area.id}`);
      if (((await res.json()) as PublicDashboard).totals.dosesToday === null) todays = d;
    }
    expect(todays).toBeDefined();
    await publicPage.getByLabel('Show').selectOption({ label: todays!.area.nameEn });
    await expect
      .poll(() => publicPage.getByTestId('dashboard-place').textContent())
      .toBe(todays!.area.nameEn);
    await publicPage.getByTestId('lang-switch').click();
    await expect
      .poll(() => publicPage.getByTestId('dashboard-place').textContent())
      .toBe(todays!.area.nameBn);
    expect(await publicPage.getByTestId('public-today').textContent()).toBe('<১০');
    await publicPage.screenshot({ path: shot('dashboard-bn'), fullPage: true });
    expect(problems).toEqual([]);
    await publicPage.close();
  });

  it("gives staff of one facility their facility's report, without area reports", async () => {
    const manager = await signInApi(server.base, 'manager');
    const facilityId = manager.user.grants.find((g) => g.facilityId !== null)!.facilityId!;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, 'manager');
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.waitForURL(/\/console\/reports\/facilities/);
    expect(await page.getByTestId('report-tab-vaccination').count()).toBe(0);
    const rows = page.getByTestId('facility-report').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    const facility = await staffCall<{ nameEn: string }>(
      server.base,
      manager.accessToken,
      'GET',
      `/api/facilities/${facilityId}`,
    );
    expect(await rows.first().locator('th').textContent()).toContain(facility.nameEn);
    expect(problems).toEqual([]);
    await page.close();
  });
});
