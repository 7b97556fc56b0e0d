import { Type } from '@sinclair/typebox';
import { normalisePhone } from '@dosewise/domain';
import { citizenOf, principalOf } from '../http/access-hooks.ts';
import { badRequest } from '../http/errors.ts';
import { ctxOf, errors, IdParams, type App } from '../http/types.ts';
import type { ReferenceService } from '../reference/service.ts';
import type { OtpService } from './otp.ts';
import type { PriorityGroupService } from './groups.ts';
import type { RegistrationService } from './service.ts';
import {
  AssistedRegistrationBody,
  IdTypeSchema,
  Locale,
  Phone,
  PriorityGroupInput,
  RegistrationBody,
} from './schemas.ts';

const GroupCode = Type.Object({ code: Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 40 }) });

function phoneOrError(raw: string): string {
  const r = normalisePhone(raw, 'BD');
  if (!r.ok)
    throw badRequest('invalid_phone', 'This is not a mobile phone number we can send a code to.', [
      { field: 'phone' },
    ]);
  return r.e164;
}

/**
 * How staff routes of a person answer for a person outside the caller's scope (staff who may read
 * the person but not do this get 403).
 */
export const OUTSIDE_SCOPE =
  'A person outside your scope is answered like a person who does not exist: 404 `not_found`.';

