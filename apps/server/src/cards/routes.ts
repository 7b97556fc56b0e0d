import { Type } from '@sinclair/typebox';
import { citizenOf, principalOf } from '../http/access-hooks.ts';
import { ctxOf, errors, IdParams, type App } from '../http/types.ts';
import { OUTSIDE_SCOPE } from '../registration/routes.ts';
import type { RegistrationService } from '../registration/service.ts';
import type { CardService } from './service.ts';

const Pdf = Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' });
const LocaleQuery = Type.Object(
  { locale: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('bn')])) },
  { additionalProperties: false },
);

export function cardRoutes(app: App, deps: { cards: CardService; registration: RegistrationService }) {
  const { cards, registration } = deps;

  app.get(
    '/api/card-keys',
    {
      schema: {
        operationId: 'cardKeys',
        tags: ['cards'],
        summary: 'Public keys that verify the signed token on vaccination cards (for offline checks)',
        response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
      },
      config: { public: true },
    },
    async (_req, reply) =>
      reply.header('cache-control', 'public, max-age=300').send({ keys: cards.publicKeys() }),
  );

  app.get(
    '/api/citizen/people/:id/card.pdf',
    {
      schema: {
        operationId: 'citizenCardPdf',
        tags: ['citizen'],
        summary: 'Vaccination card (PDF, English and Bengali)',
        params: IdParams,
        querystring: LocaleQuery,
        produces: ['application/pdf'],
        response: { 200: Pdf, ...errors(401, 404) },
      },
      config: { citizen: true },
    },
    async (req, reply) => {
      const p = await registration.familyMember(citizenOf(req).accountId, req.params.id);
      const pdf = await cards.pdf(p.id, req.query.locale);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="vaccination-card-${p.registration_number}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );

  app.get(
    '/api/people/:id/card.pdf',
    {
      schema: {
        operationId: 'staffCardPdf',
        tags: ['people'],
        summary: "Print a person's vaccination card (audited)",
        description: OUTSIDE_SCOPE,
        params: IdParams,
        querystring: LocaleQuery,
        produces: ['application/pdf'],
        response: { 200: Pdf, ...errors(401, 403, 404) },
      },
      config: { access: { action: 'person.read' } },
    },
    async (req, reply) => {
      const p = await registration.staffGet(principalOf(req), req.params.id, ctxOf(req));
      const pdf = await cards.pdf(p.id, req.query.locale);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="vaccination-card-${p.registrationNumber}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );
}
