import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../domain-error.js';
import { AppDelegationPolicy } from './app-delegation-policy.js';
import {
  type AuthenticatedRequest,
  BUSINESS_KEY,
  NO_BUSINESS_MESSAGE,
  PUBLIC_KEY,
  SCOPES_KEY,
} from './auth.decorators.js';
import { JwtVerifier } from './jwt.js';
import type { Principal, Scope } from './principal.js';

/** The header through which an app token names the business it acts for (SPEC §1.3). */
export const ON_BEHALF_OF_HEADER = 'x-on-behalf-of';

/**
 * The global guard (SPEC §1.2, §1.3): a bearer JWT on every route not marked @Public (401 when
 * missing or invalid, or an app token of an app deleted or whose secret was rotated), the
 * route's scopes (403), an app's right to act for the business it
 * names in `X-On-Behalf-Of` (403), and a business on business routes (403).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
    private readonly delegation: AppDelegationPolicy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthenticatedError('missing bearer token');
    let principal = await this.verifier.verify(match[1]);
    request.principal = principal;

    const scopes = this.reflector.getAllAndOverride<Scope[]>(SCOPES_KEY, targets) ?? [];
    if (!scopes.every((scope) => principal.has(scope))) throw new ForbiddenError();

    // A user token's business is its own claim; the header is ignored for it.
    if (principal.isApp) {
      if (!(await this.delegation.isCurrent(principal.app!))) {
        throw new UnauthenticatedError('the app was deleted or its secret rotated');
      }
      principal = await this.onBehalfOf(principal, request.headers[ON_BEHALF_OF_HEADER]);
      request.principal = principal;
    }

    const businessScoped = this.reflector.getAllAndOverride<boolean>(BUSINESS_KEY, targets);
    if (businessScoped && !principal.businessUid) {
      throw new ForbiddenError(
        principal.isApp
          ? 'insufficient permissions: an app acts for a business only with X-On-Behalf-Of'
          : NO_BUSINESS_MESSAGE,
      );
    }
    return true;
  }

  private async onBehalfOf(app: Principal, header: unknown): Promise<Principal> {
    const businessUid = typeof header === 'string' ? header.trim() : '';
    if (!businessUid) return app;
    if (!(await this.delegation.mayActFor(app.app!.appId, businessUid))) {
      throw new ForbiddenError(
        'insufficient permissions: the app is not assigned to this business',
      );
    }
    return app.actingFor(businessUid);
  }
}