export function registrationRoutes(
  app: App,
  deps: {
    otp: OtpService;
    registration: RegistrationService;
    groups: PriorityGroupService;
    reference: ReferenceService;
    settings: { consentVersion: string; peoplePerPhone: number; otpTtlS: number; verifyPerIpMinute: number };
    /** Tells the SMS workers a code is waiting. */
    nudgeSms?: () => void;
  },
) {
  const { otp, registration, groups } = deps;

  app.get(
    '/api/registration/settings',
    {
      schema: {
        operationId: 'registrationSettings',
        tags: ['registration'],
        summary:
          'What the registration screens need to know: the consent notice version and the family size limit',
        response: {
          200: Type.Object({
            consentVersion: Type.String(),
            peoplePerPhone: Type.Integer(),
            otpTtlSeconds: Type.Integer(),
          }),
        },
      },
      config: { public: true },
    },
    async () => ({
      consentVersion: deps.settings.consentVersion,
      peoplePerPhone: deps.settings.peoplePerPhone,
      otpTtlSeconds: deps.settings.otpTtlS,
    }),
  );

  app.get(
    '/api/priority-groups',
    {
      schema: {
        operationId: 'listPriorityGroups',
        tags: ['registration'],
        summary: 'Priority groups (current version of each)',
        response: { 200: Type.Array(Type.Ref('PriorityGroup')) },
      },
      config: { public: true },
    },
    () => groups.list(),
  );

  app.post(
    '/api/priority-groups/:code',
    {
      schema: {
        operationId: 'createPriorityGroup',
        tags: ['registration'],
        params: GroupCode,
        body: PriorityGroupInput,
        response: { 201: Type.Ref('PriorityGroup'), ...errors(400, 401, 403, 409) },
      },
      config: { access: { action: 'priority.write', scope: async () => ({ kind: 'national' }) } },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await groups.save(principalOf(req), req.params.code, req.body, 'create', ctxOf(req))),
  );

  app.put(
    '/api/priority-groups/:code',
    {
      schema: {
        operationId: 'updatePriorityGroup',
        tags: ['registration'],
        summary: 'Edit a group: saved as its next version',
        params: GroupCode,
        body: PriorityGroupInput,
        response: { 200: Type.Ref('PriorityGroup'), ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'priority.write', scope: async () => ({ kind: 'national' }) } },
    },
    (req) => groups.save(principalOf(req), req.params.code, req.body, 'update', ctxOf(req)),
  );

  app.post(
    '/api/priority-groups/:code/roster',
    {
      schema: {
        operationId: 'importPriorityRoster',
        tags: ['registration'],
        summary: 'Pre-loaded list for a roster group (CSV: id_type, id_number); kept only as blind indexes',
        params: GroupCode,
        consumes: ['text/csv'],
        body: Type.String({ minLength: 1 }),
        response: { 200: Type.Ref('ImportReport'), ...errors(400, 401, 403, 404, 413, 415) },
      },
      config: { access: { action: 'priority.write', scope: async () => ({ kind: 'national' }) } },
    },
    (req) => groups.importRoster(principalOf(req), req.params.code, req.body, ctxOf(req)),
  );

  // Public reference data for the citizen screens: names and codes only.
  app.get(
    '/api/public/areas',
    {
      schema: {
        operationId: 'publicAreas',
        tags: ['registration'],
        querystring: Type.Object(
          { parentId: Type.Optional(Type.Integer({ minimum: 1 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              code: Type.String(),
              depth: Type.Integer(),
              nameEn: Type.String(),
              nameBn: Type.String(),
              childCount: Type.Integer(),
            }),
          ),
          ...errors(400),
        },
      },
      config: { public: true },
    },
    async (req) =>
      (await deps.reference.publicAreas(req.query.parentId)).map((a) => ({
        id: a.id,
        code: a.code,
        depth: a.depth,
        nameEn: a.nameEn,
        nameBn: a.nameBn,
        childCount: a.childCount ?? 0,
      })),
  );

  app.get(
    '/api/public/facilities',
    {
      schema: {
        operationId: 'publicFacilities',
        tags: ['registration'],
        summary: 'Active vaccination centres inside an area',
        querystring: Type.Object({ areaId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              code: Type.String(),
              nameEn: Type.String(),
              nameBn: Type.String(),
              type: Type.String(),
              address: Type.String(),
              latitude: Type.Union([Type.Number(), Type.Null()]),
              longitude: Type.Union([Type.Number(), Type.Null()]),
            }),
          ),
          ...errors(400, 404),
        },
      },
      config: { public: true },
    },
    async (req) => deps.reference.publicFacilities(req.query.areaId),
  );

  app.get(
    '/api/public/products',
    {
      schema: {
        operationId: 'publicProducts',
        tags: ['registration'],
        summary: "Vaccines offered, for a citizen's preference at registration",
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              code: Type.String(),
              name: Type.String(),
              manufacturer: Type.String(),
              primaryDoses: Type.Integer(),
              minAgeYears: Type.Integer(),
            }),
          ),
        },
      },
      config: { public: true },
    },
    async () =>
      (await deps.reference.listProducts(false)).map((p) => ({
        id: p.id,
        code: p.code,
        name: p.name,
        manufacturer: p.manufacturer,
        primaryDoses: p.primaryDoses,
        minAgeYears: p.minAgeYears,
      })),
  );

  app.post(
    '/api/citizen/otp',
    {
      schema: {
        operationId: 'requestOtp',
        tags: ['citizen'],
        summary: 'Send a sign-in code by SMS. The answer is the same whether or not the phone is known.',
        body: Type.Object({ phone: Phone, locale: Type.Optional(Locale) }, { additionalProperties: false }),
        response: {
          202: Type.Object({ challengeId: Type.String(), expiresIn: Type.Integer() }),
          ...errors(400, 429),
        },
      },
      config: { public: true },
    },
    async (req, reply) => {
      const sent = await otp.request(phoneOrError(req.body.phone), {
        ip: req.ip,
        requestId: String(req.id),
        locale: req.body.locale ?? 'bn',
      });
      deps.nudgeSms?.();
      return reply.status(202).send(sent);
    },
  );

  app.post(
    '/api/citizen/otp/verify',
    {
      schema: {
        operationId: 'verifyOtp',
        tags: ['citizen'],
        body: Type.Object(
          { challengeId: Type.String({ format: 'uuid' }), code: Type.String({ pattern: '^\\d{6}$' }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ token: Type.String(), expiresIn: Type.Integer() }),
          ...errors(400, 429),
        },
      },
      config: { public: true, rateLimit: { max: deps.settings.verifyPerIpMinute, timeWindow: '1 minute' } },
    },
    async (req) => {
      const r = await otp.verify(req.body.challengeId, req.body.code, {
        ip: req.ip,
        requestId: String(req.id),
      });
      return { token: r.token, expiresIn: r.expiresIn };
    },
  );

  app.get(
    '/api/citizen/people',
    {
      schema: {
        operationId: 'listFamily',
        tags: ['citizen'],
        summary: 'The people registered with this phone',
        response: { 200: Type.Array(Type.Ref('Person')), ...errors(401) },
      },
      config: { citizen: true },
    },
    (req) => registration.family(citizenOf(req).accountId),
  );

  app.post(
    '/api/citizen/people',
    {
      schema: {
        operationId: 'registerPerson',
        tags: ['citizen'],
        summary: 'Register self or a family member',
        body: RegistrationBody,
        response: { 201: Type.Ref('Person'), ...errors(400, 401, 409) },
      },
      config: { citizen: true },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(
          await registration.register(
            req.body,
            { kind: 'self', accountId: citizenOf(req).accountId },
            ctxOf(req),
          ),
        ),
  );

  app.delete(
    '/api/citizen/people/:id',
    {
      schema: {
        operationId: 'removeFamilyMember',
        tags: ['citizen'],
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 404) },
      },
      config: { citizen: true },
    },
    async (req, reply) => {
      await registration.removeFromFamily(citizenOf(req).accountId, req.params.id, ctxOf(req));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/facilities/:id/registrations',
    {
      schema: {
        operationId: 'registerAtFacility',
        tags: ['people'],
        summary: 'Assisted registration at a facility, with or without a phone',
        params: IdParams,
        body: AssistedRegistrationBody,
        response: { 201: Type.Ref('Person'), ...errors(400, 401, 403, 404, 409) },
      },
      config: {
        access: {
          action: 'person.register',
          scope: (req) => deps.reference.facilityScope((req.params as { id: number }).id),
        },
      },
    },
    async (req, reply) => {
      const { phone, ...input } = req.body;
      return reply.status(201).send(
        await registration.register(
          input,
          {
            kind: 'assisted',
            staff: principalOf(req),
            facilityId: req.params.id,
            phone: phone ? phoneOrError(phone) : undefined,
          },
          ctxOf(req),
        ),
      );
    },
  );

  app.get(
    '/api/people',
    {
      schema: {
        operationId: 'searchPeople',
        tags: ['people'],
        summary:
          'Find people in your scope by ID, registration number, phone or name; every search is audited',
        querystring: Type.Object(
          {
            idType: Type.Optional(IdTypeSchema),
            idNumber: Type.Optional(Type.String({ maxLength: 30 })),
            registrationNumber: Type.Optional(Type.String({ maxLength: 30 })),
            phone: Type.Optional(Phone),
            name: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Type.Ref('Person')), ...errors(400, 401, 403) },
      },
      config: { access: { action: 'person.read' } },
    },
    (req) => {
      const { phone, idNumber, idType, ...rest } = req.query;
      return registration.search(
        principalOf(req),
        {
          ...rest,
          ...(idNumber ? { idNumber, idType: idType ?? 'nid' } : {}),
          ...(phone ? { phone: phoneOrError(phone) } : {}),
        },
        ctxOf(req),
      );
    },
  );

  app.get(
    '/api/people/:id',
    {
      schema: {
        operationId: 'getPerson',
        tags: ['people'],
        summary: "A person's record (audited)",
        description: OUTSIDE_SCOPE,
        params: IdParams,
        response: { 200: Type.Ref('Person'), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'person.read' } },
    },
    (req) => registration.staffGet(principalOf(req), req.params.id, ctxOf(req)),
  );

  app.patch(
    '/api/people/:id',
    {
      schema: {
        operationId: 'correctPerson',
        tags: ['people'],
        summary: 'Correct demographic data; the old values, who and why are kept',
        description: OUTSIDE_SCOPE,
        params: IdParams,
        body: Type.Object(
          {
            changes: Type.Object(
              {
                nameEn: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
                nameBn: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
                dateOfBirth: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
                gender: Type.Optional(
                  Type.Union([Type.Literal('female'), Type.Literal('male'), Type.Literal('third_gender')]),
                ),
                areaId: Type.Optional(Type.Integer({ minimum: 1 })),
                addressLine: Type.Optional(Type.String({ maxLength: 200 })),
              },
              { additionalProperties: false, minProperties: 1 },
            ),
            reason: Type.String({ minLength: 5, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('Person'), ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'person.correct' } },
    },
    (req) =>
      registration.correct(principalOf(req), req.params.id, req.body.changes, req.body.reason, ctxOf(req)),
  );

  app.get(
    '/api/people/:id/corrections',
    {
      schema: {
        operationId: 'personCorrections',
        tags: ['people'],
        description: OUTSIDE_SCOPE,
        params: IdParams,
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              changes: Type.Record(Type.String(), Type.Unknown()),
              reason: Type.String(),
              correctedAt: Type.String(),
              correctedBy: Type.Union([Type.String(), Type.Null()]),
            }),
          ),
          ...errors(401, 403, 404),
        },
      },
      config: { access: { action: 'person.read' } },
    },
    (req) => registration.corrections(principalOf(req), req.params.id, ctxOf(req)),
  );

  app.post(
    '/api/people/:id/priority-decision',
    {
      schema: {
        operationId: 'decidePriority',
        tags: ['people'],
        summary: 'Approve or reject a priority group that needs staff approval',
        description: OUTSIDE_SCOPE,
        params: IdParams,
        body: Type.Object({ approve: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Type.Ref('Person'), ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'person.approve' } },
    },
    (req) => registration.decidePriority(principalOf(req), req.params.id, req.body.approve, ctxOf(req)),
  );
}
