import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import { SigningSecretHolder } from '../../../shared/auth/auth.module.js';
import { APP_TOKEN_CLAIMS, APP_TOKEN_USE, signToken } from '../../../shared/auth/jwt.js';
import { APP_SCOPES } from '../../../shared/auth/principal.js';
import type { App } from '../domain/app.js';
import { AppRepository } from '../domain/app.repository.js';
import { hashSecret, verifySecret } from './app-credentials.js';
import { OAuthError } from './oauth-error.js';

export const APP_TOKEN_TTL_SECONDS = 3600;

export interface TokenRequest {
  grantType?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  scope: string;
}

/**
 * The client-credentials grant (RFC 6749 §4.4, SPEC §1.3): an app trades its `client_id` and
 * `client_secret` for a 1-hour HS256 token with `sub: "app:<app_code_name>"`, limited to the
 * app scopes and bound to the app's id, client_id and secret version. Throws OAuthError for everything the caller can get wrong.
 */
@Injectable()
export class AppTokenService {
  /** Hashed once, so that an unknown client_id costs the same scrypt as a wrong secret. */
  private decoyHash?: Promise<string>;

  constructor(
    private readonly apps: AppRepository,
    private readonly signing: SigningSecretHolder,
    private readonly config: AppConfig,
  ) {}

  async issue(request: TokenRequest): Promise<IssuedToken> {
    if (!request.grantType) throw new OAuthError('invalid_request', 'grant_type is required');
    if (request.grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type');
    if (!request.clientId) throw new OAuthError('invalid_request', 'client_id is required');
    if (!request.clientSecret) throw new OAuthError('invalid_request', 'client_secret is required');
    // JWKS-only setups have no key of ours to sign with.
    const secret = this.signing.secret;
    if (!secret) throw new OAuthError('temporarily_unavailable');

    const app = await this.authenticate(request.clientId, request.clientSecret);
    const scope = APP_SCOPES.join(' ');
    const accessToken = await signToken(
      secret,
      {
        sub: `app:${app.appCodeName}`,
        scope,
        token_use: APP_TOKEN_USE,
        // Bound to this app and this secret: deleting the app or rotating it revokes the token.
        [APP_TOKEN_CLAIMS.appId]: app.appId,
        [APP_TOKEN_CLAIMS.clientId]: app.clientId,
        [APP_TOKEN_CLAIMS.appCodeName]: app.appCodeName,
        [APP_TOKEN_CLAIMS.secretVersion]: app.secretVersion,
      },
      {
        expiresIn: `${APP_TOKEN_TTL_SECONDS}s`,
        issuer: this.config.AUTH_ISSUER,
        audience: this.config.AUTH_AUDIENCE,
      },
    );
    return { accessToken, tokenType: 'Bearer', expiresIn: APP_TOKEN_TTL_SECONDS, scope };
  }

  /** Unknown client and wrong secret are the same answer, after the same work. */
  private async authenticate(clientId: string, clientSecret: string): Promise<App> {
    const app = await this.apps.findByClientId(clientId);
    const stored = app?.clientSecretHash ?? (await this.decoy());
    const valid = await verifySecret(clientSecret, stored);
    if (!app || !valid) throw new OAuthError('invalid_client');
    return app;
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hashSecret(randomBytes(32).toString('base64url'));
    return this.decoyHash;
  }
}
