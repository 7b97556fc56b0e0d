import type { Insertable, Updateable } from 'kysely';
import type { VaccineProductTable } from '../db/schema.ts';
import { Value } from '@sinclair/typebox/value';
import type { Static } from '@sinclair/typebox';
import type { Db, Queryable } from '../db/database.ts';
import { withTransaction } from '../db/database.ts';
import type { Principal, Scope } from '../access/policy.ts';
import { authorize, listScope } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { recordAudit } from '../audit/audit.ts';
import { badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import type { AreaRow, FacilityRow, ProductRow, Visibility } from './repository.ts';
import { areaRepository, facilityRepository, productRepository } from './repository.ts';
import { readCsv } from './csv.ts';
import type {
  AreaCreate,
  AreaDto,
  AreaUpdate,
  FacilityCreate,
  FacilityDto,
  FacilityUpdate,
  ImportReportDto,
  ProductDto,
  ProductInput,
  ProductUpdate,
} from './schemas.ts';
import { FacilityCreate as FacilityCreateSchema, AreaCreate as AreaCreateSchema } from './schemas.ts';

export const toArea = (r: AreaRow): AreaDto => ({
  id: r.id,
  code: r.code,
  parentId: r.parent_id,
  depth: r.depth,
  nameEn: r.name_en,
  nameBn: r.name_bn,
  population: r.population,
  postcode: r.postcode,
  latitude: r.latitude,
  longitude: r.longitude,
  ...(r.child_count === undefined ? {} : { childCount: r.child_count }),
});

export const toFacility = (r: FacilityRow & { area_name_en: string; area_name_bn: string }): FacilityDto => ({
  id: r.id,
  code: r.code,
  nameEn: r.name_en,
  nameBn: r.name_bn,
  type: r.type,
  areaId: r.area_id,
  areaNameEn: r.area_name_en,
  areaNameBn: r.area_name_bn,
  address: r.address,
  latitude: r.latitude,
  longitude: r.longitude,
  dailyCapacity: r.daily_capacity,
  active: r.active,
});

export const toProduct = (r: ProductRow): ProductDto => ({
  id: r.id,
  code: r.code,
  name: r.name,
  manufacturer: r.manufacturer,
  euProductCode: r.eu_product_code,
  euProphylaxisCode: r.eu_prophylaxis_code,
  euManufacturerCode: r.eu_manufacturer_code,
  icd11Code: r.icd11_code,
  cvxCode: r.cvx_code,
  snomedCode: r.snomed_code,
  atcCode: r.atc_code,
  primaryDoses: r.primary_doses,
  minIntervalDays: r.min_interval_days,
  recommendedIntervalDays: r.recommended_interval_days,
  boosterAllowed: r.booster_allowed,
  boosterMinIntervalDays: r.booster_min_interval_days,
  minAgeYears: r.min_age_years,
  dosesPerVial: r.doses_per_vial,
  openVialHours: r.open_vial_hours,
  storageMinC: Number(r.storage_min_c),
  storageMaxC: Number(r.storage_max_c),
  active: r.active,
});

/** API fields -> columns, leaving out what is not given (so it serves both insert and update). */
export function productColumns(p: Partial<ProductInput>): Updateable<VaccineProductTable> {
  const map = {
    code: p.code,
    name: p.name,
    manufacturer: p.manufacturer,
    eu_product_code: p.euProductCode,
    eu_prophylaxis_code: p.euProphylaxisCode,
    eu_manufacturer_code: p.euManufacturerCode,
    icd11_code: p.icd11Code,
    cvx_code: p.cvxCode,
    snomed_code: p.snomedCode,
    atc_code: p.atcCode,
    primary_doses: p.primaryDoses,
    min_interval_days: p.minIntervalDays,
    recommended_interval_days: p.recommendedIntervalDays,
    booster_allowed: p.boosterAllowed,
    booster_min_interval_days: p.boosterMinIntervalDays,
    min_age_years: p.minAgeYears,
    doses_per_vial: p.dosesPerVial,
    open_vial_hours: p.openVialHours,
    storage_min_c: p.storageMinC,
    storage_max_c: p.storageMaxC,
    active: p.active,
  };
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== undefined));
}

