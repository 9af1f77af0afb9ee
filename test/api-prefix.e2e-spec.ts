/**
 * The API under /api as well (the seed 003's curl calls `/api/customers/import/confirm`): the
 * same routes, envelope, limits and docs at both paths.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { createTestApp, type TestApp, tokenFor } from './support/test-app.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

describe('the API under /api', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  test("the seed's confirm request, to the seed's path /api/customers/import/confirm", async () => {
    const auth = { Authorization: `Bearer ${await tokenFor()}` };
    const validated = await request(t.http)
      .post('/api/customers/import/validate')
      .set(auth)
      .attach('file', fixture('customers-mixed.csv'), 'customers.csv');
    expect(validated.status).toBe(200);
    expect(validated.body).toMatchObject({
      code: 200,
      message: 'customers import validated',
      data: { total_rows: 6, valid_rows: 2, error_rows: 4 },
    });

    // Verbatim but for the import_id: override and resolutions are no-ops for customers.
    const confirmed = await request(t.http)
      .post('/api/customers/import/confirm')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(
        `{"import_id":"${validated.body.data.import_id}","override":true,"resolutions":{"7":{"organization_id":"abc123"}}}`,
      );
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      code: 200,
      message: 'customers imported successfully',
      data: { created: 2, updated: 0, skipped: 4, failed: 0 },
    });
    expect(confirmed.body.data.results.map((r: { row_number: number }) => r.row_number)).toEqual([
      2, 3, 4, 5, 6, 7,
    ]);

    // The same import, read at the path without the prefix.
    const status = await request(t.http)
      .get(`/customers/import/${validated.body.data.import_id}`)
      .set(auth);
    expect(status.body.data).toMatchObject({ status: 'completed', created: 2, skipped: 4 });
  });

  test('errors, health and the docs answer under /api as they do without it', async () => {
    expect((await request(t.http).get('/api/customers')).body).toEqual({
      code: 401,
      message: 'invalid token',
      data: {},
    });
    expect((await request(t.http).get('/api/health')).status).toBe(200);
    const doc = await request(t.http).get('/api/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body).toEqual((await request(t.http).get('/docs-json')).body);
    const ui = await request(t.http).get('/api/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  test('only the /api segment is a prefix: /apis, /api-x and /api/api/… are unknown routes', async () => {
    const auth = { Authorization: `Bearer ${await tokenFor()}` };
    for (const path of ['/apis/customers', '/api-x/customers', '/api/api/customers']) {
      const res = await request(t.http).get(path).set(auth);
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 404,
        code: 404,
      });
    }
    const query = await request(t.http).get('/api?x=1').set(auth);
    expect(query.status).toBe(404);
  });
});
