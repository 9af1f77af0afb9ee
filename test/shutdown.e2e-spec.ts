/**
 * Shutdown as an orchestrator drives it: on SIGTERM readiness fails at once while liveness stays
 * up, new import work is refused with 503 + Retry-After, a request in flight still completes,
 * and then the process exits; the shutdown hooks run while the database is still open.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ShutdownState } from '../src/shared/lifecycle/shutdown-state.js';
import { type ChildServer, startChildServer } from './support/child-server.js';
import { customersCsv } from './support/csv.js';
import { createTestApp, tokenFor } from './support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A validate upload whose body the test sends in two parts, at times of its choosing. */
function slowUpload(url: string, token: string, csv: string) {
  const boundary = 'shutdown-test-boundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\nContent-Type: text/csv\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const half = Math.floor(csv.length / 2);
  let finish!: () => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${url}/customers/import/validate`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
      },
    });
    req.on('response', (res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.write(head + csv.slice(0, half));
    finish = () => req.end(csv.slice(half) + tail);
  });
  response.catch(() => undefined);
  return { response, finish: () => finish() };
}

/** Requests being served by the instance, from its own metrics (the scrape itself is one). */
async function inFlight(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^http_requests_in_flight (\d+)/m.exec(text)?.[1] ?? 0);
}

function exited(child: ChildServer): Promise<{ code: number | null; signal: string | null }> {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null)
    return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('graceful shutdown of a server process', () => {
  let child: ChildServer | undefined;
  afterEach(async () => {
    await child?.kill('SIGKILL');
    child = undefined;
  });

  test('SIGTERM: readiness 503 while liveness stays 200, new validate 503 + Retry-After, the upload in flight completes, then exit 0', async () => {
    child = await startChildServer({ SHUTDOWN_TIMEOUT_SECONDS: '30' });
    const { url } = child;
    const token = await tokenFor({ sub: 'shutdown' });
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);

    const upload = slowUpload(url, token, customersCsv(200, 'SD'));
    // The upload is being served (past its guards) before the signal arrives.
    for (let i = 0; i < 100 && (await inFlight(url)) < 2; i++) await sleep(50);
    expect(await inFlight(url)).toBeGreaterThanOrEqual(2);
    await sleep(500);
    const stopping = exited(child);
    child.process.kill('SIGTERM');

    let ready = 0;
    for (let i = 0; i < 50 && ready !== 503; i++) {
      ready = (await fetch(`${url}/health/ready`)).status;
      if (ready !== 503) await sleep(20);
    }
    expect(ready).toBe(503);
    const readiness = await request(url).get('/health/ready');
    expect(readiness.status).toBe(503);
    expect(readiness.body).toMatchObject({
      code: 503,
      data: { status: 'error', error: { shutdown: { status: 'down', shutting_down: true } } },
    });
    const live = await request(url).get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ code: 200, message: 'alive', data: { status: 'ok' } });

    const refused = await request(url)
      .post('/customers/import/validate')
      .set({ Authorization: `Bearer ${token}` })
      .attach('file', Buffer.from(customersCsv(1, 'SR')), 'c.csv');
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({
      code: 503,
      message: 'this instance is shutting down: retry shortly',
      data: {},
    });
    expect(refused.headers['retry-after']).toBe('5');
    const confirm = await request(url)
      .post('/customers/import/confirm')
      .set({ Authorization: `Bearer ${token}` })
      .send({ import_id: '00000000-0000-4000-8000-000000000000' });
    expect(confirm.status).toBe(503);
    expect(confirm.body.message).toBe('this instance is shutting down: retry shortly');

    // The request in flight when the signal came finishes normally.
    upload.finish();
    const done = await upload.response;
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body).data).toMatchObject({ total_rows: 200, valid_rows: 200 });

    const exit = await stopping;
    expect(exit).toEqual({ code: 0, signal: null });
    child = undefined;
  });

  test('a request still running after SHUTDOWN_TIMEOUT_SECONDS is cut off and the process exits', async () => {
    child = await startChildServer({ SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const { url } = child;
    const upload = slowUpload(url, await tokenFor(), customersCsv(50, 'ST'));
    for (let i = 0; i < 100 && (await inFlight(url)) < 2; i++) await sleep(50);
    await sleep(300);
    const stopping = exited(child);
    const signalled = Date.now();
    child.process.kill('SIGTERM');
    const exit = await stopping; // the upload never finishes
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    await expect(upload.response).rejects.toThrow();
    child = undefined;
  });
});

describe('shutdown inside the application', () => {
  test('readiness fails and import routes answer 503 once shutdown begins; liveness and other routes stay up', async () => {
    const t = await createTestApp();
    try {
      const auth = { Authorization: `Bearer ${await tokenFor()}` };
      expect((await request(t.http).get('/health/ready')).status).toBe(200);
      t.app.get(ShutdownState).begin('test');
      expect((await request(t.http).get('/health/ready')).status).toBe(503);
      expect((await request(t.http).get('/health/live')).status).toBe(200);
      expect((await request(t.http).get('/customers').set(auth)).status).toBe(200);
      const app = await request(t.http)
        .post('/business/clients/v1/apps/someapp/import')
        .set(auth)
        .send({ import_params: {}, fields_mapping: { email: 'E-mail' } });
      expect(app.status).toBe(503);
      expect(app.body.message).toBe('this instance is shutting down: retry shortly');
      expect(app.headers['retry-after']).toBe('5');
    } finally {
      await t.close();
    }
  });

  test('shutdown hooks run before the database closes, each awaited', async () => {
    const t = await createTestApp();
    const db = t.app.get(DataSource);
    const ran: string[] = [];
    const state = t.app.get(ShutdownState);
    state.onShutdown('release leases', async () => {
      await sleep(100);
      const [row] = await db.query('SELECT 1 AS one');
      ran.push(`release leases: ${row.one}`);
    });
    state.onShutdown('a failing hook', async () => {
      throw new Error('boom');
    });
    await t.close();
    expect(ran).toEqual(['release leases: 1']);
    expect(db.isInitialized).toBe(false);
  });
});
