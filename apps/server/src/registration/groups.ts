import { readCsv } from '../reference/csv.ts';
import {
  normaliseIdNumber,
  openGroups,
  validateIdDocument,
  DEFAULT_ID_RULES,
  type IdRules,
} from '@dosewise/domain';
import type { Static } from '@sinclair/typebox';
import type { Db } from '../db/database.ts';
import { withTransaction } from '../db/database.ts';
import type { Principal } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { recordAudit } from '../audit/audit.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { IdType } from '../db/schema.ts';
import { registrationRepository, type GroupRow, type RegistrationReference } from './repository.ts';
import type { PriorityGroupInput } from './schemas.ts';
import { todayIn } from './calendar.ts';
import { toGroup } from './service.ts';

/**
 * Priority groups are data a national admin edits. Every edit is a new version; a registration keeps
 * the version it was accepted under, so a later change of rule never rewrites history.
 */
export function priorityGroupService(deps: {
  db: Db;
  read: Db;
  vault: IdentifierVault;
  idRules?: IdRules;
  timeZone: string;
  /** Registration's cached copy of the groups: dropped on every edit, so this process sees it at once. */
  reference?: Pick<RegistrationReference, 'invalidateGroups'>;
}) {
  const today = () => todayIn(deps.timeZone);
  const { db, vault } = deps;
  const dto = (g: GroupRow, openCodes: Set<string>) => ({
    ...toGroup(g),
    maxAgeYears: g.max_age_years,
    open: openCodes.has(g.code),
  });

  return {
    async list() {
      const rows = await registrationRepository(deps.read).currentGroups();
      const open = new Set(openGroups(rows.map(toGroup), today()).map((g) => g.code));
      return rows.map((g) => dto(g, open));
    },

    async save(
      actor: Principal,
      code: string,
      input: Static<typeof PriorityGroupInput>,
      mode: 'create' | 'update',
      ctx: RequestContext,
    ) {
      if (input.maxAgeYears != null && input.maxAgeYears < input.minAgeYears) {
        throw badRequest('invalid_age_range', 'The highest age cannot be below the lowest age.', [
          { field: 'maxAgeYears' },
        ]);
      }
      const row = await withTransaction(db, async (trx) => {
        const repo = registrationRepository(trx);
        const current = await repo.currentGroup(code);
        if (mode === 'create' && current)
          throw conflict('code_taken', `A priority group "${code}" already exists; edit it instead.`);
        if (mode === 'update' && !current) throw notFound('The priority group');
        const saved = await repo.insertGroup({
          code,
          version: (current?.version ?? 0) + 1,
          name_en: input.nameEn,
          name_bn: input.nameBn,
          rank: input.rank,
          min_age_years: input.minAgeYears,
          max_age_years: input.maxAgeYears ?? null,
          proof_rule: input.proofRule,
          opens_on: input.opensOn,
          active: input.active ?? true,
          created_by: actor.userId,
        });
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: actor.userId,
          action: mode === 'create' ? 'priority_group.created' : 'priority_group.updated',
          entityType: 'priority_group',
          entityId: code,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { version: saved.version },
        });
        return saved;
      });
      deps.reference?.invalidateGroups();
      const open = new Set(openGroups([toGroup(row)], today()).map((g) => g.code));
      return dto(row, open);
    },

    /** Roster CSV with columns id_type, id_number: kept only as blind indexes. Bad rows are reported, the rest stored. */
    async importRoster(actor: Principal, code: string, csv: string, ctx: RequestContext) {
      const group = await registrationRepository(db).currentGroup(code);
      if (!group) throw notFound('The priority group');
      if (group.proof_rule !== 'roster')
        throw badRequest('not_a_roster_group', 'This group is not proven by a pre-loaded list.');
      const { rows, lines, error } = readCsv(csv);
      if (error) throw badRequest('invalid_csv', `The file is not readable as CSV: ${error}`);
      const errors: { row: number; field?: string; code?: string; message: string }[] = [];
      const good: { group_code: string; id_type: string; id_blind: string; imported_by: number }[] = [];
      const rules = deps.idRules ?? DEFAULT_ID_RULES;
      rows.forEach((r, i) => {
        const idType = (r.id_type ?? 'nid') as IdType;
        if (!['nid', 'birth_registration', 'passport'].includes(idType)) {
          errors.push({
            row: lines[i] ?? i + 2,
            field: 'id_type',
            code: 'invalid_value',
            message: `Unknown ID type "${r.id_type ?? ''}".`,
          });
          return;
        }
        const number = normaliseIdNumber(idType, r.id_number ?? '');
        const check = validateIdDocument(
          idType,
          number,
          { dateOfBirth: '1980-01-01', today: today(), nationality: 'BD' },
          rules,
        );
        // Rosters carry no dates of birth: only the number's format matters here.
        if (!check.ok && check.code !== 'wrong_age_for_document') {
          errors.push({
            row: lines[i] ?? i + 2,
            field: 'id_number',
            code: check.code,
            message: check.message,
          });
          return;
        }
        good.push({
          group_code: code,
          id_type: idType,
          id_blind: vault.blindIndex(`id:${idType}`, number),
          imported_by: actor.userId,
        });
      });
      const added = await withTransaction(db, async (trx) => {
        let n = 0;
        for (let i = 0; i < good.length; i += 1000)
          n += await registrationRepository(trx).addToRoster(good.slice(i, i + 1000));
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: actor.userId,
          action: 'priority_roster.imported',
          entityType: 'priority_group',
          entityId: code,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { added: n, rejected: errors.length },
        });
        return n;
      });
      return {
        total: rows.length,
        created: added,
        updated: good.length - added,
        rejected: errors.length,
        errors,
      };
    },
  };
}
export type PriorityGroupService = ReturnType<typeof priorityGroupService>;
