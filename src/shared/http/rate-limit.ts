import { createHash } from 'node:crypto';
import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import ipaddr from 'ipaddr.js';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import type { AuthenticatedRequest } from '../auth/auth.decorators.js';
import { poolOf } from '../database/pool.js';
import { RateLimitedError } from '../domain-error.js';
import { ApiErrors, errorDoc } from './api-envelope.decorator.js';

/**
 * Rate limits on the expensive or sensitive entry points: the token endpoint per client address
 * (behind a proxy, the address TRUST_PROXY yields), and the validate uploads per verified caller
 * (the token's `sub` and business — never the bytes of the Authorization header, which can be
 * spelled many ways), so one tenant's bulk uploads never throttle another's. The counters live
 * in PostgreSQL (`rate_limits`), so every instance counts against the same limit.
 */
export const RATE_LIMITS = {
  oauth_token: { points: 30, windowSeconds: 60, by: 'address' },
  import_validate: { points: 60, windowSeconds: 60, by: 'principal' },
} as const satisfies Record<
  string,
  { points: number; windowSeconds: number; by: 'address' | 'principal' }
>;
export type RateLimitName = keyof typeof RATE_LIMITS;

const RATE_LIMIT_KEY = 'http:rate-limit';
const TABLE = 'rate_limits';

/**
 * Prefixes every counter's key. Empty in a deployment (all instances share the counters); the
 * e2e tests give each in-process application its own, so that tests running side by side on
 * one database do not share the one address 127.0.0.1's budget.
 */
export const RATE_LIMIT_NAMESPACE = Symbol('RATE_LIMIT_NAMESPACE');

/**
 * One limiter per policy, counting in PostgreSQL; while the database fails, each instance
 * counts alone in memory (logged) rather than turning requests into 500s or letting all in.
 */
@Injectable()
export class RateLimiters {
  private readonly logger = new Logger('RateLimit');
  private readonly shared = new Map<RateLimitName, RateLimiterAbstract>();
  private readonly local = new Map<RateLimitName, RateLimiterAbstract>();
  private lastWarning = 0;

  constructor(dataSource: DataSource, @Inject(RATE_LIMIT_NAMESPACE) namespace: string) {
    const pool = poolOf(dataSource);
    // The library names its prepared statements; the embedded database serves every connection
    // from one backend session, where a name prepared by one connection collides with the same
    // name from another. Unnamed statements work on both databases.
    const storeClient = {
      query: (q: { text: string; values?: unknown[] }) => pool.query(q.text, q.values),
    };
    for (const [name, policy] of Object.entries(RATE_LIMITS) as Array<
      [RateLimitName, (typeof RATE_LIMITS)[RateLimitName]]
    >) {
      const options = {
        keyPrefix: `${namespace}${name}`,
        points: policy.points,
        duration: policy.windowSeconds,
      };
      this.shared.set(
        name,
        new RateLimiterPostgres({
          ...options,
          storeClient,
          storeType: 'pool',
          tableName: TABLE,
          tableCreated: true, // by a migration
        }),
      );
      this.local.set(name, new RateLimiterMemory(options));
    }
  }

  /** Counts one request; rejects with the RateLimiterRes when the limit is reached. */
  async consume(name: RateLimitName, key: string): Promise<RateLimiterRes> {
    try {
      return await this.shared.get(name)!.consume(key);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error;
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn(
          { err: error, limit: name },
          'rate limits counted in memory: the database failed',
        );
      }
      return this.local.get(name)!.consume(key);
    }
  }
}

/** The client's address; IPv6 clients are grouped by their /64, which one host usually owns. */
export function addressKey(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return 'unknown';
  const parsed = ipaddr.process(ip);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const bytes = (parsed as ipaddr.IPv6).toByteArray().slice(0, 8);
  return `${Buffer.from(bytes).toString('hex')}::/64`;
}

/** The verified caller: its subject and the business it acts for. */
export function principalKey(sub: string, businessUid: string | undefined): string {
  return createHash('sha256')
    .update(`${sub}\u0000${businessUid ?? ''}`)
    .digest('base64url');
}

/** Counts the request against the route's limit; past it, 429 in the envelope with Retry-After. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimit');

  constructor(
    private readonly reflector: Reflector,
    private readonly limiters: RateLimiters,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const name = this.reflector.get<RateLimitName | undefined>(
      RATE_LIMIT_KEY,
      context.getHandler(),
    );
    if (!name) return true;
    const policy = RATE_LIMITS[name];
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    // Guards on the route run after the global authentication guard: the principal is verified.
    const key =
      policy.by === 'principal' && req.principal
        ? `p:${principalKey(req.principal.sub, req.principal.businessUid)}`
        : `a:${addressKey(req.ip)}`;
    let result: RateLimiterRes;
    try {
      result = await this.limiters.consume(name, key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) {
        this.logger.warn({ err: error, limit: name }, 'rate limit not counted');
        return true;
      }
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      this.setHeaders(res, policy, 0, retryAfter);
      res.setHeader('Retry-After', String(retryAfter));
      throw new RateLimitedError(policy.points, policy.windowSeconds);
    }
    this.setHeaders(
      res,
      policy,
      result.remainingPoints,
      Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
    );
    return true;
  }

  /** The IETF draft's `RateLimit-Policy` and `RateLimit` headers. */
  private setHeaders(
    res: Response,
    policy: { points: number; windowSeconds: number },
    remaining: number,
    resetSeconds: number,
  ): void {
    res.setHeader('RateLimit-Policy', `${policy.points};w=${policy.windowSeconds}`);
    res.setHeader(
      'RateLimit',
      `limit=${policy.points}, remaining=${remaining}, reset=${resetSeconds}`,
    );
  }
}

/** Applies a rate limit to a route (after authentication) and documents it in Swagger. */
export const RateLimited = (name: RateLimitName) =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_KEY, name),
    UseGuards(RateLimitGuard),
    ApiErrors({
      429: errorDoc(
        `More than ${RATE_LIMITS[name].points} requests in ${RATE_LIMITS[name].windowSeconds} s (per ${RATE_LIMITS[name].by}; Retry-After says when to try again)`,
        new RateLimitedError(RATE_LIMITS[name].points, RATE_LIMITS[name].windowSeconds),
      ),
    }),
  );
