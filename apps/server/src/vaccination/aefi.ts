import { sql } from 'kysely';
import { AEFI_SYMPTOMS, unknownAefiSymptoms } from '@dosewise/domain';
import { withTransaction, type Db } from '../db/database.ts';
import { recordAudit } from '../audit/audit.ts';
import { authorize, listScope, type Principal, type Scope } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import type { IdentifierVault } from '../privacy/identifiers.ts';
import type { PrepareNotification } from '../registration/ports.ts';
import type { VaccinationCatalog } from './catalog.ts';
import { ACCEPT_UNHELD_LOT_KEY, writeSetting } from './repository.ts';
import type { AefiBodyT, AefiReportT } from './schemas.ts';

/** Who reports a side effect: staff, or a citizen for a person of their family. */
export type Reporter = { kind: 'staff'; principal: Principal } | { kind: 'citizen'; accountId: number };

/** Serious reports from one lot that make it a signal for the national officers. */
export const LOT_SIGNAL_SERIOUS_REPORTS = 3;

const STATUS_ORDER = { not_required: 0, open: 1, investigating: 2, closed: 3 } as const;

/**
 * Adverse events following immunization, officer alerts and the programme's switches.
 * A serious report opens an investigation and alerts the officers of the facility's district at
 * once, in the transaction that stores the report.
 */