function visibility(principal: Principal, action: 'area.read' | 'facility.read'): Visibility | null {
  const scope = listScope(principal, action);
  if (scope.all) return null;
  const facilityAreaPaths = principal.grants
    .filter((g) => g.facilityId !== null && g.areaPath)
    .map((g) => g.areaPath!);
  return { areaPaths: scope.areaPaths, facilityAreaPaths, facilityIds: scope.facilityIds };
}

const audit = (
  db: Db,
  actor: Principal,
  ctx: RequestContext,
  action: string,
  entityType: string,
  entityId: number,
  areaId: number | null,
  details: Record<string, unknown> = {},
) =>
  recordAudit(db, {
    actorKind: 'staff',
    actorId: actor.userId,
    action,
    entityType,
    entityId,
    areaId,
    requestId: ctx.requestId,
    ip: ctx.ip,
    details,
  });

const optNumber = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

function firstProblem(
  schema: Parameters<typeof Value.Errors>[0],
  value: unknown,
): { field: string; message: string } | undefined {
  const e = [...Value.Errors(schema, value)][0];
  if (!e) return undefined;
  const message = /union/i.test(e.message) ? 'is not one of the allowed values' : e.message;
  return { field: e.path.replace(/^\//, '') || 'row', message };
}

export function referenceService(deps: {
  db: Db;
  read: Db;
  /** Called when facilities were added (in the adding transaction when there is one): stock stores follow. */
  facilitiesAdded?: (db: Queryable) => Promise<void>;
}) {
  const { db, read } = deps;

  // Where each area sits, for scope checks on every request. Areas change rarely and never move;
  // this process drops an entry when it changes one, other processes see a change within AREA_TTL_MS.
  const areaPaths = new Map<number, { path: string; until: number }>();
  const AREA_TTL_MS = 5000;
  async function areaPath(areaId: number): Promise<string | undefined> {
    const hit = areaPaths.get(areaId);
    if (hit && hit.until > Date.now()) return hit.path;
    const a = await areaRepository(read).findById(areaId);
    if (!a) return undefined;
    if (areaPaths.size > 100_000) areaPaths.clear();
    areaPaths.set(areaId, { path: a.path, until: Date.now() + AREA_TTL_MS });
    return a.path;
  }

  async function areaScope(areaId: number): Promise<Scope> {
    const path = await areaPath(areaId);
    if (!path) throw notFound('The area');
    return { kind: 'area', areaPath: path };
  }

  async function facilityScope(facilityId: number): Promise<Scope> {
    const f = await facilityRepository(read).findById(facilityId);
    if (!f) throw notFound('The facility');
    return { kind: 'facility', facilityId: f.id, areaPath: f.area_path };
  }

  async function createArea(actor: Principal, input: Static<typeof AreaCreate>, ctx: RequestContext) {
    return withTransaction(db, async (trx) => {
      const repo = areaRepository(trx);
      const parent = input.parentId ? await repo.findById(input.parentId) : undefined;
      if (input.parentId && !parent)
        throw badRequest('unknown_parent', 'The parent area does not exist.', [{ field: 'parentId' }]);
      const depth = parent ? parent.depth + 1 : 0;
      const levels = await repo.levels();
      if (!levels.some((l) => l.depth === depth)) {
        throw badRequest(
          'too_deep',
          `The area hierarchy has ${levels.length} levels; an area cannot be placed below the lowest one.`,
        );
      }
      if ((await repo.findByCodes([input.code])).length)
        throw conflict('code_taken', `An area with code "${input.code}" already exists.`);
      const { id } = await repo.insert(
        {
          code: input.code,
          parent_id: parent?.id ?? null,
          depth,
          name_en: input.nameEn,
          name_bn: input.nameBn,
          population: input.population ?? null,
          postcode: input.postcode ?? null,
          latitude: input.latitude ?? null,
          longitude: input.longitude ?? null,
        },
        parent?.path ?? null,
      );
      await audit(trx, actor, ctx, 'area.created', 'area', id, id, { code: input.code });
      return toArea((await repo.findById(id))!);
    });
  }

  return {
    areaScope,
    facilityScope,
    /** Scope of a grant target: national when neither is given. */
    async grantScope(areaId: number | undefined, facilityId: number | undefined): Promise<Scope> {
      if (areaId && facilityId)
        throw badRequest('invalid_grant', 'A role is granted for an area or for a facility, not both.');
      if (facilityId) return facilityScope(facilityId);
      if (areaId) return areaScope(areaId);
      return { kind: 'national' };
    },

    /** Areas for the public screens (address and centre choice): names and codes, no scope. */
    async publicAreas(parentId: number | undefined) {
      return (await areaRepository(read).children(parentId ?? null, null, undefined, 5000)).map(toArea);
    },
    /** Active vaccination centres in an area subtree, for the public screens. */
    async publicFacilities(areaId: number) {
      const path = await areaPath(areaId);
      if (!path) throw notFound('The area');
      const rows = await facilityRepository(read).list(
        { areaPath: path, active: true, limit: 500, offset: 0 },
        null,
      );
      return rows
        .filter((f) => f.type !== 'store')
        .map((f) => ({
          id: f.id,
          code: f.code,
          nameEn: f.name_en,
          nameBn: f.name_bn,
          type: f.type,
          address: f.address,
          latitude: f.latitude,
          longitude: f.longitude,
        }));
    },
    async levels() {
      return (await areaRepository(read).levels()).map((l) => ({
        depth: l.depth,
        code: l.code,
        nameEn: l.name_en,
        nameBn: l.name_bn,
      }));
    },
    async listAreas(
      principal: Principal,
      parentId: number | undefined,
      q: string | undefined,
      limit: number,
    ) {
      const rows = await areaRepository(read).children(
        parentId ?? null,
        visibility(principal, 'area.read'),
        q,
        limit,
      );
      return rows.map(toArea);
    },
    async getArea(id: number) {
      const a = await areaRepository(read).findById(id);
      if (!a) throw notFound('The area');
      return toArea(a);
    },
    /** The area with its ancestors (for breadcrumbs) and descendants down to `depth` levels. */
    async areaSubtree(principal: Principal, id: number, depth: number) {
      const path = await areaPath(id);
      if (!path) throw notFound('The area');
      const rows = await areaRepository(read).subtree(path, depth);
      const root = rows.find((r) => r.id === id);
      if (!root) throw notFound('The area');
      // A facility-bound reader sees the path above the facility, not the neighbours below it.
      const vis = visibility(principal, 'area.read');
      const visible = vis
        ? rows.filter(
            (r) =>
              vis.areaPaths.some((p) => r.path.startsWith(p)) ||
              [...vis.areaPaths, ...vis.facilityAreaPaths].some((p) => p.startsWith(r.path)),
          )
        : rows;
      return { area: toArea(root), descendants: visible.filter((r) => r.id !== id).map(toArea) };
    },
    createArea,
    async updateArea(actor: Principal, id: number, input: Static<typeof AreaUpdate>, ctx: RequestContext) {
      return withTransaction(db, async (trx) => {
        const repo = areaRepository(trx);
        const current = await repo.findById(id);
        if (!current) throw notFound('The area');
        if (input.code && input.code !== current.code && (await repo.findByCodes([input.code])).length) {
          throw conflict('code_taken', `An area with code "${input.code}" already exists.`);
        }
        const fields = {
          code: input.code,
          name_en: input.nameEn,
          name_bn: input.nameBn,
          population: input.population,
          postcode: input.postcode,
          latitude: input.latitude,
          longitude: input.longitude,
        };
        const changed = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
        await repo.update(id, changed);
        areaPaths.delete(id);
        await audit(trx, actor, ctx, 'area.updated', 'area', id, id, { fields: Object.keys(changed) });
        return toArea((await repo.findById(id))!);
      });
    },

    /**
     * CSV columns: code, parent_code, name_en, name_bn, population, postcode, latitude, longitude.
     * Rows are taken parents first; an existing code is updated in place (its parent cannot move).
     * Each row stands alone: a bad row is reported and the others go in.
     */
    async importAreas(actor: Principal, csv: string, ctx: RequestContext): Promise<ImportReportDto> {
      const { rows, lines, error } = readCsv(csv);
      const report: ImportReportDto = { total: rows.length, created: 0, updated: 0, rejected: 0, errors: [] };
      if (error) throw badRequest('invalid_csv', `The file is not readable as CSV: ${error}`);
      if (rows.length && !('code' in rows[0]! && 'name_en' in rows[0] && 'name_bn' in rows[0])) {
        throw badRequest(
          'invalid_csv',
          'The header row must name at least the columns code, name_en and name_bn (and parent_code below the top level).',
        );
      }
      const reject = (row: number, message: string, field?: string, code?: string) => {
        report.rejected++;
        report.errors.push({ row, message, ...(field ? { field } : {}), ...(code ? { code } : {}) });
      };
      const levels = await areaRepository(read).levels();
      // Resolve parents level by level: a row whose parent is in the file waits for that parent.
      let pending = rows.map((r, i) => ({ r, line: lines[i] ?? i + 2 }));
      const seen = new Set<string>();
      for (let pass = 0; pass <= levels.length && pending.length; pass++) {
        const parentCodes = [...new Set(pending.map((p) => p.r.parent_code).filter((c): c is string => !!c))];
        const known = new Map((await areaRepository(db).findByCodes(parentCodes)).map((a) => [a.code, a]));
        const later: typeof pending = [];
        for (const { r, line } of pending) {
          const parentCode = r.parent_code || undefined;
          const parent = parentCode ? known.get(parentCode) : undefined;
          if (parentCode && !parent) {
            if (rows.some((x) => x.code === parentCode) && pass < levels.length) later.push({ r, line });
            else
              reject(
                line,
                `The parent area "${parentCode}" does not exist.`,
                'parent_code',
                'unknown_parent',
              );
            continue;
          }
          if (seen.has(r.code ?? '')) {
            reject(
              line,
              `The code "${r.code}" appears more than once in the file.`,
              'code',
              'duplicate_code',
            );
            continue;
          }
          const input = {
            code: r.code,
            nameEn: r.name_en,
            nameBn: r.name_bn,
            ...(optNumber(r.population) !== undefined ? { population: optNumber(r.population) } : {}),
            ...(r.postcode ? { postcode: r.postcode } : {}),
            ...(optNumber(r.latitude) !== undefined ? { latitude: optNumber(r.latitude) } : {}),
            ...(optNumber(r.longitude) !== undefined ? { longitude: optNumber(r.longitude) } : {}),
          };
          const problem = firstProblem(AreaCreateSchema, input);
          if (problem) {
            reject(
              line,
              `The value of ${problem.field} ${problem.message.toLowerCase()}.`,
              problem.field,
              'invalid_value',
            );
            continue;
          }
          seen.add(r.code!);
          try {
            const existing = (await areaRepository(db).findByCodes([r.code!]))[0];
            if (existing) {
              if ((existing.parent_id ?? null) !== (parent?.id ?? null)) {
                reject(
                  line,
                  `The area "${r.code}" exists under another parent; moving an area is not done by import.`,
                  'parent_code',
                  'parent_mismatch',
                );
                continue;
              }
              if (!authorize(actor, 'area.write', { kind: 'area', areaPath: existing.path })) {
                reject(line, 'You may not change this area.', 'code', 'forbidden');
                continue;
              }
              await withTransaction(db, async (trx) => {
                await areaRepository(trx).update(existing.id, {
                  name_en: input.nameEn,
                  name_bn: input.nameBn,
                  ...(input.population !== undefined ? { population: input.population } : {}),
                  ...(input.postcode !== undefined ? { postcode: input.postcode } : {}),
                  ...(input.latitude !== undefined ? { latitude: input.latitude } : {}),
                  ...(input.longitude !== undefined ? { longitude: input.longitude } : {}),
                });
                await audit(trx, actor, ctx, 'area.updated', 'area', existing.id, existing.id, {
                  via: 'import',
                });
              });
              report.updated++;
            } else {
              const target: Scope = parent ? { kind: 'area', areaPath: parent.path } : { kind: 'national' };
              if (!authorize(actor, 'area.write', target)) {
                reject(line, 'You may not add areas here.', 'parent_code', 'forbidden');
                continue;
              }
              await createArea(
                actor,
                { ...(input as Static<typeof AreaCreate>), ...(parent ? { parentId: parent.id } : {}) },
                ctx,
              );
              report.created++;
            }
          } catch (err) {
            const e = err as { message?: string; code?: string };
            reject(line, e.message ?? 'The row could not be stored.', undefined, e.code);
          }
        }
        pending = later;
      }
      return report;
    },

    async listFacilities(
      principal: Principal,
      filter: {
        areaId?: number | undefined;
        type?: FacilityDto['type'] | undefined;
        q?: string | undefined;
        active?: boolean | undefined;
        limit: number;
        offset: number;
      },
    ) {
      const scope = listScope(principal, 'facility.read');
      let areaPath: string | undefined;
      if (filter.areaId) {
        const a = await areaRepository(read).findById(filter.areaId);
        if (!a) throw notFound('The area');
        areaPath = a.path;
      }
      const rows = await facilityRepository(read).list({ ...filter, areaPath }, scope.all ? null : scope);
      return rows.map(toFacility);
    },
    async getFacility(id: number) {
      const f = await facilityRepository(read).findById(id);
      if (!f) throw notFound('The facility');
      return toFacility(f);
    },
    async createFacility(actor: Principal, input: Static<typeof FacilityCreate>, ctx: RequestContext) {
      return withTransaction(db, async (trx) => {
        const repo = facilityRepository(trx);
        if (!(await areaRepository(trx).findById(input.areaId)))
          throw badRequest('unknown_area', 'The area does not exist.', [{ field: 'areaId' }]);
        if ((await repo.findByCodes([input.code])).length)
          throw conflict('code_taken', `A facility with code "${input.code}" already exists.`);
        const { id } = await repo.insert({
          code: input.code,
          name_en: input.nameEn,
          name_bn: input.nameBn,
          type: input.type,
          area_id: input.areaId,
          address: input.address ?? '',
          latitude: input.latitude ?? null,
          longitude: input.longitude ?? null,
          daily_capacity: input.dailyCapacity ?? 0,
          active: input.active ?? true,
        });
        await audit(trx, actor, ctx, 'facility.created', 'facility', id, input.areaId, { code: input.code });
        await deps.facilitiesAdded?.(trx);
        return toFacility((await repo.findById(id))!);
      });
    },
    async updateFacility(
      actor: Principal,
      id: number,
      input: Static<typeof FacilityUpdate>,
      ctx: RequestContext,
    ) {
      return withTransaction(db, async (trx) => {
        const repo = facilityRepository(trx);
        const current = await repo.findById(id);
        if (!current) throw notFound('The facility');
        if (input.areaId && input.areaId !== current.area_id) {
          const area = await areaRepository(trx).findById(input.areaId);
          if (!area) throw badRequest('unknown_area', 'The area does not exist.', [{ field: 'areaId' }]);
          if (!authorize(actor, 'facility.write', { kind: 'area', areaPath: area.path }))
            throw forbidden('You may not move a facility into that area.');
        }
        if (input.code && input.code !== current.code && (await repo.findByCodes([input.code])).length) {
          throw conflict('code_taken', `A facility with code "${input.code}" already exists.`);
        }
        const fields = {
          code: input.code,
          name_en: input.nameEn,
          name_bn: input.nameBn,
          type: input.type,
          area_id: input.areaId,
          address: input.address,
          latitude: input.latitude,
          longitude: input.longitude,
          daily_capacity: input.dailyCapacity,
          active: input.active,
        };
        const changed = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
        await repo.update(id, changed);
        await audit(trx, actor, ctx, 'facility.updated', 'facility', id, input.areaId ?? current.area_id, {
          fields: Object.keys(changed),
        });
        return toFacility((await repo.findById(id))!);
      });
    },

    /** CSV columns: code, name_en, name_bn, type, area_code, address, latitude, longitude, daily_capacity, active. */
    async importFacilities(actor: Principal, csv: string, ctx: RequestContext): Promise<ImportReportDto> {
      const { rows, lines, error } = readCsv(csv);
      if (error) throw badRequest('invalid_csv', `The file is not readable as CSV: ${error}`);
      if (rows.length && !['code', 'name_en', 'name_bn', 'type', 'area_code'].every((c) => c in rows[0]!)) {
        throw badRequest(
          'invalid_csv',
          'The header row must name at least the columns code, name_en, name_bn, type and area_code.',
        );
      }
      const report: ImportReportDto = { total: rows.length, created: 0, updated: 0, rejected: 0, errors: [] };
      const reject = (row: number, message: string, field?: string, code?: string) => {
        report.rejected++;
        report.errors.push({ row, message, ...(field ? { field } : {}), ...(code ? { code } : {}) });
      };
      const areas = new Map(
        (await areaRepository(read).findByCodes([...new Set(rows.map((r) => r.area_code ?? ''))])).map(
          (a) => [a.code, a],
        ),
      );
      const existing = new Map(
        (await facilityRepository(db).findByCodes(rows.map((r) => r.code ?? ''))).map((f) => [f.code, f]),
      );
      const seen = new Set<string>();
      for (const [i, r] of rows.entries()) {
        const line = lines[i] ?? i + 2;
        const area = areas.get(r.area_code ?? '');
        if (!area) {
          reject(line, `The area "${r.area_code ?? ''}" does not exist.`, 'area_code', 'unknown_area');
          continue;
        }
        const activeText = (r.active ?? '').toLowerCase();
        const input = {
          code: r.code,
          nameEn: r.name_en,
          nameBn: r.name_bn,
          type: r.type,
          areaId: area.id,
          address: r.address ?? '',
          ...(optNumber(r.latitude) !== undefined ? { latitude: optNumber(r.latitude) } : {}),
          ...(optNumber(r.longitude) !== undefined ? { longitude: optNumber(r.longitude) } : {}),
          ...(optNumber(r.daily_capacity) !== undefined
            ? { dailyCapacity: optNumber(r.daily_capacity) }
            : {}),
          ...(activeText
            ? { active: activeText === 'true' || activeText === 'yes' || activeText === '1' }
            : {}),
        };
        const problem = firstProblem(FacilityCreateSchema, input);
        if (problem) {
          reject(
            line,
            `The value of ${problem.field} ${problem.message.toLowerCase()}.`,
            problem.field,
            'invalid_value',
          );
          continue;
        }
        if (seen.has(r.code!)) {
          reject(line, `The code "${r.code}" appears more than once in the file.`, 'code', 'duplicate_code');
          continue;
        }
        seen.add(r.code!);
        if (!authorize(actor, 'facility.write', { kind: 'area', areaPath: area.path })) {
          reject(line, 'You may not add or change facilities in this area.', 'area_code', 'forbidden');
          continue;
        }
        const valid = input as Static<typeof FacilityCreate>;
        const current = existing.get(valid.code);
        if (current) {
          // Changing a facility needs the right where it is now, as well as where it goes.
          const now = await facilityRepository(read).findById(current.id);
          if (
            !now ||
            !authorize(actor, 'facility.write', {
              kind: 'facility',
              facilityId: now.id,
              areaPath: now.area_path,
            })
          ) {
            reject(line, 'You may not change this facility.', 'code', 'forbidden');
            continue;
          }
        }
        try {
          await withTransaction(db, async (trx) => {
            if (current) {
              const { code: _code, ...rest } = valid;
              await facilityRepository(trx).update(current.id, {
                name_en: rest.nameEn,
                name_bn: rest.nameBn,
                type: rest.type,
                area_id: rest.areaId,
                address: rest.address ?? '',
                latitude: rest.latitude ?? null,
                longitude: rest.longitude ?? null,
                ...(rest.dailyCapacity !== undefined ? { daily_capacity: rest.dailyCapacity } : {}),
                ...(rest.active !== undefined ? { active: rest.active } : {}),
              });
              await audit(trx, actor, ctx, 'facility.updated', 'facility', current.id, area.id, {
                via: 'import',
              });
            } else {
              const { id } = await facilityRepository(trx).insert({
                code: valid.code,
                name_en: valid.nameEn,
                name_bn: valid.nameBn,
                type: valid.type,
                area_id: valid.areaId,
                address: valid.address ?? '',
                latitude: valid.latitude ?? null,
                longitude: valid.longitude ?? null,
                daily_capacity: valid.dailyCapacity ?? 0,
                active: valid.active ?? true,
              });
              await audit(trx, actor, ctx, 'facility.created', 'facility', id, area.id, { via: 'import' });
            }
          });
          if (current) report.updated++;
          else report.created++;
        } catch (err) {
          reject(line, (err as Error).message || 'The row could not be stored.');
        }
      }
      if (report.created) await deps.facilitiesAdded?.(db);
      return report;
    },

    async listProducts(includeInactive: boolean) {
      return (await productRepository(read).list(includeInactive)).map(toProduct);
    },
    async getProduct(id: number) {
      const p = await productRepository(read).findById(id);
      if (!p) throw notFound('The vaccine product');
      return toProduct(p);
    },
    async createProduct(actor: Principal, input: ProductInput, ctx: RequestContext) {
      assertProductRules(input);
      return withTransaction(db, async (trx) => {
        const repo = productRepository(trx);
        if (await repo.findByCode(input.code))
          throw conflict('code_taken', `A product with code "${input.code}" already exists.`);
        const { id } = await repo.insert(productColumns(input) as Insertable<VaccineProductTable>);
        await audit(trx, actor, ctx, 'product.created', 'vaccine_product', id, null, { code: input.code });
        return toProduct((await repo.findById(id))!);
      });
    },
    async updateProduct(
      actor: Principal,
      id: number,
      input: Static<typeof ProductUpdate>,
      ctx: RequestContext,
    ) {
      return withTransaction(db, async (trx) => {
        const repo = productRepository(trx);
        const current = await repo.findById(id);
        if (!current) throw notFound('The vaccine product');
        const merged = { ...toProduct(current), ...input };
        assertProductRules(merged);
        if (input.code && input.code !== current.code && (await repo.findByCode(input.code))) {
          throw conflict('code_taken', `A product with code "${input.code}" already exists.`);
        }
        await repo.update(id, productColumns(input));
        await audit(trx, actor, ctx, 'product.updated', 'vaccine_product', id, null, {
          fields: Object.keys(input),
        });
        return toProduct((await repo.findById(id))!);
      });
    },
  };
}

function assertProductRules(
  p: Pick<ProductInput, 'minIntervalDays' | 'recommendedIntervalDays' | 'storageMinC' | 'storageMaxC'>,
) {
  if (p.recommendedIntervalDays < p.minIntervalDays) {
    throw badRequest(
      'invalid_interval',
      'The recommended interval cannot be shorter than the minimum interval.',
      [{ field: 'recommendedIntervalDays' }],
    );
  }
  if (p.storageMaxC < p.storageMinC) {
    throw badRequest('invalid_storage', 'The highest storage temperature cannot be below the lowest.', [
      { field: 'storageMaxC' },
    ]);
  }
}

export type ReferenceService = ReturnType<typeof referenceService>;
