import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { citizenOf, principalOf } from '../http/access-hooks.ts';
import { notFound } from '../http/errors.ts';
import { ctxOf, errors, IdParams, type App } from '../http/types.ts';
import type { ReferenceService } from '../reference/service.ts';
import { OUTSIDE_SCOPE } from '../registration/routes.ts';
import type { RegistrationService } from '../registration/service.ts';
import type { AefiService } from './aefi.ts';
import type { DoseService } from './doses.ts';
import type { OfflineService } from './offline.ts';
import { dosesOfPerson } from './repository.ts';
import type { Db } from '../db/database.ts';
import { authorize, type Action, type Scope } from '../access/policy.ts';
import {
  AefiBody,
  AefiList,
  AefiReport,
  AlertList,
  AlertView,
  CorrectionBody,
  CorrectionResult,
  DoseRecordBody,
  DoseReview,
  DoseView,
  FacilityDay,
  FacilityPack,
  InvestigationBody,
  LookupBody,
  LookupResult,
  LotSignal,
  PersonDoseParams,
  PersonItemParams,
  PersonParams,
  ProgrammeSettings,
  QueueItem,
  ReviewList,
  ReviewRef,
  ReviewResolveBody,
  SyncBody,
  SyncResult,
} from './schemas.ts';

export function vaccinationRoutes(
  app: App,
  deps: {
    doses: DoseService;
    offline: OfflineService;
    aefi: AefiService;
    reference: ReferenceService;
    /** The reference service's facility scope, kept for a few seconds. */
    facilityScope: (facilityId: number) => Promise<Scope>;
    registration: RegistrationService;
    read: Db;
    syncBatchMax: number;
  },
) {
  const { doses, offline, aefi, registration, facilityScope } = deps;
  const facilityParam = (req: { params: unknown }) => facilityScope((req.params as { id: number }).id);

  /**
   * The scope of something of a person's (a dose, a review, a side-effect report) for the access
   * check. Staff who may neither do this there nor read the person at all get the same 404 as for
   * something that does not exist (`missing`); staff who may read the person get the 403.
   */
  const ofPerson =
    <P>(
      action: Action,
      personIdOf: (params: P) => number,
      scopeOf: (params: P, req: FastifyRequest) => Promise<Scope>,
      missing: string,
    ) =>
    async (req: FastifyRequest): Promise<Scope> => {
      const params = req.params as P;
      const target = await scopeOf(params, req);
      const staff = principalOf(req);
      if (!authorize(staff, action, target) && !(await doses.seesPerson(staff, personIdOf(params))))
        throw notFound(missing);
      return target;
    };

  // -------------------------------------------------------------------------------------------
  // Vaccinator

  app.get(
    '/api/vaccinator/facilities/:id/queue',
    {
      schema: {
        operationId: 'vaccinatorQueue',
        tags: ['vaccination'],
        summary: "A day's appointments at a facility (booked and attended), in slot order",
        params: IdParams,
        querystring: FacilityDay,
        response: { 200: Type.Object({ items: Type.Array(QueueItem) }), ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'dose.record', scope: facilityParam } },
    },
    (req) => doses.queue(req.params.id, req.query.date),
  );

  app.post(
    '/api/vaccinator/lookup',
    {
      schema: {
        operationId: 'vaccinatorLookup',
        tags: ['vaccination'],
        summary:
          "Find a person by card QR (signature verified), registration number or ID number: their doses, the dose due and today's appointment here (an audited read)",
        body: LookupBody,
        response: { 200: LookupResult, ...errors(400, 401, 403, 404) },
      },
      config: {
        access: {
          action: 'dose.record',
          scope: (req) => facilityScope((req.body as { facilityId: number }).facilityId),
        },
      },
    },
    (req) => doses.lookup(principalOf(req), req.body, ctxOf(req)),
  );

  app.get(
    '/api/vaccinator/facilities/:id/pack',
    {
      schema: {
        operationId: 'facilityPack',
        tags: ['vaccination'],
        summary:
          "What a vaccinator's device needs to work offline for a day: appointments with the minimum personal data, products, lots held, card keys, server time (an audited read)",
        params: IdParams,
        querystring: FacilityDay,
        response: { 200: FacilityPack, ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'dose.record', scope: facilityParam } },
    },
    (req) => offline.pack(principalOf(req), req.params.id, req.query.date, ctxOf(req)),
  );

  app.post(
    '/api/vaccinator/sync',
    {
      schema: {
        operationId: 'syncDoses',
        tags: ['vaccination'],
        summary:
          'Upload doses recorded offline. Idempotent by clientId; each record answers stored, already_stored, review (the person had that dose meanwhile) or rejected (with a code)',
        body: SyncBody(deps.syncBatchMax),
        response: { 200: SyncResult, ...errors(400, 401, 403) },
      },
      config: { access: { action: 'dose.record' } },
    },
    (req) => offline.sync(principalOf(req), req.body),
  );

  // -------------------------------------------------------------------------------------------
  // Doses

  app.post(
    '/api/people/:id/doses',
    {
      schema: {
        operationId: 'recordDose',
        tags: ['vaccination'],
        summary:
          'Record a dose given now (stock, open vial, appointment, next dose queued, certificate job and SMS in one transaction). 202 when the person already has that dose: the record goes to a supervisor for review. 200 when the clientId was recorded before.',
        params: PersonParams,
        body: DoseRecordBody,
        response: {
          200: DoseView,
          201: DoseView,
          202: ReviewRef,
          ...errors(400, 401, 403, 404, 409),
        },
      },
      config: {
        access: {
          action: 'dose.record',
          scope: (req) => facilityScope((req.body as { facilityId: number }).facilityId),
        },
      },
    },
    async (req, reply) => {
      const r = await doses.record(principalOf(req), req.params.id, req.body);
      return r.status === 202
        ? reply.status(202).send({ review: r.review })
        : reply.status(r.status).send(r.dose);
    },
  );

  app.get(
    '/api/people/:id/doses',
    {
      schema: {
        operationId: 'personDoses',
        tags: ['vaccination'],
        summary: "A person's doses, with corrections and voided records (an audited read)",
        description: OUTSIDE_SCOPE,
        params: PersonParams,
        response: { 200: Type.Object({ items: Type.Array(DoseView) }), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'person.read' } },
    },
    (req) => doses.history(principalOf(req), req.params.id, ctxOf(req)),
  );

  app.post(
    '/api/people/:id/doses/:doseId/corrections',
    {
      schema: {
        operationId: 'correctDose',
        tags: ['vaccination'],
        summary:
          'Correct a dose (supervisor): wrong lot, person, product or date, or entered in error. The dose is voided by the correction and, except for an error, replaced by a new dose',
        description: OUTSIDE_SCOPE,
        params: PersonDoseParams,
        body: CorrectionBody,
        response: { 201: CorrectionResult, ...errors(400, 401, 403, 404, 409) },
      },
      config: {
        access: {
          action: 'dose.correct',
          scope: ofPerson<{ id: number; doseId: number }>(
            'dose.correct',
            (p) => p.id,
            (p) => doses.doseScope(p.id, p.doseId),
            'The dose',
          ),
        },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await doses.correct(principalOf(req), req.params.id, req.params.doseId, req.body)),
  );

  app.get(
    '/api/dose-reviews',
    {
      schema: {
        operationId: 'listDoseReviews',
        tags: ['vaccination'],
        summary: 'Dose records waiting for a supervisor (duplicates and conflicts), in your scope',
        querystring: ReviewList,
        response: { 200: Type.Object({ items: Type.Array(DoseReview) }), ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'dose.correct' } },
    },
    (req) => doses.reviews(principalOf(req), req.query),
  );

  app.post(
    '/api/dose-reviews/:personId/:id/resolve',
    {
      schema: {
        operationId: 'resolveDoseReview',
        tags: ['vaccination'],
        summary:
          'Settle a review: keep the dose on record, or replace it with the reviewed record (a correction)',
        description: OUTSIDE_SCOPE,
        params: PersonItemParams,
        body: ReviewResolveBody,
        response: {
          200: Type.Object({
            id: Type.Integer(),
            personId: Type.Integer(),
            status: Type.String(),
            correctionId: Type.Union([Type.Integer(), Type.Null()]),
            replacementDoseId: Type.Union([Type.Integer(), Type.Null()]),
          }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
      config: {
        access: {
          action: 'dose.correct',
          scope: ofPerson<{ personId: number; id: number }>(
            'dose.correct',
            (p) => p.personId,
            (p) => doses.reviewScope(p.personId, p.id),
            'The dose review',
          ),
        },
      },
    },
    (req) => doses.resolveReview(principalOf(req), req.params.personId, req.params.id, req.body),
  );

  // -------------------------------------------------------------------------------------------
  // Side effects (AEFI)

  app.get(
    '/api/aefi/symptoms',
    {
      schema: {
        operationId: 'aefiSymptoms',
        tags: ['aefi'],
        summary: 'The coded symptom list (WHO AEFI categories) with English and Bengali labels',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                code: Type.String(),
                category: Type.String(),
                en: Type.String(),
                bn: Type.String(),
                usuallySerious: Type.Boolean(),
              }),
            ),
          }),
        },
      },
      config: { public: true },
    },
    () => aefi.symptoms(),
  );

  app.post(
    '/api/people/:id/aefi',
    {
      schema: {
        operationId: 'reportAefi',
        tags: ['aefi'],
        summary:
          'Report a side effect after a dose (staff). A serious report opens an investigation and alerts the district at once',
        description: OUTSIDE_SCOPE,
        params: PersonParams,
        body: AefiBody,
        response: { 201: AefiReport, ...errors(400, 401, 403, 404, 409) },
      },
      config: {
        access: {
          action: 'aefi.write',
          scope: ofPerson<{ id: number }>(
            'aefi.write',
            (p) => p.id,
            (p, req) => aefi.doseScope(p.id, (req.body as { doseId: number }).doseId),
            'The dose',
          ),
        },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(
          await aefi.report(
            { kind: 'staff', principal: principalOf(req) },
            req.params.id,
            req.body,
            ctxOf(req),
          ),
        ),
  );

  app.post(
    '/api/citizen/people/:id/aefi',
    {
      schema: {
        operationId: 'citizenReportAefi',
        tags: ['citizen'],
        summary: 'Report a side effect after a dose, for yourself or a family member',
        params: PersonParams,
        body: AefiBody,
        response: { 201: AefiReport, ...errors(400, 401, 404, 409) },
      },
      config: { citizen: true },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(
          await aefi.report(
            { kind: 'citizen', accountId: citizenOf(req).accountId },
            req.params.id,
            req.body,
            ctxOf(req),
          ),
        ),
  );

  app.get(
    '/api/citizen/people/:id/doses',
    {
      schema: {
        operationId: 'citizenPersonDoses',
        tags: ['citizen'],
        summary: 'The doses of yourself or a family member',
        params: PersonParams,
        response: { 200: Type.Object({ items: Type.Array(DoseView) }), ...errors(401, 404) },
      },
      config: { citizen: true },
    },
    async (req) => {
      await registration.familyMember(citizenOf(req).accountId, req.params.id);
      return { items: await dosesOfPerson(deps.read, req.params.id) };
    },
  );

  app.get(
    '/api/aefi',
    {
      schema: {
        operationId: 'listAefi',
        tags: ['aefi'],
        summary: 'Side-effect reports in your scope, newest first',
        querystring: AefiList,
        response: { 200: Type.Object({ items: Type.Array(AefiReport) }), ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'aefi.read' } },
    },
    (req) => aefi.list(principalOf(req), req.query),
  );

  app.get(
    '/api/aefi/lots',
    {
      schema: {
        operationId: 'aefiByLot',
        tags: ['aefi'],
        summary: 'Side-effect reports per lot, with the doses given from it: a bad lot shows up',
        response: { 200: Type.Object({ items: Type.Array(LotSignal) }), ...errors(401, 403) },
      },
      config: { access: { action: 'aefi.read' } },
    },
    (req) => aefi.lots(principalOf(req)),
  );

  const reportScope = (action: Action) =>
    ofPerson<{ personId: number; id: number }>(
      action,
      (p) => p.personId,
      (p) => aefi.reportScope(p.personId, p.id),
      'The side-effect report',
    );

  app.get(
    '/api/aefi/:personId/:id',
    {
      schema: {
        operationId: 'getAefi',
        tags: ['aefi'],
        description: OUTSIDE_SCOPE,
        params: PersonItemParams,
        response: { 200: AefiReport, ...errors(401, 403, 404) },
      },
      config: { access: { action: 'aefi.read', scope: reportScope('aefi.read') } },
    },
    (req) => aefi.get(req.params.personId, req.params.id),
  );

  app.post(
    '/api/aefi/:personId/:id/investigation',
    {
      schema: {
        operationId: 'aefiInvestigation',
        tags: ['aefi'],
        summary:
          'Move an investigation on (open, investigating, closed) with a note; closing needs the WHO causality',
        description: OUTSIDE_SCOPE,
        params: PersonItemParams,
        body: InvestigationBody,
        response: { 200: AefiReport, ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'aefi.investigate', scope: reportScope('aefi.investigate') } },
    },
    (req) => aefi.investigate(principalOf(req), req.params.personId, req.params.id, req.body, ctxOf(req)),
  );

  // -------------------------------------------------------------------------------------------
  // Officer alerts and programme settings

  app.get(
    '/api/alerts',
    {
      schema: {
        operationId: 'listAlerts',
        tags: ['alerts'],
        summary: 'Alerts for officers in your scope (serious side effects and more), newest first',
        querystring: AlertList,
        response: { 200: Type.Object({ items: Type.Array(AlertView) }), ...errors(400, 401, 403) },
      },
      config: { access: { action: 'alert.read' } },
    },
    (req) => aefi.alerts(principalOf(req), req.query),
  );

  app.post(
    '/api/alerts/:id/acknowledge',
    {
      schema: {
        operationId: 'acknowledgeAlert',
        tags: ['alerts'],
        params: IdParams,
        response: { 200: AlertView, ...errors(401, 403, 404, 409) },
      },
      config: {
        access: {
          action: 'alert.acknowledge',
          scope: (req) => aefi.alertScope((req.params as { id: number }).id),
        },
      },
    },
    (req) => aefi.acknowledge(principalOf(req), req.params.id, ctxOf(req)),
  );

  app.get(
    '/api/programme-settings',
    {
      schema: {
        operationId: 'programmeSettings',
        tags: ['programme'],
        response: { 200: ProgrammeSettings, ...errors(401) },
      },
      config: { staff: true },
    },
    () => aefi.settings(),
  );

  app.put(
    '/api/programme-settings',
    {
      schema: {
        operationId: 'saveProgrammeSettings',
        tags: ['programme'],
        summary: 'Change programme-wide switches (national admin)',
        body: ProgrammeSettings,
        response: { 200: ProgrammeSettings, ...errors(400, 401, 403) },
      },
      config: { access: { action: 'programme.write', scope: async () => ({ kind: 'national' }) } },
    },
    (req) => aefi.saveSettings(principalOf(req), req.body, ctxOf(req)),
  );
}
