/**
 * Undo of an import (SPEC §8): `POST {one}/revert` deletes what the import created and restores
 * what it overwrote, field by field, keeping — and reporting — what changed since; exactly once
 * (parallel undos run once, a repeat replays), asynchronously on request, within its window,
 * batched (no round trip per row), and finished by another instance if its own dies.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { poolOf } from '../src/shared/database/pool.js';
import { BATCH_SIZE } from '../src/import/application/validate-import.js';
import { FakeAppServer } from './support/app-server.js';
import { type ChildServer, startChildServer } from './support/child-server.js';
import { customersCsv } from './support/csv.js';
import { expectError } from './support/envelope.js';
import { assignApp, type Auth, registerApp, sleep } from './support/fixtures.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const CLIENTS_HEADER = 'first_name,last_name,email,phone,address,company_name,notes';
interface Result {
  row_number: number;
  status: string;
  id: string;
  reason?: string;
  fields?: Record<string, { before: string | null; imported: string | null; current: string }>;
}

describe('undo an import', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_PHONE_REGION: 'IT', IMPORT_ALLOW_PRIVATE_APP_URIS: 'true' });
  });
  afterAll(() => t.close());

  const db = () => t.app.get(DataSource);

  async function actor(sub = 'importer') {
    const business = uniqueBusiness();
    return { business, auth: { Authorization: `Bearer ${await tokenFor({ business, sub })}` } };
  }

  async function importCustomers(auth: Auth, csv: string): Promise<string> {
    const v = await request(t.http)
      .post('/customers/import/validate')
      .set(auth)
      .query({ rows: 'none' })
      .attach('file', Buffer.from(csv), 'c.csv')
      .expect(200);
    await request(t.http)
      .post('/customers/import/confirm')
      .set(auth)
      .send({ import_id: v.body.data.import_id })
      .expect(200);
    return v.body.data.import_id;
  }

  async function importClients(
    auth: Auth,
    rows: string[],
    fields: Record<string, string> = {},
  ): Promise<{ id: string; results: Result[] }> {
    let v = request(t.http)
      .post('/business/clients/v1/import/validate')
      .set(auth)
      .query({ rows: 'none' })
      .attach('file', Buffer.from(`${CLIENTS_HEADER}\n${rows.join('\n')}\n`), 'c.csv');
    for (const [name, value] of Object.entries(fields)) v = v.field(name, value);
    const validated = await v.expect(200);
    const c = await request(t.http)
      .post('/business/clients/v1/import/confirm')
      .set(auth)
      .send({ import_id: validated.body.data.import_id, override: true })
      .expect(200);
    return { id: validated.body.data.import_id, results: c.body.data.results };
  }

  const revertCustomers = (auth: Auth, id: string) =>
    request(t.http).post(`/customers/import/${id}/revert`).set(auth);
  const revertClients = (auth: Auth, id: string) =>
    request(t.http).post(`/business/clients/v1/imports/${id}/revert`).set(auth);
  const client = async (auth: Auth, id: string) =>
    request(t.http).get(`/business/clients/v1/clients/${id}`).set(auth);
  /** A client as its fields (what undo restores), without its times. */
  const fieldsOf = (c: Record<string, unknown>) => {
    const { created_at: _c, updated_at: _u, ...fields } = c;
    return fields;
  };

  test('customers: the untouched ones are deleted, one edited by hand and one a client belongs to are kept', async () => {
    const { auth } = await actor();
    const id = await importCustomers(auth, customersCsv(4, 'UNDO'));
    const status = await request(t.http).get(`/customers/import/${id}`).set(auth).expect(200);
    const [a, b, c, d] = status.body.data.results.map((r: { id: string }) => r.id);
    expect(
      Date.parse(status.body.data.undo_until) - Date.parse(status.body.data.completed_at),
    ).toBe(604_800_000);
    // By hand: b's city changes, and a client is attached to c.
    const before = (await request(t.http).get(`/customers/${b}`).set(auth)).body.data;
    await request(t.http)
      .put(`/customers/${b}`)
      .set(auth)
      .send({ company_name: before.company_name, vat_number: before.vat_number, city: 'Torino' })
      .expect(200);
    await request(t.http)
      .post('/business/clients/v1/clients')
      .set(auth)
      .send({ first_name: 'Ref', email: 'ref@example.com', organization_id: c })
      .expect(201);

    const undo = await revertCustomers(auth, id).expect(200);
    expect(undo.headers['idempotent-replayed']).toBeUndefined();
    expect(undo.body).toMatchObject({ code: 200, message: 'customers import reverted' });
    expect(undo.body.data).toEqual({
      deleted: 2,
      restored: 0,
      kept: 2,
      results: [
        { row_number: 2, status: 'deleted', id: a },
        {
          row_number: 3,
          status: 'kept',
          id: b,
          reason: 'modified_since',
          // The PUT replaced every field: the ones it did not send are now empty.
          fields: {
            description: { before: null, imported: 'Desc 1', current: null },
            address: { before: null, imported: 'Via Roma 1', current: null },
            city: { before: null, imported: 'Milano', current: 'Torino' },
            main_contact: { before: null, imported: 'Anna Bianchi', current: null },
            email: { before: null, imported: 'c1@example.com', current: null },
            phone: { before: null, imported: '+39 02 1000001', current: null },
            language: { before: null, imported: 'it', current: 'en' },
          },
        },
        { row_number: 4, status: 'kept', id: c, reason: 'referenced' },
        { row_number: 5, status: 'deleted', id: d },
      ],
    });
    await request(t.http).get(`/customers/${a}`).set(auth).expect(404);
    await request(t.http).get(`/customers/${d}`).set(auth).expect(404);
    expect((await request(t.http).get(`/customers/${b}`).set(auth)).body.data.city).toBe('Torino');
    await request(t.http).get(`/customers/${c}`).set(auth).expect(200);

    const after = (await request(t.http).get(`/customers/import/${id}`).set(auth)).body.data;
    expect(after).toMatchObject({
      phase: 'reverted',
      status: 'reverted',
      undo_until: null,
      revert: { deleted: 2, restored: 0, kept: 2 },
      created: 4,
      progress: { rows_processed: 4, total_rows: 4, percent: 100 },
    });
    const kept = await request(t.http)
      .get(`/customers/import/${id}/revert/results`)
      .query({ status: 'kept', page_size: 1, page: 2 })
      .set(auth)
      .expect(200);
    expect(kept.body.data).toMatchObject({
      total: 2,
      page: 2,
      items: [{ row_number: 4, reason: 'referenced' }],
    });
  });

  test('clients: created ones deleted, updated ones restored exactly; those edited by hand kept and reported with before, imported and current', async () => {
    const { auth } = await actor();
    const existing = async (body: object) =>
      (await request(t.http).post('/business/clients/v1/clients').set(auth).send(body).expect(201))
        .body.data;
    const e1 = await existing({
      first_name: 'Elena',
      last_name: 'Uno',
      email: 'e1@example.com',
      phone: '+39 347 000 0001',
      notes: 'first',
    });
    const e2 = await existing({
      first_name: 'Enzo',
      last_name: 'Due',
      email: 'e2@example.com',
      address: 'Via Vecchia 2',
      notes: 'second',
    });
    const { id, results } = await importClients(auth, [
      'Nina,Nuova,n1@example.com,,,,', // 2 created, untouched
      'Nico,Nuovo,n2@example.com,,,,', // 3 created, edited by hand
      'Elisa,,e1@example.com,+39 347 999 9999,,,overwritten', // 4 updates e1
      'Enrico,,e2@example.com,,Via Nuova 3,,imported', // 5 updates e2, edited by hand
    ]);
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'updated', 'updated']);
    const [n1, n2] = [results[0].id, results[1].id];
    const e2Imported = (await client(auth, e2.id)).body.data;
    // By hand: n2's last name, and e2's notes (its first name and address stay as imported).
    const edited = (await client(auth, n2)).body.data;
    await request(t.http)
      .put(`/business/clients/v1/clients/${n2}`)
      .set(auth)
      .send({ ...fieldsOf(edited), id: undefined, source: undefined, last_name: 'Cambiato' })
      .expect(200);
    await request(t.http)
      .put(`/business/clients/v1/clients/${e2.id}`)
      .set(auth)
      .send({ ...fieldsOf(e2Imported), id: undefined, source: undefined, notes: 'by hand' })
      .expect(200);

    const undo = await revertClients(auth, id).expect(200);
    expect(undo.body.message).toBe('clients import reverted');
    expect(undo.body.data).toEqual({
      deleted: 1,
      restored: 1,
      kept: 2,
      results: [
        { row_number: 2, status: 'deleted', id: n1 },
        {
          row_number: 3,
          status: 'kept',
          id: n2,
          reason: 'modified_since',
          fields: { last_name: { before: null, imported: 'Nuovo', current: 'Cambiato' } },
        },
        { row_number: 4, status: 'restored', id: e1.id },
        {
          row_number: 5,
          status: 'kept',
          id: e2.id,
          reason: 'modified_since',
          fields: { notes: { before: 'second', imported: 'imported', current: 'by hand' } },
        },
      ],
    });
    expect((await client(auth, n1)).status).toBe(404);
    expect((await client(auth, n2)).body.data.last_name).toBe('Cambiato');
    // e1 is exactly as before the import; e2 has its first name and address of before back.
    expect(fieldsOf((await client(auth, e1.id)).body.data)).toEqual(fieldsOf(e1));
    expect(fieldsOf((await client(auth, e2.id)).body.data)).toEqual({
      ...fieldsOf(e2),
      notes: 'by hand',
    });
  });

  test('a client created and then updated by a later row of the same import (multi) is deleted', async () => {
    const { auth } = await actor();
    const { id, results } = await importClients(
      auth,
      ['Mara,,m@example.com,,,,one', 'Mara,Seconda,m@example.com,,,,two'],
      { upload_type: 'multi' },
    );
    expect(results.map((r) => r.status)).toEqual(['created', 'updated']);
    const undo = await revertClients(auth, id).expect(200);
    expect(undo.body.data).toEqual({
      deleted: 1,
      restored: 1,
      kept: 0,
      results: [
        { row_number: 2, status: 'deleted', id: results[0].id },
        { row_number: 3, status: 'restored', id: results[0].id },
      ],
    });
    expect((await client(auth, results[0].id)).status).toBe(404);
  });

  test('an app import is undone like a CSV one, and the app is not told again', async () => {
    const app = new FakeAppServer();
    const apiUri = await app.start();
    try {
      const { business, auth } = await actor();
      const marco = (
        await request(t.http)
          .post('/business/clients/v1/clients')
          .set(auth)
          .send({ first_name: 'Marco', email: 'marco@example.com', phone: '+39 02 1111 111' })
          .expect(201)
      ).body.data;
      app.pages = [
        [
          { Name: 'Paola', Mail: 'paola@example.com' },
          { Name: 'Marco', Mail: 'marco@example.com', Mobile: '+39 02 2222 222' },
        ],
      ];
      const { code } = await registerApp(t.http, auth, { apiUri });
      await assignApp(t.http, auth, code, business);
      const started = await request(t.http)
        .post(`/business/clients/v1/apps/${code}/import`)
        .set(auth)
        .send({
          import_params: {
            should_override: true,
            upload_type: 'single',
            send_notifications_when_done: false,
          },
          fields_mapping: { first_name: 'Name', email: 'Mail', phone: 'Mobile' },
        })
        .expect(201);
      const id = started.body.data.session_id as string;
      let status: Record<string, unknown> = {};
      for (let i = 0; i < 200 && status.phase !== 'completed'; i++) {
        status = (await request(t.http).get(`/business/clients/v1/imports/${id}`).set(auth)).body
          .data;
        if (status.phase !== 'completed') await sleep(50);
      }
      expect(status).toMatchObject({ channel: 'app', phase: 'completed', created: 1, updated: 1 });
      expect(status.undo_until).not.toBeNull();
      // The app is told once that the import is over (page=-1) …
      for (let i = 0; i < 100 && !app.pagesRequested().includes('-1'); i++) await sleep(20);
      expect(app.pagesRequested().filter((p) => p === '-1')).toHaveLength(1);

      const undo = await revertClients(auth, id).expect(200);
      expect(undo.body.data).toMatchObject({ deleted: 1, restored: 1, kept: 0 });
      expect(fieldsOf((await client(auth, marco.id)).body.data)).toEqual(fieldsOf(marco));
      expect(
        (await request(t.http).get('/business/clients/v1/clients').set(auth)).body.data.total,
      ).toBe(1);
      // … and not again by its undo.
      await sleep(200);
      expect(app.pagesRequested().filter((p) => p === '-1')).toHaveLength(1);
    } finally {
      await app.stop();
    }
  });

  test('a second undo replays the stored result and does nothing', async () => {
    const { auth, business } = await actor();
    const id = await importCustomers(auth, customersCsv(3, 'REPLAY'));
    const first = await revertCustomers(auth, id).expect(200);
    // Were it run again, this customer — made by hand with a VAT the import used — would stay
    // untouched anyway; the answer must be the stored one, to the byte.
    const second = await revertCustomers(auth, id).expect(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    const [{ count }] = await db().query(
      'SELECT count(*)::int AS count FROM import_revert_outcomes WHERE session_id = $1',
      [id],
    );
    expect(count).toBe(3);
    expect(await customersOf(db(), business)).toBe(0);
  });

  test('parallel undos: one execution, the others 409 import_in_progress or a replay', async () => {
    const { auth, business } = await actor();
    const rows = 2 * BATCH_SIZE + 100;
    const id = await importCustomers(auth, customersCsv(rows, 'PAR'));
    const answers = await Promise.all([1, 2, 3].map(() => revertCustomers(auth, id)));
    const ran = answers.filter((a) => a.status === 200 && !a.headers['idempotent-replayed']);
    expect(ran).toHaveLength(1);
    for (const a of answers.filter((x) => x !== ran[0])) {
      if (a.status === 409) expectError(a, 409, { message: 'import_in_progress' });
      else expect([a.status, a.headers['idempotent-replayed']]).toEqual([200, 'true']);
    }
    expect(ran[0].body.data).toMatchObject({ deleted: rows, restored: 0, kept: 0 });
    const [{ outcomes, distinct }] = await db().query(
      `SELECT count(*)::int AS outcomes, count(DISTINCT entity_id)::int AS distinct
         FROM import_revert_outcomes WHERE session_id = $1`,
      [id],
    );
    expect({ outcomes, distinct }).toEqual({ outcomes: rows, distinct: rows });
    expect(await customersOf(db(), business)).toBe(0);
  });

  test('Prefer: respond-async: 202 with the status, then reverted; results paged', async () => {
    const { auth } = await actor();
    const id = await importCustomers(auth, customersCsv(BATCH_SIZE + 10, 'ASYNC'));
    const accepted = await revertCustomers(auth, id).set('Prefer', 'respond-async');
    expect(accepted.status).toBe(202);
    expect(accepted.headers['preference-applied']).toBe('respond-async');
    expect(accepted.headers.location).toBe(`/customers/import/${id}`);
    expect(accepted.body).toMatchObject({
      code: 202,
      message: 'customers import undo accepted',
      data: { import_id: id, phase: 'reverting', undo_until: null },
    });
    let phase = '';
    let data: Record<string, unknown> = {};
    for (let i = 0; i < 200 && phase !== 'reverted'; i++) {
      data = (await request(t.http).get(`/customers/import/${id}`).set(auth)).body.data;
      phase = data.phase as string;
      if (phase !== 'reverted') await sleep(50);
    }
    expect(data).toMatchObject({ phase: 'reverted', revert: { deleted: BATCH_SIZE + 10 } });
    const page = await request(t.http)
      .get(`/customers/import/${id}/revert/results`)
      .query({ page_size: 100 })
      .set(auth)
      .expect(200);
    expect(page.body.data.total).toBe(BATCH_SIZE + 10);
    expect(page.body.data.items[0]).toMatchObject({ row_number: 2, status: 'deleted' });
    // Asked again, asynchronously: already done, so a 200 replay of the status.
    const again = await revertCustomers(auth, id).set('Prefer', 'respond-async');
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.data).toMatchObject({ phase: 'reverted' });
  });

  test('a cancelled import can be undone: what it wrote before it stopped is deleted', async () => {
    const { auth, business } = await actor();
    const rows = 8 * BATCH_SIZE;
    const v = await request(t.http)
      .post('/customers/import/validate')
      .set(auth)
      .query({ rows: 'none' })
      .attach('file', Buffer.from(customersCsv(rows, 'CANC')), 'c.csv')
      .expect(200);
    const id = v.body.data.import_id;
    await request(t.http)
      .post('/customers/import/confirm')
      .set(auth)
      .set('Prefer', 'respond-async')
      .send({ import_id: id })
      .expect(202);
    // While it confirms, an undo is refused.
    expectError(await revertCustomers(auth, id), 409, { message: 'import_in_progress' });
    let created = 0;
    for (let i = 0; i < 2000 && created === 0; i++) {
      [{ created }] = await db().query('SELECT created FROM import_sessions WHERE id = $1', [id]);
      if (created === 0) await sleep(5);
    }
    const cancelled = await request(t.http)
      .post(`/customers/import/${id}/cancel`)
      .set(auth)
      .expect(200);
    expect(cancelled.body.data.phase).toBe('cancelled');
    const written = cancelled.body.data.created as number;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(rows);
    expect(cancelled.body.data.undo_until).not.toBeNull();

    const undo = await revertCustomers(auth, id).expect(200);
    expect(undo.body.data).toMatchObject({ deleted: written, restored: 0, kept: 0 });
    expect(undo.body.data.results).toHaveLength(written);
    expect(await customersOf(db(), business)).toBe(0);
  });

  test('only the creator or platform:admin; an import that wrote nothing is a 409 nothing_to_revert', async () => {
    const { auth, business } = await actor('creator');
    const id = await importCustomers(auth, customersCsv(2, 'WHO'));
    const colleague = {
      Authorization: `Bearer ${await tokenFor({ business, sub: 'colleague' })}`,
    };
    const refused = await revertCustomers(colleague, id);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/another user/);
    const admin = {
      Authorization: `Bearer ${await tokenFor({ business, sub: 'ops', scopes: ['platform:admin'] })}`,
    };
    expect((await revertCustomers(admin, id).expect(200)).body.data.deleted).toBe(2);

    const v = await request(t.http)
      .post('/customers/import/validate')
      .set(auth)
      .attach('file', Buffer.from(customersCsv(1, 'NONE')), 'c.csv')
      .expect(200);
    expectError(await revertCustomers(auth, v.body.data.import_id), 409, {
      key: 'import_id',
      message: 'nothing_to_revert',
    });
    expect(
      (await request(t.http).get(`/customers/import/${v.body.data.import_id}`).set(auth)).body.data
        .undo_until,
    ).toBeNull();
  });

  test('no round trip per row: a few statements per batch of rows', async () => {
    const { auth, business } = await actor();
    // Existing clients for half the rows (updated by the import), new ones for the other half.
    const rows = 2 * BATCH_SIZE + 500;
    const half = Math.floor(rows / 2);
    await db().query(
      `INSERT INTO clients (business_uid, first_name, email, notes, source)
       SELECT $1, 'Old ' || i, 'u' || i || '@example.com', 'old', 'api' FROM generate_series(0, $2 - 1) i`,
      [business, half],
    );
    const lines = Array.from({ length: rows }, (_, i) =>
      i < half ? `New ${i},,u${i}@example.com,,,,new` : `Fresh ${i},,f${i}@example.com,,,,`,
    );
    const { id } = await importClients(auth, lines);
    const count = countStatements(poolOf(db()));
    const undo = await revertClients(auth, id).expect(200);
    const statements = count.stop();
    expect(undo.body.data).toMatchObject({ deleted: rows - half, restored: half, kept: 0 });
    const batches = Math.ceil(rows / BATCH_SIZE);
    process.stdout.write(
      `undo of ${rows} client rows: ${statements} statements for ${batches} batches\n`,
    );
    expect(statements).toBeLessThanOrEqual(16 * batches + 10);
    const [{ old }] = await db().query(
      `SELECT count(*)::int AS old FROM clients WHERE business_uid = $1 AND notes = 'old' AND first_name LIKE 'Old %'`,
      [business],
    );
    expect(old).toBe(half);
  });
});

