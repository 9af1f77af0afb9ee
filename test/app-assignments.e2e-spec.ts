import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { expectError } from './support/envelope.js';
import { bearer, registerApp } from './support/fixtures.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

describe('app assignments (SPEC §3)', () => {
  let t: TestApp;
  const business = uniqueBusiness();
  const otherBusiness = uniqueBusiness();
  let token: string;
  let otherToken: string;
  let admin: string;
  let appCode: string;

  const assign = (tok: string, body: object) =>
    request(t.http)
      .post('/v3/apps/app_assignments')
      .set('Authorization', `Bearer ${tok}`)
      .send(body);
  const body = (patch: object = {}) => ({
    app_code_name: appCode,
    assignee_uid: business,
    assignee_type: 'business',
    settings: { assignment_mode: 'internal' },
    ...patch,
  });

  beforeAll(async () => {
    t = await createTestApp();
    token = await tokenFor({ business });
    otherToken = await tokenFor({ business: otherBusiness, sub: 'other-user' });
    admin = await tokenFor({ business: null, sub: 'root', scopes: ['platform:admin'] });
    ({ code: appCode } = await registerApp(t.http, bearer(token), {
      name: 'Assignable',
      appType: ['import_clients'],
    }));
  });
  afterAll(() => t.close());

  test('create → 201; the same (app, assignee) again → 409 already_exists', async () => {
    const first = await assign(token, body());
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({
      app_code_name: appCode,
      assignee_uid: business,
      settings: { assignment_mode: 'internal' },
    });
    expectError(
      await assign(token, body({ settings: { assignment_mode: 'pre_installed' } })),
      409,
      {
        type: 'conflict',
        message: 'already_exists',
      },
    );
  });

  test('unknown app → 404', async () => {
    const res = await assign(token, body({ app_code_name: 'nosuchapp123' }));
    expectError(res, 404);
    expect(res.body.message).toContain('nosuchapp123');
  });

  test.each([
    ['app_code_name missing', { app_code_name: undefined }, 'app_code_name', 'required'],
    ['assignee_uid missing', { assignee_uid: undefined }, 'assignee_uid', 'required'],
    ['assignee_type unknown', { assignee_type: 'team' }, 'assignee_type', 'invalid_value'],
    ['settings missing', { settings: undefined }, 'settings', 'required'],
    [
      'assignment_mode unknown',
      { settings: { assignment_mode: 'auto' } },
      'settings.assignment_mode',
      'invalid_value',
    ],
    ['assignment_mode missing', { settings: {} }, 'settings.assignment_mode', 'required'],
    [
      'unknown settings key',
      { settings: { assignment_mode: 'internal', x: 1 } },
      'settings.x',
      'unknown_property',
    ],
    ['unknown property', { extra: true }, 'extra', 'unknown_property'],
  ])('400 validation_error: %s', async (_, patch, key, message) => {
    expectError(await assign(token, body(patch)), 400, { type: 'validation_error', key, message });
  });

  test('without platform:admin only the own business may be assigned (403 otherwise)', async () => {
    expectError(await assign(token, body({ assignee_uid: otherBusiness })), 403);
    expectError(
      await assign(token, body({ assignee_type: 'directory', assignee_uid: 'dir-1' })),
      403,
    );
    const noBusiness = await tokenFor({ business: null });
    expectError(await assign(noBusiness, body()), 403);
    const readOnly = await tokenFor({ business, scopes: ['app_assignments:read'] });
    expectError(await assign(readOnly, body()), 403);
  });

  test('platform:admin may assign to anyone, of any type', async () => {
    const res = await assign(admin, body({ assignee_type: 'package', assignee_uid: 'pkg-gold' }));
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ assignee_type: 'package', assignee_uid: 'pkg-gold' });
  });

  test('list: filters, confinement to the own business, and admin view', async () => {
    const { code: code2 } = await registerApp(t.http, bearer(otherToken), {
      name: 'Other App',
      appType: 'payments',
    });
    await assign(otherToken, body({ app_code_name: code2, assignee_uid: otherBusiness })).expect(
      201,
    );
    await assign(token, body({ app_code_name: code2 })).expect(201);

    const own = await request(t.http)
      .get('/v3/apps/app_assignments')
      .set('Authorization', `Bearer ${token}`);
    expect(own.status).toBe(200);
    expect(own.body.data.items.length).toBeGreaterThanOrEqual(2);
    expect(
      own.body.data.items.every((a: { assignee_uid: string }) => a.assignee_uid === business),
    ).toBe(true);

    const filtered = await request(t.http)
      .get(
        `/v3/apps/app_assignments?app_code_name=${code2}&assignee_type=business&assignee_uid=${business}`,
      )
      .set('Authorization', `Bearer ${token}`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.data).toMatchObject({ total: 1, page: 1, page_size: 20 });
    expect(filtered.body.data.items[0]).toMatchObject({
      app_code_name: code2,
      assignee_uid: business,
    });

    expectError(
      await request(t.http)
        .get(`/v3/apps/app_assignments?assignee_uid=${otherBusiness}`)
        .set('Authorization', `Bearer ${token}`),
      403,
    );
    expectError(
      await request(t.http)
        .get('/v3/apps/app_assignments?assignee_type=package')
        .set('Authorization', `Bearer ${token}`),
      403,
    );
    expectError(
      await request(t.http)
        .get('/v3/apps/app_assignments?assignee_type=nope')
        .set('Authorization', `Bearer ${token}`),
      400,
      { key: 'assignee_type', message: 'invalid_value' },
    );

    const asAdmin = await request(t.http)
      .get(`/v3/apps/app_assignments?app_code_name=${code2}`)
      .set('Authorization', `Bearer ${admin}`);
    expect(asAdmin.body.data.total).toBe(2);
  });

  test("get and delete: another business's assignment is a 404; a bad uid is a 400", async () => {
    const { code: code3 } = await registerApp(t.http, bearer(otherToken), {
      name: 'Third App',
      appType: 'notifications',
    });
    const theirs = await assign(
      otherToken,
      body({ app_code_name: code3, assignee_uid: otherBusiness }),
    );
    const uid = theirs.body.data.uid;

    expectError(
      await request(t.http)
        .get(`/v3/apps/app_assignments/${uid}`)
        .set('Authorization', `Bearer ${token}`),
      404,
    );
    expectError(
      await request(t.http)
        .delete(`/v3/apps/app_assignments/${uid}`)
        .set('Authorization', `Bearer ${token}`),
      404,
    );
    expect(
      (
        await request(t.http)
          .get(`/v3/apps/app_assignments/${uid}`)
          .set('Authorization', `Bearer ${otherToken}`)
      ).status,
    ).toBe(200);
    expect(
      (
        await request(t.http)
          .get(`/v3/apps/app_assignments/${uid}`)
          .set('Authorization', `Bearer ${admin}`)
      ).status,
    ).toBe(200);

    expectError(
      await request(t.http)
        .get('/v3/apps/app_assignments/not-a-uuid')
        .set('Authorization', `Bearer ${token}`),
      400,
      {
        key: 'uid',
        message: 'invalid_uuid',
      },
    );
    expectError(
      await request(t.http)
        .delete('/v3/apps/app_assignments/00000000-0000-4000-8000-000000000000')
        .set('Authorization', `Bearer ${token}`),
      404,
    );

    const deleted = await request(t.http)
      .delete(`/v3/apps/app_assignments/${uid}`)
      .set('Authorization', `Bearer ${otherToken}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toEqual(theirs.body.data);
    expectError(
      await request(t.http)
        .delete(`/v3/apps/app_assignments/${uid}`)
        .set('Authorization', `Bearer ${otherToken}`),
      404,
    );
  });
});
