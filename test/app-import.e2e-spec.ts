/**
 * Import through an app (SPEC §5.2; the seed 000): preconditions, then the background pull from
 * a real HTTP app server on 127.0.0.1, retries, limits, signature, completion call, notification.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ImportJobs } from '../src/import/application/import-jobs.js';
import { AppPullPolicy } from '../src/modules/clients/domain/app-record-source.js';
import { FakeAppServer } from './support/app-server.js';
import { expectError } from './support/envelope.js';
import {
  appToken,
  asApp,
  assignApp,
  type Auth,
  type InstallOptions,
  installedApp,
  settled as importSettled,
  registerApp,
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
  retries: 5,
  baseDelayMs: 20,
  maxDelayMs: 100,
  maxRetryAfterMs: 2000,
});
const MAPPING = { first_name: 'First Name', email: 'E-mail', phone: 'Mobile' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('clients import through an app', () => {
  let t: TestApp;
  let mails: Array<{ to: string; body: string }>;
  let smtp: SMTPServer;

  beforeAll(async () => {
    mails = [];
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, done) {
        let body = '';
        stream.on('data', (c: Buffer) => (body += c.toString()));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), body });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as { port: number }).port;
    t = await createTestApp(
      {
        IMPORT_ALLOW_PRIVATE_APP_URIS: 'true',
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        DEFAULT_PHONE_REGION: 'IT',
      },
      (b) => b.overrideProvider(AppPullPolicy).useValue(fastPolicy),
    );
  });
  afterAll(async () => {
    await t.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  /** A business that has created and installed an app (optionally pointing at `apiUri`). */
  const installed = (apiUri?: string, options: Omit<InstallOptions, 'apiUri'> = {}) =>
    installedApp(t.http, { ...options, apiUri });

  /** Starts the import as the seed does: notify when done, do not override, `MAPPING`. */
  const start = (auth: Auth, code: string, params: object = {}, mapping: object = MAPPING) =>
    startAppImport(t.http, auth, code, {
      params: { should_override: false, send_notifications_when_done: true, ...params },
      mapping,
    });

  const settled = (auth: Auth, sessionId: string) => importSettled(t.http, auth, sessionId);

  test("the seed's three requests verbatim: 201 with a session_id; without api_uri the session fails readably", async () => {
    const business = uniqueBusiness();
    const auth = { Authorization: `Bearer ${await tokenFor({ business })}` };
    const timestamp = Date.now();
    const app = await request(t.http)
      .post('/platform/v1/apps')
      .set(auth)
      .send({
        name: 'Test Import Clients App',
        app_code_name: `testimportapp${timestamp}`,
        app_type: 'import_clients',
        redirect_uri: 'https://example.com/callback',
      });
    expect(app.status).toBe(201);
    const assignment = await request(t.http)
      .post('/v3/apps/app_assignments')
      .set(auth)
      .send({
        app_code_name: app.body.data.app_code_name,
        assignee_uid: business,
        assignee_type: 'business',
        settings: { assignment_mode: 'internal' },
      });
    expect(assignment.status).toBe(201);
    const res = await request(t.http)
      .post(`/business/clients/v1/apps/${app.body.data.app_code_name}/import`)
      .set(auth)
      .send({
        import_params: {
          should_override: false,
          upload_type: 'single',
          send_notifications_when_done: true,
        },
        fields_mapping: { first_name: 'John', email: 'john.doe@example.com', phone: '+1234567890' },
      });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      code: 201,
      data: {
        session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: 'collecting',
        app_code_name: `testimportapp${timestamp}`,
        import_params: {
          should_override: false,
          upload_type: 'single',
          send_notifications_when_done: true,
        },
        fields_mapping: { first_name: 'John', email: 'john.doe@example.com', phone: '+1234567890' },
        created_at: expect.any(String),
      },
    });
    const done = await settled(auth, res.body.data.session_id);
    expect(done).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('has no api_uri'),
    });
    await request(t.http)
      .delete(`/v3/apps/app_assignments/${assignment.body.data.uid}`)
      .set(auth)
      .expect(200);
  });

  test('pulls every page, maps the records, confirms, calls page=-1, signs every request, notifies by e-mail', async () => {
    const server = new FakeAppServer();
    const url = await server.start();
    try {
      server.pages = [
        [
          {
            'First Name': 'Ada',
            'E-mail': 'ada@example.com',
            Mobile: '347 111 2222',
            Extra: 'ignored',
          },
          { 'First Name': 'Ben', 'E-mail': 'ben@example.com', Mobile: 3471113333 },
        ],
        [{ 'First Name': 'Cy', 'E-mail': 'not-an-email' }],
      ];
      const { auth, code, secret, business } = await installed(url);
      const res = await start(auth, code);
      expect(res.status).toBe(201);
      const done = await settled(auth, res.body.data.session_id);
      expect(done).toMatchObject({
        status: 'completed',
        total_rows: 3,
        created: 2,
        skipped: 1,
        failed: 0,
        rows_collected: 3,
        rows_processed: 3,
        error: null,
      });
      expect(done.results.map((r: { status: string }) => r.status)).toEqual([
        'created',
        'created',
        'skipped',
      ]);

      const clients = await request(t.http)
        .get('/business/clients/v1/clients?search=example.com')
        .set(auth);
      expect(clients.body.data.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            first_name: 'Ada',
            email: 'ada@example.com',
            phone: '+393471112222',
            source: `app:${code}`,
          }),
          expect.objectContaining({ first_name: 'Ben', phone: '+393471113333' }),
        ]),
      );
      expect(server.pagesRequested()).toEqual(['1', '2', '-1']);
      for (const seen of server.seen) {
        expect(seen.url.searchParams.get('session_id')).toBe(res.body.data.session_id);
        expect(seen.url.searchParams.get('business_uid')).toBe(business);
        expect(FakeAppServer.verifies(seen, secret)).toBe(true);
        expect(FakeAppServer.verifies(seen, 'another-secret')).toBe(false);
      }
      let mail;
      for (let i = 0; i < 100 && !mail; i++) {
        mail = mails.find((m) => m.body.replace(/=\r?\n/g, '').includes(res.body.data.session_id));
        if (!mail) await sleep(50);
      }
      expect(mail).toBeDefined();
      expect(mail!.to).toBe('staff@example.com');
      expect(mail!.body.replace(/=\r?\n/g, '')).toContain(
        '2 created, 0 updated, 1 skipped, 0 failed of 3 records',
      );
    } finally {
      await server.stop();
    }
  });

  test.each([false, true])('should_override %s against an existing client', async (override) => {
    const server = new FakeAppServer();
    const url = await server.start();
    try {
      const { auth, code } = await installed(url);
      const existing = await request(t.http)
        .post('/business/clients/v1/clients')
        .set(auth)
        .send({ first_name: 'Old', email: 'same@example.com' });
      server.pages = [[{ 'First Name': 'New', 'E-mail': 'SAME@example.com' }]];
      const res = await start(auth, code, {
        should_override: override,
        send_notifications_when_done: false,
      });
      const done = await settled(auth, res.body.data.session_id);
      expect(done.results[0]).toEqual(
        override
          ? { row_number: 1, status: 'updated', id: existing.body.data.id }
          : { row_number: 1, status: 'skipped', reason: 'warning_not_overridden' },
      );
      const after = await request(t.http)
        .get(`/business/clients/v1/clients/${existing.body.data.id}`)
        .set(auth);
      expect(after.body.data.first_name).toBe(override ? 'New' : 'Old');
    } finally {
      await server.stop();
    }
  });

  test('a 429 with Retry-After and a 500 are retried; the import completes', async () => {
    const server = new FakeAppServer();
    const url = await server.start();
    const waits: number[] = [];
    let last = Date.now();
    server.handler = (_req, res, reqUrl, attempt) => {
      waits.push(Date.now() - last);
      last = Date.now();
      if (reqUrl.searchParams.get('page') === '1' && attempt === 1) {
        res.writeHead(429, { 'Retry-After': '1' }).end();
        return true;
      }
      if (reqUrl.searchParams.get('page') === '1' && attempt === 2) {
        res.writeHead(500).end('boom');
        return true;
      }
      return false;
    };
    try {
      server.pages = [[{ 'First Name': 'Rita', 'E-mail': 'rita@example.com' }]];
      const { auth, code } = await installed(url);
      const done = await settled(auth, (await start(auth, code)).body.data.session_id);
      expect(done).toMatchObject({ status: 'completed', created: 1 });
      expect(server.pagesRequested()).toEqual(['1', '1', '1', '-1']);
      expect(waits[1]).toBeGreaterThanOrEqual(950); // Retry-After: 1 honoured
    } finally {
      await server.stop();
    }
  });

  test.each<[string, (server: FakeAppServer) => void, string]>([
    [
      'a page over the limit',
      (s) =>
        (s.pages = [Array.from({ length: 1001 }, (_, i) => ({ 'E-mail': `p${i}@example.com` }))]),
      'at most 1000',
    ],
    [
      'an app that never answers',
      (s) => (s.handler = (_req, _res, url) => url.searchParams.get('page') !== '-1'),
      'no answer within 400 ms',
    ],
    [
      // A deadline for the whole answer, not an idle timeout: a byte every 100 ms keeps a
      // connection busy forever, and must not keep a page coming.
      'an app that trickles its answer',
      (s) =>
        (s.handler = (_req, res, url) => {
          if (url.searchParams.get('page') === '-1') return false;
          const body = JSON.stringify({
            data: [{ 'E-mail': 'slow@example.com' }],
            has_more: false,
          });
          res.writeHead(200, { 'Content-Type': 'application/json' });
          let sent = 0;
          const timer = setInterval(() => {
            if (res.destroyed || sent >= body.length) {
              clearInterval(timer);
              res.end();
            } else res.write(body[sent++]);
          }, 100);
          return true;
        }),
      'no answer within 400 ms',
    ],
    [
      'an app that keeps failing',
      (s) => (s.handler = (_req, res) => (res.writeHead(503).end(), true)),
      'the app answered 503 (gave up after 6 attempts)',
    ],
    [
      'a redirect',
      (s) =>
        (s.handler = (_req, res) => (
          res.writeHead(302, { Location: 'http://example.com/' }).end(),
          true
        )),
      'redirects are not followed',
    ],
    [
      'an answer that is not the expected JSON',
      (s) => (s.handler = (_req, res) => (res.end('{"records":[]}'), true)),
      'no "data" array',
    ],
  ])('%s ends the session failed with a clear error', async (_, arrange, error) => {
    const server = new FakeAppServer();
    const url = await server.start();
    try {
      arrange(server);
      const { auth, code } = await installed(url);
      const done = await settled(
        auth,
        (await start(auth, code, { send_notifications_when_done: false })).body.data.session_id,
      );
      expect(done.status).toBe('failed');
      expect(done.error).toContain(error);
      const [{ count }] = await t.app
        .get((await import('typeorm')).DataSource)
        .query(`SELECT count(*)::int AS count FROM clients WHERE source = $1`, [`app:${code}`]);
      expect(count).toBe(0);
    } finally {
      await server.stop();
    }
  });

  test('the private-address guard refuses loopback api_uris unless allowed', async () => {
    const guarded = await createTestApp({ IMPORT_ALLOW_PRIVATE_APP_URIS: 'false' });
    const server = new FakeAppServer();
    const url = await server.start();
    try {
      const business = uniqueBusiness();
      const auth = await userAuth(business);
      const code = uniqueCode();
      for (const apiUri of [url, url.replace('127.0.0.1', 'localhost')]) {
        const appCode = `${code}${apiUri.includes('localhost') ? 'l' : 'i'}`;
        await registerApp(guarded.http, auth, {
          code: appCode,
          name: 'Local App',
          redirectUri: 'https://example.com',
          apiUri,
        });
        await assignApp(guarded.http, auth, appCode, business);
        const res = await startAppImport(guarded.http, auth, appCode, { mapping: MAPPING });
        const status = await importSettled(guarded.http, auth, res.body.data.session_id, 100);
        expect(status).toMatchObject({
          status: 'failed',
          error: expect.stringContaining('private address'),
        });
      }
      expect(server.seen).toHaveLength(0);
    } finally {
      await server.stop();
      await guarded.close();
    }
  });

  test('preconditions: 404 unknown app, 422 wrong_type, 422 not_installed, 400 bad bodies', async () => {
    const { auth } = await installed();
    expectError(await start(auth, 'nosuchapp000'), 404);
    const payments = await installed(undefined, { appType: ['payments'] });
    expectError(await start(payments.auth, payments.code), 422, {
      type: 'precondition_failed',
      key: 'app_code_name',
      message: 'wrong_type',
    });
    const unassigned = await installed(undefined, { assign: false });
    expectError(await start(unassigned.auth, unassigned.code), 422, {
      type: 'precondition_failed',
      message: 'not_installed',
    });

    const ok = await installed();
    const post = (body: object) =>
      request(t.http).post(`/business/clients/v1/apps/${ok.code}/import`).set(ok.auth).send(body);
    expectError(await post({ fields_mapping: MAPPING }), 400, {
      key: 'import_params',
      message: 'required',
    });
    expectError(await post({ import_params: {}, fields_mapping: MAPPING }), 400, {
      key: 'import_params.upload_type',
      message: 'required',
    });
    expectError(
      await post({ import_params: { upload_type: 'bulk' }, fields_mapping: MAPPING }),
      400,
      { key: 'import_params.upload_type', message: 'invalid_value' },
    );
    expectError(
      await post({
        import_params: { upload_type: 'single', should_override: 'no' },
        fields_mapping: MAPPING,
      }),
      400,
      { key: 'import_params.should_override' },
    );
    expectError(await post({ import_params: { upload_type: 'single' } }), 400, {
      key: 'fields_mapping',
      message: 'required',
    });
    expectError(
      await post({
        import_params: { upload_type: 'single' },
        fields_mapping: { first_name: 'Name' },
      }),
      400,
      { key: 'fields_mapping', message: 'email_or_phone_required' },
    );
    expectError(
      await post({
        import_params: { upload_type: 'single' },
        fields_mapping: { email: 'E', nickname: 'N' },
      }),
      400,
      { key: 'fields_mapping.nickname', message: 'unknown_field' },
    );
    expectError(
      await post({ import_params: { upload_type: 'single' }, fields_mapping: { email: '' } }),
      400,
      { key: 'fields_mapping.email', message: 'required' },
    );
    expectError(
      await post({
        import_params: { upload_type: 'single' },
        fields_mapping: JSON.parse('{"email":"E","__proto__":{"x":"y"}}'),
      }),
      400,
      {
        key: 'body',
        message: 'forbidden_key',
      },
    );
    expectError(
      await post({
        import_params: { upload_type: 'single' },
        fields_mapping: { email: 'E', constructor: 'C' },
      }),
      400,
      { key: 'body', message: 'forbidden_key' },
    );
    const readOnly = {
      Authorization: `Bearer ${await tokenFor({ business: ok.business, scopes: ['clients:read'] })}`,
    };
    expectError(await start(readOnly, ok.code), 403);
  });

  test('the app itself, with its own token and X-On-Behalf-Of, imports for the business it is assigned to only', async () => {
    const server = new FakeAppServer();
    const url = await server.start();
    try {
      server.pages = [[{ 'First Name': 'Otto', 'E-mail': 'otto@example.com' }]];
      const { auth, code, business } = await installed(url);
      const app = await request(t.http).get(`/platform/v1/apps/${code}`).set(auth);
      expect(app.status).toBe(200);
      const created = await registerApp(t.http, auth, {
        code: `${code}self`,
        name: 'Self Importer',
        redirectUri: 'https://example.com',
        apiUri: url,
      });
      await assignApp(t.http, auth, `${code}self`, business);
      const token = await appToken(t.http, created.clientId, created.secret);
      const started = await start(asApp(token, business), `${code}self`, {
        send_notifications_when_done: false,
      });
      expect(started.status).toBe(201);
      const done = await settled(asApp(token, business), started.body.data.session_id);
      expect(done).toMatchObject({ status: 'completed', created: 1 });
      const clients = await request(t.http)
        .get('/business/clients/v1/clients?search=otto')
        .set(auth);
      expect(clients.body.data.items[0]).toMatchObject({
        email: 'otto@example.com',
        source: `app:${code}self`,
      });

      expectError(await start(asApp(token, uniqueBusiness()), `${code}self`), 403);
      expectError(await start(asApp(token), `${code}self`), 403);
      expectError(await request(t.http).get('/customers').set(asApp(token, business)), 403);
    } finally {
      await server.stop();
    }
  });

  test('a collection whose collector died is claimed again by a worker and completes', async () => {
    const server = new FakeAppServer();
    const url = await server.start();
    try {
      server.pages = [[{ 'First Name': 'Zoe', 'E-mail': 'zoe@example.com' }]];
      const { auth, code } = await installed(url);
      // Simulate an instance that died mid-collection: a collecting session with a lapsed lease.
      const { ImportSessionRepository } =
        await import('../src/import/domain/import-session.repository.js');
      const { ImportSession } = await import('../src/import/domain/import-session.js');
      const sessions = t.app.get(ImportSessionRepository);
      const business =
        (await request(t.http).get('/business/clients/v1/imports').set(auth)).request.url &&
        undefined;
      void business;
      const id = randomUUID();
      const token = auth.Authorization.split(' ')[1];
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      const dead = ImportSession.start({
        id,
        businessUid: claims.business_uid,
        createdBy: claims.sub,
        entityType: 'clients',
        channel: {
          kind: 'app',
          appCodeName: code,
          shouldOverride: false,
          sendNotificationsWhenDone: false,
        },
        fieldsMapping: MAPPING,
        settings: { upload_type: 'single' },
        now: new Date(),
        ttlSeconds: 600,
      });
      await sessions.insert(dead);
      await t.app
        .get(DataSource)
        .query(
          `UPDATE import_sessions SET lease_owner = 'dead-instance', lease_expires_at = now() - interval '2 minutes' WHERE id = $1`,
          [id],
        );
      await t.app.get(ImportJobs).tick();
      const done = await settled(auth, id);
      expect(done).toMatchObject({ status: 'completed', created: 1 });
    } finally {
      await server.stop();
    }
  });

  test('a pull goes to the app it was started through, not to one registered under its code since', async () => {
    const server = new FakeAppServer();
    const url = await server.start();
    try {
      server.pages = [[{ 'First Name': 'Ugo', 'E-mail': 'ugo@example.com' }]];
      const { auth, code } = await installed(url);
      const token = auth.Authorization.split(' ')[1];
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      // A session of an app that was deleted since: same code, another app id.
      const { ImportSession } = await import('../src/import/domain/import-session.js');
      const { ImportSessionRepository } =
        await import('../src/import/domain/import-session.repository.js');
      const id = randomUUID();
      await t.app.get(ImportSessionRepository).insert(
        ImportSession.start({
          id,
          businessUid: claims.business_uid,
          createdBy: claims.sub,
          entityType: 'clients',
          channel: {
            kind: 'app',
            appCodeName: code,
            appId: randomUUID(),
            shouldOverride: false,
            sendNotificationsWhenDone: false,
          },
          fieldsMapping: MAPPING,
          settings: { upload_type: 'single' },
          now: new Date(),
          ttlSeconds: 600,
        }),
      );
      await t.app.get(ImportJobs).start(id);
      const done = await settled(auth, id);
      expect(done).toMatchObject({ status: 'failed', created: 0 });
      expect(done.error).toBe(`the app ${code} no longer exists`);
      expect(server.pagesRequested()).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