describe('undo window', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ IMPORT_UNDO_SECONDS: '1' });
  });
  afterAll(() => t.close());

  test('after IMPORT_UNDO_SECONDS: 409 undo_expired, and nothing is touched', async () => {
    const business = uniqueBusiness();
    const auth = { Authorization: `Bearer ${await tokenFor({ business })}` };
    const v = await request(t.http)
      .post('/customers/import/validate')
      .set(auth)
      .attach('file', Buffer.from(customersCsv(2, 'LATE')), 'c.csv')
      .expect(200);
    const id = v.body.data.import_id;
    await request(t.http).post('/customers/import/confirm').set(auth).send({ import_id: id });
    const status = (await request(t.http).get(`/customers/import/${id}`).set(auth)).body.data;
    expect(Date.parse(status.undo_until) - Date.parse(status.completed_at)).toBe(1000);
    await sleep(Math.max(0, Date.parse(status.undo_until) - Date.now()) + 100);
    const late = await request(t.http).post(`/customers/import/${id}/revert`).set(auth);
    expectError(late, 409, { type: 'conflict', key: 'import_id', message: 'undo_expired' });
    expect(late.body.message).toBe(`the import could be undone until ${status.undo_until}`);
    const list = await request(t.http).get('/customers').set(auth).expect(200);
    expect(list.body.data.total).toBe(2);
  });
});

