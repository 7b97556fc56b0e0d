/// <reference lib="dom" />
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../bench/server-process.ts';
import { launchBrowser, shot, signInApi, staffCall } from '../support/browser.ts';

interface StoreStock {
  items: { lotId: number; lotNumber: string; quantity: number }[];
}

/**
 * A transfer down the chain in the console: the district store keeper dispatches doses to a
 * health complex with the lots suggested first expiry, first out; the health complex's manager
 * counts what arrived, records why two doses are missing, and the stock moves accordingly.
 */
describe('console stock screens in a real browser', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-stock-'));
    server = await startServer('pglite', {
      web: true,
      env: { DOSEWISE_DATA_DIR: dataDir, SEED_PEOPLE: '20' },
      onOutput: () => undefined,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function signIn(page: Page, username: string) {
    await page.goto(`${server.base}/console/sign-in`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('dosewise-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor();
  }

  it('dispatches a transfer with suggested lots and receives it with a discrepancy', async () => {
    const manager = await signInApi(server.base, 'manager');
    const centreId = manager.user.grants.find((g) => g.facilityId !== null)!.facilityId!;
    const stockAt = (id: number) =>
      staffCall<StoreStock>(server.base, manager.accessToken, 'GET', `/api/stores/${id}/stock`);
    const before = await stockAt(centreId);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, 'storekeeper');
    await page.getByRole('link', { name: 'Stock' }).click();
    // A store keeper of one store goes straight to it.
    await expect.poll(() => page.getByTestId('store-name').textContent()).toContain('District');
    await page.getByTestId('lot-stock').waitFor();
    await page.screenshot({ path: shot('stock-store-en'), fullPage: true });
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('store-name').textContent()).toContain('জেলা');
    await page.screenshot({ path: shot('stock-store-bn'), fullPage: true });
    await page.getByTestId('lang-switch').click();

    await page.getByTestId('store-view-dispatch').click();
    await page.getByLabel('To', { exact: true }).selectOption({ label: 'Savar Upazila Health Complex' });
    const product = page.getByLabel('Vaccine', { exact: true });
    await expect.poll(() => product.locator('option').count()).toBeGreaterThan(1);
    const comirnaty = await product.locator('option', { hasText: 'COMIRNATY' }).getAttribute('value');
    await product.selectOption(comirnaty);
    // Bad input is refused on the screen before anything is sent.
    await page.getByLabel('Doses', { exact: true }).fill('2.5');
    await page.getByTestId('suggest-lots').click();
    await page.getByText('Enter a whole number of doses, 1 or more.').waitFor();
    await page.getByLabel('Doses', { exact: true }).fill('24');
    await page.getByTestId('suggest-lots').click();
    const lines = page.getByTestId('dispatch-lines').locator('tbody tr');
    await expect.poll(() => lines.count()).toBeGreaterThan(0);
    // First expiry, first out: the lot suggested first is the one that expires first in this store.
    const keeper = await signInApi(server.base, 'storekeeper');
    const districtId = keeper.user.grants.find((g) => g.facilityId !== null)!.facilityId!;
    const district = await staffCall<{
      items: {
        lotNumber: string;
        productCode: string;
        expiresOn: string;
        quantity: number;
        expired: boolean;
      }[];
    }>(server.base, keeper.accessToken, 'GET', `/api/stores/${districtId}/stock`);
    const firstToExpire = district.items
      .filter((l) => l.productCode === 'COMIRNATY' && !l.expired && l.quantity > 0)
      .sort((a, b) => a.expiresOn.localeCompare(b.expiresOn))[0]!;
    expect(await lines.first().locator('th').textContent()).toBe(firstToExpire.lotNumber);
    await page.screenshot({ path: shot('stock-dispatch-en'), fullPage: true });
    await page.getByTestId('dispatch-submit').click();
    await page.waitForURL(/\/console\/stock\/transfers\/\d+$/);
    const transferId = Number(/transfers\/(\d+)$/.exec(page.url())![1]);
    expect(await page.getByTestId('transfer-status').textContent()).toBe('On the way');

    // The health complex receives it: 2 doses short, with the reason.
    const receiver = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    receiver.on('pageerror', (e) => problems.push(e.message));
    await signIn(receiver, 'manager');
    await receiver.goto(`${server.base}/console/stock/transfers/${transferId}`);
    const receiveLines = receiver.getByTestId('receive-lines').locator('tbody tr');
    await receiveLines.first().waitFor();
    const sent = await staffCall<{ lines: { lotId: number; lotNumber: string; dispatchedDoses: number }[] }>(
      server.base,
      manager.accessToken,
      'GET',
      `/api/transfers/${transferId}`,
    );
    const first = sent.lines[0]!;
    const count = receiver.getByLabel(`Doses received of lot ${first.lotNumber}`);
    await count.fill(String(first.dispatchedDoses - 2));
    await receiver.getByTestId('receive-submit').click();
    await receiver.getByText(`The count of lot ${first.lotNumber} differs from what was sent`).waitFor();
    await receiver
      .getByLabel(`Reason for the difference in lot ${first.lotNumber}`)
      .fill('Two doses broken in transit');
    await receiver.getByTestId('receive-submit').click();
    await expect.poll(() => receiver.getByTestId('transfer-status').textContent()).toBe('Received');
    expect(await receiver.getByTestId('transfer-lines').textContent()).toContain(
      'Two doses broken in transit',
    );
    await receiver.screenshot({ path: shot('stock-received-en'), fullPage: true });

    // The health complex's stock grew by what arrived, lot by lot.
    const after = await stockAt(centreId);
    const qty = (s: StoreStock, lotId: number) => s.items.find((i) => i.lotId === lotId)?.quantity ?? 0;
    for (const l of sent.lines) {
      const arrived = l.lotId === first.lotId ? l.dispatchedDoses - 2 : l.dispatchedDoses;
      expect(qty(after, l.lotId) - qty(before, l.lotId)).toBe(arrived);
    }
    expect(problems).toEqual([]);
    await page.close();
    await receiver.close();
  });
});
