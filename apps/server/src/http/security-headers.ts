import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * The app's security headers (helmet, as configured in http/app.ts) on every answer. The helmet
 * plugin, registered globally, rebuilds its middlewares, the Content-Security-Policy included, on
 * every request: a sixth of the cost of a cached public read. The headers depend only on the
 * configuration, so the plugin is registered with `global: false` and this hook has helmet make
 * them once, on the first request, and sets them as they are afterwards.
 */
export function securityHeadersOnce() {
  let headers: [string, number | string | string[]][] | undefined;
  return function securityHeaders(_req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    const raw = reply.raw;
    if (headers) {
      for (const [name, value] of headers) raw.setHeader(name, value);
    } else if (typeof reply.helmet === 'function') {
      const before = new Set(raw.getHeaderNames());
      reply.helmet();
      headers = raw
        .getHeaderNames()
        .filter((name) => !before.has(name))
        .map((name) => [name, raw.getHeader(name)!]);
    }
    done();
  };
}
