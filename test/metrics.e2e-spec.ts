/**
 * `GET /metrics`: Prometheus text that a scraper can read, behind the optional METRICS_TOKEN,
 * whose counters tell what an import did — the same numbers the import's own answers give.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CUSTOMER_HEADER, customersCsv } from './support/csv.js';
import { expectError } from './support/envelope.js';
import { parsePrometheus, type Sample, valueOf } from './support/prometheus.js';
import { createTestApp, type TestApp, tokenFor } from './support/test-app.js';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN, IMPORT_MAX_ROWS: '10' });
  });
  afterAll(() => t.close());

  async function scrape(): Promise<Sample[]> {
    const res = await request(t.http)
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`)
      .buffer(true)
      .parse((r, cb) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => cb(null, text));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(res.body as string);
  }

  test('METRICS_TOKEN: without it or with another token 401 in the envelope; with it Prometheus text', async () => {
    expectError(await request(t.http).get('/metrics'), 401);
    expectError(
      await request(t.http).get('/metrics').set('Authorization', 'Bearer not-the-token-at-all'),
      401,
    );
    const samples = await scrape();
    // Node's default metrics and the pool are there.
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(valueOf(samples, 'db_pool_size')).toBe(10);
    expect(samples.some((s) => s.name === 'db_pool_connections_in_use')).toBe(true);
    // Not part of the API document.
    const doc = await request(t.http).get('/docs-json');
    expect(Object.keys(doc.body.paths)).not.toContain('/metrics');
  });

  test("the counters match a CSV import's outcomes", async () => {
    const auth = { Authorization: `Bearer ${await tokenFor()}` };
    const before = await scrape();
    const csv = [
      CUSTOMER_HEADER,
      'Alpha S.r.l.,,IT00000000001,,Milano,,a@example.com,,it,',
      'Beta S.r.l.,,IT00000000002,,Milano,,b@example.com,,it,',
      'Gamma S.r.l.,,IT00000000003,,Milano,,g@example.com,,it,',
      'Broken S.r.l.,,IT00000000004,,Milano,,not-an-email,,it,',
      'Again S.r.l.,,IT00000000001,,Milano,,again@example.com,,it,',
    ].join('\n');
    const validated = await request(t.http)
      .post('/customers/import/validate')
      .set(auth)
      .attach('file', Buffer.from(csv), 'c.csv')
      .expect(200);
    const confirmed = await request(t.http)
      .post('/customers/import/confirm')
      .set(auth)
      .send({ import_id: validated.body.data.import_id })
      .expect(200);
    const { created, updated, skipped, failed } = confirmed.body.data;
    expect({ created, updated, skipped, failed }).toEqual({
      created: 3,
      updated: 0,
      skipped: 2,
      failed: 0,
    });
    // An upload the validate refuses while reading it (more than IMPORT_MAX_ROWS), and a route
    // with a parameter.
    await request(t.http)
      .post('/customers/import/validate')
      .set(auth)
      .attach('file', Buffer.from(customersCsv(11)), 'many.csv')
      .expect(400);
    await request(t.http).get(`/customers/${randomUUID()}`).set(auth).expect(404);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    const csvCustomers = { entity: 'customers', channel: 'csv' };
    expect(delta('imports_started_total', csvCustomers)).toBe(2);
    expect(delta('imports_finished_total', { ...csvCustomers, outcome: 'completed' })).toBe(1);
    expect(delta('imports_finished_total', { ...csvCustomers, outcome: 'rejected' })).toBe(1);
    expect(delta('imports_finished_total', { ...csvCustomers, outcome: 'failed' })).toBe(0);
    for (const [outcome, n] of Object.entries({ created, updated, skipped, failed }))
      expect({
        outcome,
        n: delta('import_rows_processed_total', { entity: 'customers', outcome }),
      }).toEqual({ outcome, n });
    expect(delta('import_validate_duration_seconds_count', csvCustomers)).toBe(1);
    expect(delta('import_confirm_duration_seconds_count', csvCustomers)).toBe(1);
    expect(delta('import_confirm_duration_seconds_sum', csvCustomers)).toBeGreaterThan(0);
    const http = (route: string, method: string, status: string) =>
      delta('http_request_duration_seconds_count', { route, method, status });
    expect(http('/customers/import/validate', 'POST', '200')).toBe(1);
    expect(http('/customers/import/validate', 'POST', '400')).toBe(1);
    expect(http('/customers/import/confirm', 'POST', '200')).toBe(1);
    expect(http('/customers/:id', 'GET', '404')).toBe(1); // the template, not the URL
  });

  test('jobs waiting and running are counted in import_sessions at scrape time', async () => {
    const db = t.app.get(DataSource);
    const entity = `probe${randomUUID().slice(0, 8)}`; // a label no other test uses
    // Should another test's worker claim a probe meanwhile, it finds no such app and fails it;
    // created in the future, the probes come last in the workers' oldest-first search.
    const insert = (lease: string | null) =>
      db.query(
        `INSERT INTO import_sessions (id, business_uid, created_by, entity_type, channel, status, options,
                                      lease_owner, lease_expires_at, created_at, expires_at,
                                      phase_started_at, updated_at)
         VALUES ($1, 'metrics-probe', 'probe', $2, 'app', 'collecting', $3, $4, $5,
                 now() + interval '1 day', now() + interval '2 days',
                 now() + interval '1 day', now() + interval '1 day')`,
        [
          randomUUID(),
          entity,
          JSON.stringify({
            channel: {
              kind: 'app',
              appCodeName: `${entity}-no-such-app`,
              shouldOverride: false,
              sendNotificationsWhenDone: false,
            },
            settings: {},
          }),
          lease ? 'someone' : null,
          lease,
        ],
      );
    try {
      await insert(null);
      await insert(null);
      await insert(new Date(Date.now() + 60_000).toISOString());
      await insert(new Date(Date.now() - 60_000).toISOString()); // its holder is gone
      const samples = await scrape();
      expect(valueOf(samples, 'import_jobs_waiting', { entity, channel: 'app' })).toBe(3);
      expect(valueOf(samples, 'import_jobs_running', { entity, channel: 'app' })).toBe(1);
    } finally {
      await db.query('DELETE FROM import_sessions WHERE entity_type = $1', [entity]);
    }
    const gone = await scrape();
    expect(gone.some((s) => s.labels.entity === entity)).toBe(false);
  });
});
