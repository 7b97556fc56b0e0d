/// <reference lib="dom" />
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../bench/server-process.ts';
import { launchBrowser, shot } from '../support/browser.ts';

describe('console in a real browser, on a freshly started server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let dataDir: string;
  let printed = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-browser-'));
    // The same start path as `npm start`: embedded database, migrations, demo seed, built web app.
    server = await startServer('pglite', {
      web: true,
      env: { DOSEWISE_DATA_DIR: dataDir, SEED_PEOPLE: '50' },
      onOutput: (t) => (printed += t),
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URL and a demo sign-in for each role', () => {
    expect(printed).toMatch(/Dosewise is running at http:\/\/localhost:\d+/);
    for (const user of [
      'admin',
      'dhaka.admin',
      'manager',
      'vaccinator',
      'storekeeper',
      'auditor',
      'helpdesk',
    ]) {
      expect(printed).toContain(`    ${user} `);
    }
  });

  it('serves the OpenAPI document listing the routes', async () => {
    const doc = (await (await fetch(`${server.base}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/auth/sign-in', '/api/areas', '/api/facilities', '/api/products']),
    );
    expect((await fetch(`${server.base}/api/docs`)).status).toBe(200);
  });

  it('lets a demo admin sign in and browse areas, in English and Bengali', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.base}/console`);
    await page.waitForURL(/\/console\/sign-in/);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/username or password/i);

    await page.getByLabel('Password').fill('dosewise-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor();
    expect(await page.getByTestId('current-user').textContent()).toContain('National Administrator');
    await page.getByRole('heading', { name: 'Areas' }).first().waitFor();
    const rows = page.getByTestId('areas-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(8);
    expect(await page.getByTestId('areas-table').textContent()).toContain('Dhaka');
    await page.screenshot({ path: shot('console-areas-en'), fullPage: true });

    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('areas-table').textContent()).toContain('ঢাকা');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('bn');
    await page.screenshot({ path: shot('console-areas-bn'), fullPage: true });

    // The choice of language survives a reload.
    await page.reload();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('bn');
    await page.close();
  });

  it('fits a phone screen', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 740 }, isMobile: true });
    await page.goto(`${server.base}/`);
    await page.screenshot({ path: shot('home-phone'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
