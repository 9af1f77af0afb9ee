/**
 * Crash safety (SPEC §6.2): a confirm of a large file is killed mid-way (SIGKILL of the server
 * process doing it); the session is confirmed again — on another instance — once the lease has
 * lapsed, and every valid row exists exactly once.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { startChildServer } from './support/child-server.js';
import { customersCsv } from './support/csv.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const ROWS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a confirm killed mid-way is resumed, nothing written twice or lost', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ IMPORT_LEASE_SECONDS: '2' });
  });
  afterAll(() => t.close());

  test('SIGKILL during confirm, then confirm again on another instance', async () => {
    const business = uniqueBusiness();
    const auth = { Authorization: `Bearer ${await tokenFor({ business, sub: 'bulk-importer' })}` };
    const db = t.app.get(DataSource);
    const child = await startChildServer({ IMPORT_LEASE_SECONDS: '2' });
    try {
      const validated = await request(child.url)
        .post('/customers/import/validate')
        .set(auth)
        .attach('file', Buffer.from(customersCsv(ROWS, 'CRASH')), 'big.csv');
      expect(validated.status).toBe(200);
      expect(validated.body.data.valid_rows).toBe(ROWS);
      const importId: string = validated.body.data.import_id;

      // Fire the confirm at the child and kill it once some batches have committed.
      const inFlight = request(child.url)
        .post('/customers/import/confirm')
        .set(auth)
        .send({ import_id: importId })
        .then(
          () => 'finished',
          () => 'cut off',
        );
      let done = 0;
      for (let i = 0; i < 2000 && done === 0; i++) {
        [{ done }] = await db.query('SELECT created AS done FROM import_sessions WHERE id = $1', [
          importId,
        ]);
        if (done === 0) await sleep(10);
      }
      await child.kill('SIGKILL');
      expect(await inFlight).toBe('cut off');
      const [atKill] = await db.query('SELECT status, created FROM import_sessions WHERE id = $1', [
        importId,
      ]);
      expect(atKill.status).toBe('confirming');
      expect(atKill.created).toBeGreaterThan(0);
      expect(atKill.created).toBeLessThan(ROWS); // it really was killed mid-way
      const [{ count: rowsAtKill }] = await db.query(
        'SELECT count(*)::int AS count FROM customers WHERE business_uid = $1',
        [business],
      );
      expect(rowsAtKill).toBe(atKill.created); // each committed batch wrote its rows and outcomes together

      // Another instance: 409 while the dead owner's lease lives, then it resumes the rest.
      let resumed;
      for (let attempt = 0; attempt < 40; attempt++) {
        resumed = await request(t.http)
          .post('/customers/import/confirm')
          .set(auth)
          .send({ import_id: importId });
        if (resumed.status !== 409) break;
        expect(resumed.body.data.errors[0].message).toBe('import_in_progress');
        await sleep(250);
      }
      expect(resumed!.status).toBe(200);
      expect(resumed!.headers['idempotent-replayed']).toBeUndefined();
      expect(resumed!.body.data).toMatchObject({
        created: ROWS,
        updated: 0,
        skipped: 0,
        failed: 0,
      });
      expect(resumed!.body.data.results).toHaveLength(ROWS);

      const [counts] = await db.query(
        `SELECT count(*)::int AS total, count(DISTINCT vat_number)::int AS distinct_vat FROM customers WHERE business_uid = $1`,
        [business],
      );
      expect(counts).toEqual({ total: ROWS, distinct_vat: ROWS });
      const ids = new Set(resumed!.body.data.results.map((r: { id: string }) => r.id));
      expect(ids.size).toBe(ROWS);
    } finally {
      await child.kill('SIGKILL');
    }
  });
});
