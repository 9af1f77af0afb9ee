import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import request from 'supertest';
import { signToken } from '../src/shared/auth/jwt.js';
import { createTestApp, TEST_SECRET, type TestApp, tokenFor } from './support/test-app.js';

const INVALID = { code: 401, message: 'invalid token', data: {} };

describe('authentication (SPEC §1.2): HS256 secret', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_ISSUER: 'https://issuer.test', AUTH_AUDIENCE: 'import-api' });
  });
  afterAll(() => t.close());

  const call = (authorization?: string) => {
    const r = request(t.http).get('/platform/v1/apps');
    return authorization === undefined ? r : r.set('Authorization', authorization);
  };
  const good = (claims: object = {}, opts: object = {}) =>
    signToken(
      TEST_SECRET,
      { sub: 'u1', scope: 'apps:read', ...claims },
      { issuer: 'https://issuer.test', audience: 'import-api', ...opts },
    );

  test('a valid token with the scope passes', async () => {
    expect((await call(`Bearer ${await good()}`)).status).toBe(200);
  });

  test.each([
    ['no Authorization header', async () => undefined],
    ['not a Bearer scheme', async () => `Basic dXNlcjpwYXNz`],
    ['garbled token', async () => 'Bearer not.a.jwt'],
    ['empty bearer', async () => 'Bearer '],
    ['expired', async () => `Bearer ${await good({}, { expiresIn: -10 })}`],
    [
      'wrongly signed',
      async () =>
        `Bearer ${await signToken('another-secret-another-secret-another-secret', { sub: 'u1', scope: 'apps:read' }, { issuer: 'https://issuer.test', audience: 'import-api' })}`,
    ],
    [
      'alg none',
      async () =>
        `Bearer ${new UnsecuredJWT({ scope: 'apps:read' }).setSubject('u1').setIssuer('https://issuer.test').setAudience('import-api').setExpirationTime('1h').encode()}`,
    ],
    ['wrong issuer', async () => `Bearer ${await good({}, { issuer: 'https://evil.test' })}`],
    ['wrong audience', async () => `Bearer ${await good({}, { audience: 'other-api' })}`],
    [
      'no sub',
      async () =>
        `Bearer ${await new SignJWT({ scope: 'apps:read' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://issuer.test').setAudience('import-api').setExpirationTime('1h').sign(new TextEncoder().encode(TEST_SECRET))}`,
    ],
    [
      'no exp',
      async () =>
        `Bearer ${await new SignJWT({ scope: 'apps:read' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setIssuer('https://issuer.test').setAudience('import-api').sign(new TextEncoder().encode(TEST_SECRET))}`,
    ],
    ['scope not a string', async () => `Bearer ${await good({ scope: ['apps:read'] })}`],
  ])('401 invalid token: %s', async (_, header) => {
    const res = await call(await header());
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
  });

  test('a valid token without the scope is a 403', async () => {
    const res = await call(`Bearer ${await good({ scope: 'clients:read apps:write' })}`);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ code: 403, message: 'insufficient permissions', data: {} });
  });

  test('platform:admin implies every scope', async () => {
    expect((await call(`Bearer ${await good({ scope: 'platform:admin' })}`)).status).toBe(200);
  });
});

describe('authentication: asymmetric keys from AUTH_JWKS_URL', () => {
  let t: TestApp;
  let server: Server;
  let privateKey: KeyLike;
  let strangerKey: KeyLike;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    t = await createTestApp({
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      AUTH_JWT_SECRET: '',
    });
  });
  afterAll(async () => {
    await t.close();
    server.close();
  });

  const rs = (key: KeyLike) =>
    new SignJWT({ scope: 'apps:read' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('oidc-user')
      .setExpirationTime('5m')
      .sign(key);

  test("a token signed by the provider's key passes", async () => {
    const res = await request(t.http)
      .get('/platform/v1/apps')
      .set('Authorization', `Bearer ${await rs(privateKey)}`);
    expect(res.status).toBe(200);
  });

  test('a token signed by another key, or an HS256 token with no secret configured, is a 401', async () => {
    const forged = await request(t.http)
      .get('/platform/v1/apps')
      .set('Authorization', `Bearer ${await rs(strangerKey)}`);
    expect(forged.body).toEqual(INVALID);
    const hs = await request(t.http)
      .get('/platform/v1/apps')
      .set('Authorization', `Bearer ${await tokenFor()}`);
    expect(hs.body).toEqual(INVALID);
  });
});
