import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  FastifyRequest,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { RequestContext } from '../access/service.ts';

/** The Fastify instance type routes are written against: TypeBox schemas give typed handlers. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
export const Limit = (max = 500, def = 100) => Type.Integer({ minimum: 1, maximum: max, default: def });

export const ctxOf = (req: FastifyRequest): RequestContext => ({
  requestId: String(req.id),
  ip: req.ip,
  userAgent: req.headers['user-agent'],
});

/** Standard error responses, declared on every route so the OpenAPI document shows them. */
export const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, Type.Ref('ErrorBody')]));