/**
 * PostgreSQL only, like the other multi-instance specs: the instance running an undo is killed;
 * another instance's job loop finds the lapsed lease and finishes it — every row exactly once.
 */
const onPostgres = process.env.TEST_DB_KIND === 'postgres' ? describe : describe.skip;

onPostgres('an undo whose instance is killed', () => {
  const ENV = { IMPORT_LEASE_SECONDS: '2', IMPORT_WORKER: '1' };
  let survivor: ChildServer;
  let t: TestApp; // only to read the database
  beforeAll(async () => {
    survivor = await startChildServer(ENV);
    t = await createTestApp();
  });
  afterAll(async () => {
    await survivor.kill('SIGKILL');
    await t.close();
  });

  test('SIGKILL mid-undo: another instance finishes it, every row once', async () => {
    const db = t.app.get(DataSource);
    const victim = await startChildServer(ENV);
    try {
      const business = uniqueBusiness();
      const auth = { Authorization: `Bearer ${await tokenFor({ business, sub: 'undoer' })}` };
      const rows = 30_000;
      const v = await request(victim.url)
        .post('/customers/import/validate')
        .query({ rows: 'none' })
        .set(auth)
        .attach('file', Buffer.from(customersCsv(rows, 'KILLUNDO')), 'c.csv')
        .expect(200);
      const id = v.body.data.import_id;
      await request(victim.url)
        .post('/customers/import/confirm')
        .set(auth)
        .send({ import_id: id })
        .expect(200);
      void request(victim.url)
        .post(`/customers/import/${id}/revert`)
        .set(auth)
        .then(
          () => undefined,
          () => undefined,
        );
      let deleted = 0;
      for (let i = 0; i < 3000 && deleted === 0; i++) {
        [{ deleted }] = await db.query('SELECT deleted FROM import_sessions WHERE id = $1', [id]);
        if (deleted === 0) await sleep(5);
      }
      await victim.kill('SIGKILL');
      const [atKill] = await db.query('SELECT status, deleted FROM import_sessions WHERE id = $1', [
        id,
      ]);
      expect(atKill.status).toBe('reverting');
      expect(atKill.deleted).toBeGreaterThan(0);
      expect(atKill.deleted).toBeLessThan(rows);

      // No request: the survivor's job loop takes the undo over once the lease lapses.
      let status = '';
      for (let i = 0; i < 300 && status !== 'reverted'; i++) {
        [{ status }] = await db.query('SELECT status FROM import_sessions WHERE id = $1', [id]);
        if (status !== 'reverted') await sleep(100);
      }
      expect(status).toBe('reverted');
      const [outcomes] = await db.query(
        `SELECT count(*)::int AS total, count(DISTINCT row_number)::int AS rows,
                count(*) FILTER (WHERE outcome = 'deleted' AND reason IS NULL)::int AS deleted
           FROM import_revert_outcomes WHERE session_id = $1`,
        [id],
      );
      expect(outcomes).toEqual({ total: rows, rows, deleted: rows });
      expect(await customersOf(db, business)).toBe(0);
      const replay = await request(survivor.url)
        .post(`/customers/import/${id}/revert`)
        .set(auth)
        .expect(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.data).toMatchObject({ deleted: rows, restored: 0, kept: 0 });
      expect(replay.body.data.results).toHaveLength(rows);
    } finally {
      await victim.kill('SIGKILL');
    }
  });
});

/** How many customers the business has. */
async function customersOf(db: DataSource, business: string): Promise<number> {
  const [{ count }] = await db.query(
    'SELECT count(*)::int AS count FROM customers WHERE business_uid = $1',
    [business],
  );
  return count;
}

/** Counts the statements this process sends through the pool until `stop`. */
function countStatements(pool: pg.Pool): { stop(): number } {
  let count = 0;
  let counting = true;
  const wrapped = new WeakSet<object>();
  const wrap = (client: pg.PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
      ...args: unknown[]
    ) => {
      if (counting) count++;
      return query(...args);
    };
  };
  pool.on('acquire', wrap);
  return {
    stop() {
      counting = false;
      pool.off('acquire', wrap);
      return count;
    },
  };
}
