/**
 * Import jobs across instances (SPEC §8, PostgreSQL only — see multi-instance.e2e-spec.ts): the
 * instance running an asynchronous validate, an asynchronous confirm or an app pull is killed
 * (SIGKILL) or stopped (SIGTERM) mid-job; another instance finishes the job without the client
 * doing anything, every row exactly once. After a SIGTERM the leases are given up at once, so
 * the other instance resumes within seconds even though the stopped one's lease had 60 s to run.
 * And two instances never collect one app import together while its collector is alive.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FakeAppServer } from './support/app-server.js';
import { type ChildServer, startChildServer } from './support/child-server.js';
import { customersCsv } from './support/csv.js';
import { assignApp, registerApp, sleep } from './support/fixtures.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const ASYNC = { Prefer: 'respond-async' };
/** The survivor: a short lease of its own, its job loop on. */
const SURVIVOR = {
  IMPORT_LEASE_SECONDS: '2',
  IMPORT_WORKER: '1',
  IMPORT_ALLOW_PRIVATE_APP_URIS: 'true',
};
/** The instance that is stopped: its lease would outlive the test unless it gives it up. */
const victimEnv = (signal: NodeJS.Signals) => ({
  ...SURVIVOR,
  IMPORT_LEASE_SECONDS: signal === 'SIGTERM' ? '60' : '2',
});

const onPostgres = process.env.TEST_DB_KIND === 'postgres' ? describe : describe.skip;

