import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { signToken } from '../src/shared/auth/jwt.js';
import { expectError } from './support/envelope.js';
import { assignApp, appToken as issueAppToken, bearer, registerApp } from './support/fixtures.js';
import {
  createTestApp,
  TEST_SECRET,
  type TestApp,
  tokenFor,
  uniqueBusiness,
  uniqueCode,
} from './support/test-app.js';

const CLIENTS = '/business/clients/v1/clients';

describe('apps acting for a business (SPEC §1.3)', () => {
  let t: TestApp;
  const business = uniqueBusiness();
  const otherBusiness = uniqueBusiness();
  let owner: string;
  let otherOwner: string;
  let appCode: string;
  let clientId: string;
  let clientSecret: string;

  const tokenRequest = () => request(t.http).post('/oauth/token');
  const credentials = (patch: object = {}) => ({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    ...patch,
  });
  const appToken = () => issueAppToken(t.http, clientId, clientSecret);
  /** The claims that bind a real token of the app to it (app id, client_id, secret version). */
  const bindingClaims = async () => {
    const { app_id, client_id, app_code_name, secret_version } = decodeJwt(await appToken());
    return { app_id, client_id, app_code_name, secret_version };
  };
  const asApp = (token: string, path: string, onBehalfOf?: string) => {
    const req = request(t.http).get(path).set('Authorization', `Bearer ${token}`);
    return onBehalfOf ? req.set('X-On-Behalf-Of', onBehalfOf) : req;
  };
  const assign = () => assignApp(t.http, bearer(owner), appCode, business);
  const unassign = (uid: string) =>
    request(t.http)
      .delete(`/v3/apps/app_assignments/${uid}`)
      .set('Authorization', `Bearer ${owner}`)
      .expect(200);

  beforeAll(async () => {
    t = await createTestApp();
    owner = await tokenFor({ business });
    otherOwner = await tokenFor({ business: otherBusiness, sub: 'other-user' });
    appCode = uniqueCode('oauthapp');
    ({ clientId, secret: clientSecret } = await registerApp(t.http, bearer(owner), {
      code: appCode,
      name: 'OAuth App',
      appType: ['import_clients'],
    }));
  });
  afterAll(() => t.close());

  describe('POST /oauth/token', () => {
    test('JSON body → plain RFC 6749 JSON, no envelope, no-store; an app token of 1 h', async () => {
      const res = await tokenRequest().send(credentials());
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual([
        'access_token',
        'expires_in',
        'scope',
        'token_type',
      ]);
      expect(res.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'clients:read clients:import',
      });
      const claims = decodeJwt(res.body.access_token);
      expect(claims).toMatchObject({
        sub: `app:${appCode}`,
        scope: 'clients:read clients:import',
        token_use: 'app',
        app_code_name: appCode,
      });
      expect(claims.business_uid).toBeUndefined();
      expect(claims.exp! - claims.iat!).toBe(3600);
    });

    test('form-encoded body → 200', async () => {
      const res = await tokenRequest()
        .type('form')
        .send(
          `grant_type=client_credentials&client_id=${clientId}&client_secret=${encodeURIComponent(clientSecret)}`,
        );
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token).sub).toBe(`app:${appCode}`);
    });

    test('HTTP Basic client authentication → 200', async () => {
      const res = await tokenRequest()
        .auth(clientId, clientSecret)
        .type('form')
        .send('grant_type=client_credentials');
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token).app_code_name).toBe(appCode);
    });

    test('wrong secret and unknown client → the same 401 invalid_client', async () => {
      for (const body of [
        credentials({ client_secret: `${clientSecret}x` }),
        credentials({ client_id: 'app_000000000000000000000000' }),
      ]) {
        const res = await tokenRequest().send(body);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: 'invalid_client' });
        expect(res.headers['cache-control']).toBe('no-store');
      }
      const basic = await tokenRequest()
        .auth(clientId, 'not-the-secret')
        .send({ grant_type: 'client_credentials' });
      expect(basic.status).toBe(401);
      expect(basic.body).toEqual({ error: 'invalid_client' });
      expect(basic.headers['www-authenticate']).toMatch(/^Basic /);
    });

    test.each([
      ['grant_type missing', { grant_type: undefined }],
      ['client_id missing', { client_id: undefined }],
      ['client_secret missing', { client_secret: '' }],
      ['grant_type not a string', { grant_type: ['client_credentials'] }],
    ])('400 invalid_request: %s', async (_, patch) => {
      const res = await tokenRequest().send(credentials(patch));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
      expect(res.body.code).toBeUndefined();
    });

    test('400 invalid_request: a repeated form parameter, or two authentication methods', async () => {
      const repeated = await tokenRequest()
        .type('form')
        .send(
          `grant_type=client_credentials&grant_type=client_credentials&client_id=${clientId}&client_secret=${encodeURIComponent(clientSecret)}`,
        );
      expect(repeated.status).toBe(400);
      expect(repeated.body.error).toBe('invalid_request');
      const both = await tokenRequest().auth(clientId, clientSecret).send(credentials());
      expect(both.status).toBe(400);
      expect(both.body.error).toBe('invalid_request');
    });

    test('another grant type → 400 unsupported_grant_type', async () => {
      for (const grant of ['password', 'authorization_code', 'refresh_token']) {
        const res = await tokenRequest().send(credentials({ grant_type: grant }));
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: 'unsupported_grant_type' });
      }
    });

    test('without an HS256 secret (JWKS-only) → 503 temporarily_unavailable', async () => {
      const jwksOnly = await createTestApp({
        AUTH_JWT_SECRET: '',
        AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
      });
      try {
        const res = await request(jwksOnly.http).post('/oauth/token').send(credentials());
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ error: 'temporarily_unavailable' });
      } finally {
        await jwksOnly.close();
      }
    });
  });

  describe('X-On-Behalf-Of', () => {
    test('only while the app is assigned to the business named', async () => {
      const token = await appToken();
      const created = await request(t.http)
        .post(CLIENTS)
        .set('Authorization', `Bearer ${owner}`)
        .send({ first_name: 'Giulia', email: `giulia-${Date.now()}@example.com` })
        .expect(201);

      const unassigned = await asApp(token, CLIENTS, business);
      expectError(unassigned, 403);
      expect(unassigned.body.message).toMatch(/not assigned/);

      const uid = await assign();
      const allowed = await asApp(token, CLIENTS, business);
      expect(allowed.status).toBe(200);
      expect(allowed.body.data.items.map((c: { id: string }) => c.id)).toContain(
        created.body.data.id,
      );

      expectError(await asApp(token, CLIENTS, otherBusiness), 403);
      const noHeader = await asApp(token, CLIENTS);
      expectError(noHeader, 403);
      expect(noHeader.body.message).toMatch(/X-On-Behalf-Of/);

      await unassign(uid);
      expectError(await asApp(token, CLIENTS, business), 403);
    });

    test('a user token ignores the header and keeps acting for its own business', async () => {
      const created = await request(t.http)
        .post(CLIENTS)
        .set('Authorization', `Bearer ${owner}`)
        .send({ first_name: 'Marco', email: `marco-${Date.now()}@example.com` })
        .expect(201);
      const res = await asApp(otherOwner, CLIENTS, business);
      expect(res.status).toBe(200);
      expect(res.body.data.items.map((c: { id: string }) => c.id)).not.toContain(
        created.body.data.id,
      );
    });

    test('an app token carrying a business_uid still has no business without the header', async () => {
      const uid = await assign();
      try {
        const token = await signToken(TEST_SECRET, {
          ...(await bindingClaims()),
          sub: `app:${appCode}`,
          token_use: 'app',
          business_uid: business,
          scope: 'clients:read',
        });
        expectError(await asApp(token, CLIENTS), 403);
        expect((await asApp(token, CLIENTS, business)).status).toBe(200);
      } finally {
        await unassign(uid);
      }
    });

    test('an app token whose sub does not match its app_code_name → 401', async () => {
      const token = await signToken(TEST_SECRET, {
        ...(await bindingClaims()),
        sub: 'app:someoneelse',
        token_use: 'app',
        scope: 'clients:read',
      });
      expectError(await asApp(token, CLIENTS, business), 401);
    });
  });

  describe('app scopes are limited to clients:read and clients:import', () => {
    test('even while assigned: no customers, apps or assignments', async () => {
      const token = await appToken();
      const uid = await assign();
      try {
        expect((await asApp(token, CLIENTS, business)).status).toBe(200);
        expectError(await asApp(token, '/customers', business), 403);
        expectError(await asApp(token, '/platform/v1/apps', business), 403);
        expectError(await asApp(token, '/platform/v1/apps'), 403);
        expectError(await asApp(token, '/v3/apps/app_assignments', business), 403);
        expectError(
          await request(t.http)
            .post(CLIENTS)
            .set('Authorization', `Bearer ${token}`)
            .set('X-On-Behalf-Of', business)
            .send({ first_name: 'Nope', email: 'nope@example.com' }),
          403,
        );
      } finally {
        await unassign(uid);
      }
    });

    test('an app token claiming more scopes gets only the app scopes', async () => {
      const forged = await signToken(TEST_SECRET, {
        ...(await bindingClaims()),
        sub: `app:${appCode}`,
        token_use: 'app',
        scope: 'clients:read customers:read apps:read app_assignments:read platform:admin',
      });
      const uid = await assign();
      try {
        // Still a valid app token: its clients:read works...
        expect((await asApp(forged, CLIENTS, business)).status).toBe(200);
        // ...but nothing beyond the app scopes, platform:admin included.
        expectError(await asApp(forged, '/customers', business), 403);
        expectError(await asApp(forged, '/platform/v1/apps'), 403);
        expectError(await asApp(forged, '/v3/apps/app_assignments', business), 403);
        expectError(await asApp(forged, CLIENTS, otherBusiness), 403);
      } finally {
        await unassign(uid);
      }

      // A token of an app that does not exist is no token at all.
      const stranger = await signToken(TEST_SECRET, {
        sub: 'app:x',
        token_use: 'app',
        app_code_name: 'x',
        scope: 'customers:read platform:admin',
      });
      expectError(await asApp(stranger, '/customers', business), 401);
      expectError(await asApp(stranger, '/platform/v1/apps'), 401);
    });
  });
});
