import type { TokenRequest } from '../application/app-token.service.js';
import { OAuthError } from '../application/oauth-error.js';

/**
 * The token request from a JSON or form-encoded body, with the client credentials either in
 * the body or in HTTP Basic authentication (RFC 6749 §2.3.1, §4.4.2) — not both.
 */
export function readTokenRequest(body: unknown, authorization: string | undefined): TokenRequest {
  const params = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const request: TokenRequest = {
    grantType: param(params, 'grant_type'),
    clientId: param(params, 'client_id'),
    clientSecret: param(params, 'client_secret'),
  };
  const basic = authorization ? /^Basic\s+(\S*)\s*$/i.exec(authorization) : null;
  if (!basic) return request;

  const credentials = decodeBasic(basic[1]);
  if (request.clientSecret || (request.clientId && request.clientId !== credentials.clientId)) {
    throw new OAuthError('invalid_request', 'use one client authentication method, not two');
  }
  return { ...request, ...credentials };
}

/** Absent and empty are the same; a parameter given twice (or not as text) is an error. */
function param(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new OAuthError('invalid_request', `${name} must be given once, as a string`);
  }
  return value;
}

/** `base64(urlencode(client_id) ":" urlencode(client_secret))`. */
function decodeBasic(encoded: string): { clientId?: string; clientSecret?: string } {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client');
  try {
    const form = (s: string) => decodeURIComponent(s.replace(/\+/g, ' ')) || undefined;
    return {
      clientId: form(decoded.slice(0, colon)),
      clientSecret: form(decoded.slice(colon + 1)),
    };
  } catch {
    throw new OAuthError('invalid_client');
  }
}
