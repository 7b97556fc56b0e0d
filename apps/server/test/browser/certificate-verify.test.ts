/// <reference lib="dom" />
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import QRCode from 'qrcode';
import { ageInYears } from '@dosewise/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../bench/server-process.ts';
import { todayIn } from '../../src/registration/calendar.ts';
import { demoRegistryPeople } from '../../src/registry/demo-people.ts';
import {
  bookTodayAt,
  launchBrowser,
  shot,
  signInApi,
  staffCall,
  type BookedPerson,
} from '../support/browser.ts';

interface IssuedCertificate {
  id: number;
  hcid: string;
  revoked: boolean;
  qr: { euDcc: string; shc: string[]; native: string } | null;
}

/**
 * A camera that films a QR code: a one-frame YUV4MPEG2 video (what Chromium's fake capture device
 * plays on a loop) of the code, black modules on white, in the middle of a 640 x 480 picture.
 */
function qrVideo(text: string): Buffer {
  const width = 640;
  const height = 480;
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'L' });
  const quiet = 4;
  // The scanner looks at the middle two thirds of the picture: the code fits well inside.
  const scale = Math.floor((0.55 * Math.min(width, height)) / (modules.size + 2 * quiet));
  const side = (modules.size + 2 * quiet) * scale;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 255);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const row = Math.floor(y / scale) - quiet;
      const col = Math.floor(x / scale) - quiet;
      const dark = row >= 0 && col >= 0 && row < modules.size && col < modules.size && modules.get(row, col);
      if (dark) luma[(top + y) * width + left + x] = 0;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  return Buffer.concat([
    Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\nFRAME\n`),
    luma,
    chroma,
  ]);
}

const WEB_PUBLIC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/public');

/**
 * A certificate issued after a real dose, checked on the public verify page: online, then
 * offline from the trust list kept in the browser; a changed text, an image without a QR code
 * and a revoked certificate are refused with their reasons in plain words.
 */
describe('certificate verify page, in a real browser', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let dataDir: string;
  let person: BookedPerson;
  let adminToken: string;
  let vaccinatorToken: string;
  let facilityId: number;
  let certificate: IssuedCertificate;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dosewise-certificate-'));
    server = await startServer('pglite', {
      web: true,
      // A SMART Health Card's issuer must be an https URL: the deployment's public address.
      env: { DOSEWISE_DATA_DIR: dataDir, SEED_PEOPLE: '50', PUBLIC_URL: 'https://dosewise.test' },
      onOutput: () => undefined,
    });
    browser = await launchBrowser();

    const vaccinator = await signInApi(server.base, 'vaccinator');
    vaccinatorToken = vaccinator.accessToken;
    facilityId = vaccinator.user.grants.find((g) => g.facilityId !== null)!.facilityId!;
    adminToken = (await signInApi(server.base, 'admin')).accessToken;
    [person] = (await bookTodayAt(server.base, facilityId, 1)) as [BookedPerson];
    await recordDose(person.personId, person.appointmentId, person.code);
    certificate = await issuedCertificate(person.personId);
  });

  /** A first dose of Comirnaty recorded through the API, as the vaccinator's screen does. */
  async function recordDose(personId: number, appointmentId: number, slipCode: string) {
    const pack = await staffCall<{
      products: { id: number; code: string }[];
      lots: { lotId: number; productId: number; quantity: number }[];
    }>(server.base, vaccinatorToken, 'GET', `/api/vaccinator/facilities/${facilityId}/pack`);
    const productId = pack.products.find((p) => p.code === 'COMIRNATY')!.id;
    const lot = pack.lots.find((l) => l.productId === productId && l.quantity > 0)!;
    await staffCall(server.base, vaccinatorToken, 'POST', `/api/people/${personId}/doses`, {
      facilityId,
      productId,
      lotId: lot.lotId,
      bodySite: 'left_deltoid',
      identityCheck: 'slip_code',
      slipCode,
      appointmentId,
      consent: true,
    });
  }

  /** The certificate comes from a background job after the dose: waits for it. */
  async function issuedCertificate(personId: number): Promise<IssuedCertificate> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const list = await staffCall<{ items: IssuedCertificate[] }>(
        server.base,
        adminToken,
        'GET',
        `/api/people/${personId}/certificates`,
      );
      if (list.items[0]) return list.items[0];
      if (Date.now() > deadline) throw new Error('no certificate was issued within a minute of the dose');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function verifyText(page: Page, text: string) {
    await page.getByTestId('source-paste').click();
    await page.getByTestId('verify-text').fill(text);
    await page.getByTestId('verify-submit').click();
    await page.getByTestId('verify-result').waitFor();
    return page.getByTestId('verify-result');
  }

  /** The verdict, with the reasons' codes when it is not valid (so a failure says why). */
  async function verdict(page: Page) {
    const result = page.getByTestId('verify-result');
    const codes = await result
      .locator('[data-reason]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-reason')).join(','));
    return (await result.getAttribute('data-valid')) === 'true' ? 'valid' : `invalid: ${codes}`;
  }

  it('verifies a freshly issued certificate on the verify page, once online and once offline', async () => {
    const qr = certificate.qr!;
    expect(qr.native).toMatch(/^DWV1:/);
    const context = await browser.newContext({ viewport: { width: 420, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));

    // Online: the trust list comes down and is kept; the service worker takes the page.
    await page.goto(`${server.base}/verify`);
    await expect.poll(() => page.getByTestId('trust-as-of').textContent()).toContain('Trust list as of');
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 })
      .toBe(true);

    let result = await verifyText(page, qr.native);
    expect(await verdict(page)).toBe('valid');
    expect(await result.getAttribute('data-by')).toBe('device');
    expect(await page.getByTestId('verify-name').textContent()).toBe(person.nameEn);
    expect(await page.getByTestId('verify-format').textContent()).toBe('Dosewise QR (domestic)');
    expect(await page.getByTestId('verify-doses').textContent()).toContain('Comirnaty');
    // Only name, date of birth and doses: no registration number, no certificate id.
    expect(await result.textContent()).not.toContain(person.registrationNumber);
    expect(await result.textContent()).not.toContain(certificate.hcid);
    await page.screenshot({ path: shot('certificate-verify-online-en'), fullPage: true });

    // The EU DCC online: the server adds the EU schema check the device cannot do.
    result = await verifyText(page, qr.euDcc);
    expect(await verdict(page)).toBe('valid');
    expect(await page.getByTestId('verify-format').textContent()).toContain('EU DCC');
    expect(await page.getByTestId('verify-name').textContent()).toBe(person.nameEn);

    // The SMART Health Card, its parts one per line.
    result = await verifyText(page, qr.shc.join('\n'));
    expect(await verdict(page)).toBe('valid');
    expect(await page.getByTestId('verify-format').textContent()).toBe('SMART Health Card');

    // An image: with the QR code it verifies; without one the page says so.
    await page.getByTestId('source-upload').click();
    const png = await QRCode.toBuffer(qr.native, { errorCorrectionLevel: 'L', scale: 6 });
    await page
      .getByTestId('verify-image')
      .setInputFiles({ name: 'qr.png', mimeType: 'image/png', buffer: png });
    await expect.poll(() => page.getByTestId('verify-result').getAttribute('data-valid')).toBe('true');
    await page.getByTestId('verify-image').setInputFiles({
      name: 'icon.png',
      mimeType: 'image/png',
      buffer: readFileSync(path.join(WEB_PUBLIC, 'icon-192.png')),
    });
    await expect
      .poll(() => page.getByTestId('verify-problem').textContent())
      .toContain('No QR code was found in this image');

    // Offline, and the page reloaded: the page from the service worker, the lists from the device.
    const asOf = await page.evaluate(() => localStorage.getItem('dosewise.verify.lists.v1'));
    expect(asOf).toContain('fetchedAt');
    await context.setOffline(true);
    await page.reload();
    await expect.poll(() => page.getByTestId('trust-as-of').getAttribute('data-online')).toBe('false');
    expect(await page.getByTestId('trust-as-of').textContent()).toContain('Trust list as of');

    result = await verifyText(page, qr.native);
    expect(await verdict(page)).toBe('valid');
    expect(await result.getAttribute('data-by')).toBe('device');
    expect(await page.getByTestId('verify-name').textContent()).toBe(person.nameEn);
    expect(await page.getByTestId('verify-by').textContent()).toContain('Checked on this device');
    await page.screenshot({ path: shot('certificate-verify-offline-en'), fullPage: true });

    // Offline, the EU DCC is checked without the EU schema, and the page says so.
    result = await verifyText(page, qr.euDcc);
    expect(await verdict(page)).toBe('valid');
    await page.getByTestId('verify-schema-skipped').waitFor();

    // A changed text is not valid, with the reason in words.
    const i = Math.floor(qr.native.length / 2);
    const changed = qr.native.slice(0, i) + (qr.native[i] === 'A' ? 'B' : 'A') + qr.native.slice(i + 1);
    result = await verifyText(page, changed);
    expect(await result.getAttribute('data-valid')).toBe('false');
    const reasons = page.getByTestId('verify-reasons').locator('li');
    expect(await reasons.count()).toBeGreaterThan(0);
    expect((await reasons.first().textContent())!.length).toBeGreaterThan(10);
    expect(await page.getByTestId('verify-holder').count()).toBe(0);
    await page.screenshot({ path: shot('certificate-verify-tampered-en'), fullPage: true });

    // Not a certificate at all.
    result = await verifyText(page, 'HELLO WORLD');
    expect(await result.getAttribute('data-valid')).toBe('false');
    expect(await page.getByTestId('verify-reasons').textContent()).toContain('not a certificate QR code');

    // The same page in Bengali, offline.
    await verifyText(page, qr.native);
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('verify-result').textContent()).toContain('বৈধ সনদ');
    expect(await page.getByTestId('trust-as-of').textContent()).toContain('বিশ্বস্ত তালিকা');
    await page.screenshot({ path: shot('certificate-verify-offline-bn'), fullPage: true });
    await verifyText(page, changed);
    await expect.poll(() => page.getByTestId('verify-result').textContent()).toContain('বৈধ নয়');
    await page.screenshot({ path: shot('certificate-verify-tampered-bn'), fullPage: true });
    await page.getByTestId('lang-switch').click();

    // Back online, the certificate revoked by staff: the fresh revocation list refuses it.
    await context.setOffline(false);
    await staffCall(
      server.base,
      adminToken,
      'POST',
      `/api/people/${person.personId}/certificates/${certificate.id}/revoke`,
      { reason: 'Issued to the wrong person' },
    );
    await page.reload();
    await expect.poll(() => page.getByTestId('trust-as-of').getAttribute('data-online')).toBe('true');
    result = await verifyText(page, qr.native);
    expect(await result.getAttribute('data-valid')).toBe('false');
    expect(await page.getByTestId('verify-reasons').locator('li[data-reason="revoked"]').count()).toBe(1);

    expect(problems).toEqual([]);
    await context.close();
  });

  it('lists, prints and finds certificates in the console', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.base}/console/sign-in`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('dosewise-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor();

    // Found by its HCID, and the way to the person.
    await page.goto(`${server.base}/console/certificates`);
    await page.getByLabel('Certificate ID (HCID)').fill(certificate.hcid);
    await page.getByTestId('certificate-search').click();
    await page.getByTestId('certificate-found').waitFor();
    expect(await page.getByTestId('certificate-found').textContent()).toContain(certificate.hcid);
    await page.getByRole('link', { name: "Open the person's record" }).click();

    // On the person's record: the revoked version; re-issuing makes a new one in force.
    const panel = page.getByTestId('person-certificates');
    await panel.getByTestId(`certificate-${certificate.hcid}`).waitFor();
    expect(await panel.getByTestId(`certificate-${certificate.hcid}`).getAttribute('data-revoked')).toBe(
      'true',
    );
    await panel.getByTestId('reissue-certificates').click();
    await panel.getByLabel('Reason (optional)').fill('Revoked by mistake');
    await panel.getByTestId('reissue-confirm').click();
    await page.getByText('The certificates were re-issued as new versions.').waitFor();
    const cards = panel.locator('[data-testid^="certificate-"][data-revoked]');
    await expect.poll(() => cards.count()).toBe(2);
    expect(await panel.locator('[data-revoked="false"]').count()).toBe(1);
    await page.screenshot({ path: shot('certificate-console-person-en'), fullPage: true });

    // Revoking needs a reason; with one, the certificate is revoked.
    const live = panel.locator('[data-revoked="false"]');
    await live.getByTestId('revoke-certificate').click();
    await panel.getByTestId('revoke-confirm').click();
    await panel.getByText('Give a reason of at least 3 characters.').waitFor();
    await panel.getByLabel('Reason for revoking').fill('Printed with a wrong date');
    await panel.getByTestId('revoke-confirm').click();
    await expect.poll(() => panel.locator('[data-revoked="false"]').count()).toBe(0);
    await page.close();
  });

  /** A citizen signed in through the API with the code the server's SMS outbox shows. */
  async function citizenSignIn(phone: string): Promise<{ token: string; expiresIn: number }> {
    const post = async <T>(url: string, body: unknown): Promise<T> => {
      const res = await fetch(`${server.base}${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const { challengeId } = await post<{ challengeId: string }>('/api/citizen/otp', { phone, locale: 'en' });
    const outbox = path.join(dataDir, 'sms-outbox.jsonl');
    const deadline = Date.now() + 30_000;
    let code: string | undefined;
    while (!code) {
      if (Date.now() > deadline) throw new Error('no sign-in code was sent');
      const lines = existsSync(outbox) ? readFileSync(outbox, 'utf8').split('\n').filter(Boolean) : [];
      const sms = lines
        .map((l) => JSON.parse(l) as { to: string; template: string; text: string })
        .find((m) => m.to === phone && m.template === 'otp');
      code = sms ? /\b(\d{6})\b/.exec(sms.text)?.[1] : undefined;
      if (!code) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return post('/api/citizen/otp/verify', { challengeId, code });
  }

  it("shows a family member's certificates with a QR code per format, and their downloads", async () => {
    // A citizen registers a family member, who is booked into today's session and vaccinated.
    const phone = `+88018${String(Math.floor(Math.random() * 100_000_000)).padStart(8, '0')}`;
    const citizen = await citizenSignIn(phone);
    const admin = <T>(method: string, url: string, body?: unknown) =>
      staffCall<T>(server.base, adminToken, method, url, body);
    const today = todayIn('Asia/Dhaka');
    const registryPerson = [...demoRegistryPeople(50, 1)]
      .filter((p) => {
        const age = ageInYears(p.dateOfBirth, today);
        return age >= 20 && age <= 60;
      })
      .at(-1)!;
    const [union] = await admin<{ id: number; parentId: number }[]>(
      'GET',
      `/api/areas?q=${encodeURIComponent(registryPerson.areaCode)}&limit=5`,
    );
    const [centre] = await admin<{ id: number }[]>('GET', `/api/public/facilities?areaId=${union!.parentId}`);
    const { consentVersion } = await admin<{ consentVersion: string }>('GET', '/api/registration/settings');
    const res = await fetch(`${server.base}/api/citizen/people`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${citizen.token}` },
      body: JSON.stringify({
        idType: 'nid',
        idNumber: registryPerson.nid,
        dateOfBirth: registryPerson.dateOfBirth,
        nameEn: registryPerson.nameEn,
        gender: registryPerson.gender,
        areaId: union!.id,
        priorityGroup: 'general_18_plus',
        preferredFacilityId: centre!.id,
        consent: { accepted: true, noticeVersion: consentVersion },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const member = (await res.json()) as { id: number; nameEn: string };
    const [session] = await admin<{ id: number }[]>(
      'GET',
      `/api/sessions?facilityId=${facilityId}&from=${today}&to=${today}`,
    );
    const appointment = await admin<{ id: number; code: string }>(
      'POST',
      `/api/people/${member.id}/appointments`,
      { sessionId: session!.id },
    );
    await recordDose(member.id, appointment.id, appointment.code);
    const issued = await issuedCertificate(member.id);

    const context = await browser.newContext({
      viewport: { width: 420, height: 900 },
      locale: 'en-GB',
      acceptDownloads: true,
    });
    await context.addInitScript(
      (session) => sessionStorage.setItem('dosewise.citizen', JSON.stringify(session)),
      { token: citizen.token, expiresAt: Date.now() + citizen.expiresIn * 1000, phone },
    );
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.base}/citizen/certificates`);
    const section = page.getByTestId(`person-certificates-${member.id}`);
    await section.getByTestId(`certificate-${issued.hcid}`).waitFor();
    expect(await section.locator('h2').textContent()).toBe(member.nameEn);

    // One QR code per format; the domestic one first, a travel format on request.
    const qr = issued.qr!;
    const nativeQr = section.getByTestId('qr-native');
    await nativeQr.waitFor();
    expect(await nativeQr.getAttribute('data-qr-text')).toBe(qr.native);
    await page.screenshot({ path: shot('certificate-citizen-en'), fullPage: true });
    const nativePng = await nativeQr.screenshot();
    await section.getByTestId('qr-format-euDcc').click();
    expect(await section.getByTestId('qr-euDcc').getAttribute('data-qr-text')).toBe(qr.euDcc);
    await section.getByTestId('qr-format-shc').click();
    const shcImages = section.getByTestId('qr-shc');
    await expect.poll(() => shcImages.count()).toBe(qr.shc.length);
    expect(await shcImages.first().getAttribute('data-qr-text')).toBe(qr.shc[0]);

    // The PDF and the .smart-health-card file download.
    const [pdf] = await Promise.all([
      page.waitForEvent('download'),
      section.getByTestId('certificate-pdf').click(),
    ]);
    expect(pdf.suggestedFilename()).toMatch(/^vaccination-certificate-.*\.pdf$/);
    expect(
      readFileSync(await pdf.path())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const [card] = await Promise.all([
      page.waitForEvent('download'),
      section.getByTestId('certificate-shc').click(),
    ]);
    expect(card.suggestedFilename()).toMatch(/\.smart-health-card$/);
    const file = JSON.parse(readFileSync(await card.path(), 'utf8')) as { verifiableCredential: string[] };
    expect(file.verifiableCredential).toHaveLength(1);

    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('আমার সনদ');
    await page.screenshot({ path: shot('certificate-citizen-bn'), fullPage: true });
    await page.getByTestId('lang-switch').click();

    // The QR code drawn on the phone reads back on the verify page, from a picture of it.
    await page.goto(`${server.base}/verify`);
    await page.getByTestId('source-upload').click();
    await page.getByTestId('verify-image').setInputFiles({
      name: 'certificate.png',
      mimeType: 'image/png',
      buffer: nativePng,
    });
    await expect.poll(() => page.getByTestId('verify-result').getAttribute('data-valid')).toBe('true');
    expect(await page.getByTestId('verify-name').textContent()).toBe(member.nameEn);

    expect(problems).toEqual([]);
    await context.close();
  });

  it('reads a certificate from the camera', async () => {
    const video = path.join(dataDir, 'qr.y4m');
    writeFileSync(video, qrVideo(certificate.qr!.native));
    const cameraBrowser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ],
    });
    try {
      const context = await cameraBrowser.newContext({ viewport: { width: 420, height: 900 } });
      await context.grantPermissions(['camera'], { origin: server.base });
      const page = await context.newPage();
      await page.goto(`${server.base}/verify`);
      await expect.poll(() => page.getByTestId('trust-as-of').textContent()).toContain('Trust list as of');
      await page.getByTestId('source-camera').click();
      await page
        .getByTestId('verify-result')
        .or(page.getByTestId('camera-problem'))
        .waitFor({ timeout: 30_000 });
      await page.screenshot({ path: shot('certificate-verify-camera-en'), fullPage: true });
      expect(await page.getByTestId('camera-problem').count()).toBe(0);
      // The code read from the camera is the certificate's, checked like pasted text.
      expect(await page.getByTestId('verify-text').inputValue()).toBe(certificate.qr!.native);
      expect(await page.getByTestId('verify-format').textContent()).toBe('Dosewise QR (domestic)');
      await context.close();
    } finally {
      await cameraBrowser.close();
    }
  });
});
