import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/seed/demo.ts';
import { testApp, testConfig, type TestContext } from '../support/app.ts';
import {
  areaId,
  bearer,
  countRows,
  expectError,
  facilityId,
  fieldsOf,
  fingerprint,
  freshAddress,
  type Method,
} from './helpers.ts';

/**
 * Whatever a client sends, the answer is a 4xx with the one error shape (never a 500), it names
 * the field at fault, and nothing in the database changes.
 */

const BODY_LIMIT = testConfig().BODY_LIMIT_BYTES;

interface Ids {
  area(code: string): number;
  facility(code: string): number;
  unique(prefix: string): string;
}

interface WriteRoute {
  name: string;
  method: Extract<Method, 'POST' | 'PATCH'>;
  url: (ids: Ids) => string;
  /** Signed in as the national admin, or not at all (sign-in). */
  signedIn: boolean;
  /** A body that succeeds: the variations below break one thing in it. */
  valid: (ids: Ids) => Record<string, unknown>;
  okStatus: number;
  wrongTypes: [field: string, value: unknown][];
  unknownField: string;
  /** A required field to leave out; for PATCH, an empty body names the body itself. */
  required: string;
}

const ROUTES: WriteRoute[] = [
  {
    name: 'POST /api/areas',
    method: 'POST',
    url: () => '/api/areas',
    signedIn: true,
    valid: (ids) => ({
      code: ids.unique('BI'),
      parentId: ids.area('DIS47'),
      nameEn: 'Bad Input Upazila',
      nameBn: 'খারাপ ইনপুট',
      population: 10,
    }),
    okStatus: 201,
    wrongTypes: [
      ['population', 'ten'],
      ['population', 10.5],
      ['latitude', '23.7'],
      ['parentId', '5'],
      ['nameEn', null],
      ['code', 'has space'],
    ],
    unknownField: 'colour',
    required: 'nameBn',
  },
  {
    name: 'PATCH /api/facilities/:id',
    method: 'PATCH',
    url: (ids) => `/api/facilities/${ids.facility('DH-DIS47')}`,
    signedIn: true,
    valid: () => ({ dailyCapacity: 1500 }),
    okStatus: 200,
    wrongTypes: [
      ['dailyCapacity', '5'],
      ['dailyCapacity', -1],
      ['active', 'true'],
      ['type', 'spaceport'],
      ['latitude', 91],
    ],
    unknownField: 'colour',
    required: 'body',
  },
  {
    name: 'POST /api/products',
    method: 'POST',
    url: () => '/api/products',
    signedIn: true,
    valid: (ids) => ({
      code: ids.unique('BI'),
      name: 'Bad Input Vaccine',
      manufacturer: 'Test Manufacturer',
      primaryDoses: 2,
      minIntervalDays: 21,
      recommendedIntervalDays: 28,
      minAgeYears: 12,
      dosesPerVial: 10,
      openVialHours: 6,
      storageMinC: 2,
      storageMaxC: 8,
    }),
    okStatus: 201,
    wrongTypes: [
      ['primaryDoses', '2'],
      ['storageMinC', '2'],
      ['boosterAllowed', 'yes'],
      ['code', 'lower-case'],
    ],
    unknownField: 'colour',
    required: 'manufacturer',
  },
  {
    name: 'POST /api/users',
    method: 'POST',
    url: () => '/api/users',
    signedIn: true,
    valid: (ids) => ({
      username: ids.unique('bad.input').toLowerCase(),
      displayName: 'Bad Input User',
      password: 'long-enough-password',
      role: 'help_desk',
      areaId: ids.area('DIS47'),
    }),
    okStatus: 201,
    wrongTypes: [
      ['areaId', '5'],
      ['role', 'superuser'],
      ['password', 'short'],
      ['username', 'Has Capitals'],
    ],
    unknownField: 'colour',
    required: 'displayName',
  },
  {
    name: 'POST /api/auth/sign-in',
    method: 'POST',
    url: () => '/api/auth/sign-in',
    signedIn: false,
    valid: () => ({ username: 'auditor', password: DEMO_PASSWORD }),
    okStatus: 200,
    wrongTypes: [
      ['password', 12345],
      ['username', ['admin']],
      ['tokenDelivery', 'carrier-pigeon'],
    ],
    unknownField: 'remember',
    required: 'password',
  },
];