export function aefiService(deps: {
  db: Db;
  read: Db;
  vault: IdentifierVault;
  prepareMessage: PrepareNotification;
  catalog: VaccinationCatalog;
  facilityScope: (facilityId: number) => Promise<Scope>;
  areaScope: (areaId: number) => Promise<Scope>;
}) {
  const { db, read, catalog } = deps;

  function reportQuery(q: Db) {
    return q
      .selectFrom('aefi_report as r')
      .innerJoin('person as p', 'p.id', 'r.person_id')
      .innerJoin('dose as d', (j) =>
        j.onRef('d.person_id', '=', 'r.person_id').onRef('d.id', '=', 'r.dose_id'),
      )
      .innerJoin('vaccine_product as v', 'v.id', 'r.product_id')
      .leftJoin('lot as l', 'l.id', 'r.lot_id')
      .leftJoin('facility as f', 'f.id', 'r.facility_id')
      .leftJoin('area as a', 'a.id', 'f.area_id')
      .select([
        'r.id',
        'r.person_id',
        'p.registration_number',
        'p.name_en',
        'r.dose_id',
        'd.dose_number',
        'r.product_id',
        'v.code as product_code',
        'r.lot_id',
        'l.lot_number',
        'r.facility_id',
        'f.name_en as facility_name',
        'r.symptoms',
        'r.onset_at',
        'r.severity',
        'r.serious_criteria',
        'r.outcome',
        'r.description',
        'r.reported_via',
        'r.investigation_status',
        'r.causality',
        'r.created_at',
      ]);
  }
  type Row = Awaited<ReturnType<ReturnType<typeof reportQuery>['execute']>>[number];

  async function toReports(rows: Row[], withEvents: boolean): Promise<AefiReportT[]> {
    const events =
      withEvents && rows.length
        ? await read
            .selectFrom('aefi_investigation_event as e')
            .leftJoin('staff_user as u', 'u.id', 'e.recorded_by')
            .select([
              'e.person_id',
              'e.report_id',
              'e.status',
              'e.note',
              'e.causality',
              'u.username',
              'e.created_at',
            ])
            .where(
              'e.report_id',
              'in',
              rows.map((r) => r.id),
            )
            .orderBy('e.id')
            .execute()
        : [];
    return rows.map((r) => ({
      id: r.id,
      personId: r.person_id,
      registrationNumber: r.registration_number,
      nameEn: r.name_en,
      doseId: r.dose_id,
      doseNumber: r.dose_number,
      productId: r.product_id,
      productCode: r.product_code,
      lotId: r.lot_id,
      lotNumber: r.lot_number,
      facilityId: r.facility_id,
      facilityName: r.facility_name,
      symptoms: r.symptoms,
      onsetAt: new Date(r.onset_at).toISOString(),
      severity: r.severity,
      seriousCriteria: r.serious_criteria,
      outcome: r.outcome,
      description: r.description,
      reportedVia: r.reported_via,
      investigationStatus: r.investigation_status,
      causality: r.causality,
      createdAt: new Date(r.created_at).toISOString(),
      events: events
        .filter((e) => e.person_id === r.person_id && e.report_id === r.id)
        .map((e) => ({
          status: e.status,
          note: e.note,
          causality: e.causality,
          recordedBy: e.username,
          createdAt: new Date(e.created_at).toISOString(),
        })),
    }));
  }

  async function getReport(personId: number, id: number): Promise<AefiReportT> {
    const rows = await reportQuery(db).where('r.person_id', '=', personId).where('r.id', '=', id).execute();
    if (!rows[0]) throw notFound('The side-effect report');
    return (await toReports(rows, true))[0]!;
  }

  /** The district (second level of the area tree) a facility sits in; its own area when shallower. */
  async function districtOf(facilityId: number): Promise<number | null> {
    const f = await catalog.facility(facilityId);
    if (!f) return null;
    const ids = f.areaPath.split('/').filter(Boolean).map(Number);
    return ids[1] ?? ids[ids.length - 1] ?? null;
  }

  function alertQuery(q: Db) {
    return q
      .selectFrom('officer_alert as o')
      .leftJoin('area as a', 'a.id', 'o.area_id')
      .leftJoin('staff_user as u', 'u.id', 'o.acknowledged_by')
      .select([
        'o.id',
        'o.area_id',
        'a.name_en as area_name',
        'o.kind',
        'o.title',
        'o.detail',
        'o.created_at',
        'u.username as acknowledged_by',
        'o.acknowledged_at',
      ]);
  }
  type AlertRow = Awaited<ReturnType<ReturnType<typeof alertQuery>['execute']>>[number];
  const toAlert = (r: AlertRow) => ({
    id: r.id,
    areaId: r.area_id,
    areaName: r.area_name,
    kind: r.kind,
    title: r.title,
    detail: r.detail,
    createdAt: new Date(r.created_at).toISOString(),
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at).toISOString() : null,
  });
  async function alertById(id: number) {
    const r = await alertQuery(db).where('o.id', '=', id).executeTakeFirst();
    if (!r) throw notFound('The alert');
    return toAlert(r);
  }

  return {
    symptoms: () => ({ items: AEFI_SYMPTOMS.map((s) => ({ ...s })) }),

    /** Scope of the dose a report is about: its facility. */
    async doseScope(personId: number, doseId: number): Promise<Scope> {
      const d = await read
        .selectFrom('dose')
        .select('facility_id')
        .where('person_id', '=', personId)
        .where('id', '=', doseId)
        .executeTakeFirst();
      if (!d) throw notFound('The dose');
      return d.facility_id ? deps.facilityScope(d.facility_id) : { kind: 'national' };
    },

    async reportScope(personId: number, id: number): Promise<Scope> {
      const r = await read
        .selectFrom('aefi_report')
        .select('facility_id')
        .where('person_id', '=', personId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!r) throw notFound('The side-effect report');
      return r.facility_id ? deps.facilityScope(r.facility_id) : { kind: 'national' };
    },

    async report(
      reporter: Reporter,
      personId: number,
      body: AefiBodyT,
      ctx: RequestContext,
    ): Promise<AefiReportT> {
      const unknown = unknownAefiSymptoms(body.symptoms);
      if (unknown.length)
        throw badRequest(
          'unknown_symptom',
          `Unknown symptom code: ${unknown.join(', ')}. Use GET /api/aefi/symptoms.`,
          [{ field: 'symptoms' }],
        );
      const onset = new Date(body.onsetAt);
      if (onset.getTime() > Date.now() + 300_000)
        throw badRequest('onset_in_future', 'The onset of the symptoms is in the future.', [
          { field: 'onsetAt' },
        ]);
      const criteria = body.seriousCriteria ?? [];
      if (body.severity === 'non_serious' && criteria.length)
        throw badRequest(
          'criteria_need_serious',
          'Seriousness criteria are given only for a serious report.',
          [{ field: 'seriousCriteria' }],
        );
      if (body.outcome === 'died' && body.severity !== 'serious')
        throw badRequest('death_is_serious', 'A report of a death is serious.', [{ field: 'severity' }]);
      if (body.symptoms.includes('other') && !body.description?.trim())
        throw badRequest('description_required', 'Describe the symptom when choosing "Other".', [
          { field: 'description' },
        ]);
      const person = await db
        .selectFrom('person')
        .select(['id', 'citizen_account_id', 'removed_at', 'name_en'])
        .where('id', '=', personId)
        .executeTakeFirst();
      if (!person || person.removed_at) throw notFound('The person');
      if (reporter.kind === 'citizen' && person.citizen_account_id !== reporter.accountId)
        throw notFound('This person in your family');
      const dose = await db
        .selectFrom('dose')
        .select(['id', 'lot_id', 'product_id', 'facility_id', 'administered_at', 'voided_at', 'dose_number'])
        .where('person_id', '=', personId)
        .where('id', '=', body.doseId)
        .executeTakeFirst();
      if (!dose) throw notFound('This dose of this person');
      if (dose.voided_at)
        throw conflict(
          'dose_voided',
          'This dose record was corrected; report against the dose that replaced it.',
        );
      if (onset.getTime() < new Date(dose.administered_at).getTime() - 3_600_000)
        throw badRequest('onset_before_dose', 'The symptoms began before the dose was given.', [
          { field: 'onsetAt' },
        ]);
      const serious = body.severity === 'serious';
      const district = serious && dose.facility_id ? await districtOf(dose.facility_id) : null;
      const id = await withTransaction(db, async (trx) => {
        const row = await trx
          .insertInto('aefi_report')
          .values({
            person_id: personId,
            dose_id: dose.id,
            lot_id: dose.lot_id,
            product_id: dose.product_id,
            facility_id: dose.facility_id,
            symptoms: body.symptoms,
            onset_at: onset,
            severity: body.severity,
            serious_criteria: criteria,
            outcome: body.outcome,
            description: body.description?.trim() ?? '',
            reported_via: reporter.kind,
            reported_by_staff: reporter.kind === 'staff' ? reporter.principal.userId : null,
            reported_by_account: reporter.kind === 'citizen' ? reporter.accountId : null,
            investigation_status: serious ? 'open' : 'not_required',
            causality: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (serious) {
          await trx
            .insertInto('aefi_investigation_event')
            .values({
              person_id: personId,
              report_id: row.id,
              status: 'open',
              note: 'Opened on a serious report.',
              causality: null,
              recorded_by: reporter.kind === 'staff' ? reporter.principal.userId : null,
            })
            .execute();
          await trx
            .insertInto('officer_alert')
            .values({
              area_id: district,
              kind: 'aefi_serious',
              title: `Serious side effect after dose ${dose.dose_number}: investigation opened`,
              detail: JSON.stringify({
                personId,
                reportId: row.id,
                doseId: dose.id,
                lotId: dose.lot_id,
                productId: dose.product_id,
                facilityId: dose.facility_id,
                symptoms: body.symptoms,
                seriousCriteria: criteria,
              }),
              acknowledged_by: null,
              acknowledged_at: null,
            })
            .execute();
          if (dose.lot_id !== null) {
            // The lot's serious reports reaching the signal threshold: the country's officers look at the lot.
            const n = await trx
              .selectFrom('aefi_report')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('lot_id', '=', dose.lot_id)
              .where('severity', '=', 'serious')
              .executeTakeFirstOrThrow();
            if (Number(n.n) === LOT_SIGNAL_SERIOUS_REPORTS)
              await trx
                .insertInto('officer_alert')
                .values({
                  area_id: null,
                  kind: 'lot_signal',
                  title: `${LOT_SIGNAL_SERIOUS_REPORTS} serious side effects reported after doses of one lot`,
                  detail: JSON.stringify({
                    lotId: dose.lot_id,
                    productId: dose.product_id,
                    seriousReports: Number(n.n),
                  }),
                  acknowledged_by: null,
                  acknowledged_at: null,
                })
                .execute();
          }
        }
        await recordAudit(trx, {
          actorKind: reporter.kind === 'staff' ? 'staff' : 'citizen',
          actorId: reporter.kind === 'staff' ? reporter.principal.userId : reporter.accountId,
          action: 'aefi.reported',
          entityType: 'aefi_report',
          entityId: row.id,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { personId, doseId: dose.id, severity: body.severity },
        });
        return row.id;
      });
      return getReport(personId, id);
    },

    get: getReport,

    async list(
      staff: Principal,
      q: {
        severity?: string | undefined;
        status?: string | undefined;
        lotId?: number | undefined;
        facilityId?: number | undefined;
        limit: number;
      },
    ) {
      if (
        q.facilityId !== undefined &&
        !authorize(staff, 'aefi.read', await deps.facilityScope(q.facilityId))
      )
        throw forbidden();
      const scope = listScope(staff, 'aefi.read');
      let query = reportQuery(read).orderBy('r.created_at', 'desc').limit(q.limit);
      if (q.severity) query = query.where('r.severity', '=', q.severity as 'serious');
      if (q.status) query = query.where('r.investigation_status', '=', q.status as 'open');
      if (q.lotId) query = query.where('r.lot_id', '=', q.lotId);
      if (q.facilityId) query = query.where('r.facility_id', '=', q.facilityId);
      if (!scope.all) {
        const { areaPaths, facilityIds } = scope;
        if (!areaPaths.length && !facilityIds.length) return { items: [] };
        query = query.where((eb) =>
          eb.or([
            ...(facilityIds.length ? [eb('r.facility_id', 'in', facilityIds)] : []),
            ...areaPaths.map((path) => eb('a.path', 'like', `${path}%`)),
          ]),
        );
      }
      return { items: await toReports(await query.execute(), false) };
    },

    /** Reports per lot with the doses given from it: a bad lot shows up by its rate. */
    async lots(staff: Principal) {
      const scope = listScope(staff, 'aefi.read');
      if (!scope.all && !scope.areaPaths.length && !scope.facilityIds.length) return { items: [] };
      const facilityFilter = scope.all
        ? sql`true`
        : sql`(f.id = any(${scope.facilityIds}::bigint[]) or a.path like any(${scope.areaPaths.map((p) => `${p}%`)}::text[]))`;
      const { rows } = await sql<{
        lot_id: number;
        lot_number: string;
        product_id: number;
        product_code: string;
        reports: number;
        serious: number;
        doses_given: number;
      }>`
        with r as (
          select r.lot_id, count(*)::int as reports, count(*) filter (where r.severity = 'serious')::int as serious
          from aefi_report r
          left join facility f on f.id = r.facility_id left join area a on a.id = f.area_id
          where r.lot_id is not null and ${facilityFilter}
          group by r.lot_id
        )
        select r.lot_id, l.lot_number, l.product_id, v.code as product_code, r.reports, r.serious,
               (select count(*)::int from dose d where d.lot_id = r.lot_id and d.voided_at is null) as doses_given
        from r join lot l on l.id = r.lot_id join vaccine_product v on v.id = l.product_id
        order by r.serious desc, r.reports desc
        limit 200`.execute(read);
      return {
        items: rows.map((r) => ({
          lotId: r.lot_id,
          lotNumber: r.lot_number,
          productId: r.product_id,
          productCode: r.product_code,
          reports: r.reports,
          serious: r.serious,
          dosesGiven: r.doses_given,
          reportsPer10000: r.doses_given ? Math.round((r.reports / r.doses_given) * 10_000 * 10) / 10 : null,
        })),
      };
    },

    async investigate(
      staff: Principal,
      personId: number,
      id: number,
      body: { status: 'open' | 'investigating' | 'closed'; note: string; causality?: string | undefined },
      ctx: RequestContext,
    ) {
      await withTransaction(db, async (trx) => {
        const r = await trx
          .selectFrom('aefi_report')
          .select(['investigation_status', 'severity'])
          .where('person_id', '=', personId)
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!r) throw notFound('The side-effect report');
        if (r.investigation_status === 'closed')
          throw conflict('investigation_closed', 'This investigation is closed.');
        if (body.status === 'closed' && !body.causality)
          throw badRequest(
            'causality_required',
            'Closing an investigation needs its WHO causality assessment.',
            [{ field: 'causality' }],
          );
        if (body.status !== 'closed' && body.causality)
          throw badRequest('causality_on_close', 'The causality is set when the investigation closes.', [
            { field: 'causality' },
          ]);
        if (STATUS_ORDER[body.status] < STATUS_ORDER[r.investigation_status])
          throw conflict('status_backwards', `The investigation is already ${r.investigation_status}.`);
        await trx
          .insertInto('aefi_investigation_event')
          .values({
            person_id: personId,
            report_id: id,
            status: body.status,
            note: body.note,
            causality: (body.causality ?? null) as 'coincidental' | null,
            recorded_by: staff.userId,
          })
          .execute();
        await trx
          .updateTable('aefi_report')
          .set({
            investigation_status: body.status,
            ...(body.causality ? { causality: body.causality as 'coincidental' } : {}),
          })
          .where('person_id', '=', personId)
          .where('id', '=', id)
          .execute();
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: staff.userId,
          action: 'aefi.investigation',
          entityType: 'aefi_report',
          entityId: id,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { personId, status: body.status, causality: body.causality ?? null },
        });
      });
      return getReport(personId, id);
    },

    // -------------------------------------------------------------------------------------------
    // Officer alerts

    async alerts(
      staff: Principal,
      q: { open?: boolean | undefined; kind?: string | undefined; limit: number },
    ) {
      const scope = listScope(staff, 'alert.read');
      let query = alertQuery(read).orderBy('o.created_at', 'desc').limit(q.limit);
      if (q.open) query = query.where('o.acknowledged_at', 'is', null);
      if (q.kind) query = query.where('o.kind', '=', q.kind as 'aefi_serious');
      if (!scope.all) {
        const { areaPaths, facilityIds } = scope;
        if (!areaPaths.length && !facilityIds.length) return { items: [] };
        // Area officers see alerts addressed within their area; facility staff those about their facility.
        query = query.where((eb) =>
          eb.or([
            ...areaPaths.map((path) => eb('a.path', 'like', `${path}%`)),
            ...(facilityIds.length
              ? [eb(sql<number>`(o.detail ->> 'facilityId')::bigint`, 'in', facilityIds)]
              : []),
          ]),
        );
      }
      return { items: (await query.execute()).map(toAlert) };
    },

    /** Scope of an alert: its area (national when addressed to the whole country), or its facility. */
    async alertScope(id: number): Promise<Scope> {
      const a = await read
        .selectFrom('officer_alert')
        .select(['area_id', 'detail'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!a) throw notFound('The alert');
      return a.area_id ? deps.areaScope(a.area_id) : { kind: 'national' };
    },

    async acknowledge(staff: Principal, id: number, ctx: RequestContext) {
      const a = await db
        .updateTable('officer_alert')
        .set({ acknowledged_by: staff.userId, acknowledged_at: sql`now()` })
        .where('id', '=', id)
        .where('acknowledged_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!a) {
        const exists = await db
          .selectFrom('officer_alert')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst();
        if (!exists) throw notFound('The alert');
        throw conflict('already_acknowledged', 'This alert was already acknowledged.');
      }
      await recordAudit(db, {
        actorKind: 'staff',
        actorId: staff.userId,
        action: 'alert.acknowledged',
        entityType: 'officer_alert',
        entityId: id,
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
      return alertById(id);
    },

    // -------------------------------------------------------------------------------------------
    // Programme settings

    async settings() {
      return { acceptUnheldLots: await catalog.acceptUnheldLots() };
    },

    async saveSettings(staff: Principal, body: { acceptUnheldLots: boolean }, ctx: RequestContext) {
      await withTransaction(db, async (trx) => {
        await writeSetting(trx, ACCEPT_UNHELD_LOT_KEY, body.acceptUnheldLots, staff.userId);
        await recordAudit(trx, {
          actorKind: 'staff',
          actorId: staff.userId,
          action: 'programme.settings_changed',
          entityType: 'programme_setting',
          entityId: ACCEPT_UNHELD_LOT_KEY,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { acceptUnheldLots: body.acceptUnheldLots },
        });
      });
      catalog.forgetSettings();
      return { acceptUnheldLots: body.acceptUnheldLots };
    },
  };
}

export type AefiService = ReturnType<typeof aefiService>;
