import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../domain-error.js';
import {
  type AuthenticatedRequest,
  BUSINESS_KEY,
  PUBLIC_KEY,
  SCOPES_KEY,
} from './auth.decorators.js';
import { JwtVerifier } from './jwt.js';
import type { Scope } from './principal.js';

/**
 * The global guard (SPEC §1.2): a bearer JWT on every route not marked @Public (401 when
 * missing or invalid), the route's scopes (403), and `business_uid` on business routes (403).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthenticatedError('missing bearer token');
    const principal = await this.verifier.verify(match[1]);
    request.principal = principal;

    const scopes = this.reflector.getAllAndOverride<Scope[]>(SCOPES_KEY, targets) ?? [];
    if (!scopes.every((scope) => principal.has(scope))) throw new ForbiddenError();

    const businessScoped = this.reflector.getAllAndOverride<boolean>(BUSINESS_KEY, targets);
    if (businessScoped && !principal.businessUid) {
      throw new ForbiddenError('insufficient permissions: the token carries no business_uid');
    }
    return true;
  }
}
