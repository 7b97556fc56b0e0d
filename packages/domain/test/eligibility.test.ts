import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  COMORBIDITIES,
  COMORBIDITY_GROUP_CODE,
  DEFAULT_PRIORITY_GROUPS,
  OCCUPATIONS,
  bestOpenGroupFor,
  checkGroupChoice,
  latestVersions,
  openGroups,
  tooYoungForEveryOpenGroup,
  type GroupChoice,
  type PriorityGroup,
} from '../src/index.ts';

const today = '2026-05-01';

function group(code: string): PriorityGroup {
  const found = DEFAULT_PRIORITY_GROUPS.find((g) => g.code === code);
  if (!found) throw new Error(`no group ${code}`);
  return found;
}

function choice(dateOfBirth: string, more: Partial<GroupChoice> = {}): GroupChoice {
  return { dateOfBirth, today, onRoster: false, hasEvidence: false, comorbidities: [], ...more };
}

describe('the demo groups and lists', () => {
  it('have unique codes and names in Bengali script', () => {
    const bengali = /[\u0980-\u09ff]/;
    for (const list of [
      DEFAULT_PRIORITY_GROUPS.map((g) => ({ code: g.code, labelBn: g.nameBn })),
      COMORBIDITIES,
      OCCUPATIONS,
    ]) {
      expect(new Set(list.map((x) => x.code)).size).toBe(list.length);
      for (const item of list) expect(item.labelBn, item.code).toMatch(bengali);
    }
  });
});

describe('openGroups', () => {
  it('opens the groups wave by wave, best rank first', () => {
    expect(openGroups(DEFAULT_PRIORITY_GROUPS, '2021-01-26')).toEqual([]);
    expect(openGroups(DEFAULT_PRIORITY_GROUPS, '2021-02-07').map((g) => g.code)).toEqual([
      'health_worker',
      'frontline_worker',
      'age_60_plus',
      'migrant_worker',
    ]);
    expect(openGroups(DEFAULT_PRIORITY_GROUPS, '2021-10-13').map((g) => g.code)).not.toContain(
      'children_12_17',
    );
    expect(openGroups(DEFAULT_PRIORITY_GROUPS, '2021-10-14').map((g) => g.code)).toContain('children_12_17');
  });

  it('orders equal ranks by code, so that every screen lists them the same way', () => {
    const open = openGroups(DEFAULT_PRIORITY_GROUPS, today);
    expect(open).toHaveLength(DEFAULT_PRIORITY_GROUPS.length);
    expect(open.map((g) => g.code).slice(4, 6)).toEqual(['migrant_worker', 'student']);
  });

  it('leaves out inactive groups, and decides by the latest version of each group', () => {
    const closed: PriorityGroup = { ...group('student'), version: 2, active: false };
    const reopened: PriorityGroup = { ...group('migrant_worker'), version: 2, opensOn: '2027-01-01' };
    const groups = [...DEFAULT_PRIORITY_GROUPS, closed, reopened];
    const codes = openGroups(groups, today).map((g) => g.code);
    expect(codes).not.toContain('student');
    expect(codes).not.toContain('migrant_worker');
    expect(latestVersions(groups).find((g) => g.code === 'student')?.version).toBe(2);
  });
});

describe('checkGroupChoice', () => {
  it('takes health workers from the roster only', () => {
    expect(checkGroupChoice(group('health_worker'), choice('1985-01-01', { onRoster: true }))).toEqual({
      ok: true,
      status: 'accepted',
    });
    expect(
      checkGroupChoice(group('health_worker'), choice('1985-01-01', { hasEvidence: true })),
    ).toMatchObject({
      ok: false,
      code: 'not_on_roster',
    });
  });

  it('takes staff-approved groups with evidence, awaiting approval', () => {
    expect(checkGroupChoice(group('frontline_worker'), choice('1985-01-01', { hasEvidence: true }))).toEqual({
      ok: true,
      status: 'awaiting_approval',
    });
    expect(checkGroupChoice(group('student'), choice('2005-01-01'))).toMatchObject({
      ok: false,
      code: 'proof_required',
    });
  });

  it('counts age in completed years on the day', () => {
    const older = group('age_60_plus');
    expect(checkGroupChoice(older, choice('1966-05-02'))).toMatchObject({ code: 'too_young_for_group' }); // 60 tomorrow
    expect(checkGroupChoice(older, choice('1966-05-01'))).toEqual({ ok: true, status: 'accepted' }); // 60 today
    const children = group('children_12_17');
    expect(checkGroupChoice(children, choice('2014-05-01')).ok).toBe(true); // 12 today
    expect(checkGroupChoice(children, choice('2008-05-02')).ok).toBe(true); // 18 tomorrow
    expect(checkGroupChoice(children, choice('2008-05-01'))).toMatchObject({ code: 'too_old_for_group' });
    expect(checkGroupChoice(children, choice('2014-05-02'))).toMatchObject({
      code: 'too_young_for_group',
      message: 'You must be at least 12 years old for the group "Children aged 12 to 17".',
    });
  });

  it('needs a declared condition from the list for the comorbidity group', () => {
    const sick = group(COMORBIDITY_GROUP_CODE);
    expect(checkGroupChoice(sick, choice('1980-01-01', { comorbidities: ['diabetes'] })).ok).toBe(true);
    expect(checkGroupChoice(sick, choice('1980-01-01'))).toMatchObject({ code: 'proof_required' });
    expect(checkGroupChoice(sick, choice('1980-01-01', { comorbidities: ['tired'] }))).toMatchObject({
      code: 'proof_required',
    });
    expect(checkGroupChoice(sick, choice('1990-01-01', { comorbidities: ['diabetes'] }))).toMatchObject({
      code: 'too_young_for_group',
    });
  });

  it('says when a group opens', () => {
    const result = checkGroupChoice(group('children_12_17'), choice('2009-01-01', { today: '2021-06-01' }));
    expect(result).toMatchObject({ ok: false, code: 'group_not_open' });
    expect(result.ok || result.message).toContain('14 October 2021');
  });

  it('refuses an inactive group before anything else', () => {
    const inactive: PriorityGroup = { ...group('general_18_plus'), active: false, opensOn: '2030-01-01' };
    expect(checkGroupChoice(inactive, choice('2020-01-01'))).toMatchObject({ code: 'group_inactive' });
  });
});

