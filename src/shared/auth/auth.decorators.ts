import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOAuth2 } from '@nestjs/swagger';
import type { Request } from 'express';
import { ForbiddenError, UnauthenticatedError, UnavailableError } from '../domain-error.js';
import { ApiErrors, errorDoc } from '../http/api-envelope.decorator.js';
import { UNAVAILABLE_MESSAGE } from '../http/error.filter.js';
import { APP_SCOPES, type Principal, type Scope } from './principal.js';

/** The 503 every protected route may answer: the database cannot be reached right now. */
export const DATABASE_UNAVAILABLE = errorDoc(
  'The database cannot be reached right now; retry shortly',
  new UnavailableError(UNAVAILABLE_MESSAGE),
);

export const PUBLIC_KEY = 'auth:public';
export const SCOPES_KEY = 'auth:scopes';
export const BUSINESS_KEY = 'auth:business';

/** The 403 of a business route called without a business (the guard sends it). */
export const NO_BUSINESS_MESSAGE = 'insufficient permissions: the token carries no business_uid';

/** No token needed (health, docs, the OAuth token endpoint). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * The token must carry every one of these scopes (`platform:admin` implies all). In the
 * document: the bearer scheme, the oauth2 scheme too when an app token can carry the scopes,
 * and the answers every protected route may give — 401, 403, and 503 when the database
 * cannot be reached.
 */
export const Scopes = (...scopes: Scope[]) =>
  applyDecorators(
    SetMetadata(SCOPES_KEY, scopes),
    ApiBearerAuth(),
    ...(scopes.every((s) => APP_SCOPES.includes(s)) ? [ApiOAuth2(scopes)] : []),
    ApiErrors({
      401: errorDoc(
        'Missing, malformed, expired or wrongly signed token',
        new UnauthenticatedError(),
      ),
      403: errorDoc(
        `The token lacks the scope ${scopes.map((s) => `\`${s}\``).join(', ')}`,
        new ForbiddenError(),
      ),
      503: DATABASE_UNAVAILABLE,
    }),
  );

/**
 * Every route of the controller acts for the token's `business_uid` (403 without it). A class
 * decorator, so that it can add that 403 to the document of each route declared with @Scopes.
 */
export const BusinessScoped = (): ClassDecorator => (target) => {
  SetMetadata(BUSINESS_KEY, true)(target);
  // The routes may be inherited (a controller declared from shared routes): walk the chain.
  for (
    let prototype = target.prototype as Record<string, unknown> | null;
    prototype && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype) as Record<string, unknown> | null
  ) {
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key)!;
      if (typeof descriptor.value !== 'function') continue;
      if (!Reflect.getMetadata(SCOPES_KEY, descriptor.value)) continue;
      ApiErrors({
        403: errorDoc(
          'The token carries no `business_uid` (an app token: no `X-On-Behalf-Of`)',
          new ForbiddenError(NO_BUSINESS_MESSAGE),
          'no_business_uid',
        ),
      })(prototype, key, descriptor);
    }
  }
};

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal!,
);

/**
 * As BusinessScoped, on controllers an app token may call too: it names the business it acts for
 * in `X-On-Behalf-Of` (documented on every route).
 */
export const BusinessScopedForApps = (): ClassDecorator => (target) => {
  BusinessScoped()(target);
  ApiHeader({
    name: 'X-On-Behalf-Of',
    required: false,
    description: 'App tokens only: the business the app acts for (it must be assigned to it)',
  })(target);
};