onPostgres('import jobs across instances', () => {
  let survivor: ChildServer;
  let t: TestApp; // only to read the database
  beforeAll(async () => {
    survivor = await startChildServer(SURVIVOR);
    t = await createTestApp();
  });
  afterAll(async () => {
    await survivor.kill('SIGKILL');
    await t.close();
  });

  const db = () => t.app.get(DataSource);
  async function actor() {
    const business = uniqueBusiness();
    return {
      business,
      auth: { Authorization: `Bearer ${await tokenFor({ business, sub: 'jobs-multi' })}` },
    };
  }
  async function session(id: string) {
    const [row] = await db().query(
      `SELECT status, progress_done, total_rows, created, lease_owner FROM import_sessions WHERE id = $1`,
      [id],
    );
    return row as {
      status: string;
      progress_done: number;
      total_rows: number;
      created: number;
      lease_owner: string | null;
    };
  }
  /** Waits (up to `ms`) for the session to reach one of `phases`; returns it and the time it took. */
  async function reach(id: string, phases: string[], ms: number) {
    const started = Date.now();
    let s = await session(id);
    while (!phases.includes(s.status) && Date.now() - started < ms) {
      await sleep(100);
      s = await session(id);
    }
    return { ...s, tookMs: Date.now() - started };
  }
  async function whenWorking(id: string, phase: string) {
    for (let i = 0; i < 3000; i++) {
      const s = await session(id);
      if (s.status === phase && s.progress_done > 0) return s;
      if (!['receiving', 'validating', 'validated', 'confirming', 'collecting'].includes(s.status))
        throw new Error(`the job ended before it could be stopped: ${JSON.stringify(s)}`);
      await sleep(10);
    }
    throw new Error('the job never started');
  }
  async function exactlyOnce(business: string, rows: number) {
    const [c] = await db().query(
      'SELECT count(*)::int AS total, count(DISTINCT vat_number)::int AS distinct_vat FROM customers WHERE business_uid = $1',
      [business],
    );
    expect(c).toEqual({ total: rows, distinct_vat: rows });
  }

  test.each(['SIGKILL', 'SIGTERM'] as const)(
    '%s of the instance validating an asynchronous upload: another instance validates it',
    async (signal) => {
      const victim = await startChildServer(victimEnv(signal));
      try {
        const { auth } = await actor();
        const rows = 60_000;
        const accepted = await request(victim.url)
          .post('/customers/import/validate')
          .set({ ...auth, ...ASYNC })
          .attach('file', Buffer.from(customersCsv(rows, `V${signal}`)), 'c.csv');
        expect(accepted.status).toBe(202);
        const id = accepted.body.data.import_id as string;
        const atStop = await whenWorking(id, 'validating');
        expect(atStop.progress_done).toBeLessThan(rows);
        await victim.kill(signal);
        const done = await reach(id, ['validated', 'failed'], 90_000);
        expect(done.status).toBe('validated');
        if (signal === 'SIGTERM') expect(done.tookMs).toBeLessThan(30_000); // not after 60 s
        const [stored] = await db().query(
          'SELECT count(*)::int AS rows, count(DISTINCT row_number)::int AS distinct_rows FROM import_rows WHERE session_id = $1',
          [id],
        );
        expect(stored).toEqual({ rows, distinct_rows: rows });
        expect(done.total_rows).toBe(rows);
        // The upload was kept only until it was validated.
        const [{ chunks }] = await db().query(
          'SELECT count(*)::int AS chunks FROM import_uploads WHERE session_id = $1',
          [id],
        );
        expect(chunks).toBe(0);
      } finally {
        await victim.kill('SIGKILL');
      }
    },
    180_000,
  );

  test.each(['SIGKILL', 'SIGTERM'] as const)(
    '%s of the instance confirming asynchronously: another instance finishes it, every row once',
    async (signal) => {
      const victim = await startChildServer(victimEnv(signal));
      try {
        const { business, auth } = await actor();
        const rows = 40_000;
        const v = await request(victim.url)
          .post('/customers/import/validate')
          .set(auth)
          .attach('file', Buffer.from(customersCsv(rows, `C${signal}`)), 'c.csv');
        expect(v.status).toBe(200);
        const id = v.body.data.import_id as string;
        const accepted = await request(victim.url)
          .post('/customers/import/confirm')
          .set({ ...auth, ...ASYNC })
          .send({ import_id: id });
        expect(accepted.status).toBe(202);
        const atStop = await whenWorking(id, 'confirming');
        await victim.kill(signal);
        const stopped = await session(id);
        expect(stopped.status).toBe('confirming');
        expect(stopped.created).toBeLessThan(rows);
        // Given up at once: free, or already the other instance's (the stopped one's lease had
        // 60 s to run, so nobody else could have it unless it was released).
        if (signal === 'SIGTERM')
          expect(stopped.lease_owner ?? 'released').not.toContain(`:${victim.process.pid}:`);
        expect(atStop.progress_done).toBeGreaterThan(0);
        const done = await reach(id, ['completed', 'failed'], 90_000);
        expect(done.status).toBe('completed');
        if (signal === 'SIGTERM') expect(done.tookMs).toBeLessThan(30_000);
        await exactlyOnce(business, rows);
        const replay = await request(survivor.url)
          .post('/customers/import/confirm')
          .set(auth)
          .send({ import_id: id });
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect(replay.body.data).toMatchObject({ created: rows, failed: 0 });
      } finally {
        await victim.kill('SIGKILL');
      }
    },
    180_000,
  );

  /** An app of `pages` pages of 50 clients, each page answered after `delayMs`. */
  async function slowApp(pages: number, delayMs: number) {
    const app = new FakeAppServer();
    const url = await app.start();
    app.pages = Array.from({ length: pages }, (_, p) =>
      Array.from({ length: 50 }, (_, i) => ({
        Name: `P${p}R${i}`,
        Mail: `p${p}r${i}@example.com`,
      })),
    );
    app.handler = (_req, res, reqUrl) => {
      const page = Number(reqUrl.searchParams.get('page'));
      if (page < 1) return false;
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: app.pages[page - 1] ?? [], has_more: page < pages }));
      }, delayMs);
      return true;
    };
    return { app, url };
  }
  async function startPull(server: ChildServer, url: string) {
    const { business, auth } = await actor();
    const { code } = await registerApp(server.url, auth, {
      name: 'Slow App',
      apiUri: url,
      redirectUri: 'https://example.com',
    });
    await assignApp(server.url, auth, code, business);
    const started = await request(server.url)
      .post(`/business/clients/v1/apps/${code}/import`)
      .set(auth)
      .send({
        import_params: { upload_type: 'single', send_notifications_when_done: false },
        fields_mapping: { first_name: 'Name', email: 'Mail' },
      });
    expect(started.status).toBe(201);
    return { business, id: started.body.data.session_id as string };
  }
  async function clientsOnce(business: string, expected: number) {
    const [c] = await db().query(
      'SELECT count(*)::int AS total, count(DISTINCT lower(email))::int AS distinct_email FROM clients WHERE business_uid = $1',
      [business],
    );
    expect(c).toEqual({ total: expected, distinct_email: expected });
  }

  test('SIGTERM of the instance pulling from an app: the import is not failed; another instance resumes it at once', async () => {
    const pages = 12;
    const { app, url } = await slowApp(pages, 150);
    const victim = await startChildServer(victimEnv('SIGTERM'));
    try {
      const { business, id } = await startPull(victim, url);
      while (app.seen.filter((s) => s.url.searchParams.get('page') === '3').length === 0)
        await sleep(20);
      await victim.kill('SIGTERM');
      expect((await session(id)).status).toBe('collecting'); // not failed, nobody told
      expect(app.pagesRequested()).not.toContain('-1');
      const done = await reach(id, ['completed', 'failed'], 60_000);
      expect(done.status).toBe('completed');
      expect(done.tookMs).toBeLessThan(30_000); // the 60 s lease was given up
      await clientsOnce(business, pages * 50);
      expect(app.pagesRequested().filter((p) => p === '-1')).toHaveLength(1);
    } finally {
      await victim.kill('SIGKILL');
      await app.stop();
    }
  }, 120_000);

  test('a collection longer than the lease stays with its collector: every page asked once, nothing failed', async () => {
    // Both instances run their job loops with a 2 s lease; the app needs ~7 s for its pages.
    const pages = 15;
    const { app, url } = await slowApp(pages, 500);
    const other = await startChildServer(SURVIVOR);
    try {
      const { business, id } = await startPull(other, url);
      const done = await reach(id, ['completed', 'failed'], 90_000);
      expect(done.status).toBe('completed');
      await clientsOnce(business, pages * 50);
      const asked = app.pagesRequested();
      for (let page = 1; page <= pages; page++)
        expect([page, asked.filter((p) => p === String(page)).length]).toEqual([page, 1]);
      expect(asked.filter((p) => p === '-1')).toHaveLength(1);
    } finally {
      await other.kill('SIGKILL');
      await app.stop();
    }
  }, 120_000);
});
