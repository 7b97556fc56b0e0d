import { Type } from '@sinclair/typebox';
import { principalOf } from '../http/access-hooks.ts';
import { ctxOf, errors, IdParams, Limit, type App } from '../http/types.ts';
import type { ReferenceService } from './service.ts';
import {
  Area,
  AreaCreate,
  AreaLevel,
  AreaUpdate,
  Facility,
  FacilityCreate,
  FacilityType,
  FacilityUpdate,
  ImportReport,
  Product,
  ProductCreate,
  ProductUpdate,
} from './schemas.ts';

const CsvBody = Type.String({ description: 'CSV text with a header row.', minLength: 1 });

export function referenceRoutes(app: App, svc: ReferenceService, importBodyLimit: number) {
  const areaOfParam = (req: { params: unknown }) => svc.areaScope((req.params as { id: number }).id);
  const facilityOfParam = (req: { params: unknown }) => svc.facilityScope((req.params as { id: number }).id);

  app.get(
    '/api/area-levels',
    {
      schema: {
        operationId: 'listAreaLevels',
        tags: ['areas'],
        summary: 'Named levels of the area hierarchy',
        response: { 200: Type.Array(Type.Ref(AreaLevel)), ...errors(401, 403) },
      },
      config: { access: { action: 'area.read' } },
    },
    () => svc.levels(),
  );

  app.get(
    '/api/areas',
    {
      schema: {
        operationId: 'listAreas',
        tags: ['areas'],
        summary:
          'Children of an area (top-level areas without parentId; with q and no parentId, a name or code search at every level), limited to what the caller may see',
        querystring: Type.Object(
          {
            parentId: Type.Optional(Type.Integer({ minimum: 1 })),
            q: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Limit(5000, 500),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Type.Ref(Area)), ...errors(400, 401, 403, 404) },
      },
      config: {
        access: {
          action: 'area.read',
          scope: async (req) => {
            const { parentId } = req.query as { parentId?: number };
            return parentId ? svc.areaScope(parentId) : { kind: 'area', areaPath: '/' };
          },
        },
      },
    },
    (req) => svc.listAreas(principalOf(req), req.query.parentId, req.query.q, req.query.limit),
  );

  app.get(
    '/api/areas/:id',
    {
      schema: {
        operationId: 'getArea',
        tags: ['areas'],
        params: IdParams,
        response: { 200: Type.Ref(Area), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'area.read', scope: areaOfParam } },
    },
    (req) => svc.getArea(req.params.id),
  );

  app.get(
    '/api/areas/:id/subtree',
    {
      schema: {
        operationId: 'getAreaSubtree',
        tags: ['areas'],
        summary: 'An area and its descendants down to `depth` levels',
        params: IdParams,
        querystring: Type.Object(
          { depth: Type.Integer({ minimum: 0, maximum: 6, default: 1 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ area: Type.Ref(Area), descendants: Type.Array(Type.Ref(Area)) }),
          ...errors(400, 401, 403, 404),
        },
      },
      config: { access: { action: 'area.read', scope: areaOfParam } },
    },
    (req) => svc.areaSubtree(principalOf(req), req.params.id, req.query.depth),
  );

  app.post(
    '/api/areas',
    {
      schema: {
        operationId: 'createArea',
        tags: ['areas'],
        body: AreaCreate,
        response: { 201: Type.Ref(Area), ...errors(400, 401, 403, 409) },
      },
      config: {
        access: {
          action: 'area.write',
          scope: async (req) => {
            const { parentId } = req.body as { parentId?: number };
            return parentId ? svc.areaScope(parentId) : { kind: 'national' };
          },
        },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await svc.createArea(principalOf(req), req.body, ctxOf(req))),
  );

  app.patch(
    '/api/areas/:id',
    {
      schema: {
        operationId: 'updateArea',
        tags: ['areas'],
        params: IdParams,
        body: AreaUpdate,
        response: { 200: Type.Ref(Area), ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'area.write', scope: areaOfParam } },
    },
    (req) => svc.updateArea(principalOf(req), req.params.id, req.body, ctxOf(req)),
  );

  app.post(
    '/api/areas/import',
    {
      bodyLimit: importBodyLimit,
      schema: {
        operationId: 'importAreas',
        tags: ['areas'],
        summary:
          'Bulk import of areas from CSV (code, parent_code, name_en, name_bn, population, postcode, latitude, longitude)',
        consumes: ['text/csv'],
        body: CsvBody,
        response: { 200: Type.Ref(ImportReport), ...errors(400, 401, 403, 413, 415) },
      },
      config: { access: { action: 'area.write' } },
    },
    (req) => svc.importAreas(principalOf(req), req.body, ctxOf(req)),
  );

  app.get(
    '/api/facilities',
    {
      schema: {
        operationId: 'listFacilities',
        tags: ['facilities'],
        querystring: Type.Object(
          {
            areaId: Type.Optional(Type.Integer({ minimum: 1 })),
            type: Type.Optional(FacilityType),
            q: Type.Optional(Type.String({ maxLength: 100 })),
            active: Type.Optional(Type.Boolean()),
            limit: Limit(1000, 100),
            offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Type.Ref(Facility)), ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'facility.read' } },
    },
    (req) => svc.listFacilities(principalOf(req), req.query),
  );

  app.get(
    '/api/facilities/:id',
    {
      schema: {
        operationId: 'getFacility',
        tags: ['facilities'],
        params: IdParams,
        response: { 200: Type.Ref(Facility), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'facility.read', scope: facilityOfParam } },
    },
    (req) => svc.getFacility(req.params.id),
  );

  app.post(
    '/api/facilities',
    {
      schema: {
        operationId: 'createFacility',
        tags: ['facilities'],
        body: FacilityCreate,
        response: { 201: Type.Ref(Facility), ...errors(400, 401, 403, 409) },
      },
      config: {
        access: {
          action: 'facility.write',
          scope: (req) => svc.areaScope((req.body as { areaId: number }).areaId),
        },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await svc.createFacility(principalOf(req), req.body, ctxOf(req))),
  );

  app.patch(
    '/api/facilities/:id',
    {
      schema: {
        operationId: 'updateFacility',
        tags: ['facilities'],
        params: IdParams,
        body: FacilityUpdate,
        response: { 200: Type.Ref(Facility), ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'facility.write', scope: facilityOfParam } },
    },
    (req) => svc.updateFacility(principalOf(req), req.params.id, req.body, ctxOf(req)),
  );

  app.post(
    '/api/facilities/import',
    {
      bodyLimit: importBodyLimit,
      schema: {
        operationId: 'importFacilities',
        tags: ['facilities'],
        summary:
          'Bulk import of facilities from CSV (code, name_en, name_bn, type, area_code, address, latitude, longitude, daily_capacity, active)',
        consumes: ['text/csv'],
        body: CsvBody,
        response: { 200: Type.Ref(ImportReport), ...errors(400, 401, 403, 413, 415) },
      },
      config: { access: { action: 'facility.write' } },
    },
    (req) => svc.importFacilities(principalOf(req), req.body, ctxOf(req)),
  );

  app.get(
    '/api/products',
    {
      schema: {
        operationId: 'listProducts',
        tags: ['products'],
        querystring: Type.Object(
          { includeInactive: Type.Boolean({ default: false }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Type.Ref(Product)), ...errors(400, 401, 403) },
      },
      config: { access: { action: 'product.read' } },
    },
    (req) => svc.listProducts(req.query.includeInactive),
  );

  app.get(
    '/api/products/:id',
    {
      schema: {
        operationId: 'getProduct',
        tags: ['products'],
        params: IdParams,
        response: { 200: Type.Ref(Product), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'product.read' } },
    },
    (req) => svc.getProduct(req.params.id),
  );

  app.post(
    '/api/products',
    {
      schema: {
        operationId: 'createProduct',
        tags: ['products'],
        body: ProductCreate,
        response: { 201: Type.Ref(Product), ...errors(400, 401, 403, 409) },
      },
      config: { access: { action: 'product.write', scope: async () => ({ kind: 'national' }) } },
    },
    async (req, reply) =>
      reply.status(201).send(await svc.createProduct(principalOf(req), req.body, ctxOf(req))),
  );

  app.patch(
    '/api/products/:id',
    {
      schema: {
        operationId: 'updateProduct',
        tags: ['products'],
        params: IdParams,
        body: ProductUpdate,
        response: { 200: Type.Ref(Product), ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'product.write', scope: async () => ({ kind: 'national' }) } },
    },
    (req) => svc.updateProduct(principalOf(req), req.params.id, req.body, ctxOf(req)),
  );
}
