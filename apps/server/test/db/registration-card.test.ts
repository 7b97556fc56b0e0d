import { verifyCardToken } from '@dosewise/certificates';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestContext } from '../support/app.ts';
import {
  aged,
  personPicker,
  placeOf,
  registered,
  registrationBody,
  signInCitizen,
  type Citizen,
  type PersonDto,
  type RegistryPerson,
} from '../support/citizen.ts';
import { expectError } from './helpers.ts';

/** The vaccination card: a PDF for the citizen's family, and a signed token anyone can verify. */
describe('vaccination card', () => {
  let t: TestContext;
  let citizen: Citizen;
  let stranger: Citizen;
  let self: { p: RegistryPerson; person: PersonDto };
  let member: { p: RegistryPerson; person: PersonDto };
  const pick = personPicker();

  beforeAll(async () => {
    t = await testApp();
    citizen = await signInCitizen(t);
    stranger = await signInCitizen(t);
    const add = async () => {
      const p = pick(aged(25, 55), 'adult');
      return {
        p,
        person: await registered(t, citizen, registrationBody(p, await placeOf(t.database.db, p.areaCode))),
      };
    };
    self = await add();
    member = await add();
  });
  afterAll(() => t.close());

  const card = (c: Citizen | null, id: number, query = '') =>
    t.app.inject({
      method: 'GET',
      url: `/api/citizen/people/${id}/card.pdf${query}`,
      headers: c ? c.headers : {},
    });
  const publicKeys = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/card-keys' });
    expect(res.statusCode).toBe(200);
    return res.json<{ keys: JWK[] }>().keys;
  };

  it("gives a family member's card as a PDF", async () => {
    for (const { person } of [self, member]) {
      const res = await card(citizen, person.id);
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/pdf/);
      expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(res.rawPayload.length).toBeGreaterThan(10_000);
      expect(res.headers['content-disposition']).toContain(person.registrationNumber);
      expect(res.headers['cache-control']).toContain('no-store');
    }
    const bn = await card(citizen, member.person.id, '?locale=bn');
    expect(bn.statusCode).toBe(200);
    expect(bn.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it("does not give someone else's card, or a card without signing in", async () => {
    expectError(await card(stranger, self.person.id), 404, 'not_found');
    expectError(await card(stranger, 987_654), 404, 'not_found');
    expect((await card(null, self.person.id)).statusCode).toBe(401);
    // Nor a staff token in place of a citizen's.
    const staff = await t.app.inject({
      method: 'GET',
      url: `/api/citizen/people/${self.person.id}/card.pdf`,
      headers: { authorization: await t.auth('admin') },
    });
    expect(staff.statusCode).toBe(401);
  });

  it('carries a token that verifies with the published public keys', async () => {
    const keys = await publicKeys();
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).not.toHaveProperty('d');

    const token = await t.services.cards.token(member.person.id);
    expect(token.startsWith('DWC1:')).toBe(true);
    const result = await verifyCardToken(token, keys);
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(result.claims).toMatchObject({
      rn: member.person.registrationNumber,
      pid: String(member.person.id),
      n: member.p.nameEn,
      yb: Number(member.p.dateOfBirth.slice(0, 4)),
      v: 1,
    });
    expect(result.kid).toBe(keys[0]!.kid);
  });

  it('refuses a token that was changed', async () => {
    const keys = await publicKeys();
    const token = await t.services.cards.token(self.person.id);
    const [header, payload, signature] = token.slice('DWC1:'.length).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `DWC1:${header}.${Buffer.from(JSON.stringify({ ...claims, n: 'Someone Else' })).toString('base64url')}.${signature}`;
    expect(await verifyCardToken(forged, keys)).toEqual({ valid: false, reason: 'bad_signature' });
  });

  it('issues a card of a higher version after a correction', async () => {
    const fix = await t.app.inject({
      method: 'PATCH',
      url: `/api/people/${self.person.id}`,
      headers: { authorization: await t.auth('admin') },
      payload: { changes: { nameEn: 'Corrected Spelling' }, reason: 'Spelling on the card was wrong' },
    });
    expect(fix.statusCode, fix.body).toBe(200);
    const result = await verifyCardToken(await t.services.cards.token(self.person.id), await publicKeys());
    expect(result.valid && result.claims).toMatchObject({ n: 'Corrected Spelling', v: 2 });
    expect((await card(citizen, self.person.id)).statusCode).toBe(200);
  });

  it('lets staff print the card of a person in scope, audited as a view', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/people/${member.person.id}/card.pdf`,
      headers: { authorization: await t.auth('admin') },
    });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const viewed = await t.database.db
      .selectFrom('audit_event')
      .select('id')
      .where('action', '=', 'person.viewed')
      .where('entity_id', '=', String(member.person.id))
      .execute();
    expect(viewed.length).toBeGreaterThanOrEqual(1);
  });
});
