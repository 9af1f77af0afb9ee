import { createHash } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Request } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { ApiErrors } from './api-envelope.decorator.js';
import type { Envelope } from './error.filter.js';

/**
 * Rate limits on the expensive or sensitive entry points (issue "Hardening"): the token endpoint
 * per client address, and the CSV uploads per bearer token, so that one tenant's bulk uploads
 * never throttle another's. (express-rate-limit rather than @nestjs/throttler: the latter is
 * CommonJS and cannot load the ESM-only NestJS 12 under Jest on Node 20.)
 */
export const RATE_LIMITS = {
  '/oauth/token': { perMinute: 30, by: 'address' },
  '/customers/import/validate': { perMinute: 60, by: 'token' },
  '/business/clients/v1/import/validate': { perMinute: 60, by: 'token' },
} as const;

function keyOf(by: 'address' | 'token', req: Request): string {
  const authorization = req.headers.authorization;
  if (by === 'token' && authorization)
    return createHash('sha256').update(authorization).digest('base64url');
  return ipKeyGenerator(req.ip ?? 'unknown');
}

export function applyRateLimits(app: INestApplication): void {
  for (const [path, { perMinute, by }] of Object.entries(RATE_LIMITS)) {
    app.use(
      path,
      rateLimit({
        windowMs: 60_000,
        limit: perMinute,
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        keyGenerator: (req) => keyOf(by, req),
        skip: (req) => req.method !== 'POST',
        handler: (_req, res) => {
          res.status(429).json(rateLimitedEnvelope(perMinute));
        },
      }),
    );
  }
}

function rateLimitedEnvelope(perMinute: number): Envelope {
  return {
    code: 429,
    message: `too many requests: at most ${perMinute} a minute`,
    data: {
      type: 'rate_limited',
      errors: [{ key: 'request', message: 'rate_limited', value: String(perMinute) }],
    },
  };
}

/** Documents a route's rate limit in Swagger, with the answer the limiter sends. */
export const RateLimited = (path: keyof typeof RATE_LIMITS) =>
  ApiErrors({
    429: {
      description: `More than ${RATE_LIMITS[path].perMinute} requests a minute (per ${RATE_LIMITS[path].by})`,
      error: rateLimitedEnvelope(RATE_LIMITS[path].perMinute),
    },
  });
