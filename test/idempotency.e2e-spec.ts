/**
 * `Idempotency-Key` on every creating POST (SPEC §8, the Stripe convention): a retry with the
 * same key and body replays the first answer with `Idempotent-Replayed: true` and creates
 * nothing; the same key with another body is a 422; a key whose first request is still running
 * is a 409; keys are kept 24 h per business, then purged.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppsService } from '../src/modules/apps/application/apps.service.js';
import { IdempotencyStore } from '../src/shared/idempotency/idempotency-store.js';
import { expectError } from './support/envelope.js';
import { assignApp, type Auth, registerApp, userAuth } from './support/fixtures.js';
import { createTestApp, type TestApp, uniqueBusiness, uniqueCode } from './support/test-app.js';

const key = () => `key-${randomUUID()}`;

describe('Idempotency-Key', () => {
  let t: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    t = await createTestApp();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const auth = (business: string, sub = 'idem-user') => userAuth(business, sub);
  /** How many rows of `table` have `column = value`. */
  const countWhere = async (table: string, column: string, value: string): Promise<number> =>
    Number(
      (await db.query(`SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`, [value]))[0].n,
    );
  const post = (path: string, headers: Auth, body: object) =>
    request(t.http).post(path).set(headers).send(body);

  const createApp = async (headers: Auth) =>
    (await registerApp(t.http, headers, { code: uniqueCode('idemapp'), name: 'Idempotent App' }))
      .code;

  /**
   * Each creating POST: its path, a body, and how many entities of this business the database
   * holds (to show that the retry created nothing).
   */
  const ROUTES: Array<{
    name: string;
    prepare: (headers: Auth, business: string) => Promise<{ path: string; body: object }>;
    count: (business: string, body: object) => Promise<number>;
  }> = [
    {
      name: 'POST /customers',
      prepare: async () => ({
        path: '/customers',
        body: { company_name: 'Idem Spa', vat_number: `IT${Date.now()}` },
      }),
      count: async (business) => countWhere('customers', 'business_uid', business),
    },
    {
      name: 'POST /business/clients/v1/clients',
      prepare: async () => ({
        path: '/business/clients/v1/clients',
        body: { first_name: 'Ida', email: `ida-${randomUUID()}@example.com` },
      }),
      count: async (business) => countWhere('clients', 'business_uid', business),
    },
    {
      name: 'POST /platform/v1/apps',
      prepare: async () => ({
        path: '/platform/v1/apps',
        body: {
          name: 'Idem App',
          app_code_name: uniqueCode('idemcreate'),
          app_type: 'payments',
          redirect_uri: 'https://example.com/cb',
        },
      }),
      count: async (_business, body) =>
        countWhere('apps', 'app_code_name', (body as { app_code_name: string }).app_code_name),
    },
    {
      name: 'POST /v3/apps/app_assignments',
      prepare: async (headers, business) => ({
        path: '/v3/apps/app_assignments',
        body: {
          app_code_name: await createApp(headers),
          assignee_uid: business,
          assignee_type: 'business',
          settings: { assignment_mode: 'internal' },
        },
      }),
      count: async (business) => countWhere('app_assignments', 'assignee_uid', business),
    },
    {
      name: 'POST /business/clients/v1/apps/{code}/import',
      prepare: async (headers, business) => {
        const code = await createApp(headers);
        await assignApp(t.http, headers, code, business);
        return {
          path: `/business/clients/v1/apps/${code}/import`,
          body: {
            import_params: { upload_type: 'single', send_notifications_when_done: false },
            fields_mapping: { email: 'E-mail' },
          },
        };
      },
      count: async (business) => countWhere('import_sessions', 'business_uid', business),
    },
  ];

  describe.each(ROUTES)('$name', ({ prepare, count }) => {
    test('a retry with the same key and body replays the first answer and creates nothing', async () => {
      const business = uniqueBusiness();
      const headers = await auth(business);
      const { path, body } = await prepare(headers, business);
      const before = await count(business, body);
      const idem = { ...headers, 'Idempotency-Key': key() };

      const first = await post(path, idem, body);
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(await count(business, body)).toBe(before + 1);

      // The same body with its keys in another order is the same body.
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const retry = await post(path, idem, reordered);
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(first.body);
      expect(await count(business, body)).toBe(before + 1);

      const reused = await post(path, idem, { ...body, extra_field: 'another body' });
      expect(expectError(reused, 422, { type: 'precondition_failed' })).toEqual([
        {
          key: 'Idempotency-Key',
          message: 'idempotency_key_reused',
          value: idem['Idempotency-Key'],
        },
      ]);
      expect(await count(business, body)).toBe(before + 1);

      // Without the header, the same request creates again (or conflicts), as ever.
      const again = await post(path, headers, body);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
    });
  });

  test('the client_secret of a created app is replayed, yet not kept in clear', async () => {
    const business = uniqueBusiness();
    const headers = { ...(await auth(business)), 'Idempotency-Key': key() };
    const body = {
      name: 'Secret App',
      app_code_name: uniqueCode('idemsecret'),
      app_type: 'payments',
      redirect_uri: 'https://example.com/cb',
    };
    const first = await post('/platform/v1/apps', headers, body).expect(201);
    const retry = await post('/platform/v1/apps', headers, body).expect(201);
    const secret = first.body.data.client_secret as string;
    expect(retry.body.data.client_secret).toBe(secret);
    const rows = await db.query(`SELECT * FROM idempotency_keys WHERE key = $1`, [
      headers['Idempotency-Key'],
    ]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret.slice(3));
    expect(JSON.stringify(rows)).not.toContain(body.app_code_name);
  });

  test('keys are per business: another business may use the same key', async () => {
    const shared = key();
    const a = uniqueBusiness();
    const b = uniqueBusiness();
    const body = { company_name: 'Same Key Srl', vat_number: 'IT1' };
    const first = await post('/customers', { ...(await auth(a)), 'Idempotency-Key': shared }, body);
    const second = await post(
      '/customers',
      { ...(await auth(b)), 'Idempotency-Key': shared },
      body,
    );
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.data.id).not.toBe(first.body.data.id);
  });

  test('another user of the business, or another route, cannot replay the answer: 422', async () => {
    const business = uniqueBusiness();
    const idem = key();
    const body = { company_name: 'Mine Spa', vat_number: 'IT2' };
    await post(
      '/customers',
      { ...(await auth(business, 'alice')), 'Idempotency-Key': idem },
      body,
    ).expect(201);
    expectError(
      await post('/customers', { ...(await auth(business, 'bob')), 'Idempotency-Key': idem }, body),
      422,
      { key: 'Idempotency-Key', message: 'idempotency_key_reused' },
    );
    expectError(
      await post(
        '/business/clients/v1/clients',
        { ...(await auth(business, 'alice')), 'Idempotency-Key': idem },
        { first_name: 'X', email: 'x@example.com' },
      ),
      422,
      { key: 'Idempotency-Key', message: 'idempotency_key_reused' },
    );
  });

  test('a failed request does not keep its key: the corrected retry runs', async () => {
    const business = uniqueBusiness();
    const headers = { ...(await auth(business)), 'Idempotency-Key': key() };
    expectError(await post('/customers', headers, { company_name: 'No VAT' }), 400);
    const fixed = await post('/customers', headers, { company_name: 'No VAT', vat_number: 'IT3' });
    expect(fixed.status).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  test('while the first request with a key is running, a second one is a 409', async () => {
    const business = uniqueBusiness();
    const headers = { ...(await auth(business)), 'Idempotency-Key': key() };
    const body = {
      name: 'Slow App',
      app_code_name: uniqueCode('idemslow'),
      app_type: 'payments',
      redirect_uri: 'https://example.com/cb',
    };
    // Hold the first creation inside the service until the second request has been answered.
    const service = t.app.get(AppsService);
    const original = service.create.bind(service);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    service.create = async (...args) => {
      entered();
      await held;
      return original(...args);
    };
    try {
      const first = post('/platform/v1/apps', headers, body).then((r) => r);
      await inside;
      const second = await post('/platform/v1/apps', headers, body);
      expectError(second, 409, { key: 'Idempotency-Key', message: 'idempotency_key_in_use' });
      release();
      expect((await first).status).toBe(201);
    } finally {
      release();
      service.create = original;
    }
    const replay = await post('/platform/v1/apps', headers, body);
    expect([replay.status, replay.headers['idempotent-replayed']]).toEqual([201, 'true']);
  });

  test.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['not printable ASCII', 'clé'],
  ])('a malformed key (%s) is a 400', async (_what, value) => {
    const res = await request(t.http)
      .post('/customers')
      .set(await auth(uniqueBusiness()))
      .set('Idempotency-Key', value)
      .send({ company_name: 'Bad Key', vat_number: 'IT4' });
    expectError(res, 400, { key: 'Idempotency-Key', message: 'invalid_idempotency_key' });
  });

  test('keys live 24 h: then they are purged and the key may be used afresh', async () => {
    const business = uniqueBusiness();
    const headers = { ...(await auth(business)), 'Idempotency-Key': key() };
    const body = { company_name: 'Old Key', vat_number: 'IT5' };
    const first = await post('/customers', headers, body).expect(201);
    const [row] = await db.query(
      `SELECT extract(epoch FROM expires_at - created_at)::int AS ttl FROM idempotency_keys WHERE key = $1`,
      [headers['Idempotency-Key']],
    );
    expect(row.ttl).toBe(24 * 60 * 60);

    await db.query(
      `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`,
      [headers['Idempotency-Key']],
    );
    // An expired key is not replayed, even before the purge.
    const fresh = await post('/customers', headers, body).expect(201);
    expect(fresh.body.data.id).not.toBe(first.body.data.id);

    await db.query(
      `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`,
      [headers['Idempotency-Key']],
    );
    expect(await t.app.get(IdempotencyStore).purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(
      await db.query(`SELECT 1 FROM idempotency_keys WHERE key = $1`, [headers['Idempotency-Key']]),
    ).toEqual([]);
  });

  test('the header is documented on every creating POST', async () => {
    const doc = (await request(t.http).get('/docs-json')).body;
    for (const [path, method] of [
      ['/customers', 'post'],
      ['/business/clients/v1/clients', 'post'],
      ['/platform/v1/apps', 'post'],
      ['/v3/apps/app_assignments', 'post'],
      ['/business/clients/v1/apps/{app_code_name}/import', 'post'],
    ]) {
      const operation = doc.paths[path][method];
      expect(operation.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
        ]),
      );
      expect(operation.responses['422'].description).toMatch(/Idempotency-Key/);
      expect(operation.responses['409'].description).toMatch(/Idempotency-Key/);
    }
  });
});
