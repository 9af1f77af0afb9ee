import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { AppConfig } from '../../config/app-config.js';
import { UnauthenticatedError } from '../domain-error.js';
import { type AppIdentity, Principal } from './principal.js';

const encoder = new TextEncoder();

/** `token_use` of the tokens `POST /oauth/token` issues to apps (SPEC §1.3). */
export const APP_TOKEN_USE = 'app';

export interface TokenClaims {
  sub: string;
  business_uid?: string;
  scope?: string;
  [claim: string]: unknown;
}

/** Signs an HS256 token (the token CLI, the demo token and app credentials). */
export async function signToken(
  secret: string,
  claims: TokenClaims,
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  const { sub, ...rest } = claims;
  let jwt = new SignJWT(rest as JWTPayload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(encoder.encode(secret));
}

/** The claims that bind an app token to its app (see AppIdentity); all required. */
export const APP_TOKEN_CLAIMS = {
  appId: 'app_id',
  clientId: 'client_id',
  appCodeName: 'app_code_name',
  secretVersion: 'secret_version',
} as const;

function appIdentityOf(payload: JWTPayload): AppIdentity {
  const claim = (name: string) => {
    const value = payload[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const appId = claim(APP_TOKEN_CLAIMS.appId);
  const clientId = claim(APP_TOKEN_CLAIMS.clientId);
  const appCodeName = claim(APP_TOKEN_CLAIMS.appCodeName);
  const secretVersion = payload[APP_TOKEN_CLAIMS.secretVersion];
  if (
    !appId ||
    !clientId ||
    !appCodeName ||
    payload.sub !== `app:${appCodeName}` ||
    !Number.isSafeInteger(secretVersion)
  ) {
    throw new UnauthenticatedError('malformed app token');
  }
  return { appId, clientId, appCodeName, secretVersion: secretVersion as number };
}

/**
 * Verifies bearer tokens: HS256 with the configured secret, or asymmetric keys from the JWKS
 * URL; issuer and audience when configured; `exp` always. Every failure is a 401.
 */
export class JwtVerifier {
  private readonly hmacKey?: Uint8Array;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    secret: string | undefined,
    private readonly config: Pick<AppConfig, 'AUTH_JWKS_URL' | 'AUTH_ISSUER' | 'AUTH_AUDIENCE'>,
  ) {
    if (secret) this.hmacKey = encoder.encode(secret);
    if (config.AUTH_JWKS_URL) this.jwks = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL));
  }

  async verify(token: string): Promise<Principal> {
    const { payload, ours } = await this.verifyPayload(token);
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw new UnauthenticatedError('missing sub');
    }
    const scope = payload['scope'];
    if (scope !== undefined && typeof scope !== 'string') {
      throw new UnauthenticatedError('malformed scope');
    }
    const scopes = scope ? scope.split(' ').filter(Boolean) : [];
    // An app token is honoured only when we signed it ourselves; it has no business of its own.
    if (ours && payload['token_use'] === APP_TOKEN_USE) {
      return Principal.forApp(appIdentityOf(payload), scopes);
    }
    const business = payload['business_uid'];
    if (business !== undefined && (typeof business !== 'string' || business.length === 0)) {
      throw new UnauthenticatedError('malformed business_uid');
    }
    return new Principal(payload.sub, business, scopes);
  }

  /** The verified claims, and whether they were signed with our own HS256 secret. */
  private async verifyPayload(token: string): Promise<{ payload: JWTPayload; ours: boolean }> {
    const options = {
      issuer: this.config.AUTH_ISSUER,
      audience: this.config.AUTH_AUDIENCE,
      requiredClaims: ['exp', 'sub'],
    };
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new UnauthenticatedError('malformed token');
    }
    try {
      if (alg === 'HS256' && this.hmacKey) {
        const { payload } = await jwtVerify(token, this.hmacKey, {
          ...options,
          algorithms: ['HS256'],
        });
        return { payload, ours: true };
      }
      if (alg && alg !== 'none' && !alg.startsWith('HS') && this.jwks) {
        return { payload: (await jwtVerify(token, this.jwks, options)).payload, ours: false };
      }
    } catch (error) {
      throw new UnauthenticatedError((error as Error).message);
    }
    throw new UnauthenticatedError(`unsupported algorithm ${alg ?? ''}`);
  }
}
