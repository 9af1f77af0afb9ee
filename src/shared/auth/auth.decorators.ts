import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { ErrorEnvelopeDto } from '../http/envelope.dto.js';
import type { Principal, Scope } from './principal.js';

export const PUBLIC_KEY = 'auth:public';
export const SCOPES_KEY = 'auth:scopes';
export const BUSINESS_KEY = 'auth:business';

/** No token needed (health, docs, the OAuth token endpoint). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The token must carry every one of these scopes (`platform:admin` implies all). */
export const Scopes = (...scopes: Scope[]) =>
  applyDecorators(
    SetMetadata(SCOPES_KEY, scopes),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'Missing, malformed, expired or wrongly signed token',
      type: ErrorEnvelopeDto,
    }),
    ApiForbiddenResponse({
      description: `Token lacks a scope (${scopes.join(', ')})`,
      type: ErrorEnvelopeDto,
    }),
  );

/**
 * As BusinessScoped, on routes an app token may call too: it names the business it acts for in
 * `X-On-Behalf-Of` (documented on the routes).
 */
export const BusinessScopedForApps = () =>
  applyDecorators(
    SetMetadata(BUSINESS_KEY, true),
    ApiHeader({
      name: 'X-On-Behalf-Of',
      required: false,
      description: 'App tokens only: the business the app acts for (it must be assigned to it)',
    }),
  );

/** Every route of the controller acts for the token's `business_uid` (403 without it). */
export const BusinessScoped = () => SetMetadata(BUSINESS_KEY, true);

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal!,
);
