import type { FastifyError, FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';

/** The one error body every failure has. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. `validation_failed`.' }),
      message: Type.String({ description: 'What went wrong, for a person.' }),
      details: Type.Optional(Type.Unknown()),
      requestId: Type.String(),
    }),
  },
  { $id: 'ErrorBody', description: 'Error' },
);

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details);
export const unauthorized = (code: string, message: string) => new AppError(401, code, message);
export const forbidden = (message = 'You do not have permission to do this here.') =>
  new AppError(403, 'forbidden', message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} was not found.`);
export const conflict = (code: string, message: string, details?: unknown) =>
  new AppError(409, code, message, details);

interface FieldProblem {
  field: string;
  message: string;
}

function fieldName(instancePath: string, params: Record<string, unknown>, part: string | undefined): string {
  const base = instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = (params.additionalProperty ?? params.missingProperty) as string | undefined;
  const name = [base, extra].filter(Boolean).join('.');
  return name || part || 'body';
}

/** Maps every error to the one shape. Database and programming errors never leave with their text. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & { validationContext?: string }, req, reply) => {
    const requestId = String(req.id);
    const send = (status: number, code: string, message: string, details?: unknown) =>
      reply
        .status(status)
        .send({ error: { code, message, ...(details === undefined ? {} : { details }), requestId } });

    if (err instanceof AppError) {
      if (err.headers) void reply.headers(err.headers);
      return send(err.statusCode, err.code, err.message, err.details);
    }
    if (err.validation) {
      const problems: FieldProblem[] = err.validation.map((v) => {
        const params = v.params ?? {};
        const field = fieldName(v.instancePath ?? '', params, err.validationContext);
        let message = v.message ?? 'is not valid';
        if (v.keyword === 'additionalProperties') message = 'is not a known field';
        if (v.keyword === 'required') message = 'is required';
        return { field, message };
      });
      const first = problems[0];
      return send(
        400,
        'validation_failed',
        first
          ? `The ${err.validationContext ?? 'request'} field "${first.field}" ${first.message}.`
          : 'The request is not valid.',
        problems,
      );
    }
    switch (err.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(400, 'malformed_json', 'The request body is not valid JSON.');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(413, 'body_too_large', 'The request body is larger than this endpoint accepts.');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(
          415,
          'unsupported_media_type',
          'This content type is not accepted here; send application/json.',
        );
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return send(400, 'bad_content_length', 'The Content-Length header does not match the body.');
      case 'FST_ERR_RATE_LIMIT_EXCEEDED':
        return send(429, 'rate_limited', 'Too many requests. Wait a moment and try again.');
      default:
        break;
    }
    if (err.statusCode === 429)
      return send(429, 'rate_limited', 'Too many requests. Wait a moment and try again.');
    const pgCode = (err as unknown as { code?: string }).code;
    if (pgCode === '23505')
      return send(409, 'conflict', 'This would duplicate a record that already exists.');
    if (pgCode === '23503')
      return send(
        409,
        'reference_conflict',
        'This refers to a record that does not exist or is still in use.',
      );
    if (
      pgCode === '23514' ||
      pgCode === '22P02' ||
      pgCode === '22003' ||
      pgCode === '22007' ||
      pgCode === '22008'
    )
      return send(400, 'invalid_value', 'A value is outside what is allowed.');
    if (pgCode === '22021' || pgCode === '22P05' || pgCode === '54000')
      return send(
        400,
        'invalid_text',
        'A text contains characters that cannot be stored (such as a NUL character).',
      );
    if (pgCode === '57014') return send(503, 'timeout', 'The request took too long. Try again.');
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return send(err.statusCode, 'bad_request', err.message);
    }
    req.log.error({ err }, 'unhandled error');
    return send(
      500,
      'internal_error',
      'Something went wrong on our side. The request id helps support find it.',
    );
  });
}

/** The one not-found answer: JSON for the API; with a web app, its shell for client-side routes. */
export function registerNotFound(app: FastifyInstance, spaShell: boolean): void {
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '';
    if (
      spaShell &&
      req.method === 'GET' &&
      !url.startsWith('/api/') &&
      !url.startsWith('/health/') &&
      !/\.[a-z0-9]+$/i.test(url)
    ) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.status(404).send({
      error: {
        code: 'not_found',
        message: `There is no ${req.method} ${url} here.`,
        requestId: String(req.id),
      },
    });
  });
}
