import { Type } from '@sinclair/typebox';
import { citizenOf, principalOf } from '../http/access-hooks.ts';
import { ctxOf, errors, IdParams, type App } from '../http/types.ts';
import { OUTSIDE_SCOPE } from '../registration/routes.ts';
import type { RegistrationService } from '../registration/service.ts';
import type { CertificateService } from './service.ts';

const Qr = Type.Object({
  euDcc: Type.String({ description: 'EU DCC QR text (HC1:...)' }),
  shc: Type.Array(Type.String(), {
    description: 'SMART Health Card QR texts: one shc:/... or its shc:/i/n/... chunks',
  }),
  native: Type.String({ description: 'Native QR text for domestic checks (DWV1:...)' }),
});

const Certificate = Type.Object({
  id: Type.Integer(),
  personId: Type.Integer(),
  hcid: Type.String({ description: 'Health certificate identifier (UVCI form)' }),
  version: Type.Integer(),
  status: Type.Union([Type.Literal('provisional'), Type.Literal('complete'), Type.Literal('booster')]),
  doseId: Type.Integer(),
  doseNumber: Type.Integer(),
  issuedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  reason: Type.String({ description: 'Why it was issued: dose, person_corrected, dose_corrected, reissued' }),
  revoked: Type.Boolean(),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedReason: Type.Union([Type.String(), Type.Null()]),
  qr: Type.Union([Qr, Type.Null()], { description: 'The QR texts; null once revoked' }),
});

const CertificateParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  certificateId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

const LocaleQuery = Type.Object(
  { locale: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('bn')])) },
  { additionalProperties: false },
);

/** Public members of a JWK: the response schema lets nothing else (no private `d`) leave. */
const PublicJwk = Type.Object({
  kty: Type.String(),
  crv: Type.String(),
  x: Type.String(),
  y: Type.String(),
  kid: Type.String(),
  use: Type.Optional(Type.String()),
  alg: Type.Optional(Type.String()),
});
const Jwks = Type.Object({ keys: Type.Array(PublicJwk) });

const TrustListBody = Type.Object({
  dcc: Type.Array(
    Type.Object({
      kid: Type.String({ description: 'EU DCC key id: base64 of the first 8 bytes of SHA-256 of the DER' }),
      certificate: Type.String({ description: 'Document signer certificate, base64 DER' }),
    }),
  ),
  shc: Type.Array(Type.Object({ iss: Type.String(), jwks: Jwks })),
});

const RevocationsBody = Type.Object({
  dcc: Type.Array(
    Type.Object({
      kid: Type.Optional(Type.String()),
      hashType: Type.Union([Type.Literal('UCI'), Type.Literal('COUNTRYCODEUCI'), Type.Literal('SIGNATURE')]),
      hashes: Type.Array(Type.String()),
    }),
  ),
  shc: Type.Array(
    Type.Object({
      iss: Type.String(),
      kid: Type.String(),
      method: Type.Optional(Type.Literal('rid')),
      ctr: Type.Optional(Type.Integer()),
      rids: Type.Array(Type.String()),
    }),
  ),
});

const Verification = Type.Object({
  format: Type.Union([
    Type.Literal('eu-dcc'),
    Type.Literal('smart-health-card'),
    Type.Literal('dosewise'),
    Type.Literal('unknown'),
  ]),
  valid: Type.Boolean(),
  decoded: Type.Boolean(),
  signature: Type.Boolean(),
  trusted: Type.Boolean(),
  keyUsage: Type.Boolean(),
  notExpired: Type.Boolean(),
  notRevoked: Type.Boolean(),
  schema: Type.Boolean(),
  reasons: Type.Array(Type.String(), {
    description: 'Stable codes: bad_signature, unknown_key, revoked, expired...',
  }),
  issuer: Type.Union([Type.String(), Type.Null()]),
  issuedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  holder: Type.Union(
    [
      Type.Object({
        name: Type.String(),
        dateOfBirth: Type.String(),
        doses: Type.Array(
          Type.Object({
            doseNumber: Type.Union([Type.Integer(), Type.Null()]),
            totalDoses: Type.Union([Type.Integer(), Type.Null()]),
            date: Type.String(),
            vaccine: Type.String(),
            country: Type.Union([Type.String(), Type.Null()]),
          }),
        ),
      }),
      Type.Null(),
    ],
    { description: 'Shown only when the signature holds under a trusted key' },
  ),
});

const Pdf = Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' });
const ShcFile = Type.Unsafe<string>({
  type: 'string',
  description: 'application/smart-health-card: { "verifiableCredential": [<JWS>] }',
});

