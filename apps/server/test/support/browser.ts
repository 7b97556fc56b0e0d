import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { ageInYears } from '@dosewise/domain';
import { todayIn } from '../../src/registration/calendar.ts';
import { demoRegistryPeople } from '../../src/registry/demo-people.ts';
import { DEMO_PASSWORD } from '../../src/seed/demo.ts';

export const SHOTS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../test-results/browser',
);

/** Debian's Chromium, never a downloaded browser. */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export const shot = (name: string) => path.join(SHOTS_DIR, `${name}.png`);

/** Signs a demo staff member in through the API (the demo password). */
export async function signInApi(
  base: string,
  username: string,
): Promise<{
  accessToken: string;
  user: { id: number; grants: { role: string; facilityId: number | null }[] };
}> {
  const res = await fetch(`${base}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (!res.ok) throw new Error(`sign-in ${username}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Awaited<ReturnType<typeof signInApi>>;
}

/** One API call as a staff member; throws with the answer when it is not a success. */
export async function staffCall<T>(
  base: string,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface BookedPerson {
  personId: number;
  registrationNumber: string;
  nameEn: string;
  appointmentId: number;
  /** The slip's 4-digit code. */
  code: string;
  productName: string;
}

/**
 * People from the demo registry, registered at help desks near their homes and booked by the
 * national admin into a session today at the facility (its first dose of Comirnaty, all day).
 */
export async function bookTodayAt(
  base: string,
  facilityId: number,
  count: number,
  /** Registry people to pass over (already registered by an earlier call). */
  skip = 0,
): Promise<BookedPerson[]> {
  const { accessToken } = await signInApi(base, 'admin');
  const call = <T>(method: string, url: string, body?: unknown) =>
    staffCall<T>(base, accessToken, method, url, body);
  const today = todayIn('Asia/Dhaka');
  const products = await call<{ id: number; code: string; name: string }[]>(
    'GET',
    '/api/products?includeInactive=false',
  );
  const product = products.find((p) => p.code === 'COMIRNATY')!;
  const session = await call<{ id: number }>('POST', '/api/sessions', {
    facilityId,
    productId: product.id,
    date: today,
    doseNumbers: [1],
    minAgeYears: 18,
    startsAt: '00:00',
    // As late as a session may end, so that the day's bookings work whenever the tests run.
    endsAt: '23:59',
    capacity: 100,
  });
  const { consentVersion } = await call<{ consentVersion: string }>('GET', '/api/registration/settings');
  const chosen = [...demoRegistryPeople(50, 1)]
    .filter((p) => {
      const age = ageInYears(p.dateOfBirth, today);
      return age >= 20 && age <= 60;
    })
    .slice(skip, skip + count);
  const booked: BookedPerson[] = [];
  for (const p of chosen) {
    const [union] = await call<{ id: number; parentId: number }[]>(
      'GET',
      `/api/areas?q=${encodeURIComponent(p.areaCode)}&limit=5`,
    );
    const [centre] = await call<{ id: number }[]>('GET', `/api/public/facilities?areaId=${union!.parentId}`);
    const person = await call<{ id: number; registrationNumber: string; nameEn: string }>(
      'POST',
      `/api/facilities/${centre!.id}/registrations`,
      {
        idType: 'nid',
        idNumber: p.nid,
        dateOfBirth: p.dateOfBirth,
        nameEn: p.nameEn,
        gender: p.gender,
        areaId: union!.id,
        priorityGroup: 'general_18_plus',
        preferredFacilityId: centre!.id,
        consent: { accepted: true, noticeVersion: consentVersion },
      },
    );
    const appointment = await call<{ id: number; code: string }>(
      'POST',
      `/api/people/${person.id}/appointments`,
      {
        sessionId: session.id,
      },
    );
    booked.push({
      personId: person.id,
      registrationNumber: person.registrationNumber,
      nameEn: person.nameEn,
      appointmentId: appointment.id,
      code: appointment.code,
      productName: product.name,
    });
  }
  return booked;
}
