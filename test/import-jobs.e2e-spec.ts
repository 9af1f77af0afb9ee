/**
 * Imports as durable jobs (SPEC §8), on the embedded database and on PostgreSQL: asynchronous
 * validate and confirm with `Prefer: respond-async`, followed by polling and by the event
 * stream; the status with its phase and progress; paged rows and results; cancel; the
 * synchronous validate's `?rows=`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ImportJobs } from '../src/import/application/import-jobs.js';
import { ImportSession } from '../src/import/domain/import-session.js';
import { ImportSessionRepository } from '../src/import/domain/import-session.repository.js';
import { customersCsv } from './support/csv.js';
import { expectError } from './support/envelope.js';
import { readEventStream, type ServerSentEvent } from './support/sse.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ASYNC = { Prefer: 'respond-async' };

interface Status {
  import_id: string;
  status: string;
  phase: string;
  progress: { rows_processed: number; total_rows: number | null; percent: number | null };
  total_rows: number;
  created: number;
  skipped: number;
  failed: number;
  rows_processed: number;
  links: Record<string, string>;
  results?: unknown[];
  error: string | null;
}

describe('imports as durable jobs', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    const server = t.app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  async function actor() {
    const business = uniqueBusiness();
    return {
      business,
      auth: { Authorization: `Bearer ${await tokenFor({ business, sub: 'jobs' })}` },
    };
  }
  const validate = (auth: Record<string, string>, csv: string, headers = {}, query = '') =>
    request(t.http)
      .post(`/customers/import/validate${query}`)
      .set({ ...auth, ...headers })
      .attach('file', Buffer.from(csv), 'customers.csv');
  const confirm = (auth: Record<string, string>, importId: string, headers = {}) =>
    request(t.http)
      .post('/customers/import/confirm')
      .set({ ...auth, ...headers })
      .send({ import_id: importId });
  const statusOf = async (auth: Record<string, string>, path: string): Promise<Status> =>
    (await request(t.http).get(path).set(auth).expect(200)).body.data;

  /** Polls the status until its phase is one of `phases`; the percents seen never go back. */
  async function pollUntil(auth: Record<string, string>, path: string, phases: string[]) {
    let last = await statusOf(auth, path);
    let percent = -1;
    for (let i = 0; i < 1200 && !phases.includes(last.phase); i++) {
      if (last.progress.percent !== null) {
        expect(last.progress.percent).toBeGreaterThanOrEqual(percent);
        percent = last.progress.percent;
      }
      await sleep(50);
      last = await statusOf(auth, path);
    }
    expect(phases).toContain(last.phase);
    return last;
  }

  /** The events of a stream are in order: percents never go back; the last is `end`. */
  function expectOrdered(events: ServerSentEvent[], lastPhase: string) {
    expect(events.length).toBeGreaterThan(0);
    let percent = -1;
    for (const { data } of events) {
      const p = (data as Status).progress.percent;
      if (p !== null) {
        expect(p).toBeGreaterThanOrEqual(percent);
        percent = p;
      }
    }
    expect(events.slice(0, -1).every((e) => e.event === 'progress')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { phase: lastPhase } });
  }

  test('async validate and confirm of 20,000 rows, followed by polling', async () => {
    const { business, auth } = await actor();
    const rows = 20_000;
    const accepted = await validate(auth, customersCsv(rows, 'ASYNC'), ASYNC);
    expect(accepted.status).toBe(202);
    expect(accepted.headers['preference-applied']).toBe('respond-async');
    const location = accepted.headers.location;
    expect(location).toBe(`/customers/import/${accepted.body.data.import_id}`);
    expect(accepted.body).toMatchObject({
      code: 202,
      data: { phase: 'validating', status: 'validating', links: { self: location } },
    });

    const validated = await pollUntil(auth, location, ['validated', 'failed']);
    expect(validated).toMatchObject({
      phase: 'validated',
      total_rows: rows,
      progress: { rows_processed: rows, total_rows: rows, percent: 100 },
    });

    const confirmAccepted = await confirm(auth, validated.import_id, ASYNC);
    expect(confirmAccepted.status).toBe(202);
    expect(confirmAccepted.headers.location).toBe(location);
    expect(confirmAccepted.body.data.phase).toBe('confirming');
    const done = await pollUntil(auth, location, ['completed', 'failed']);
    expect(done).toMatchObject({ phase: 'completed', status: 'completed', created: rows });
    // The status carries the first 100 results; all of them are paged.
    expect(done.results).toHaveLength(100);
    const page = await request(t.http)
      .get(`${location}/results?page=200&page_size=100`)
      .set(auth)
      .expect(200);
    expect(page.body.data).toMatchObject({ page: 200, page_size: 100, total: rows });
    expect(page.body.data.items[0].row_number).toBe(2 + 199 * 100);
    const [{ count }] = await t.app
      .get(DataSource)
      .query('SELECT count(*)::int AS count FROM customers WHERE business_uid = $1', [business]);
    expect(count).toBe(rows);

    // A confirm again: the stored result, nothing written.
    const again = await confirm(auth, validated.import_id, ASYNC);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.data.phase).toBe('completed');
  }, 180_000);

  test('async validate and confirm followed by the event stream: in order, then `end`', async () => {
    const { auth } = await actor();
    const rows = 20_000;
    const accepted = await validate(auth, customersCsv(rows, 'SSE'), ASYNC);
    expect(accepted.status).toBe(202);
    const location = accepted.headers.location;
    const validating = await readEventStream(`${base}${location}/events`, auth);
    expect(validating.status).toBe(200);
    expect(validating.contentType).toMatch(/^text\/event-stream/);
    expectOrdered(validating.events, 'validated');
    expect(validating.events.at(-1)!.data).toMatchObject({ total_rows: rows });

    // A validated import rests (the stream ends at once); a confirm makes it work again.
    expect((await confirm(auth, accepted.body.data.import_id, ASYNC)).status).toBe(202);
    const confirming = await readEventStream(`${base}${location}/events`, auth);
    expectOrdered(confirming.events, 'completed');
    expect(confirming.events.at(-1)!.data).toMatchObject({ created: rows });
    expect(confirming.events.some((e) => (e.data as Status).phase === 'confirming')).toBe(true);
  }, 180_000);

  test('the event stream of an unknown or foreign import is a 404 envelope', async () => {
    const { auth } = await actor();
    const other = await actor();
    const v = await validate(other.auth, customersCsv(3));
    const res = await request(t.http)
      .get(`/customers/import/${v.body.data.import_id}/events`)
      .set(auth);
    expectError(res, 404);
  });

  test('paged rows and results filter and count by status, in row order', async () => {
    const { auth } = await actor();
    // 30 valid rows, then 7 with an invalid e-mail and 5 repeating an earlier VAT number.
    const bad = Array.from({ length: 7 }, (_, i) => `Bad ${i},,BAD${i},,,,not-an-email,,it,`).join(
      '\n',
    );
    const dup = Array.from({ length: 5 }, (_, i) => `Dup ${i},,PG0000000${i},,,,,,it,`).join('\n');
    const csv = `${customersCsv(30, 'PG').trimEnd()}\n${bad}\n${dup}\n`;
    const v = await validate(auth, csv);
    expect(v.body.data).toMatchObject({ total_rows: 42, valid_rows: 30, error_rows: 12 });
    const one = `/customers/import/${v.body.data.import_id}`;

    const errors = await request(t.http)
      .get(`${one}/rows?status=error&page=2&page_size=5`)
      .set(auth)
      .expect(200);
    expect(errors.body.data).toMatchObject({ page: 2, page_size: 5, total: 12 });
    expect(errors.body.data.items.map((r: { row_number: number }) => r.row_number)).toEqual([
      37, 38, 39, 40, 41,
    ]);
    expect(errors.body.data.items[0]).toMatchObject({
      row_number: 37,
      errors: [{ field: 'email', message: 'invalid_email' }],
    });
    expect(errors.body.data.items[2]).toMatchObject({
      row_number: 39,
      status: 'error',
      errors: [{ field: 'vat_number', message: 'duplicate_in_csv', values: ['PG00000000', '2'] }],
    });
    const all = await request(t.http).get(`${one}/rows?status=valid,error`).set(auth).expect(200);
    expect(all.body.data.total).toBe(42);
    expectError(await request(t.http).get(`${one}/rows?status=bogus`).set(auth), 400, {
      key: 'status',
      message: 'invalid_value',
    });
    expectError(await request(t.http).get(`${one}/rows?page_size=101`).set(auth), 400);

    await confirm(auth, v.body.data.import_id).expect(200);
    const skipped = await request(t.http)
      .get(`${one}/results?status=skipped&page_size=100`)
      .set(auth)
      .expect(200);
    expect(skipped.body.data.total).toBe(12);
    expect(skipped.body.data.items.every((r: { reason: string }) => r.reason === 'error')).toBe(
      true,
    );
    const created = await request(t.http)
      .get(`${one}/results?status=created,failed`)
      .set(auth)
      .expect(200);
    expect(created.body.data.total).toBe(30);
  });

  test('synchronous validate lists all rows, only the problems, or none (?rows=)', async () => {
    const { auth } = await actor();
    const csv = `${customersCsv(4, 'RW').trimEnd()}\nBad,,BADRW,,,,not-an-email,,it,\n`;
    const all = await validate(auth, csv);
    expect(all.body.data.rows).toHaveLength(5);
    const problems = await validate(auth, csv, {}, '?rows=problems');
    expect(problems.body.data).toMatchObject({ total_rows: 5, error_rows: 1 });
    expect(problems.body.data.rows.map((r: { row_number: number }) => r.row_number)).toEqual([6]);
    const none = await validate(auth, csv, {}, '?rows=none');
    expect(none.body.data).toMatchObject({ total_rows: 5, rows: [] });
    expectError(await validate(auth, csv, {}, '?rows=some'), 400, { key: 'rows' });
  });

  test('cancel mid-confirm: the job stops at a batch boundary; exactly the reported rows are written', async () => {
    const { business, auth } = await actor();
    const rows = 40_000;
    const v = await validate(auth, customersCsv(rows, 'CXL'));
    expect(v.status).toBe(200);
    const one = `/customers/import/${v.body.data.import_id}`;
    expect((await confirm(auth, v.body.data.import_id, ASYNC)).status).toBe(202);
    let status = await statusOf(auth, one);
    for (let i = 0; i < 2000 && status.rows_processed === 0; i++) {
      await sleep(10);
      status = await statusOf(auth, one);
    }
    // Only its creator (or platform:admin) may cancel it.
    const stranger = {
      Authorization: `Bearer ${await tokenFor({ business, sub: 'someone-else' })}`,
    };
    expectError(await request(t.http).post(`${one}/cancel`).set(stranger), 403);
    const cancelled = await request(t.http).post(`${one}/cancel`).set(auth).expect(200);
    expect(cancelled.body.data.phase).toBe('cancelled');
    const after = await statusOf(auth, one);
    expect(after).toMatchObject({ phase: 'cancelled', status: 'cancelled' });
    expect(after.created).toBeGreaterThan(0);
    expect(after.created).toBeLessThan(rows);
    expect(after.rows_processed).toBe(after.created);
    // Exactly the reported rows are written, and reported one by one.
    const [{ count }] = await t.app
      .get(DataSource)
      .query('SELECT count(*)::int AS count FROM customers WHERE business_uid = $1', [business]);
    expect(count).toBe(after.created);
    const results = await request(t.http).get(`${one}/results`).set(auth).expect(200);
    expect(results.body.data.total).toBe(after.created);
    // It has ended: a second cancel is a 409, and a confirm cannot bring it back.
    expectError(await request(t.http).post(`${one}/cancel`).set(auth), 409, {
      message: 'import_finished',
    });
    expectError(await confirm(auth, v.body.data.import_id), 409, { message: 'import_finished' });
    await sleep(500);
    expect((await statusOf(auth, one)).created).toBe(after.created); // nothing more was written
  }, 120_000);

  test('cancel a validated import: at once, nothing written; unknown ids 404; bad ids 400', async () => {
    const { business, auth } = await actor();
    const v = await validate(auth, customersCsv(5, 'VCX'));
    const one = `/customers/import/${v.body.data.import_id}`;
    const res = await request(t.http).post(`${one}/cancel`).set(auth).expect(200);
    expect(res.body).toMatchObject({
      code: 200,
      data: { phase: 'cancelled', created: 0, links: { self: one } },
    });
    expectError(await confirm(auth, v.body.data.import_id), 409, { message: 'import_finished' });
    const [{ count }] = await t.app
      .get(DataSource)
      .query('SELECT count(*)::int AS count FROM customers WHERE business_uid = $1', [business]);
    expect(count).toBe(0);
    expectError(
      await request(t.http)
        .post('/customers/import/8b1c0ad4-94f6-4df0-9c4a-0a3f1d2b7c11/cancel')
        .set(auth),
      404,
    );
    expectError(await request(t.http).post('/customers/import/not-a-uuid/cancel').set(auth), 400);
  });

  test('a bad file sent asynchronously: accepted, then the status says why it failed', async () => {
    const { auth } = await actor();
    const accepted = await validate(auth, 'company_name,vat_number\nAcme,1\n', ASYNC);
    expect(accepted.status).toBe(202);
    const failed = await pollUntil(auth, accepted.headers.location, ['failed', 'validated']);
    expect(failed.phase).toBe('failed');
    expect(failed.error).toContain('missing columns');
  });

  test('the purge never deletes an import still at work, however old; an ended one past retention goes', async () => {
    const { business, auth } = await actor();
    const db = t.app.get(DataSource);
    // An app import still collecting (its collector alive) for longer than TTL + retention, and
    // an import that ended long ago.
    const collecting = randomUUID();
    const ended = (await validate(auth, customersCsv(2, 'PRG'))).body.data.import_id as string;
    await t.app.get(ImportSessionRepository).insert(
      ImportSession.start({
        id: collecting,
        businessUid: business,
        createdBy: 'jobs',
        entityType: 'clients',
        channel: {
          kind: 'app',
          appCodeName: 'slowapp',
          shouldOverride: false,
          sendNotificationsWhenDone: false,
        },
        fieldsMapping: { email: 'E-mail' },
        settings: { upload_type: 'single' },
        now: new Date(Date.now() - 3 * 86_400_000),
        ttlSeconds: 1800,
      }),
    );
    await db.query(
      `UPDATE import_sessions SET lease_owner = 'collector', lease_expires_at = now() + interval '1 minute' WHERE id = $1`,
      [collecting],
    );
    await db.query(
      `UPDATE import_sessions SET status = 'completed', completed_at = now() - interval '30 days' WHERE id = $1`,
      [ended],
    );
    await t.app.get(ImportJobs).purge();
    const left = await db.query('SELECT id FROM import_sessions WHERE id = ANY($1::uuid[])', [
      [collecting, ended],
    ]);
    expect(left.map((r: { id: string }) => r.id)).toEqual([collecting]);
  });
});