export function certificateRoutes(
  app: App,
  deps: {
    certificates: CertificateService;
    registration: RegistrationService;
    settings: { verifyPerIpMinute: number };
  },
) {
  const { certificates, registration } = deps;

  // Public: what verifiers anywhere need, and nothing private.
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        operationId: 'shcJwks',
        tags: ['certificates'],
        summary: 'SMART Health Card issuer keys (the issuer is this deployment’s public URL)',
        response: { 200: Jwks },
      },
      config: { public: true },
    },
    async (_req, reply) =>
      reply
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*')
        .send(await certificates.jwks()),
  );

  app.get(
    '/api/public/trust-list',
    {
      schema: {
        operationId: 'certificateTrustList',
        tags: ['certificates'],
        summary:
          'Every document signer certificate and SMART Health Card key, current and retired (the verifier’s --trust file)',
        response: { 200: TrustListBody },
      },
      config: { public: true },
    },
    async (_req, reply) =>
      reply
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*')
        .send(await certificates.trustList()),
  );

  app.get(
    '/api/public/revocations',
    {
      schema: {
        operationId: 'certificateRevocations',
        tags: ['certificates'],
        summary:
          'Revoked certificates: EU DCC style UCI hashes (also for native certificates) and SMART Health Card rids (the verifier’s --revocations file)',
        response: { 200: RevocationsBody },
      },
      config: { public: true },
    },
    async (_req, reply) =>
      reply
        .header('cache-control', 'public, max-age=60')
        .header('access-control-allow-origin', '*')
        .send(await certificates.revocationLists()),
  );

  app.post(
    '/api/public/verify',
    {
      schema: {
        operationId: 'verifyCertificate',
        tags: ['certificates'],
        summary:
          'Verify a certificate’s QR text (EU DCC, SMART Health Card or native): signature, trusted key, key usage, validity, revocation. Invalid input is answered with valid: false and its reasons',
        body: Type.Object(
          {
            text: Type.String({
              minLength: 1,
              maxLength: 20_000,
              description: 'The QR text; a SMART Health Card’s chunks one per line',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Verification, ...errors(400, 429) },
      },
      config: { public: true, rateLimit: { max: deps.settings.verifyPerIpMinute, timeWindow: '1 minute' } },
    },
    async (req, reply) =>
      reply.header('cache-control', 'no-store').send(await certificates.verify(req.body.text)),
  );

  // Citizen: the certificates of the people on their phone.
  app.get(
    '/api/citizen/people/:id/certificates',
    {
      schema: {
        operationId: 'citizenCertificates',
        tags: ['citizen'],
        summary: 'Certificates of a family member, newest first, with their QR texts per format',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Certificate) }), ...errors(401, 404) },
      },
      config: { citizen: true },
    },
    async (req, reply) => {
      const p = await registration.familyMember(citizenOf(req).accountId, req.params.id);
      return reply
        .header('cache-control', 'private, no-store')
        .send({ items: await certificates.list(p.id) });
    },
  );

  app.get(
    '/api/citizen/people/:id/certificates/:certificateId/pdf',
    {
      schema: {
        operationId: 'citizenCertificatePdf',
        tags: ['citizen'],
        summary: 'A certificate as a printable PDF (A4, English and Bengali, with its QR codes)',
        params: CertificateParams,
        querystring: LocaleQuery,
        produces: ['application/pdf'],
        response: { 200: Pdf, ...errors(401, 404, 409) },
      },
      config: { citizen: true },
    },
    async (req, reply) => {
      const p = await registration.familyMember(citizenOf(req).accountId, req.params.id);
      const r = await certificates.pdf(p.id, req.params.certificateId, req.query.locale);
      return reply
        .type('application/pdf')
        .header(
          'content-disposition',
          `inline; filename="vaccination-certificate-${p.registration_number}-v${r.version}.pdf"`,
        )
        .header('cache-control', 'private, no-store')
        .send(r.pdf);
    },
  );

  app.get(
    '/api/citizen/people/:id/certificates/:certificateId/shc',
    {
      schema: {
        operationId: 'citizenSmartHealthCard',
        tags: ['citizen'],
        summary: 'A certificate as a .smart-health-card file (for a health wallet app)',
        params: CertificateParams,
        produces: ['application/smart-health-card'],
        response: { 200: ShcFile, ...errors(401, 404, 409) },
      },
      config: { citizen: true },
    },
    async (req, reply) => {
      const p = await registration.familyMember(citizenOf(req).accountId, req.params.id);
      const r = await certificates.smartHealthCardFile(p.id, req.params.certificateId);
      return reply
        .type('application/smart-health-card')
        .header(
          'content-disposition',
          `attachment; filename="vaccination-${p.registration_number}-v${r.version}.smart-health-card"`,
        )
        .header('cache-control', 'private, no-store')
        .serializer((x: unknown) => x as string)
        .send(r.file);
    },
  );

  app.get(
    '/api/citizen/people/:id/certificates/:certificateId/fhir',
    {
      schema: {
        operationId: 'citizenCertificateFhir',
        tags: ['citizen'],
        summary: 'A certificate as a WHO DDCC:VS FHIR R4 document bundle (for health information systems)',
        params: CertificateParams,
        response: {
          200: Type.Object(
            { resourceType: Type.Literal('Bundle'), type: Type.String() },
            { additionalProperties: true },
          ),
          ...errors(401, 404, 409),
        },
      },
      config: { citizen: true },
    },
    async (req, reply) => {
      const p = await registration.familyMember(citizenOf(req).accountId, req.params.id);
      const document = await certificates.fhirDocument(p.id, req.params.certificateId);
      return reply.type('application/fhir+json').header('cache-control', 'private, no-store').send(document);
    },
  );

  // Staff.
  app.get(
    '/api/people/:id/certificates',
    {
      schema: {
        operationId: 'personCertificates',
        tags: ['certificates'],
        summary: "A person's certificates, newest first (audited as a read of the person)",
        description: OUTSIDE_SCOPE,
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Certificate) }), ...errors(401, 403, 404) },
      },
      config: { access: { action: 'person.read' } },
    },
    async (req) => {
      // A person outside the caller's scope is answered as one who does not exist.
      await certificates.mayRead(principalOf(req), req.params.id);
      const p = await registration.staffGet(principalOf(req), req.params.id, ctxOf(req));
      return { items: await certificates.list(p.id) };
    },
  );

  app.get(
    '/api/people/:id/certificates/:certificateId/pdf',
    {
      schema: {
        operationId: 'staffCertificatePdf',
        tags: ['certificates'],
        summary: "Print a person's certificate (PDF; audited as a read of the person)",
        description: OUTSIDE_SCOPE,
        params: CertificateParams,
        querystring: LocaleQuery,
        produces: ['application/pdf'],
        response: { 200: Pdf, ...errors(401, 403, 404, 409) },
      },
      config: { access: { action: 'person.read' } },
    },
    async (req, reply) => {
      await certificates.mayRead(principalOf(req), req.params.id);
      const p = await registration.staffGet(principalOf(req), req.params.id, ctxOf(req));
      const r = await certificates.pdf(p.id, req.params.certificateId, req.query.locale);
      return reply
        .type('application/pdf')
        .header(
          'content-disposition',
          `inline; filename="vaccination-certificate-${p.registrationNumber}-v${r.version}.pdf"`,
        )
        .header('cache-control', 'private, no-store')
        .send(r.pdf);
    },
  );

  app.post(
    '/api/people/:id/certificates/reissue',
    {
      schema: {
        operationId: 'reissueCertificates',
        tags: ['certificates'],
        summary:
          "Re-issue a person's certificates from their record as it is now: each certificate in force is revoked and replaced by a new version",
        description: OUTSIDE_SCOPE,
        params: IdParams,
        body: Type.Optional(
          Type.Object(
            { reason: Type.Optional(Type.String({ minLength: 3, maxLength: 500 })) },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: Type.Object({ items: Type.Array(Certificate) }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
      config: { access: { action: 'person.correct' } },
    },
    async (req) => ({
      items: await certificates.staffReissue(principalOf(req), req.params.id, req.body?.reason, ctxOf(req)),
    }),
  );

  app.post(
    '/api/people/:id/certificates/:certificateId/revoke',
    {
      schema: {
        operationId: 'revokeCertificate',
        tags: ['certificates'],
        summary:
          'Revoke a certificate: it goes on the published revocation lists and is not re-issued by itself',
        description: OUTSIDE_SCOPE,
        params: CertificateParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 3, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: Certificate, ...errors(400, 401, 403, 404, 409) },
      },
      config: { access: { action: 'person.correct' } },
    },
    async (req) =>
      certificates.staffRevoke(
        principalOf(req),
        req.params.id,
        req.params.certificateId,
        req.body.reason.trim(),
        ctxOf(req),
      ),
  );

  app.get(
    '/api/certificates',
    {
      schema: {
        operationId: 'findCertificate',
        tags: ['certificates'],
        summary: 'Find a certificate by its HCID (audited as a read of the person)',
        description:
          'A certificate of a person outside your scope is answered like an HCID no certificate has: 404 `not_found`.',
        querystring: Type.Object(
          { hcid: Type.String({ minLength: 1, maxLength: 100 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Certificate) }), ...errors(400, 401, 403, 404) },
      },
      config: { access: { action: 'person.read' } },
    },
    async (req) => {
      // The person's scope decides (outside it, 404 as for an unknown HCID)...
      const found = await certificates.findByHcid(principalOf(req), req.query.hcid);
      // ...and the look-up is recorded like any read of the person.
      await registration.staffGet(principalOf(req), found.person_id, ctxOf(req));
      return { items: [await certificates.one(found.person_id, found.id)] };
    },
  );
}
