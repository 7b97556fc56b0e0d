import type { Grant, Role } from '../api/client.ts';
import type { SessionUser } from '../auth/session.ts';

/**
 * Which roles may do the scheduling actions, as the server's access policy says
 * (apps/server/src/access/policy.ts). Only for showing the way: the server decides every request.
 */
const SCHEDULING: Record<
  'session.read' | 'session.write' | 'appointment.read' | 'schedule.run',
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
};

export type SchedulingAction = keyof typeof SCHEDULING;

/** True when this grant's role allows the action (within the grant's scope). */
export function grantAllows(grant: Grant, action: SchedulingAction): boolean {
  return SCHEDULING[action].includes(grant.role);
}

/** True when one of the user's roles allows the action somewhere. */
export function mayDo(user: SessionUser | undefined, action: SchedulingAction): boolean {
  return !!user?.grants.some((g) => SCHEDULING[action].includes(g.role));
}

/** The facilities the user holds a facility-bound grant for that allows the action. */
export function facilitiesFor(user: SessionUser | undefined, action: SchedulingAction): number[] {
  return [
    ...new Set(
      (user?.grants ?? [])
        .filter((g) => g.facilityId !== null && SCHEDULING[action].includes(g.role))
        .map((g) => g.facilityId as number),
    ),
  ];
}

/** True when a grant of the user covers more than single facilities (an area or the whole country). */
export function hasWideGrant(user: SessionUser | undefined, action: SchedulingAction): boolean {
  return !!user?.grants.some((g) => g.facilityId === null && SCHEDULING[action].includes(g.role));
}
