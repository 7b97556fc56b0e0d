import type { Grant, Role } from '../api/client.ts';
import type { SessionUser } from '../auth/session.ts';

const ALL: readonly Role[] = [
  'national_admin',
  'area_admin',
  'facility_manager',
  'vaccinator',
  'store_keeper',
  'auditor',
  'help_desk',
];

/**
 * Which roles may do the scheduling, vaccination and stock actions, as the server's access policy
 * says (apps/server/src/access/policy.ts). Only for showing the way: the server decides every request.
 */
const POLICY: Record<
  | 'session.read'
  | 'session.write'
  | 'appointment.read'
  | 'schedule.run'
  | 'stock.read'
  | 'stock.write'
  | 'stock.approve'
  | 'dose.record'
  | 'dose.correct'
  | 'aefi.read'
  | 'aefi.write'
  | 'aefi.investigate'
  | 'alert.read'
  | 'programme.write'
  | 'person.correct'
  | 'alert.acknowledge'
  | 'report.read',
  readonly Role[]
> = {
  'session.read': ['national_admin', 'area_admin', 'facility_manager', 'vaccinator', 'auditor', 'help_desk'],
  'session.write': ['national_admin', 'area_admin', 'facility_manager'],
  'appointment.read': [
    'national_admin',
    'area_admin',
    'facility_manager',
    'vaccinator',
    'auditor',
    'help_desk',
  ],
  'schedule.run': ['national_admin', 'area_admin'],
  'stock.read': ['national_admin', 'area_admin', 'facility_manager', 'vaccinator', 'store_keeper', 'auditor'],
  'stock.write': ['national_admin', 'area_admin', 'facility_manager', 'store_keeper'],
  'stock.approve': ['national_admin', 'area_admin'],
  'dose.record': ['national_admin', 'area_admin', 'facility_manager', 'vaccinator'],
  'dose.correct': ['national_admin', 'area_admin', 'facility_manager'],
  'aefi.read': ALL.filter((r) => r !== 'store_keeper'),
  'aefi.write': ['national_admin', 'area_admin', 'facility_manager', 'vaccinator', 'help_desk'],
  'aefi.investigate': ['national_admin', 'area_admin'],
  'alert.read': ['national_admin', 'area_admin', 'facility_manager', 'store_keeper', 'auditor'],
  'report.read': ['national_admin', 'area_admin', 'facility_manager', 'auditor'],
  'programme.write': ['national_admin'],
  'person.correct': ['national_admin', 'area_admin', 'help_desk'],
  'alert.acknowledge': ['national_admin', 'area_admin'],
};

export type Action = keyof typeof POLICY;
/** The scheduling screens name their actions by this older name. */
export type SchedulingAction = Action;

/** True when this grant's role allows the action (within the grant's scope). */
export function grantAllows(grant: Grant, action: Action): boolean {
  return POLICY[action].includes(grant.role);
}

/** True when one of the user's roles allows the action somewhere. */
export function mayDo(user: SessionUser | undefined, action: Action): boolean {
  return !!user?.grants.some((g) => POLICY[action].includes(g.role));
}

/** The facilities the user holds a facility-bound grant for that allows the action. */
export function facilitiesFor(user: SessionUser | undefined, action: Action): number[] {
  return [
    ...new Set(
      (user?.grants ?? [])
        .filter((g) => g.facilityId !== null && POLICY[action].includes(g.role))
        .map((g) => g.facilityId as number),
    ),
  ];
}

/** True when a grant of the user covers more than single facilities (an area or the whole country). */
export function hasWideGrant(user: SessionUser | undefined, action: Action): boolean {
  return !!user?.grants.some((g) => g.facilityId === null && POLICY[action].includes(g.role));
}
