import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestContext } from '../support/app.ts';
import { dayFromToday, dmy } from '../support/sessions.ts';
import { expectError } from './helpers.ts';

/** Searches are limited per client address (SEARCH_PER_IP_MINUTE), across all availability routes. */

const LIMIT = 4;
let t: TestContext;
let district: number;

beforeAll(async () => {
  t = await testApp({ SEARCH_PER_IP_MINUTE: String(LIMIT) });
  const row = await t.database.db
    .selectFrom('area')
    .select('id')
    .where('depth', '=', 1)
    .where('name_en', '=', 'Dhaka')
    .executeTakeFirstOrThrow();
  district = row.id;
});
afterAll(async () => {
  await t?.close();
});

const from = (ip: string) => ({ remoteAddress: ip });

describe('search limits', () => {
  it('refuses the searches of one address past the limit with 429 and Retry-After, whatever the route', async () => {
    const ip = '203.0.113.7';
    const urls = [
      `/api/public/availability?areaId=${district}`,
      '/api/v2/admin/location/states',
      `/api/v2/appointment/sessions/public/findByDistrict?district_id=${district}&date=${dmy(dayFromToday(1))}`,
      `/api/public/availability?areaId=${district}&dose=1`,
    ];
    expect(urls).toHaveLength(LIMIT);
    for (const url of urls) {
      const res = await t.app.inject({ method: 'GET', url, ...from(ip) });
      expect(res.statusCode, `${url} ${res.body}`).toBe(200);
    }
    const ours = await t.app.inject({
      method: 'GET',
      url: `/api/public/availability?areaId=${district}`,
      ...from(ip),
    });
    expectError(ours, 429, 'rate_limited');
    const retryAfter = Number(ours.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The CoWIN paths answer in CoWIN's error body.
    const cowin = await t.app.inject({ method: 'GET', url: '/api/v2/admin/location/states', ...from(ip) });
    expect(cowin.statusCode).toBe(429);
    expect(Number(cowin.headers['retry-after'])).toBeGreaterThan(0);
    const body = cowin.json<{ errorCode: string; error: string }>();
    expect(Object.keys(body).sort()).toEqual(['error', 'errorCode']);
    expect(body.errorCode).toBe('RATE_LIMITED');
    // Another address is not affected.
    const other = await t.app.inject({
      method: 'GET',
      url: '/api/v2/admin/location/states',
      ...from('203.0.113.8'),
    });
    expect(other.statusCode).toBe(200);
  });
});
