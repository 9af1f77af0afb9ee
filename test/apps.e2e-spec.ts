import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { expectError } from './support/envelope.js';
import {
  createTestApp,
  type TestApp,
  tokenFor,
  uniqueBusiness,
  uniqueCode,
} from './support/test-app.js';

const validApp = (code = uniqueCode()) => ({
  name: 'Test Import Clients App',
  app_code_name: code,
  app_type: 'import_clients',
  redirect_uri: 'https://example.com/callback',
});

describe('apps (SPEC §2)', () => {
  let t: TestApp;
  let owner: string;
  let stranger: string;
  let admin: string;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await tokenFor({ sub: 'owner-1' });
    stranger = await tokenFor({ sub: 'someone-else' });
    admin = await tokenFor({ sub: 'root', business: null, scopes: ['platform:admin'] });
  });
  afterAll(() => t.close());

  const post = (token: string, body: object) =>
    request(t.http).post('/platform/v1/apps').set('Authorization', `Bearer ${token}`).send(body);

  test('creates an app with app_type as an array; client secret is shown once and stored hashed', async () => {
    const body = {
      ...validApp(),
      app_type: ['import_clients', 'payments'],
      api_uri: 'https://records.example.com/clients',
      description: 'A test app',
    };
    const res = await post(owner, body);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      app_code_name: body.app_code_name,
      app_id: expect.any(String),
      app_type: ['import_clients', 'payments'],
      api_uri: 'https://records.example.com/clients',
      description: 'A test app',
      owner_uid: 'owner-1',
      client_id: expect.stringMatching(/^app_/),
      client_secret: expect.stringMatching(/^sk_/),
    });
    const secret: string = res.body.data.client_secret;

    const got = await request(t.http)
      .get(`/platform/v1/apps/${body.app_code_name}`)
      .set('Authorization', `Bearer ${stranger}`);
    expect(got.status).toBe(200);
    expect(got.body.data).not.toHaveProperty('client_secret');
    expect(got.body.data).not.toHaveProperty('client_id');
    expect(got.body.data.app_type).toEqual(['import_clients', 'payments']);

    const [row] = await t.app
      .get(DataSource)
      .query('SELECT client_secret_hash FROM apps WHERE app_code_name = $1', [body.app_code_name]);
    expect(row.client_secret_hash).toMatch(/^scrypt\$/);
    expect(row.client_secret_hash).not.toContain(secret);
  });

  test('a taken app_code_name is a 409 already_exists (case-insensitive)', async () => {
    const body = validApp();
    expect((await post(owner, body)).status).toBe(201);
    expectError(await post(stranger, body), 409, {
      type: 'conflict',
      key: 'app_code_name',
      message: 'already_exists',
    });
    expectError(
      await post(owner, { ...body, app_code_name: body.app_code_name.toUpperCase() }),
      409,
      {
        message: 'already_exists',
      },
    );
  });

  test.each([
    ['name missing', { name: undefined }, 'name', 'required'],
    ['name too short', { name: 'ab' }, 'name', 'too_short'],
    ['name too long', { name: 'x'.repeat(51) }, 'name', 'too_long'],
    ['app_code_name with a dash', { app_code_name: 'bad-code' }, 'app_code_name', 'invalid_format'],
    ['app_code_name too long', { app_code_name: 'a'.repeat(65) }, 'app_code_name', 'too_long'],
    ['app_type unknown', { app_type: 'crm' }, 'app_type', 'invalid_value'],
    [
      'app_type unknown in array',
      { app_type: ['import_clients', 'crm'] },
      'app_type',
      'invalid_value',
    ],
    ['app_type empty array', { app_type: [] }, 'app_type', 'required'],
    ['app_type missing', { app_type: undefined }, 'app_type', 'required'],
    ['redirect_uri relative', { redirect_uri: '/callback' }, 'redirect_uri', 'invalid_url'],
    ['redirect_uri ftp', { redirect_uri: 'ftp://example.com/x' }, 'redirect_uri', 'invalid_url'],
    ['api_uri not a URL', { api_uri: 'not a url' }, 'api_uri', 'invalid_url'],
    ['unknown property', { owner_uid: 'me' }, 'owner_uid', 'unknown_property'],
  ])('400 validation_error: %s', async (_, patch, key, message) => {
    const res = await post(owner, { ...validApp(), ...patch });
    expectError(res, 400, { type: 'validation_error', key, message });
  });

  test('lists apps with pagination; out-of-range pages are 400', async () => {
    for (let i = 0; i < 3; i++) expect((await post(owner, validApp())).status).toBe(201);
    const res = await request(t.http)
      .get('/platform/v1/apps?page=1&page_size=2')
      .set('Authorization', `Bearer ${owner}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ page: 1, page_size: 2, total: expect.any(Number) });
    expect(res.body.data.items).toHaveLength(2);
    expect(res.body.data.total).toBeGreaterThanOrEqual(3);
    expect(res.body.data.items[0]).not.toHaveProperty('client_secret');

    for (const q of ['page=0', 'page_size=0', 'page_size=101', 'page=abc']) {
      const bad = await request(t.http)
        .get(`/platform/v1/apps?${q}`)
        .set('Authorization', `Bearer ${owner}`);
      expectError(bad, 400, { type: 'validation_error', key: q.split('=')[0] });
    }
  });

  test('404 for an unknown app on get, update and delete', async () => {
    for (const method of ['get', 'delete'] as const) {
      const agent = request(t.http);
      const res = await agent[method]('/platform/v1/apps/doesnotexist').set(
        'Authorization',
        `Bearer ${owner}`,
      );
      expectError(res, 404);
      expect(res.body.message).toContain('doesnotexist');
    }
    const { app_code_name: _, ...details } = validApp();
    expectError(
      await request(t.http)
        .put('/platform/v1/apps/doesnotexist')
        .set('Authorization', `Bearer ${owner}`)
        .send(details),
      404,
    );
  });

  test('only the owner or platform:admin may update or delete', async () => {
    const body = validApp();
    await post(owner, body);
    const { app_code_name: code, ...details } = body;
    const update = { ...details, name: 'Renamed App', app_type: ['communication'] };

    const denied = await request(t.http)
      .put(`/platform/v1/apps/${code}`)
      .set('Authorization', `Bearer ${stranger}`)
      .send(update);
    expectError(denied, 403);
    expectError(
      await request(t.http)
        .delete(`/platform/v1/apps/${code}`)
        .set('Authorization', `Bearer ${stranger}`),
      403,
    );

    const updated = await request(t.http)
      .put(`/platform/v1/apps/${code}`)
      .set('Authorization', `Bearer ${owner}`)
      .send(update);
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({
      name: 'Renamed App',
      app_type: ['communication'],
      owner_uid: 'owner-1',
    });

    const invalid = await request(t.http)
      .put(`/platform/v1/apps/${code}`)
      .set('Authorization', `Bearer ${owner}`)
      .send({ ...update, name: 'x' });
    expectError(invalid, 400, { key: 'name', message: 'too_short' });

    const byAdmin = await request(t.http)
      .put(`/platform/v1/apps/${code}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ ...update, name: 'Admin Renamed' });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.data.name).toBe('Admin Renamed');

    const deleted = await request(t.http)
      .delete(`/platform/v1/apps/${code}`)
      .set('Authorization', `Bearer ${owner}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.app_code_name).toBe(code);
    expectError(
      await request(t.http)
        .get(`/platform/v1/apps/${code}`)
        .set('Authorization', `Bearer ${owner}`),
      404,
    );
  });

  test('delete is a 409 while the app is assigned, and works once unassigned', async () => {
    const business = uniqueBusiness();
    const token = await tokenFor({ sub: 'owner-2', business });
    const body = validApp();
    await post(token, body);
    const assigned = await request(t.http)
      .post('/v3/apps/app_assignments')
      .set('Authorization', `Bearer ${token}`)
      .send({
        app_code_name: body.app_code_name,
        assignee_uid: business,
        assignee_type: 'business',
        settings: { assignment_mode: 'pre_installed' },
      });
    expect(assigned.status).toBe(201);

    const conflict = await request(t.http)
      .delete(`/platform/v1/apps/${body.app_code_name}`)
      .set('Authorization', `Bearer ${token}`);
    expectError(conflict, 409, { type: 'conflict', message: 'has_assignments' });

    await request(t.http)
      .delete(`/v3/apps/app_assignments/${assigned.body.data.uid}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    await request(t.http)
      .delete(`/platform/v1/apps/${body.app_code_name}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
  });

  test('scopes: apps:read to read, apps:write to change (403 otherwise)', async () => {
    const readOnly = await tokenFor({ scopes: ['apps:read'] });
    const writeOnly = await tokenFor({ scopes: ['apps:write'] });
    expectError(await post(readOnly, validApp()), 403);
    expect((await post(writeOnly, validApp())).status).toBe(201);
    const list = await request(t.http)
      .get('/platform/v1/apps')
      .set('Authorization', `Bearer ${writeOnly}`);
    expectError(list, 403);
    expect(list.body).toEqual({ code: 403, message: 'insufficient permissions', data: {} });
    expect(
      (await request(t.http).get('/platform/v1/apps').set('Authorization', `Bearer ${readOnly}`))
        .status,
    ).toBe(200);
  });
});