describe('bestOpenGroupFor', () => {
  const best = (dateOfBirth: string, comorbidities: string[] = [], on = today) =>
    bestOpenGroupFor({ dateOfBirth, comorbidities }, DEFAULT_PRIORITY_GROUPS, on)?.code ?? null;

  it('offers the best self-declared group the person fits', () => {
    expect(best('1950-03-03')).toBe('age_60_plus');
    expect(best('1950-03-03', ['diabetes'])).toBe('age_60_plus');
    expect(best('1980-03-03', ['hypertension'])).toBe(COMORBIDITY_GROUP_CODE);
    expect(best('1980-03-03')).toBe('general_18_plus');
    expect(best('2011-03-03')).toBe('children_12_17');
  });

  it('never offers a roster or staff-approved group by default', () => {
    const offered = bestOpenGroupFor({ dateOfBirth: '1985-01-01' }, DEFAULT_PRIORITY_GROUPS, '2021-02-07');
    expect(offered).toBeNull(); // only health, frontline, 60+ and migrant workers are open then
  });

  it('offers nothing to a child before the children’s group opens', () => {
    expect(best('2006-01-01', [], '2021-06-01')).toBeNull();
    expect(best('2014-06-15')).toBeNull();
  });

  it('offers a group to everyone not too young, once the general group is open', () => {
    const dates = fc
      .date({
        min: new Date('1920-01-01T00:00:00Z'),
        max: new Date('2030-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(dates, dates, (a, b) => {
        const [dob, on] = a <= b ? [a, b] : [b, a];
        fc.pre(on >= '2021-03-01');
        const offered = bestOpenGroupFor({ dateOfBirth: dob }, DEFAULT_PRIORITY_GROUPS, on);
        const { tooYoung } = tooYoungForEveryOpenGroup(dob, DEFAULT_PRIORITY_GROUPS, on);
        expect(offered === null).toBe(tooYoung);
        if (offered)
          expect(checkGroupChoice(offered, choice(dob, { today: on }))).toEqual({
            ok: true,
            status: 'accepted',
          });
      }),
    );
  });
});

describe('tooYoungForEveryOpenGroup', () => {
  it('tells a child the age and the day they can register', () => {
    expect(tooYoungForEveryOpenGroup('2016-06-15', DEFAULT_PRIORITY_GROUPS, today)).toEqual({
      tooYoung: true,
      minimumAgeYears: 12,
      eligibleFrom: '2028-06-15',
      message: 'You must be at least 12 years old to register now.',
    });
  });

  it('uses the groups open today', () => {
    expect(tooYoungForEveryOpenGroup('2006-01-01', DEFAULT_PRIORITY_GROUPS, '2021-06-01')).toMatchObject({
      tooYoung: true,
      minimumAgeYears: 18,
      eligibleFrom: '2024-01-01',
    });
    expect(tooYoungForEveryOpenGroup('2014-05-01', DEFAULT_PRIORITY_GROUPS, today)).toEqual({
      tooYoung: false,
      minimumAgeYears: 12,
    });
  });

  it('calls nobody too young when no group is open', () => {
    expect(tooYoungForEveryOpenGroup('2020-01-01', DEFAULT_PRIORITY_GROUPS, '2020-12-31')).toEqual({
      tooYoung: false,
      minimumAgeYears: null,
    });
  });
});
