/**
 * Several instances on one database (SPEC §7): two server processes. Validate on one, confirm on
 * the other; simultaneous confirms on both execute once; a SIGKILL of the instance confirming a
 * large import, or pulling from an app, is taken over by the other's worker — every row once.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FakeAppServer } from './support/app-server.js';
import { type ChildServer, startChildServer } from './support/child-server.js';
import { customersCsv } from './support/csv.js';
import { installedApp, poll, startAppImport, userAuth } from './support/fixtures.js';
import { createTestApp, type TestApp, uniqueBusiness } from './support/test-app.js';

const ENV = {
  IMPORT_LEASE_SECONDS: '2',
  IMPORT_WORKER: '1',
  IMPORT_ALLOW_PRIVATE_APP_URIS: 'true',
};

/**
 * PostgreSQL only: the embedded database lives inside one server process, so several instances
 * sharing it is not a deployment anyone can run (the e2e run's shared PGlite is one backend
 * session serving every connection, which a killed peer can disturb).
 */
const onPostgres = process.env.TEST_DB_KIND === 'postgres' ? describe : describe.skip;

onPostgres('two instances on one PostgreSQL', () => {
  let a: ChildServer;
  let b: ChildServer;
  let t: TestApp; // only to read the database
  beforeAll(async () => {
    [a, b] = await Promise.all([startChildServer(ENV), startChildServer(ENV)]);
    t = await createTestApp();
  });
  afterAll(async () => {
    await Promise.all([a.kill('SIGKILL'), b.kill('SIGKILL')]);
    await t.close();
  });

  const db = () => t.app.get(DataSource);
  async function actor() {
    const business = uniqueBusiness();
    return { business, auth: await userAuth(business, 'multi') };
  }
  const validate = (
    server: ChildServer,
    auth: Record<string, string>,
    rows: number,
    prefix: string,
  ) =>
    request(server.url)
      .post('/customers/import/validate')
      .set(auth)
      .attach('file', Buffer.from(customersCsv(rows, prefix)), 'c.csv');
  const confirm = (server: ChildServer, auth: Record<string, string>, importId: string) =>
    request(server.url).post('/customers/import/confirm').set(auth).send({ import_id: importId });
  const statusOf = async (importId: string): Promise<string> =>
    (await db().query('SELECT status FROM import_sessions WHERE id = $1', [importId]))[0].status;
  async function exactlyOnce(business: string, rows: number) {
    const [c] = await db().query(
      'SELECT count(*)::int AS total, count(DISTINCT vat_number)::int AS distinct_vat FROM customers WHERE business_uid = $1',
      [business],
    );
    expect(c).toEqual({ total: rows, distinct_vat: rows });
  }

  test('validate on one instance, confirm on the other', async () => {
    const { business, auth } = await actor();
    const v = await validate(a, auth, 500, 'AB');
    const c = await confirm(b, auth, v.body.data.import_id);
    expect(c.status).toBe(200);
    expect(c.body.data.created).toBe(500);
    await exactlyOnce(business, 500);
  });

  test('simultaneous confirms of one session on both instances: one execution', async () => {
    const { business, auth } = await actor();
    const v = await validate(a, auth, 5000, 'SIM');
    const [x, y] = await Promise.all([
      confirm(a, auth, v.body.data.import_id),
      confirm(b, auth, v.body.data.import_id),
    ]);
    const outcomes = [x, y]
      .map((r) => `${r.status}${r.headers['idempotent-replayed'] ? ' replayed' : ''}`)
      .sort();
    expect([
      ['200', '200 replayed'],
      ['200', '409'],
    ]).toContainEqual(outcomes);
    await exactlyOnce(business, 5000);
  });

  test("SIGKILL of the confirming instance: the other one's worker resumes it", async () => {
    const victim = await startChildServer(ENV);
    try {
      const { business, auth } = await actor();
      const rows = 30_000;
      const v = await validate(victim, auth, rows, 'KILL');
      const importId = v.body.data.import_id;
      void confirm(victim, auth, importId).catch(() => undefined);
      // Kill it once the first rows are written.
      await poll(
        async () =>
          (await db().query('SELECT created FROM import_sessions WHERE id = $1', [importId]))[0]
            .created as number,
        (created) => created > 0,
        { attempts: 2000, intervalMs: 10 },
      );
      await victim.kill('SIGKILL');
      const [atKill] = await db().query(
        'SELECT status, created FROM import_sessions WHERE id = $1',
        [importId],
      );
      expect(atKill.status).toBe('confirming');
      expect(atKill.created).toBeLessThan(rows);
      // No request: the surviving instances' workers find the lapsed lease and finish the job.
      const status = await poll(
        () => statusOf(importId),
        (s) => s === 'completed',
        { attempts: 300, intervalMs: 100 },
      );
      expect(status).toBe('completed');
      await exactlyOnce(business, rows);
      const replay = await confirm(b, auth, importId);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.data).toMatchObject({ created: rows, failed: 0 });
    } finally {
      await victim.kill('SIGKILL');
    }
  });

  test('SIGKILL of the instance pulling from an app: another claims the collection and completes it', async () => {
    const app = new FakeAppServer();
    const url = await app.start();
    const victim = await startChildServer(ENV);
    try {
      const pages = 12;
      app.pages = Array.from({ length: pages }, (_, p) =>
        Array.from({ length: 50 }, (_, i) => ({
          Name: `P${p}R${i}`,
          Mail: `p${p}r${i}@example.com`,
        })),
      );
      app.handler = (_req, res, reqUrl) => {
        const page = Number(reqUrl.searchParams.get('page'));
        if (page < 1) return false;
        // Slow pages, so that the kill lands mid-collection.
        setTimeout(() => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ data: app.pages[page - 1] ?? [], has_more: page < pages }));
        }, 150);
        return true;
      };
      const { business, auth, code } = await installedApp(victim.url, {
        apiUri: url,
        name: 'Slow App',
        redirectUri: 'https://example.com',
        sub: 'multi',
      });
      const started = await startAppImport(victim.url, auth, code, {
        mapping: { first_name: 'Name', email: 'Mail' },
      });
      expect(started.status).toBe(201);
      // Kill it mid-collection, once page 3 was asked for.
      await poll(
        async () => app.pagesRequested(),
        (requested) => requested.includes('3'),
        { attempts: 1500, intervalMs: 20 },
      );
      await victim.kill('SIGKILL');
      const status = await poll(
        () => statusOf(started.body.data.session_id),
        (s) => ['completed', 'failed'].includes(s),
        { attempts: 400, intervalMs: 100 },
      );
      expect(status).toBe('completed');
      const [c] = await db().query(
        'SELECT count(*)::int AS total, count(DISTINCT lower(email))::int AS distinct_email FROM clients WHERE business_uid = $1',
        [business],
      );
      expect(c).toEqual({ total: pages * 50, distinct_email: pages * 50 });
      expect(app.pagesRequested().filter((p) => p === '1').length).toBeGreaterThanOrEqual(2); // collected again
      expect(app.pagesRequested()).toContain('-1');
    } finally {
      await victim.kill('SIGKILL');
      await app.stop();
    }
  });
});
