import { describe, expect, it } from 'vitest';
import { authorize, listScope, type Grant } from '../../src/access/policy.ts';

const grant = (g: Partial<Grant> & Pick<Grant, 'role'>): Grant => ({
  id: 1,
  areaId: null,
  areaPath: null,
  facilityId: null,
  ...g,
});
const dhaka = { kind: 'area', areaPath: '/6/' } as const;
const dhakaDistrict = { kind: 'area', areaPath: '/6/47/' } as const;
const chattogram = { kind: 'area', areaPath: '/1/' } as const;
const savar = { kind: 'facility', facilityId: 9, areaPath: '/6/47/300/' } as const;

describe('authorize: role x action x scope', () => {
  it('lets a national admin do everything everywhere', () => {
    const p = { grants: [grant({ role: 'national_admin' })] };
    expect(authorize(p, 'product.write', { kind: 'national' })).toBe(true);
    expect(authorize(p, 'area.write', chattogram)).toBe(true);
  });

  it('limits an area admin to their subtree', () => {
    const p = { grants: [grant({ role: 'area_admin', areaId: 6, areaPath: '/6/' })] };
    expect(authorize(p, 'area.write', dhakaDistrict)).toBe(true);
    expect(authorize(p, 'facility.write', savar)).toBe(true);
    expect(authorize(p, 'area.write', chattogram)).toBe(false);
    expect(authorize(p, 'area.write', { kind: 'national' })).toBe(false);
    expect(authorize(p, 'product.write', { kind: 'national' })).toBe(false);
  });

  it('does not confuse /1/ with /12/ (paths end with a slash)', () => {
    const p = { grants: [grant({ role: 'area_admin', areaId: 1, areaPath: '/1/' })] };
    expect(authorize(p, 'area.write', { kind: 'area', areaPath: '/12/' })).toBe(false);
  });

  it('lets area staff read the areas above theirs but not change them', () => {
    const p = { grants: [grant({ role: 'area_admin', areaId: 47, areaPath: '/6/47/' })] };
    expect(authorize(p, 'area.read', dhaka)).toBe(true);
    expect(authorize(p, 'area.write', dhaka)).toBe(false);
    expect(authorize(p, 'facility.read', { kind: 'facility', facilityId: 1, areaPath: '/6/' })).toBe(false);
  });

  it('binds facility staff to their facility', () => {
    const p = { grants: [grant({ role: 'facility_manager', facilityId: 9, areaPath: '/6/47/300/' })] };
    expect(authorize(p, 'facility.write', savar)).toBe(true);
    expect(authorize(p, 'facility.write', { ...savar, facilityId: 10 })).toBe(false);
    expect(authorize(p, 'area.read', dhaka)).toBe(true);
    expect(authorize(p, 'area.write', { kind: 'area', areaPath: '/6/47/300/' })).toBe(false);
  });

  it('never lets an auditor change anything', () => {
    const p = { grants: [grant({ role: 'auditor' })] };
    expect(authorize(p, 'area.read', chattogram)).toBe(true);
    expect(authorize(p, 'audit.read', { kind: 'national' })).toBe(true);
    for (const action of ['area.write', 'facility.write', 'product.write', 'user.write'] as const) {
      expect(authorize(p, action, chattogram)).toBe(false);
    }
  });

  it('combines grants: any grant that allows is enough', () => {
    const p = {
      grants: [
        grant({ role: 'vaccinator', facilityId: 9, areaPath: '/6/47/300/' }),
        grant({ role: 'area_admin', areaId: 1, areaPath: '/1/' }),
      ],
    };
    expect(authorize(p, 'area.write', chattogram)).toBe(true);
    expect(authorize(p, 'facility.write', savar)).toBe(false);
  });

  it('gives list endpoints the subtrees and facilities to filter by', () => {
    expect(listScope({ grants: [grant({ role: 'auditor' })] }, 'facility.read')).toEqual({ all: true });
    expect(
      listScope(
        {
          grants: [
            grant({ role: 'area_admin', areaPath: '/6/', areaId: 6 }),
            grant({ role: 'vaccinator', facilityId: 9, areaPath: '/1/2/' }),
          ],
        },
        'facility.read',
      ),
    ).toEqual({ all: false, areaPaths: ['/6/'], facilityIds: [9] });
    expect(
      listScope({ grants: [grant({ role: 'vaccinator', facilityId: 9, areaPath: '/1/2/' })] }, 'audit.read'),
    ).toEqual({ all: false, areaPaths: [], facilityIds: [] });
  });
});
