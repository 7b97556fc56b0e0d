import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestContext } from '../support/app.ts';
import {
  aged,
  auditEvents,
  personPicker,
  placeOf,
  register,
  registered,
  registrationBody,
  registrationRows,
  signInCitizen,
  type Citizen,
  type RegistrationBody,
} from '../support/citizen.ts';
import { expectError } from './helpers.ts';

interface GroupDto {
  code: string;
  version: number;
  nameEn: string;
  nameBn: string;
  rank: number;
  minAgeYears: number;
  maxAgeYears: number | null;
  proofRule: string;
  opensOn: string;
  active: boolean;
  open: boolean;
}

interface ImportReport {
  total: number;
  created: number;
  updated: number;
  rejected: number;
  errors: { row: number; field?: string; code?: string; message: string }[];
}

const GARMENT = {
  nameEn: 'Garment workers',
  nameBn: 'পোশাক শ্রমিক',
  rank: 5,
  minAgeYears: 18,
  maxAgeYears: null,
  proofRule: 'self_declared',
  opensOn: '2021-04-01',
};

/** Priority groups are data a national admin edits, in versions; rosters prove membership of some. */
describe('priority groups and rosters', () => {
  let t: TestContext;
  let citizen: Citizen;
  const pick = personPicker();

  beforeAll(async () => {
    t = await testApp();
    citizen = await signInCitizen(t);
  });
  afterAll(() => t.close());

  const asStaff = async (username: string, method: 'POST' | 'PUT', url: string, payload: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: await t.auth(username) },
      payload: payload as Record<string, unknown>,
    });
  const importRoster = async (username: string, code: string, csv: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/priority-groups/${code}/roster`,
      headers: { authorization: await t.auth(username), 'content-type': 'text/csv' },
      payload: csv,
    });
  const groupRows = (code: string) =>
    t.database.db
      .selectFrom('priority_group')
      .select(['id', 'version', 'name_en'])
      .where('code', '=', code)
      .orderBy('version')
      .execute();
  async function adultBody(overrides: Partial<RegistrationBody> = {}) {
    const p = pick(aged(25, 55), 'adult');
    return { p, body: registrationBody(p, await placeOf(t.database.db, p.areaCode), overrides) };
  }

  it('lists the current groups for the public, with whether each is open', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/priority-groups' });
    expect(res.statusCode).toBe(200);
    const groups = res.json<GroupDto[]>();
    expect(groups.map((g) => g.code)).toEqual(
      expect.arrayContaining([
        'health_worker',
        'frontline_worker',
        'age_60_plus',
        'comorbidity_40_plus',
        'migrant_worker',
        'student',
        'general_18_plus',
        'children_12_17',
      ]),
    );
    expect(groups.find((g) => g.code === 'health_worker')).toMatchObject({
      proofRule: 'roster',
      open: true,
      version: 1,
    });
  });

  it('lets only a national admin create or edit a group', async () => {
    const before = await groupRows('garment_worker');
    for (const username of ['dhaka.admin', 'manager', 'helpdesk', 'auditor']) {
      expectError(
        await asStaff(username, 'POST', '/api/priority-groups/garment_worker', GARMENT),
        403,
        'forbidden',
      );
      expectError(
        await asStaff(username, 'PUT', '/api/priority-groups/general_18_plus', GARMENT),
        403,
        'forbidden',
      );
    }
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/priority-groups/garment_worker',
      payload: GARMENT,
    });
    expect(anonymous.statusCode).toBe(401);
    const asCitizen = await t.app.inject({
      method: 'POST',
      url: '/api/priority-groups/garment_worker',
      headers: citizen.headers,
      payload: GARMENT,
    });
    expect(asCitizen.statusCode).toBe(401);
    expect(await groupRows('garment_worker')).toEqual(before);
    expect(await groupRows('general_18_plus')).toHaveLength(1);
  });

  it('creates a group that people can register in at once', async () => {
    const res = await asStaff('admin', 'POST', '/api/priority-groups/garment_worker', GARMENT);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<GroupDto>()).toMatchObject({
      code: 'garment_worker',
      version: 1,
      open: true,
      active: true,
      proofRule: 'self_declared',
    });
    expectError(
      await asStaff('admin', 'POST', '/api/priority-groups/garment_worker', GARMENT),
      409,
      'code_taken',
    );
    expectError(
      await asStaff('admin', 'PUT', '/api/priority-groups/no_such_group', GARMENT),
      404,
      'not_found',
    );
    expectError(
      await asStaff('admin', 'POST', '/api/priority-groups/bad_ages', {
        ...GARMENT,
        minAgeYears: 40,
        maxAgeYears: 30,
      }),
      400,
      'invalid_age_range',
    );
    expect((await auditEvents(t.database.db, 'priority_group.created')).map((e) => e.entity_id)).toContain(
      'garment_worker',
    );

    const { body } = await adultBody({ priorityGroup: 'garment_worker' });
    const person = await registered(t, citizen, body);
    expect(person.priorityGroup).toEqual({
      code: 'garment_worker',
      nameEn: 'Garment workers',
      nameBn: 'পোশাক শ্রমিক',
    });
  });

  it('saves an edit as a new version; earlier registrations keep the version they used', async () => {
    await asStaff('admin', 'POST', '/api/priority-groups/rickshaw_puller', {
      ...GARMENT,
      nameEn: 'Rickshaw pullers',
      nameBn: 'রিকশাচালক',
    });
    const { body: firstBody } = await adultBody({ priorityGroup: 'rickshaw_puller' });
    const first = await registered(t, citizen, firstBody);
    const [v1] = await groupRows('rickshaw_puller');

    const edit = await asStaff('admin', 'PUT', '/api/priority-groups/rickshaw_puller', {
      ...GARMENT,
      nameEn: 'Rickshaw and van pullers',
      nameBn: 'রিকশা ও ভ্যানচালক',
      rank: 4,
    });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(edit.json<GroupDto>()).toMatchObject({
      code: 'rickshaw_puller',
      version: 2,
      nameEn: 'Rickshaw and van pullers',
      rank: 4,
    });

    const rows = await groupRows('rickshaw_puller');
    expect(rows.map((r) => [r.version, r.name_en])).toEqual([
      [1, 'Rickshaw pullers'],
      [2, 'Rickshaw and van pullers'],
    ]);
    const listed = (await t.app.inject({ method: 'GET', url: '/api/priority-groups' }))
      .json<GroupDto[]>()
      .filter((g) => g.code === 'rickshaw_puller');
    expect(listed).toEqual([expect.objectContaining({ version: 2, nameEn: 'Rickshaw and van pullers' })]);

    // The earlier registration still points at version 1's row; a new one at version 2's.
    const { body: secondBody } = await adultBody({ priorityGroup: 'rickshaw_puller' });
    const second = await registered(t, await signInCitizen(t), secondBody);
    const people = await t.database.db
      .selectFrom('person')
      .select(['id', 'priority_group_id'])
      .where('id', 'in', [first.id, second.id])
      .orderBy('id')
      .execute();
    expect(people.map((p) => p.priority_group_id)).toEqual([v1!.id, rows[1]!.id]);
    const view = await t.app.inject({
      method: 'GET',
      url: `/api/people/${first.id}`,
      headers: { authorization: await t.auth('admin') },
    });
    expect(view.json<{ priorityGroup: { nameEn: string } }>().priorityGroup.nameEn).toBe('Rickshaw pullers');
    expect(second.priorityGroup.nameEn).toBe('Rickshaw and van pullers');
    expect(
      (await auditEvents(t.database.db, 'priority_group.updated')).filter(
        (e) => e.entity_id === 'rickshaw_puller',
      ),
    ).toHaveLength(1);
  });

  it('closes a group for new registrations when an edit makes it inactive', async () => {
    await asStaff('admin', 'POST', '/api/priority-groups/tea_worker', {
      ...GARMENT,
      nameEn: 'Tea garden workers',
      nameBn: 'চা শ্রমিক',
    });
    const closed = await asStaff('admin', 'PUT', '/api/priority-groups/tea_worker', {
      ...GARMENT,
      nameEn: 'Tea garden workers',
      nameBn: 'চা শ্রমিক',
      active: false,
    });
    expect(closed.json<GroupDto>()).toMatchObject({ version: 2, active: false, open: false });
    const { body } = await adultBody({ priorityGroup: 'tea_worker' });
    const before = await registrationRows(t.database.db);
    expectError(await register(t, citizen, body), 400, 'group_inactive');
    expect(await registrationRows(t.database.db)).toEqual(before);
  });

  it('imports a health worker roster; a rostered NID then registers as a health worker', async () => {
    const { p, body } = await adultBody({ priorityGroup: 'health_worker' });
    const before = await registrationRows(t.database.db);
    expectError(await register(t, citizen, body), 400, 'not_on_roster');
    expect(await registrationRows(t.database.db)).toEqual(before);

    const other = pick(aged(25, 55), 'adult');
    const csv = [
      'id_type,id_number',
      `nid,${p.nid}`,
      'nid,12345',
      `nid,${other.nid.slice(0, 3)} ${other.nid.slice(3)}`,
      'driving_licence,DL-1234',
    ].join('\n');
    const res = await importRoster('admin', 'health_worker', csv);
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<ImportReport>();
    expect(report).toMatchObject({ total: 4, created: 2, updated: 0, rejected: 2 });
    expect(report.errors).toEqual([
      expect.objectContaining({ row: 3, field: 'id_number', code: 'invalid_format' }),
      expect.objectContaining({ row: 5, field: 'id_type' }),
    ]);

    // Kept as blind indexes only.
    const roster = await t.database.db
      .selectFrom('priority_roster')
      .selectAll()
      .where('group_code', '=', 'health_worker')
      .execute();
    expect(roster).toHaveLength(2);
    expect(JSON.stringify(roster)).not.toContain(p.nid);

    const person = await registered(t, citizen, body);
    expect(person).toMatchObject({ priorityGroup: { code: 'health_worker' }, priorityStatus: 'accepted' });

    // Importing the same list again adds nothing.
    const again = (await importRoster('admin', 'health_worker', csv)).json<ImportReport>();
    expect(again).toMatchObject({ created: 0, updated: 2, rejected: 2 });
    expect((await auditEvents(t.database.db, 'priority_roster.imported')).length).toBe(2);
  });

  it('reports a bad roster row by its line in the file, also after a blank line', async () => {
    const good = pick(aged(25, 55), 'adult');
    // Line 1 header, line 2 good, line 3 blank, line 4 bad.
    const res = await importRoster(
      'admin',
      'health_worker',
      `id_type,id_number\nnid,${good.nid}\n\nnid,99\n`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<ImportReport>().errors).toEqual([
      expect.objectContaining({ row: 4, field: 'id_number' }),
    ]);
  });

  it('takes rosters only from a national admin and only for roster groups', async () => {
    const csv = 'id_type,id_number\nnid,1001126489\n';
    expectError(await importRoster('dhaka.admin', 'health_worker', csv), 403, 'forbidden');
    expectError(await importRoster('admin', 'general_18_plus', csv), 400, 'not_a_roster_group');
    expectError(await importRoster('admin', 'no_such_group', csv), 404, 'not_found');
  });
});
