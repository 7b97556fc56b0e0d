import { Type } from '@sinclair/typebox';
import { listScope } from '../access/policy.ts';
import type { Db } from '../db/database.ts';
import { principalOf } from '../http/access-hooks.ts';
import { errors, Limit, type App } from '../http/types.ts';
import { listAudit } from './audit.ts';

export const AuditEvent = Type.Object(
  {
    id: Type.Integer(),
    occurredAt: Type.String({ format: 'date-time' }),
    actorKind: Type.String(),
    actorId: Type.Union([Type.Integer(), Type.Null()]),
    actorUsername: Type.Union([Type.String(), Type.Null()]),
    action: Type.String(),
    entityType: Type.Union([Type.String(), Type.Null()]),
    entityId: Type.Union([Type.String(), Type.Null()]),
    areaId: Type.Union([Type.Integer(), Type.Null()]),
    requestId: Type.Union([Type.String(), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'AuditEvent' },
);

export function auditRoutes(app: App, deps: { read: Db }) {
  app.get(
    '/api/audit-events',
    {
      schema: {
        operationId: 'listAuditEvents',
        tags: ['audit'],
        summary:
          "Audit trail, newest first, limited to the caller's area (area-less events only for national scope)",
        querystring: Type.Object(
          {
            action: Type.Optional(Type.String({ maxLength: 80 })),
            actorId: Type.Optional(Type.Integer({ minimum: 1 })),
            entityType: Type.Optional(Type.String({ maxLength: 80 })),
            entityId: Type.Optional(Type.String({ maxLength: 80 })),
            before: Type.Optional(
              Type.Integer({ minimum: 1, description: 'Page: events with an id below this.' }),
            ),
            limit: Limit(500, 100),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Type.Ref(AuditEvent)), ...errors(400, 401, 403) },
      },
      config: { access: { action: 'audit.read' } },
    },
    async (req) => {
      const scope = listScope(principalOf(req), 'audit.read');
      const rows = await listAudit(deps.read, {
        ...req.query,
        areaPaths: scope.all ? null : scope.areaPaths,
      });
      return rows.map((r) => ({
        id: r.id,
        occurredAt: r.occurred_at.toISOString(),
        actorKind: r.actor_kind,
        actorId: r.actor_id,
        actorUsername: r.actor_username,
        action: r.action,
        entityType: r.entity_type,
        entityId: r.entity_id,
        areaId: r.area_id,
        requestId: r.request_id,
        details: r.details,
      }));
    },
  );
}
