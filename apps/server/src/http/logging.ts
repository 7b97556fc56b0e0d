import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';

/**
 * Personal data never reaches the logs: request bodies are not logged, and these paths are
 * censored wherever a log call might carry them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.refreshToken',
  '*.accessToken',
  '*.phone',
  '*.idNumber',
  '*.nationalId',
  '*.dateOfBirth',
  '*.nameEn',
  '*.nameBn',
  '*.otp',
];

export function loggerOptions(config: Pick<Config, 'LOG_LEVEL'>): FastifyServerOptions['logger'] {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: req.url.replace(/([?&](q|phone|idNumber)=)[^&]*/g, '$1[redacted]'),
      }),
    },
  };
}
