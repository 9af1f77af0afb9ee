/**
 * The seed `000_…`'s prerequisite requests, sent verbatim (only {{timestamp}} and
 * {{business_uid}} filled in), and the DELETE of the assignment it names for cleanup.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

describe('seed 000: create an app, assign it, clean up', () => {
  let t: TestApp;
  const business = uniqueBusiness();
  let token: string;
  const timestamp = `${Date.now()}`;

  beforeAll(async () => {
    t = await createTestApp();
    token = await tokenFor({ business });
  });
  afterAll(() => t.close());

  test('POST /platform/v1/apps, POST /v3/apps/app_assignments, DELETE …/{uid}', async () => {
    const createApp = await request(t.http)
      .post('/platform/v1/apps')
      .set('Authorization', `Bearer ${token}`)
      .send({
        name: 'Test Import Clients App',
        app_code_name: `testimportapp${timestamp}`,
        app_type: 'import_clients',
        redirect_uri: 'https://example.com/callback',
      });
    expect(createApp.status).toBe(201);
    expect(createApp.body).toMatchObject({
      code: 201,
      message: expect.any(String),
      data: {
        app_code_name: `testimportapp${timestamp}`,
        app_type: ['import_clients'],
        name: 'Test Import Clients App',
        redirect_uri: 'https://example.com/callback',
        client_id: expect.any(String),
        client_secret: expect.any(String),
      },
    });
    const appCodeName: string = createApp.body.data.app_code_name;

    const assign = await request(t.http)
      .post('/v3/apps/app_assignments')
      .set('Authorization', `Bearer ${token}`)
      .send({
        app_code_name: appCodeName,
        assignee_uid: business,
        assignee_type: 'business',
        settings: { assignment_mode: 'internal' },
      });
    expect(assign.status).toBe(201);
    expect(assign.body).toMatchObject({
      code: 201,
      data: {
        uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        app_code_name: appCodeName,
        assignee_uid: business,
        assignee_type: 'business',
        settings: { assignment_mode: 'internal' },
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    const uid: string = assign.body.data.uid;

    const removed = await request(t.http)
      .delete(`/v3/apps/app_assignments/${uid}`)
      .set('Authorization', `Bearer ${token}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ code: 200, data: assign.body.data });

    const gone = await request(t.http)
      .get(`/v3/apps/app_assignments/${uid}`)
      .set('Authorization', `Bearer ${token}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({
      code: 404,
      message: expect.stringContaining('not found'),
      data: {},
    });
  });
});
