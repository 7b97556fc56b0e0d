import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestContext } from '../support/app.ts';
import {
  aged,
  auditEvents,
  facilityOfUser,
  localPhone,
  otherCentreInDistrict,
  personPicker,
  placeInDivision,
  placeNearFacility,
  registered,
  registrationBody,
  signInCitizen,
  type Citizen,
  type PersonDto,
  type RegistryPerson,
} from '../support/citizen.ts';
import { expectError, userId } from './helpers.ts';

interface Registered {
  p: RegistryPerson;
  person: PersonDto;
}

/**
 * What staff may see of registered people: identifiers only encrypted at rest, searches and views
 * audited, and every look inside the staff member's scope (area, or the centre the person chose).
 */
describe('people: privacy, staff search and scope, corrections', () => {
  let t: TestContext;
  let citizen: Citizen;
  /** Lives in Dhaka district and chose the demo vaccinator's centre. */
  let dhaka: Registered;
  /** Lives in Dhaka district and chose another centre there. */
  let dhakaOther: Registered;
  /** Lives in Chattagram division, outside every Dhaka grant. */
  let chattagram: Registered;
  let vaccinatorFacility: number;
  const pick = personPicker();

  beforeAll(async () => {
    t = await testApp();
    citizen = await signInCitizen(t);
    const db = t.database.db;
    vaccinatorFacility = await facilityOfUser(db, 'vaccinator');
    const near = await placeNearFacility(db, vaccinatorFacility);
    const p1 = pick(aged(25, 55), 'adult');
    dhaka = { p: p1, person: await registered(t, citizen, registrationBody(p1, near)) };
    const p2 = pick(aged(25, 55), 'adult');
    const other = await otherCentreInDistrict(db, near);
    dhakaOther = {
      p: p2,
      person: await registered(t, citizen, registrationBody(p2, { ...near, facilityId: other.id })),
    };
    const p3 = pick(aged(25, 55), 'adult');
    chattagram = {
      p: p3,
      person: await registered(
        t,
        await signInCitizen(t),
        registrationBody(p3, await placeInDivision(db, 'Chattagram')),
      ),
    };
  });
  afterAll(() => t.close());

  const get = async (username: string, url: string) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: await t.auth(username) } });
  const search = async (username: string, query: Record<string, string>) => {
    const res = await get(username, `/api/people?${new URLSearchParams(query).toString()}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<PersonDto[]>().map((p) => p.id);
  };
  const audits = async (action: string, username: string) => {
    const actor = await userId(t.database.db, username);
    return (await auditEvents(t.database.db, action)).filter(
      (e) => e.actor_kind === 'staff' && e.actor_id === actor,
    );
  };

  describe('privacy at rest', () => {
    it('keeps no plain ID number or phone in the person row', async () => {
      const { p, person } = dhaka;
      const row = await t.database.db
        .selectFrom('person')
        .selectAll()
        .where('id', '=', person.id)
        .executeTakeFirstOrThrow();
      const national = citizen.phone.slice(4);
      expect(row.id_enc).not.toContain(p.nid);
      expect(row.id_enc).toMatch(/^v1\./);
      expect(row.id_blind).not.toBe(p.nid);
      expect(row.id_blind).not.toContain(p.nid);
      expect(row.id_last4).toBe(p.nid.slice(-4));
      expect(row.phone_enc).not.toBeNull();
      expect(row.phone_enc).not.toContain(national);
      expect(row.phone_blind).not.toContain(national);
      // Nowhere in the row, whatever the column.
      const text = JSON.stringify(row);
      expect(text).not.toContain(p.nid);
      expect(text).not.toContain(national);
      // And the vault reads them back.
      expect(t.services.vault.decrypt(row.id_enc)).toBe(p.nid);
      expect(t.services.vault.decrypt(row.phone_enc!)).toBe(citizen.phone);
    });

    it('keeps no plain ID number or phone anywhere a registration writes', async () => {
      const national = citizen.phone.slice(4);
      for (const table of [
        'person',
        'identity_claim',
        'citizen_account',
        'notification',
        'job',
        'audit_event',
        'otp_challenge',
      ]) {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from ${sql.table(table)} r
          where r::text like ${`%${dhaka.p.nid}%`} or r::text like ${`%${national}%`}`.execute(t.database.db);
        expect(rows[0]!.n, table).toBe(0);
      }
    });

    it('shows staff only the last four characters of the ID', async () => {
      const res = await get('admin', `/api/people/${dhaka.person.id}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<PersonDto>().idLast4).toBe(dhaka.p.nid.slice(-4));
      expect(res.body).not.toContain(dhaka.p.nid);
      expect(res.body).not.toContain(citizen.phone.slice(4));
    });
  });

  describe('staff search', () => {
    it('finds a person by ID number, registration number, phone and name, and audits every search', async () => {
      const before = (await audits('person.searched', 'admin')).length;
      const { p, person } = dhaka;
      expect(await search('admin', { idNumber: p.nid })).toEqual([person.id]);
      expect(
        await search('admin', { idType: 'nid', idNumber: `${p.nid.slice(0, 5)} ${p.nid.slice(5)}` }),
      ).toEqual([person.id]);
      expect(await search('admin', { registrationNumber: person.registrationNumber.toLowerCase() })).toEqual([
        person.id,
      ]);
      expect(await search('admin', { phone: localPhone(citizen.phone) })).toEqual([
        dhaka.person.id,
        dhakaOther.person.id,
      ]);
      expect(await search('admin', { name: p.nameEn })).toContain(person.id);
      expect(await search('admin', { name: p.nameBn })).toContain(person.id);
      expect(await search('admin', { idNumber: p.nid, idType: 'passport' })).toEqual([]);

      const searched = (await audits('person.searched', 'admin')).slice(before);
      expect(searched).toHaveLength(7);
      expect(searched[0]!.details).toEqual({ keys: ['idNumber', 'idType'], results: [person.id] });
      expect(searched[3]!.details).toMatchObject({ keys: ['phone'] });
      // The audit says what kind of key was used, never its value.
      const text = JSON.stringify(searched);
      expect(text).not.toContain(p.nid);
      expect(text).not.toContain(citizen.phone.slice(4));
      expect(text).not.toContain(p.nameEn);
    });

    it('refuses a search that would list everyone', async () => {
      expectError(await get('admin', '/api/people'), 400, 'search_too_broad');
      expectError(await get('admin', '/api/people?name=Ra'), 400, 'search_too_broad');
    });

    it("does not find a person outside the searcher's area", async () => {
      const { p, person } = chattagram;
      expect(await search('admin', { idNumber: p.nid })).toEqual([person.id]);
      for (const username of ['dhaka.admin', 'helpdesk']) {
        expect(await search(username, { idNumber: p.nid }), username).toEqual([]);
        expect(await search(username, { registrationNumber: person.registrationNumber }), username).toEqual(
          [],
        );
        expect(await search(username, { name: p.nameEn }), username).not.toContain(person.id);
      }
      // Inside their area they do.
      expect(await search('dhaka.admin', { idNumber: dhaka.p.nid })).toEqual([dhaka.person.id]);
      expect(await search('helpdesk', { registrationNumber: dhaka.person.registrationNumber })).toEqual([
        dhaka.person.id,
      ]);
    });

    it('lets a vaccinator find a person who chose their centre, and no one else', async () => {
      expect(
        await search('vaccinator', { registrationNumber: dhakaOther.person.registrationNumber }),
      ).toEqual([]);
      expect(
        await search('vaccinator', { registrationNumber: chattagram.person.registrationNumber }),
      ).toEqual([]);
      expect(await search('vaccinator', { registrationNumber: dhaka.person.registrationNumber })).toEqual([
        dhaka.person.id,
      ]);
    });
  });

  describe('staff view', () => {
    it('opens a person in scope and audits the view', async () => {
      const before = (await audits('person.viewed', 'dhaka.admin')).length;
      const res = await get('dhaka.admin', `/api/people/${dhaka.person.id}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<PersonDto>()).toMatchObject({
        id: dhaka.person.id,
        nameEn: dhaka.p.nameEn,
        registrationNumber: dhaka.person.registrationNumber,
      });
      const viewed = (await audits('person.viewed', 'dhaka.admin')).slice(before);
      expect(viewed).toHaveLength(1);
      expect(viewed[0]).toMatchObject({ entity_type: 'person', entity_id: String(dhaka.person.id) });
    });

    it('answers a person outside the area as no such person, with nothing audited as viewed', async () => {
      for (const username of ['dhaka.admin', 'helpdesk', 'manager']) {
        const res = await get(username, `/api/people/${chattagram.person.id}`);
        expectError(res, 404, 'not_found');
        expect(res.body).not.toContain(chattagram.p.nameEn);
      }
      const viewed = (await auditEvents(t.database.db, 'person.viewed')).filter(
        (e) => e.entity_id === String(chattagram.person.id),
      );
      expect(viewed).toEqual([]);
      expectError(await get('admin', '/api/people/987654'), 404, 'not_found');
    });

    it('lets a vaccinator open a person who chose their centre, not one who chose another', async () => {
      const res = await get('vaccinator', `/api/people/${dhaka.person.id}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<PersonDto>().preferredFacility?.id).toBe(vaccinatorFacility);
      expectError(await get('vaccinator', `/api/people/${dhakaOther.person.id}`), 404, 'not_found');
      expectError(await get('vaccinator', `/api/people/${chattagram.person.id}`), 404, 'not_found');
    });

    it('is closed to a store keeper and to citizens', async () => {
      expectError(await get('storekeeper', `/api/people/${dhaka.person.id}`), 403, 'forbidden');
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/people/${dhaka.person.id}`,
        headers: citizen.headers,
      });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('corrections', () => {
    const patch = async (username: string, id: number, payload: Record<string, unknown>) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/people/${id}`,
        headers: { authorization: await t.auth(username) },
        payload,
      });
    const corrections = async (id: number) =>
      (await t.database.db.selectFrom('person_correction').select('id').where('person_id', '=', id).execute())
        .length;

    it('keeps the old values, who and why, and audits the change', async () => {
      const { p, person } = dhaka;
      const res = await patch('helpdesk', person.id, {
        changes: { nameEn: 'Corrected Name', addressLine: 'House 7, Lane 2' },
        reason: 'Name misspelt on the registry copy',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<PersonDto>()).toMatchObject({ id: person.id, nameEn: 'Corrected Name' });

      const list = await get('dhaka.admin', `/api/people/${person.id}/corrections`);
      expect(list.statusCode, list.body).toBe(200);
      const rows = list.json<
        {
          changes: { before: Record<string, unknown>; after: Record<string, unknown> };
          reason: string;
          correctedBy: string;
          correctedAt: string;
        }[]
      >();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        changes: {
          before: { name_en: p.nameEn, address_line: 'House 12, Road 3' },
          after: { name_en: 'Corrected Name', address_line: 'House 7, Lane 2' },
        },
        reason: 'Name misspelt on the registry copy',
        correctedBy: 'helpdesk',
      });
      expect(Number.isNaN(Date.parse(rows[0]!.correctedAt))).toBe(false);

      const audit = (await audits('person.corrected', 'helpdesk')).filter(
        (e) => e.entity_id === String(person.id),
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]!.details).toEqual({ fields: ['name_en', 'address_line'] });
      expect(JSON.stringify(audit[0])).not.toContain('Corrected Name');

      // The citizen sees the corrected record.
      const family = await t.app.inject({
        method: 'GET',
        url: '/api/citizen/people',
        headers: citizen.headers,
      });
      expect(family.json<PersonDto[]>().find((x) => x.id === person.id)?.nameEn).toBe('Corrected Name');
    });

    it("refuses a correction outside the staff member's scope (404) or role (403), storing nothing", async () => {
      const before = await corrections(chattagram.person.id);
      expectError(
        await patch('dhaka.admin', chattagram.person.id, {
          changes: { nameEn: 'Not Allowed' },
          reason: 'Trying from Dhaka',
        }),
        404,
        'not_found',
      );
      expectError(
        await patch('vaccinator', dhaka.person.id, {
          changes: { nameEn: 'Not Allowed' },
          reason: 'Vaccinators do not correct',
        }),
        403,
        'forbidden',
      );
      expectError(
        await get('dhaka.admin', `/api/people/${chattagram.person.id}/corrections`),
        404,
        'not_found',
      );
      expect(await corrections(chattagram.person.id)).toBe(before);
      const row = await t.database.db
        .selectFrom('person')
        .select('name_en')
        .where('id', '=', chattagram.person.id)
        .executeTakeFirstOrThrow();
      expect(row.name_en).toBe(chattagram.p.nameEn);
    });

    it('needs a reason and something to change', async () => {
      expectError(
        await patch('helpdesk', dhaka.person.id, { changes: { nameEn: 'X Y' }, reason: '' }),
        400,
        'validation_failed',
      );
      expectError(
        await patch('helpdesk', dhaka.person.id, { changes: {}, reason: 'Nothing at all' }),
        400,
        'validation_failed',
      );
      expectError(
        await patch('helpdesk', dhaka.person.id, {
          changes: { dateOfBirth: '2999-01-01' },
          reason: 'Born in the future',
        }),
        400,
        'invalid_date_of_birth',
      );
    });

    it('keeps the address at the lowest area level, as registration does', async () => {
      const before = await corrections(dhakaOther.person.id);
      const district = await t.database.db
        .selectFrom('area')
        .select('id')
        .where('depth', '=', 1)
        .where('name_en', '=', 'Dhaka')
        .executeTakeFirstOrThrow();
      const res = await patch('helpdesk', dhakaOther.person.id, {
        changes: { areaId: district.id },
        reason: 'Moved within Dhaka',
      });
      expectError(res, 400, 'area_not_lowest');
      expect(await corrections(dhakaOther.person.id)).toBe(before);
    });

    it('does not let staff move a person into an area outside their own', async () => {
      const before = await corrections(dhakaOther.person.id);
      const elsewhere = await placeInDivision(t.database.db, 'Chattagram', 1);
      const res = await patch('helpdesk', dhakaOther.person.id, {
        changes: { areaId: elsewhere.areaId },
        reason: 'Moved to Chattogram',
      });
      expectError(res, 403, 'forbidden');
      expect(await corrections(dhakaOther.person.id)).toBe(before);
      // Within their own area it is a correction like any other.
      const nearby = await placeNearFacility(t.database.db, vaccinatorFacility, 1);
      const moved = await patch('helpdesk', dhakaOther.person.id, {
        changes: { areaId: nearby.areaId },
        reason: 'Moved within Dhaka district',
      });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json<PersonDto>().areaId).toBe(nearby.areaId);
    });
  });
});
