/**
 * Findings of the security review (issue 16): app tokens are bound to the app they were issued
 * to (not to its code name), an app acts only through itself, requests to apps are signed with
 * the client_secret (kept encrypted at rest), and a secret can be rotated.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppPullPolicy } from '../src/modules/clients/domain/app-record-source.js';
import { FakeAppServer } from './support/app-server.js';
import { expectError } from './support/envelope.js';
import {
  appToken,
  asApp,
  assignApp,
  type Auth,
  registerApp,
  settled,
  startAppImport,
  userAuth,
} from './support/fixtures.js';
import {
  createTestApp,
  type TestApp,
  tokenFor,
  uniqueBusiness,
  uniqueCode,
} from './support/test-app.js';

const fastPolicy = Object.assign(new AppPullPolicy(), {
  timeoutMs: 400,
  retries: 1,
  baseDelayMs: 20,
  maxDelayMs: 50,
});
const CLIENTS = '/business/clients/v1/clients';
const MAPPING = { first_name: 'First Name', email: 'E-mail' };
const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

describe('security findings', () => {
  let t: TestApp;
  /** The server the helpers below talk to: `t`'s, unless a test boots another. */
  let http: TestApp['http'];
  beforeAll(async () => {
    t = await createTestApp({ IMPORT_ALLOW_PRIVATE_APP_URIS: 'true' }, (b) =>
      b.overrideProvider(AppPullPolicy).useValue(fastPolicy),
    );
    http = t.http;
  });
  afterAll(() => t.close());

  const createApp = (auth: Auth, code: string, apiUri?: string) =>
    registerApp(http, auth, { code, name: 'Security App', apiUri });
  const startImport = (auth: Auth, code: string) =>
    startAppImport(http, auth, code, { mapping: MAPPING });

  describe('app tokens are bound to the app, not to its code name', () => {
    test('a deleted app’s token is refused, also once another owner re-creates the code', async () => {
      const bizA = uniqueBusiness();
      const ownerA = await userAuth(bizA, 'owner-a');
      const code = uniqueCode('boundapp');
      const { clientId, secret } = await createApp(ownerA, code);
      const assignment = await assignApp(http, ownerA, code, bizA);
      const oldToken = await appToken(http, clientId, secret);
      expect((await request(http).get(CLIENTS).set(asApp(oldToken, bizA))).status).toBe(200);

      await request(http).delete(`/v3/apps/app_assignments/${assignment}`).set(ownerA).expect(200);
      await request(http).delete(`/platform/v1/apps/${code}`).set(ownerA).expect(200);
      expectError(await request(http).get(CLIENTS).set(asApp(oldToken, bizA)), 401);

      // Another owner registers the same code (lookups ignore case) and installs it.
      const bizB = uniqueBusiness();
      const ownerB = await userAuth(bizB, 'owner-b');
      const reborn = await createApp(ownerB, code.toUpperCase());
      await assignApp(http, ownerB, code.toUpperCase(), bizB);
      expectError(await request(http).get(CLIENTS).set(asApp(oldToken, bizB)), 401);
      expectError(await request(http).get(CLIENTS).set(asApp(oldToken)), 401);

      // The new app's own token works.
      const newToken = await appToken(http, reborn.clientId, reborn.secret);
      expect((await request(http).get(CLIENTS).set(asApp(newToken, bizB))).status).toBe(200);
    });

    test('rotating the secret revokes the tokens issued with the old one', async () => {
      const biz = uniqueBusiness();
      const owner = await userAuth(biz, 'owner-rot');
      const code = uniqueCode('rotapp');
      const { clientId, secret } = await createApp(owner, code);
      await assignApp(http, owner, code, biz);
      const before = await appToken(http, clientId, secret);

      const rotated = await request(http).post(`/platform/v1/apps/${code}/secret`).set(owner);
      expect(rotated.status).toBe(200);
      expect(rotated.body).toMatchObject({
        code: 200,
        message: 'app secret rotated',
        data: { app_code_name: code, client_id: clientId },
      });
      const newSecret = rotated.body.data.client_secret as string;
      expect(newSecret).toMatch(/^sk_/);
      expect(newSecret).not.toBe(secret);

      expectError(await request(http).get(CLIENTS).set(asApp(before, biz)), 401);
      const refused = await request(http)
        .post('/oauth/token')
        .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
      expect([refused.status, refused.body]).toEqual([401, { error: 'invalid_client' }]);
      const after = await appToken(http, clientId, newSecret);
      expect((await request(http).get(CLIENTS).set(asApp(after, biz))).status).toBe(200);
      // The documented example is a true answer: the same fields, the same shapes.
      const doc = (await request(http).get('/docs-json')).body;
      const example =
        doc.paths['/platform/v1/apps/{app_code_name}/secret'].post.responses['200'].content[
          'application/json'
        ].example;
      expect(Object.keys(example.data).sort()).toEqual(Object.keys(rotated.body.data).sort());
      expect(example.data.client_id).toMatch(/^app_[0-9a-f]{24}$/);
      expect(clientId).toMatch(/^app_[0-9a-f]{24}$/);
      expect(example.data.client_secret).toHaveLength(newSecret.length);
      expect(example.data.client_secret).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
      expect(newSecret).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
      // The secret is shown once: reading the app never shows it.
      const read = await request(http).get(`/platform/v1/apps/${code}`).set(owner);
      expect(read.body.data).not.toHaveProperty('client_secret');
    });
  });

  test('an app starts imports only through itself, not through another app of the business', async () => {
    const biz = uniqueBusiness();
    const owner = await userAuth(biz, 'owner-two-apps');
    const mine = uniqueCode('selfapp');
    const other = uniqueCode('otherapp');
    const { clientId, secret } = await createApp(owner, mine);
    await createApp(owner, other);
    await assignApp(http, owner, mine, biz);
    await assignApp(http, owner, other, biz);
    const token = await appToken(http, clientId, secret);

    const through = await startImport(asApp(token, biz), other);
    expectError(through, 403);
    expect(through.body.message).toBe(
      'insufficient permissions: an app starts imports only through itself',
    );
    expectError(await startImport(asApp(token, biz), other.toUpperCase()), 403);
    expect((await startImport(asApp(token, biz), mine.toUpperCase())).status).toBe(201);
    // A user of the business may import through either app.
    expect((await startImport(owner, other)).status).toBe(201);
  });

  describe('requests to apps are signed with the client_secret (SPEC §8)', () => {
    let server: FakeAppServer;
    let url: string;
    beforeAll(async () => {
      server = new FakeAppServer();
      url = await server.start();
      server.pages = [[{ 'First Name': 'Sig', 'E-mail': 'sig@example.com' }]];
    });
    afterAll(() => server.stop());

    async function pulledSignatures(auth: Auth, code: string) {
      const from = server.seen.length;
      const res = await startImport(auth, code);
      expect(res.status).toBe(201);
      const done = await settled(http, auth, res.body.data.session_id);
      expect(done).toMatchObject({ status: 'completed', error: null });
      const seen = server.seen.slice(from);
      expect(seen.map((s) => s.url.searchParams.get('page'))).toEqual(['1', '-1']);
      return seen;
    }

    test('a new app verifies every request with its plain client_secret; the table keeps no usable key', async () => {
      const biz = uniqueBusiness();
      const owner = await userAuth(biz, 'owner-sig');
      const code = uniqueCode('sigapp');
      const { secret } = await createApp(owner, code, url);
      await assignApp(http, owner, code, biz);
      for (const seen of await pulledSignatures(owner, code)) {
        expect(FakeAppServer.verifies(seen, secret)).toBe(true);
        expect(FakeAppServer.verifies(seen, sha256hex(secret))).toBe(false);
      }

      const [row] = await t.app
        .get(DataSource)
        .query(`SELECT * FROM apps WHERE app_code_name = $1`, [code]);
      const stored = JSON.stringify(row);
      for (const usable of [
        secret,
        secret.slice(3),
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('hex'),
        sha256hex(secret),
      ]) {
        expect(stored).not.toContain(usable);
      }
      expect(row.signing_key).toBeNull();
      expect(typeof row.client_secret_encrypted).toBe('string');
    });

    test('an app created before keeps the SHA-256-derived key until its secret is rotated', async () => {
      const biz = uniqueBusiness();
      const owner = await userAuth(biz, 'owner-legacy');
      const code = uniqueCode('legacyapp');
      const { secret } = await createApp(owner, code, url);
      await assignApp(http, owner, code, biz);
      // What an app registered before the change looks like: the derived key, no secret.
      await t.app
        .get(DataSource)
        .query(
          `UPDATE apps SET signing_key = $2, client_secret_encrypted = NULL WHERE app_code_name = $1`,
          [code, sha256hex(secret)],
        );
      for (const seen of await pulledSignatures(owner, code)) {
        expect(FakeAppServer.verifies(seen, sha256hex(secret))).toBe(true);
        expect(FakeAppServer.verifies(seen, secret)).toBe(false);
      }

      const stranger = await userAuth(biz, 'not-the-owner');
      expectError(await request(http).post(`/platform/v1/apps/${code}/secret`).set(stranger), 403);
      expectError(
        await request(http)
          .post(`/platform/v1/apps/${uniqueCode('none')}/secret`)
          .set(owner),
        404,
      );
      const rotated = await request(http).post(`/platform/v1/apps/${code}/secret`).set(owner);
      expect(rotated.status).toBe(200);
      const newSecret = rotated.body.data.client_secret as string;
      for (const seen of await pulledSignatures(owner, code)) {
        expect(FakeAppServer.verifies(seen, newSecret)).toBe(true);
        expect(FakeAppServer.verifies(seen, sha256hex(secret))).toBe(false);
      }
      const [row] = await t.app
        .get(DataSource)
        .query(`SELECT signing_key FROM apps WHERE app_code_name = $1`, [code]);
      expect(row.signing_key).toBeNull();
    });

    test('platform:admin may rotate any app’s secret', async () => {
      const biz = uniqueBusiness();
      const owner = await userAuth(biz, 'owner-admin-rot');
      const code = uniqueCode('adminrot');
      await createApp(owner, code);
      const admin = {
        Authorization: `Bearer ${await tokenFor({ business: null, sub: 'root', scopes: ['platform:admin'] })}`,
      };
      const rotated = await request(http).post(`/platform/v1/apps/${code}/secret`).set(admin);
      expect(rotated.status).toBe(200);
      expect(rotated.body.data.client_secret).toMatch(/^sk_/);
    });
  });

  test('an api_uri on an IPv4-compatible IPv6 address of loopback is refused', async () => {
    const guarded = await createTestApp({ IMPORT_ALLOW_PRIVATE_APP_URIS: 'false' }, (b) =>
      b.overrideProvider(AppPullPolicy).useValue(fastPolicy),
    );
    const server = new FakeAppServer();
    const port = new URL(await server.start()).port;
    http = guarded.http;
    try {
      const biz = uniqueBusiness();
      const owner = await userAuth(biz, 'owner-v6');
      const code = uniqueCode('v6app');
      await createApp(owner, code, `http://[::7f00:1]:${port}/records`);
      await assignApp(http, owner, code, biz);
      const res = await startImport(owner, code);
      expect(res.status).toBe(201);
      const done = await settled(http, owner, res.body.data.session_id);
      expect(done).toMatchObject({ status: 'failed' });
      expect(done.error).toMatch(/refused: .* private address/);
      expect(server.seen).toEqual([]);
    } finally {
      http = t.http;
      await server.stop();
      await guarded.close();
    }
  });
});
