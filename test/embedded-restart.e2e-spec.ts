/**
 * What a newcomer gets: no DATABASE_URL, an embedded PostgreSQL kept in DATA_DIR, a generated
 * development secret — and data that survives a restart.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { signToken } from '../src/shared/auth/jwt.js';
import { createTestApp, uniqueCode } from './support/test-app.js';

describe('embedded database (PGlite in DATA_DIR)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'import-backend-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const boot = () =>
    createTestApp({
      DATABASE_URL: '',
      AUTH_JWT_SECRET: '',
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
    });

  test('concurrent requests on the embedded database: every one answered correctly', async () => {
    const app = await boot();
    try {
      const secret = readFileSync(join(dataDir, 'dev-jwt-secret'), 'utf8').trim();
      const token = await signToken(secret, {
        sub: 'c',
        business_uid: 'concurrency',
        scope: 'clients:read clients:write',
      });
      const auth = { Authorization: `Bearer ${token}` };
      const writes = Array.from({ length: 40 }, (_, i) =>
        request(app.http)
          .post('/business/clients/v1/clients')
          .set(auth)
          .send({ first_name: `C${i}`, email: `c${i}@example.com` }),
      );
      const reads = Array.from({ length: 40 }, () =>
        request(app.http).get('/business/clients/v1/clients?page_size=5').set(auth),
      );
      const results = await Promise.all([...writes, ...reads]);
      expect(results.slice(0, 40).map((r) => r.status)).toEqual(Array(40).fill(201));
      expect(results.slice(40).map((r) => r.status)).toEqual(Array(40).fill(200));
      const all = await request(app.http)
        .get('/business/clients/v1/clients?page_size=100')
        .set(auth);
      expect(all.body.data.total).toBe(40);
    } finally {
      await app.close();
    }
  });

  test('data survives a restart; the generated dev secret is kept and reused', async () => {
    const code = uniqueCode();
    const first = await boot();
    const secretFile = join(dataDir, 'dev-jwt-secret');
    expect(existsSync(secretFile)).toBe(true);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
    const secret = readFileSync(secretFile, 'utf8').trim();
    const token = await signToken(secret, {
      sub: 'demo-user',
      business_uid: 'demo-business',
      scope: 'apps:read apps:write',
    });
    const created = await request(first.http)
      .post('/platform/v1/apps')
      .set('Authorization', `Bearer ${token}`)
      .send({
        name: 'Persistent App',
        app_code_name: code,
        app_type: 'import_clients',
        redirect_uri: 'https://example.com/cb',
      });
    expect(created.status).toBe(201);
    await first.close();

    const second = await boot();
    try {
      const got = await request(second.http)
        .get(`/platform/v1/apps/${code}`)
        .set('Authorization', `Bearer ${token}`);
      expect(got.status).toBe(200);
      expect(got.body.data).toMatchObject({
        app_code_name: code,
        name: 'Persistent App',
        app_id: created.body.data.app_id,
      });
      expect(readFileSync(secretFile, 'utf8').trim()).toBe(secret);
    } finally {
      await second.close();
    }
  });
});