describe('bad input', () => {
  let t: TestContext;
  let ids: Ids;
  let admin: string;

  beforeAll(async () => {
    t = await testApp();
    const areas = new Map<string, number>();
    for (const code of ['DIS47']) areas.set(code, await areaId(t.database.db, code));
    const facilities = new Map<string, number>();
    for (const code of ['DH-DIS47']) facilities.set(code, await facilityId(t.database.db, code));
    let n = 0;
    ids = {
      area: (code) => areas.get(code)!,
      facility: (code) => facilities.get(code)!,
      unique: (prefix) => `${prefix}-${process.pid}-${++n}`.toUpperCase(),
    };
    admin = await bearer(t.app, 'admin');
  });
  afterAll(() => t.close());

  /** Sends the request and checks that no table changed. */
  const unchanged = async (opts: InjectOptions) => {
    const before = await fingerprint(t.database.db);
    const res = await t.app.inject(opts);
    const url = typeof opts.url === 'string' ? opts.url : '';
    expect(res.statusCode, `${opts.method ?? 'GET'} ${url}: ${res.body}`).not.toBe(500);
    expect(await fingerprint(t.database.db)).toEqual(before);
    return res;
  };

  describe.each(ROUTES.map((r) => [r.name, r] as const))('%s', (_name, route) => {
    const request = (
      payload: string | Record<string, unknown>,
      headers: Record<string, string> = {},
    ): InjectOptions => ({
      method: route.method,
      url: route.url(ids),
      headers: { ...(route.signedIn ? { authorization: admin } : {}), ...headers },
      payload,
      // Sign-in is rate limited per client address.
      remoteAddress: freshAddress(),
    });

    it('malformed JSON is a 400 malformed_json', async () => {
      const text = JSON.stringify(route.valid(ids));
      for (const payload of [text.slice(0, -1), `${text}}`, "{'code': 'single quotes'}", '{"a":1}{"b":2}']) {
        expectError(
          await unchanged(request(payload, { 'content-type': 'application/json' })),
          400,
          'malformed_json',
        );
      }
    });

    it('an empty body where one is required is a 400', async () => {
      const res = await unchanged(request('', { 'content-type': 'application/json' }));
      expect(res.statusCode, res.body).toBe(400);
      // Either "not JSON" or "the body is missing"; both tell the client what to fix.
      expect(['malformed_json', 'validation_failed']).toContain(
        res.json<{ error: { code: string } }>().error.code,
      );
      expectError(res, 400, res.json<{ error: { code: string } }>().error.code);
    });

    it('a value of the wrong type is a 400 naming the field (bodies are not coerced)', async () => {
      for (const [field, value] of route.wrongTypes) {
        const res = await unchanged(request({ ...route.valid(ids), [field]: value }));
        const error = expectError(res, 400, 'validation_failed');
        expect(error.message).toContain(`"${field}"`);
        expect(fieldsOf(error)).toContain(field);
      }
    });

    it('an unknown field is a 400 naming it', async () => {
      const error = expectError(
        await unchanged(request({ ...route.valid(ids), [route.unknownField]: 'red' })),
        400,
        'validation_failed',
      );
      expect(error.message).toContain(`"${route.unknownField}"`);
      expect(error.message).toMatch(/not a known field/);
      expect(fieldsOf(error)).toEqual([route.unknownField]);
    });

    it('a missing required field is a 400 naming it', async () => {
      const body =
        route.method === 'PATCH'
          ? {}
          : Object.fromEntries(Object.entries(route.valid(ids)).filter(([k]) => k !== route.required));
      const error = expectError(await unchanged(request(body)), 400, 'validation_failed');
      expect(error.message).toContain(`"${route.required}"`);
      expect(fieldsOf(error)).toEqual([route.required]);
    });

    it('a body over the limit is a 413 body_too_large', async () => {
      const payload = JSON.stringify({ ...route.valid(ids), padding: 'x'.repeat(BODY_LIMIT) });
      expect(Buffer.byteLength(payload)).toBeGreaterThan(BODY_LIMIT);
      expectError(
        await unchanged(request(payload, { 'content-type': 'application/json' })),
        413,
        'body_too_large',
      );
    });

    it('a content type that is not JSON is a 415', async () => {
      const text = JSON.stringify(route.valid(ids));
      for (const type of [
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
      ]) {
        expectError(await unchanged(request(text, { 'content-type': type })), 415, 'unsupported_media_type');
      }
    });

    it('the error carries the request id the client sent', async () => {
      const res = await unchanged(
        request('{', { 'content-type': 'application/json', 'x-request-id': 'bad-input-0001' }),
      );
      expect(expectError(res, 400, 'malformed_json').requestId).toBe('bad-input-0001');
    });

    it('the valid body succeeds (the cases above fail for the reason given)', async () => {
      const res = await t.app.inject(request(route.valid(ids)));
      expect(res.statusCode, res.body).toBe(route.okStatus);
    });
  });

  it('JSON sent as text/plain or text/csv to a JSON route is a 415 too, not a puzzling validation error', async () => {
    for (const route of ROUTES) {
      for (const type of ['text/plain', 'text/csv']) {
        const res = await unchanged({
          method: route.method,
          url: route.url(ids),
          headers: { ...(route.signedIn ? { authorization: admin } : {}), 'content-type': type },
          payload: JSON.stringify(route.valid(ids)),
          remoteAddress: freshAddress(),
        });
        expect(res.statusCode, `${route.name} as ${type}: ${res.body}`).toBe(415);
        expectError(res, 415, 'unsupported_media_type');
      }
    }
  });

  describe('SQL metacharacters', () => {
    const NASTY = [
      "Robert'); drop table area;--",
      '%_\\',
      '"; delete from facility; --',
      "O'Brien \\' ; select pg_sleep(0)",
      'ঢাকা -- /* */',
    ];

    it('are stored and returned verbatim in areas, and the tables are still there', async () => {
      const areasBefore = await countRows(t.database.db, 'area');
      for (const [i, name] of NASTY.entries()) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/areas',
          headers: { authorization: admin },
          payload: { code: ids.unique(`SQL${i}`), parentId: ids.area('DIS47'), nameEn: name, nameBn: name },
        });
        expect(res.statusCode, res.body).toBe(201);
        const created = res.json<{ id: number }>();
        const read = await t.app.inject({
          method: 'GET',
          url: `/api/areas/${created.id}`,
          headers: { authorization: admin },
        });
        expect(read.json()).toMatchObject({ nameEn: name, nameBn: name });
        const row = await t.database.db
          .selectFrom('area')
          .select(['name_en', 'name_bn'])
          .where('id', '=', created.id)
          .executeTakeFirstOrThrow();
        expect(row).toEqual({ name_en: name, name_bn: name });
      }
      expect(await countRows(t.database.db, 'area')).toBe(areasBefore + NASTY.length);
    });

    it('are stored verbatim in facilities, products and staff names', async () => {
      const facility = ids.facility('DH-DIS47');
      const facilitiesBefore = await countRows(t.database.db, 'facility');
      for (const text of NASTY) {
        const res = await t.app.inject({
          method: 'PATCH',
          url: `/api/facilities/${facility}`,
          headers: { authorization: admin },
          payload: { address: text, nameBn: text },
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toMatchObject({ address: text, nameBn: text });
      }
      expect(await countRows(t.database.db, 'facility')).toBe(facilitiesBefore);

      const product = await t.app.inject({
        method: 'POST',
        url: '/api/products',
        headers: { authorization: admin },
        payload: {
          ...ROUTES[2]!.valid(ids),
          name: NASTY[0],
          manufacturer: NASTY[2],
          euProductCode: NASTY[1],
        },
      });
      expect(product.statusCode, product.body).toBe(201);
      const productId = product.json<{ id: number }>().id;
      const read = await t.app.inject({
        method: 'GET',
        url: `/api/products/${productId}`,
        headers: { authorization: admin },
      });
      expect(read.json()).toMatchObject({ name: NASTY[0], manufacturer: NASTY[2], euProductCode: NASTY[1] });

      const user = await t.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { authorization: admin },
        payload: { ...ROUTES[3]!.valid(ids), displayName: NASTY[3], password: NASTY[0] },
      });
      expect(user.statusCode, user.body).toBe(201);
      const row = await t.database.db
        .selectFrom('staff_user')
        .select('display_name')
        .where('id', '=', user.json<{ id: number }>().id)
        .executeTakeFirstOrThrow();
      expect(row.display_name).toBe(NASTY[3]);
      for (const table of ['area', 'facility', 'vaccine_product', 'staff_user'] as const)
        expect(await countRows(t.database.db, table)).toBeGreaterThan(0);
    });

    it('in a sign-in are only a wrong password', async () => {
      const before = await fingerprint(t.database.db, ['staff_user', 'staff_session']);
      for (const [username, password] of [
        ["admin' or '1'='1", "x' or '1'='1"],
        ["admin'--", 'anything'],
        ['admin', "' or ''='"],
      ] as const) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/auth/sign-in',
          payload: { username, password },
          remoteAddress: freshAddress(),
        });
        expectError(res, 401, 'invalid_credentials');
      }
      const after = await fingerprint(t.database.db, ['staff_user', 'staff_session']);
      // The admin's failure count went up by one (the last attempt); no session was made.
      expect(after.staff_session).toBe(before.staff_session);
      await t.database.db
        .updateTable('staff_user')
        .set({ failed_sign_ins: 0 })
        .where('username', '=', 'admin')
        .execute();
    });
  });

  describe('query strings', () => {
    it('an unknown or over-long query parameter is a 400 naming it', async () => {
      const cases: [string, string][] = [
        ['/api/areas?colour=red', 'colour'],
        [`/api/areas?q=${'x'.repeat(101)}`, 'q'],
        ['/api/facilities?type=spaceport', 'type'],
        ['/api/facilities?limit=0', 'limit'],
        ['/api/facilities?offset=-1', 'offset'],
        ['/api/products?includeInactive=maybe', 'includeInactive'],
        ['/api/areas/1/subtree?depth=99', 'depth'],
      ];
      for (const [url, field] of cases) {
        const error = expectError(
          await unchanged({ method: 'GET', url, headers: { authorization: admin } }),
          400,
          'validation_failed',
        );
        expect(new Set(fieldsOf(error)), url).toEqual(new Set([field]));
        expect(error.message).toContain(`"${field}"`);
      }
    });
  });

  describe('search text', () => {
    it('with % _ \\ and quotes does not fail', async () => {
      for (const q of ['%', '_', '%_\\', '\\', "'", "'; drop table area; --", '%%%%', '[a-z]*']) {
        for (const url of [
          `/api/areas?q=${encodeURIComponent(q)}`,
          `/api/facilities?q=${encodeURIComponent(q)}`,
        ]) {
          const res = await unchanged({ method: 'GET', url, headers: { authorization: admin } });
          expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
          expect(Array.isArray(res.json())).toBe(true);
        }
      }
    });

    it('matches % and _ as themselves, not as wildcards', async () => {
      const parent = ids.area('DIS47');
      const code = ids.unique('PCT');
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/areas',
        headers: { authorization: admin },
        payload: { code, parentId: parent, nameEn: '100% Coverage_Ward', nameBn: 'শতভাগ' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const children = await t.app.inject({
        method: 'GET',
        url: `/api/areas?parentId=${parent}`,
        headers: { authorization: admin },
      });
      const all = children.json<{ nameEn: string; nameBn: string; code: string }[]>();
      expect(all.length).toBeGreaterThan(3);
      for (const q of ['%', '_', '0%', '%_']) {
        // What a person means: the names that contain the text as typed.
        const expected = all
          .filter((a) => a.nameEn.includes(q) || a.nameBn.includes(q) || a.code === q)
          .map((a) => a.nameEn);
        // ... which is not every child, as a wildcard would match.
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(all.length);
        const res = await t.app.inject({
          method: 'GET',
          url: `/api/areas?parentId=${parent}&q=${encodeURIComponent(q)}`,
          headers: { authorization: admin },
        });
        expect(res.statusCode).toBe(200);
        const names = res.json<{ nameEn: string }[]>().map((a) => a.nameEn);
        expect(names, `q=${q}`).toEqual(expected);
      }
    });
  });

  describe('ids out of range', () => {
    const MALFORMED_IDS = ['0', '-1', 'abc', '1.5', '1e3x', '%20'];
    const HUGE_IDS = ['99999999999', '1e20', '9223372036854775808'];

    it.each([
      ['GET', '/api/areas/{id}'],
      ['GET', '/api/areas/{id}/subtree'],
      ['PATCH', '/api/areas/{id}'],
      ['GET', '/api/facilities/{id}'],
      ['PATCH', '/api/facilities/{id}'],
      ['GET', '/api/products/{id}'],
      ['PATCH', '/api/products/{id}'],
      ['POST', '/api/users/{id}/grants'],
      ['DELETE', '/api/users/{id}/grants/{id}'],
    ] as const)(
      '%s %s: a malformed id is a 400 naming it, a huge or unknown one a 400 or 404',
      async (method, path) => {
        const payload =
          method === 'PATCH'
            ? { nameEn: 'Never stored' }
            : method === 'POST'
              ? { role: 'help_desk', areaId: ids.area('DIS47') }
              : undefined;
        const send = (id: string) =>
          unchanged({
            method,
            url: path.replaceAll('{id}', id),
            headers: { authorization: admin },
            ...(payload ? { payload: path.includes('products') ? { name: 'Never stored' } : payload } : {}),
          });
        for (const id of MALFORMED_IDS) {
          const error = expectError(await send(id), 400, 'validation_failed');
          expect(
            fieldsOf(error).some((f) => f === 'id' || f === 'grantId'),
            `${id}: ${error.message}`,
          ).toBe(true);
        }
        for (const id of HUGE_IDS) {
          const res = await send(id);
          expect([400, 404], `${id}: ${res.body}`).toContain(res.statusCode);
          expectError(
            res,
            res.statusCode,
            res.statusCode === 404 ? 'not_found' : res.json<{ error: { code: string } }>().error.code,
          );
        }
        expectError(await send('2147483647'), 404, 'not_found');
      },
    );

    it('ids in query strings and bodies are refused with 400 or 404, never 500', async () => {
      const cases: [Method, string, Record<string, unknown> | undefined, number][] = [
        ['GET', '/api/areas?parentId=0', undefined, 400],
        ['GET', '/api/areas?parentId=abc', undefined, 400],
        ['GET', '/api/areas?parentId=99999999999', undefined, 404],
        ['GET', '/api/areas?parentId=1e20', undefined, 400],
        ['GET', '/api/facilities?areaId=-1', undefined, 400],
        ['GET', '/api/facilities?areaId=99999999999', undefined, 404],
        ['GET', '/api/facilities?areaId=1e20', undefined, 400],
        ['GET', '/api/audit-events?before=99999999999999999999', undefined, 400],
        ['POST', '/api/areas', { code: ids.unique('OOR'), parentId: 0, nameEn: 'x', nameBn: 'y' }, 400],
        [
          'POST',
          '/api/areas',
          { code: ids.unique('OOR'), parentId: 99999999999, nameEn: 'x', nameBn: 'y' },
          404,
        ],
        ['POST', '/api/areas', { code: ids.unique('OOR'), parentId: 1e20, nameEn: 'x', nameBn: 'y' }, 400],
        [
          'POST',
          '/api/facilities',
          { code: ids.unique('OOR'), nameEn: 'x', nameBn: 'y', type: 'clinic', areaId: 99999999999 },
          404,
        ],
        [
          'POST',
          '/api/facilities',
          { code: ids.unique('OOR'), nameEn: 'x', nameBn: 'y', type: 'clinic', areaId: 1e20 },
          400,
        ],
        ['POST', '/api/users', { ...ROUTES[3]!.valid(ids), areaId: 99999999999 }, 404],
        ['POST', '/api/users', { ...ROUTES[3]!.valid(ids), areaId: undefined, facilityId: 1e20 }, 400],
      ];
      for (const [method, url, payload, status] of cases) {
        const res = await unchanged({
          method,
          url,
          headers: { authorization: admin },
          ...(payload ? { payload } : {}),
        });
        expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`).toBe(status);
        expectError(res, status, res.json<{ error: { code: string } }>().error.code);
      }
    });
  });

  describe('control characters', () => {
    it('a NUL character in a body field is a 400, not a 500', async () => {
      const requests: (InjectOptions & { url: string })[] = [
        {
          method: 'POST',
          url: '/api/areas',
          headers: { authorization: admin },
          payload: {
            code: ids.unique('NUL'),
            parentId: ids.area('DIS47'),
            nameEn: 'Nul\u0000Ward',
            nameBn: 'x',
          },
        },
        {
          method: 'POST',
          url: '/api/auth/sign-in',
          payload: { username: 'admin\u0000', password: 'whatever-it-is' },
          remoteAddress: freshAddress(),
        },
      ];
      const answers: string[] = [];
      for (const opts of requests) {
        const before = await fingerprint(t.database.db);
        const res = await t.app.inject(opts);
        answers.push(`${opts.url} ${res.statusCode}`);
        if (res.statusCode === 400) expectError(res, 400, res.json<{ error: { code: string } }>().error.code);
        expect(await fingerprint(t.database.db)).toEqual(before);
      }
      expect(answers).toEqual(requests.map((r) => `${r.url} 400`));
    });

    it('a NUL character in a search is not a 500', async () => {
      const urls = ['/api/areas?q=%00', '/api/facilities?q=a%00b', '/api/audit-events?action=%00'];
      const answers: string[] = [];
      for (const url of urls) {
        const before = await fingerprint(t.database.db);
        const res = await t.app.inject({ method: 'GET', url, headers: { authorization: admin } });
        answers.push(`${url} ${res.statusCode === 500 ? 'fails with 500' : 'is answered'}`);
        expect(await fingerprint(t.database.db)).toEqual(before);
      }
      expect(answers).toEqual(urls.map((u) => `${u} is answered`));
    });
  });
});
