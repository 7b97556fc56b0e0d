import type { Queryable } from '../db/database.ts';
import type { ActorKind } from '../db/schema.ts';

export interface AuditEntry {
  actorKind: ActorKind;
  actorId: number | null;
  action: string;
  entityType?: string;
  entityId?: string | number;
  areaId?: number | null;
  requestId?: string;
  ip?: string;
  /** Ids and changed field names only: personal data never goes into the audit details. */
  details?: Record<string, unknown>;
}

/** The columns of one audit row (a repository may write it in the statement of the change it records). */
export function auditRow(e: AuditEntry) {
  return {
    actor_kind: e.actorKind,
    actor_id: e.actorId,
    action: e.action,
    entity_type: e.entityType ?? null,
    entity_id: e.entityId === undefined ? null : String(e.entityId),
    area_id: e.areaId ?? null,
    request_id: e.requestId ?? null,
    ip: e.ip ?? null,
    details: JSON.stringify(e.details ?? {}),
  };
}
export type AuditRow = ReturnType<typeof auditRow>;

/** Who did what: written in the same transaction as the change it records. */
export async function recordAudit(db: Queryable, e: AuditEntry): Promise<void> {
  await recordAudits(db, [e]);
}

/** Several audit rows in one statement. */
export async function recordAudits(db: Queryable, entries: AuditEntry[]): Promise<void> {
  if (entries.length) await db.insertInto('audit_event').values(entries.map(auditRow)).execute();
}

export interface AuditQuery {
  areaPaths: string[] | null;
  action?: string | undefined;
  actorId?: number | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
  before?: number | undefined;
  limit: number;
}

export async function listAudit(db: Queryable, q: AuditQuery) {
  let query = db
    .selectFrom('audit_event as e')
    .leftJoin('staff_user as u', 'u.id', 'e.actor_id')
    .leftJoin('area as a', 'a.id', 'e.area_id')
    .select([
      'e.id',
      'e.occurred_at',
      'e.actor_kind',
      'e.actor_id',
      'u.username as actor_username',
      'e.action',
      'e.entity_type',
      'e.entity_id',
      'e.area_id',
      'e.request_id',
      'e.details',
    ])
    .orderBy('e.id', 'desc')
    .limit(q.limit);
  if (q.areaPaths) {
    const paths = q.areaPaths;
    if (paths.length === 0) return [];
    query = query.where((eb) => eb.or(paths.map((p) => eb('a.path', 'like', `${p}%`))));
  }
  if (q.action) query = query.where('e.action', '=', q.action);
  if (q.actorId) query = query.where('e.actor_id', '=', q.actorId);
  if (q.entityType) query = query.where('e.entity_type', '=', q.entityType);
  if (q.entityId) query = query.where('e.entity_id', '=', q.entityId);
  if (q.before) query = query.where('e.id', '<', q.before);
  return query.execute();
}
