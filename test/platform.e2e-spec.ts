import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { expectError } from './support/envelope.js';
import { createTestApp, type TestApp, tokenFor } from './support/test-app.js';

describe('the HTTP surface: health, docs, envelope, request ids', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  test('GET /health reports liveness and the database, without a token', async () => {
    const res = await request(t.http).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      code: 200,
      data: { status: 'ok', details: { database: { status: 'up' } } },
    });
  });

  test('Swagger UI at /docs and the OpenAPI document at /docs-json list every endpoint', async () => {
    const ui = await request(t.http).get('/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = await request(t.http).get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    const paths = doc.body.paths as Record<
      string,
      Record<string, { responses: Record<string, unknown> }>
    >;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/platform/v1/apps',
        '/platform/v1/apps/{app_code_name}',
        '/v3/apps/app_assignments',
        '/v3/apps/app_assignments/{uid}',
        '/oauth/token',
        '/customers',
        '/customers/{id}',
        '/customers/import/template',
        '/customers/import/validate',
        '/customers/import/confirm',
        '/customers/import/{import_id}',
        '/customers/import/{import_id}/errors.csv',
        '/business/clients/v1/clients',
        '/business/clients/v1/clients/{id}',
        '/business/clients/v1/import/template',
        '/business/clients/v1/import/validate',
        '/business/clients/v1/import/confirm',
        '/business/clients/v1/imports',
        '/business/clients/v1/imports/{import_id}',
        '/business/clients/v1/imports/{import_id}/errors.csv',
        '/business/clients/v1/apps/{app_code_name}/import',
      ]),
    );
    expect(Object.keys(paths['/platform/v1/apps'].post.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409']),
    );
    // The validate endpoints show a file picker; confirm documents its 400 and 409.
    const upload = paths['/customers/import/validate'].post as unknown as {
      requestBody: {
        content: Record<string, { schema: { properties: { file: { format: string } } } }>;
      };
    };
    expect(upload.requestBody.content['multipart/form-data'].schema.properties.file.format).toBe(
      'binary',
    );
    expect(Object.keys(paths['/customers/import/confirm'].post.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '409']),
    );
    expect(Object.keys(paths['/v3/apps/app_assignments/{uid}'].delete.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404']),
    );
  });

  test('an unknown route is a 404 envelope', async () => {
    const token = await tokenFor();
    const res = await request(t.http).get('/nope').set('Authorization', `Bearer ${token}`);
    expectError(res, 404);
    expect(res.body.data).toEqual({});
  });

  test('malformed JSON is a 400 validation_error on key body, with no parser internals', async () => {
    const token = await tokenFor();
    const res = await request(t.http)
      .post('/platform/v1/apps')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send('{"name": ');
    expectError(res, 400, { type: 'validation_error', key: 'body', message: 'malformed_json' });
    expect(JSON.stringify(res.body)).not.toMatch(/position|SyntaxError|at /);
  });

  test('a request id is returned, and taken from X-Request-Id when given', async () => {
    const res = await request(t.http).get('/health');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await request(t.http).get('/health').set('X-Request-Id', 'trace-abc-123');
    expect(given.headers['x-request-id']).toBe('trace-abc-123');
  });

  test('security headers are set', async () => {
    const res = await request(t.http).get('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
