import type { Role } from '../db/schema.ts';

/**
 * Authorization is decided here and nowhere else: role x action x scope.
 * Routes name an action and how to find the scope of what they touch; `authorize` answers.
 */
export const ROLES = [
  'national_admin',
  'area_admin',
  'facility_manager',
  'vaccinator',
  'store_keeper',
  'auditor',
  'help_desk',
] as const satisfies readonly Role[];

export const ACTIONS = [
  'area.read',
  'area.write',
  'facility.read',
  'facility.write',
  'product.read',
  'product.write',
  'user.read',
  'user.write',
  'audit.read',
  'person.read',
  'person.register',
  'person.correct',
  'person.approve',
  'priority.write',
  'session.read',
  'session.write',
  'appointment.read',
  'appointment.write',
  'schedule.run',
  'stock.read',
  'stock.write',
  'stock.approve',
  'dose.record',
  'dose.correct',
  'aefi.read',
  'aefi.write',
  'aefi.investigate',
  'alert.read',
  'alert.acknowledge',
  'programme.write',
  'report.read',
] as const;
export type Action = (typeof ACTIONS)[number];

const READS: Action[] = ['area.read', 'facility.read', 'product.read'];

const POLICY: Record<Role, readonly Action[]> = {
  national_admin: ACTIONS,
  area_admin: [
    ...READS,
    'area.write',
    'facility.write',
    'user.read',
    'user.write',
    'audit.read',
    'person.read',
    'person.register',
    'person.correct',
    'person.approve',
    'session.read',
    'session.write',
    'appointment.read',
    'appointment.write',
    'schedule.run',
    'stock.read',
    'stock.write',
    'stock.approve',
    'dose.record',
    'dose.correct',
    'aefi.read',
    'aefi.write',
    'aefi.investigate',
    'alert.read',
    'alert.acknowledge',
    'report.read',
  ],
  facility_manager: [
    ...READS,
    'facility.write',
    'user.read',
    'person.read',
    'person.register',
    'person.approve',
    'session.read',
    'session.write',
    'appointment.read',
    'appointment.write',
    'stock.read',
    'stock.write',
    // The facility's supervisor: corrects doses and settles dose reviews.
    'dose.record',
    'dose.correct',
    'aefi.read',
    'aefi.write',
    'alert.read',
    'report.read',
  ],
  vaccinator: [
    ...READS,
    'person.read',
    'person.register',
    'session.read',
    'appointment.read',
    'stock.read',
    'dose.record',
    'aefi.read',
    'aefi.write',
  ],
  store_keeper: [...READS, 'stock.read', 'stock.write', 'alert.read'],
  // An auditor sees everything in scope and changes nothing.
  auditor: [
    ...READS,
    'user.read',
    'audit.read',
    'person.read',
    'session.read',
    'appointment.read',
    'stock.read',
    'aefi.read',
    'alert.read',
    'report.read',
  ],
  help_desk: [
    ...READS,
    'person.read',
    'person.register',
    'person.correct',
    'session.read',
    'appointment.read',
    'appointment.write',
    'aefi.read',
    'aefi.write',
  ],
};

/** Where a thing sits: the country as a whole, a place in the area tree, or one facility. */
export type Scope =
  | { kind: 'national' }
  | { kind: 'area'; areaPath: string }
  | { kind: 'facility'; facilityId: number; areaPath: string };

export interface Grant {
  id: number;
  role: Role;
  /** null for a national grant */
  areaId: number | null;
  areaPath: string | null;
  facilityId: number | null;
}

export interface Principal {
  userId: number;
  username: string;
  sessionId: string;
  grants: Grant[];
}

export const isReadAction = (action: Action) => action.endsWith('.read');

function covers(grant: Grant, action: Action, target: Scope): boolean {
  if (grant.facilityId !== null) {
    if (target.kind === 'facility') return target.facilityId === grant.facilityId;
    // Facility staff may read the chain of areas above their facility, to find their way, but change none.
    if (target.kind === 'area')
      return isReadAction(action) && (grant.areaPath ?? '').startsWith(target.areaPath);
    return false;
  }
  if (grant.areaPath === null) return true; // national grant
  if (target.kind === 'national') return false;
  if (target.areaPath.startsWith(grant.areaPath)) return true;
  // Area staff may read the areas above their own (not their facilities or anything else).
  return action === 'area.read' && target.kind === 'area' && grant.areaPath.startsWith(target.areaPath);
}

export function roleAllows(role: Role, action: Action): boolean {
  return POLICY[role].includes(action);
}

/** True when one of the principal's grants allows `action` on `target`. */
export function authorize(principal: Pick<Principal, 'grants'>, action: Action, target: Scope): boolean {
  return principal.grants.some((g) => roleAllows(g.role, action) && covers(g, action, target));
}

/** What a list endpoint may show for `action`: everything, or these area subtrees and facilities. */
export type ListScope = { all: true } | { all: false; areaPaths: string[]; facilityIds: number[] };

export function listScope(principal: Pick<Principal, 'grants'>, action: Action): ListScope {
  const areaPaths: string[] = [];
  const facilityIds: number[] = [];
  for (const g of principal.grants) {
    if (!roleAllows(g.role, action)) continue;
    if (g.facilityId !== null) facilityIds.push(g.facilityId);
    else if (g.areaPath === null) return { all: true };
    else areaPaths.push(g.areaPath);
  }
  return { all: false, areaPaths, facilityIds };
}

/** True when the principal holds `action` anywhere at all (used to tell 403 from an empty list). */
export function holdsAction(principal: Pick<Principal, 'grants'>, action: Action): boolean {
  return principal.grants.some((g) => roleAllows(g.role, action));
}
