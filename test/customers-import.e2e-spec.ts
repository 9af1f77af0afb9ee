import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ImportJobs } from '../src/import/application/import-jobs.js';
import { ImportSession } from '../src/import/domain/import-session.js';
import { ImportSessionRepository } from '../src/import/domain/import-session.repository.js';
import { customersCsv, CUSTOMER_HEADER } from './support/csv.js';
import { expectError } from './support/envelope.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

describe('customers import (SPEC §4, §6; seed 003)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function actor(business = uniqueBusiness(), sub = 'importer-1') {
    const token = await tokenFor({ business, sub });
    return { business, token, auth: { Authorization: `Bearer ${token}` } };
  }
  const validate = (
    auth: Record<string, string>,
    file: Buffer | string,
    name = 'customers.csv',
    app = t,
  ) =>
    request(app.http)
      .post('/customers/import/validate')
      .set(auth)
      .attach('file', Buffer.from(file), name);
  const confirm = (auth: Record<string, string>, body: object, app = t) =>
    request(app.http).post('/customers/import/confirm').set(auth).send(body);
  const countCustomers = async (business: string, app = t) =>
    Number(
      (
        await app.app
          .get(DataSource)
          .query('SELECT count(*) FROM customers WHERE business_uid = $1', [business])
      )[0].count,
    );

  test("validate classifies every row; confirm with the seed's request shape creates the valid rows", async () => {
    const { business, auth } = await actor();
    const validated = await validate(auth, fixture('customers-mixed.csv'));
    expect(validated.status).toBe(200);
    expect(validated.body).toMatchObject({
      code: 200,
      message: 'customers import validated',
      data: {
        import_id: expect.any(String),
        expires_at: expect.any(String),
        total_rows: 6,
        valid_rows: 2,
        warning_rows: 0,
        error_rows: 4,
        ambiguous_rows: 0,
      },
    });
    const rows = validated.body.data.rows;
    expect(
      rows.map((r: { row_number: number; status: string }) => [r.row_number, r.status]),
    ).toEqual([
      [2, 'valid'],
      [3, 'error'],
      [4, 'error'],
      [5, 'valid'],
      [6, 'error'],
      [7, 'error'],
    ]);
    expect(rows[0]).not.toHaveProperty('errors');
    expect(rows[0]).not.toHaveProperty('warnings');
    expect(rows[0].data).toMatchObject({
      company_name: 'Valid One S.r.l.',
      vat_number: '00111111111',
    });
    expect(rows[1].errors).toEqual([
      { field: 'email', message: 'invalid_email', values: ['not-an-email'] },
    ]);
    expect(rows[2].errors).toEqual([{ field: 'company_name', message: 'required' }]);
    expect(rows[4].errors).toEqual([
      { field: 'language', message: 'invalid_value', values: ['fr'] },
    ]);
    expect(rows[5].errors).toEqual([
      { field: 'phone', message: 'invalid_phone', values: ['12345'] },
    ]);
    expect(await countCustomers(business)).toBe(0); // validate writes nothing but the session

    const importId = validated.body.data.import_id;
    const confirmed = await confirm(auth, {
      import_id: importId,
      override: true,
      resolutions: { '7': { organization_id: 'abc123' } },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers['idempotent-replayed']).toBeUndefined();
    expect(confirmed.body).toEqual({
      code: 200,
      message: 'customers imported successfully',
      data: {
        created: 2,
        updated: 0,
        skipped: 4,
        failed: 0,
        results: [
          { row_number: 2, status: 'created', id: expect.any(String) },
          { row_number: 3, status: 'skipped', reason: 'error' },
          { row_number: 4, status: 'skipped', reason: 'error' },
          { row_number: 5, status: 'created', id: expect.any(String) },
          { row_number: 6, status: 'skipped', reason: 'error' },
          { row_number: 7, status: 'skipped', reason: 'error' },
        ],
      },
    });
    expect(await countCustomers(business)).toBe(2);
    const created = await request(t.http)
      .get(`/customers/${confirmed.body.data.results[0].id}`)
      .set(auth);
    expect(created.body.data).toMatchObject({
      company_name: 'Valid One S.r.l.',
      vat_number: '00111111111',
      phone: '+39 02 1111111',
    });

    // A repeated confirm replays the stored result and writes nothing.
    const again = await confirm(auth, { import_id: importId });
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(confirmed.body);
    expect(await countCustomers(business)).toBe(2);

    const status = await request(t.http).get(`/customers/import/${importId}`).set(auth);
    expect(status.body.data).toMatchObject({
      import_id: importId,
      status: 'completed',
      total_rows: 6,
      created: 2,
      skipped: 4,
      rows_processed: 6,
      results: confirmed.body.data.results,
    });

    const errors = await request(t.http).get(`/customers/import/${importId}/errors.csv`).set(auth);
    expect(errors.status).toBe(200);
    expect(errors.headers['content-type']).toMatch(/text\/csv/);
    const lines = errors.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toBe(`${CUSTOMER_HEADER},row_number,status,reason,errors`);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain('Bad Email S.r.l.');
    expect(lines[1]).toContain(',3,skipped,error,email: invalid_email (not-an-email)');
  });

  test('errors.csv defuses spreadsheet formulas', async () => {
    const { auth } = await actor();
    const csv = `${CUSTOMER_HEADER}\n"=HYPERLINK(""http://x"")",,V1,,,,not-an-email,,en,\n+cmd,,V2,,,,bad,,en,\n`;
    const v = await validate(auth, csv);
    const res = await request(t.http)
      .get(`/customers/import/${v.body.data.import_id}/errors.csv`)
      .set(auth);
    expect(res.text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(res.text).toContain(`'+cmd`);
  });

  test.each<
    [
      string,
      number,
      { key?: string; message: string } | { total: number; valid: number; error: number },
    ]
  >([
    ['customers-valid.csv', 200, { total: 4, valid: 4, error: 0 }],
    ['customers-bom.csv', 200, { total: 3, valid: 3, error: 0 }],
    ['customers-windows1252.csv', 200, { total: 4, valid: 4, error: 0 }],
    ['customers-excel-semicolon.csv', 200, { total: 3, valid: 3, error: 0 }],
    ['customers-utf16.csv', 200, { total: 3, valid: 3, error: 0 }],
    ['customers-ragged.csv', 200, { total: 4, valid: 2, error: 2 }],
    ['customers-duplicate-vat.csv', 200, { total: 4, valid: 3, error: 1 }],
    ['customers-multiline.csv', 200, { total: 3, valid: 3, error: 0 }],
    ['customers-broken-quotes.csv', 400, { key: 'file', message: 'invalid_csv' }],
    ['customers-empty.csv', 400, { key: 'file', message: 'file_empty' }],
    ['customers-header-only.csv', 400, { key: 'file', message: 'no_data_rows' }],
    ['customers-unknown-columns.csv', 400, { key: 'file', message: 'unexpected_columns' }],
    ['customers-missing-columns.csv', 400, { key: 'file', message: 'missing_columns' }],
  ])('fixture %s → %d', async (name, status, expected) => {
    const { auth } = await actor();
    const res = await validate(auth, fixture(name), name);
    if (status === 200) {
      const e = expected as { total: number; valid: number; error: number };
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        total_rows: e.total,
        valid_rows: e.valid,
        error_rows: e.error,
      });
    } else {
      expectError(res, status, { type: 'validation_error', ...(expected as { message: string }) });
    }
  });

  test('fixture details: accents, leading zeros, row numbers, ragged rows, duplicate VAT, header errors', async () => {
    const { auth } = await actor();
    const w1252 = await validate(auth, fixture('customers-windows1252.csv'));
    const names = w1252.body.data.rows
      .map(
        (r: { data: { company_name: string; city: string } }) =>
          `${r.data.company_name} ${r.data.city}`,
      )
      .join(' | ');
    expect(names).toMatch(/[éàüñ]/);
    expect(names).not.toContain('\uFFFD');

    const valid = await validate(auth, fixture('customers-valid.csv'));
    expect(valid.body.data.rows[0].data.vat_number).toBe('00123456789');
    expect(valid.body.data.rows[0].data.description).toBe('Edilizia, ristrutturazioni');

    const multiline = await validate(auth, fixture('customers-multiline.csv'));
    expect(multiline.body.data.rows.map((r: { row_number: number }) => r.row_number)).toEqual([
      2, 4, 5,
    ]);
    expect(multiline.body.data.rows[0].data.notes).toBe('Consegne il lunedì\nritiro il venerdì');

    const ragged = await validate(auth, fixture('customers-ragged.csv'));
    const raggedRows = ragged.body.data.rows;
    expect(raggedRows[1]).toMatchObject({
      row_number: 3,
      status: 'error',
      errors: [{ field: 'row', message: 'column_count_mismatch', values: ['10', '4'] }],
    });
    expect(raggedRows[2]).toMatchObject({
      row_number: 4,
      status: 'error',
      errors: [{ field: 'row', message: 'column_count_mismatch', values: ['10', '12'] }],
    });

    const dup = await validate(auth, fixture('customers-duplicate-vat.csv'));
    expect(dup.body.data.rows[2]).toMatchObject({
      row_number: 4,
      status: 'error',
      errors: [{ field: 'vat_number', message: 'duplicate_in_csv', values: ['it123', '2'] }],
    });

    const missing = await validate(auth, fixture('customers-missing-columns.csv'));
    expect(missing.body.data.errors).toEqual([
      { key: 'file', message: 'missing_columns', value: 'vat_number, city' },
    ]);
    expect(missing.body.message).toContain('expected: company_name, description, vat_number');
    const unknown = await validate(auth, fixture('customers-unknown-columns.csv'));
    expect(unknown.body.data.errors).toEqual([
      { key: 'file', message: 'unexpected_columns', value: 'website' },
    ]);

    const broken = await validate(auth, fixture('customers-broken-quotes.csv'));
    expect(broken.body.data.errors[0].value).toBe('line 3');
  });

  test('limits: too many rows → 400 too_many_rows; too large → 413; nothing kept', async () => {
    const small = await createTestApp({ IMPORT_MAX_ROWS: '5', IMPORT_MAX_FILE_BYTES: '4000' });
    try {
      const { business, auth } = await actor();
      expectError(await validate(auth, customersCsv(6), 'c.csv', small), 400, {
        key: 'file',
        message: 'too_many_rows',
      });
      expect((await validate(auth, customersCsv(5), 'c.csv', small)).status).toBe(200);
      const big = await validate(auth, `${customersCsv(5)}${'x'.repeat(5000)}\n`, 'c.csv', small);
      expectError(big, 413, { type: 'payload_too_large', key: 'file', message: 'file_too_large' });
      const [{ count }] = await small.app
        .get(DataSource)
        .query('SELECT count(*)::int AS count FROM import_sessions WHERE business_uid = $1', [
          business,
        ]);
      expect(count).toBe(1); // only the 5-row file's session
    } finally {
      await small.close();
    }
  });

  test('bad forms: no file, not multipart, another field name', async () => {
    const { auth } = await actor();
    expectError(
      await request(t.http).post('/customers/import/validate').set(auth).send({ file: 'x' }),
      400,
      { key: 'file', message: 'required' },
    );
    expectError(
      await request(t.http).post('/customers/import/validate').set(auth).field('note', 'x'),
      400,
      { key: 'file', message: 'required' },
    );
    expectError(
      await request(t.http)
        .post('/customers/import/validate')
        .set(auth)
        .attach('upload', Buffer.from(customersCsv(1)), 'c.csv'),
      400,
      { key: 'upload', message: 'unexpected_file' },
    );
  });

  test('confirm: unknown, other business, other user, expired, wrong entity type, bad body', async () => {
    const owner = await actor();
    const v = await validate(owner.auth, customersCsv(3));
    const importId = v.body.data.import_id;

    expectError(await confirm(owner.auth, { import_id: randomUUID() }), 400, {
      key: 'import_id',
      message: 'not_found_or_expired',
    });
    const stranger = await actor();
    expectError(await confirm(stranger.auth, { import_id: importId }), 400, {
      key: 'import_id',
      message: 'not_found_or_expired',
    });
    expectError(await request(t.http).get(`/customers/import/${importId}`).set(stranger.auth), 404);
    const colleague = await actor(owner.business, 'importer-2');
    expectError(await confirm(colleague.auth, { import_id: importId }), 403);

    expectError(await confirm(owner.auth, { import_id: 'nope' }), 400, {
      key: 'import_id',
      message: 'invalid_uuid',
    });
    expectError(await confirm(owner.auth, {}), 400, { key: 'import_id', message: 'required' });
    expectError(await confirm(owner.auth, { import_id: importId, override: 'yes' }), 400, {
      key: 'override',
      message: 'must_be_boolean',
    });
    expectError(await confirm(owner.auth, { import_id: importId, resolutions: [] }), 400, {
      key: 'resolutions',
    });
    expectError(
      await confirm(owner.auth, { import_id: importId, resolutions: { '2': 'x' } }),
      400,
      { key: 'resolutions.2.organization_id', message: 'required' },
    );

    // A clients session of the same user and business, confirmed on the customers endpoint.
    const sessions = t.app.get(ImportSessionRepository);
    const clients = ImportSession.start({
      id: randomUUID(),
      businessUid: owner.business,
      createdBy: 'importer-1',
      entityType: 'clients',
      channel: { kind: 'csv', format: 'csv' },
      now: new Date(),
      ttlSeconds: 600,
    });
    clients.markValidated(new Date(), 600);
    await sessions.insert(clients);
    expectError(await confirm(owner.auth, { import_id: clients.id }), 400, {
      key: 'import_id',
      message: 'entity_type_mismatch',
    });

    expect((await confirm(owner.auth, { import_id: importId })).body.data.created).toBe(3);
  });

  test('an expired session is not found (short TTL)', async () => {
    const shortLived = await createTestApp({ IMPORT_SESSION_TTL_SECONDS: '1' });
    try {
      const { business, auth } = await actor();
      const v = await validate(auth, customersCsv(2), 'c.csv', shortLived);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expectError(await confirm(auth, { import_id: v.body.data.import_id }, shortLived), 400, {
        key: 'import_id',
        message: 'not_found_or_expired',
      });
      expect(
        (await request(shortLived.http).get(`/customers/import/${v.body.data.import_id}`).set(auth))
          .body.data.status,
      ).toBe('expired');
      expect(await countCustomers(business, shortLived)).toBe(0);
    } finally {
      await shortLived.close();
    }
  });

  test('the job loop purges sessions past their retention, and only those (an undoable import: past its undo window too)', async () => {
    const { auth } = await actor();
    const confirmed = async (csv: string) => {
      const v = await validate(auth, csv);
      await confirm(auth, { import_id: v.body.data.import_id });
      return v.body.data.import_id as string;
    };
    // Ended 2 days ago: past the retention (1 day), within the undo window (7 days).
    const undoable = await confirmed(customersCsv(2, 'UNDO'));
    // Ended 8 days ago: past both.
    const old = await confirmed(customersCsv(2, 'OLD'));
    // Ended 2 days ago having written nothing (its one row is an error): nothing to undo.
    const nothing = await confirmed(`${CUSTOMER_HEADER}\nNo VAT,,,,,,,,,\n`);
    const fresh = (await validate(auth, customersCsv(2, 'NEW'))).body.data.import_id;
    const db = t.app.get(DataSource);
    const endedAgo = (id: string, days: number) =>
      db.query(
        `UPDATE import_sessions SET completed_at = now() - $2 * interval '1 day' WHERE id = $1`,
        [id, days],
      );
    await endedAgo(undoable, 2);
    await endedAgo(old, 8);
    await endedAgo(nothing, 2);
    await t.app.get(ImportJobs).purge();
    const ids = [undoable, old, nothing, fresh];
    const left = await db.query('SELECT id FROM import_sessions WHERE id = ANY($1::uuid[])', [ids]);
    expect(left.map((r: { id: string }) => r.id).sort()).toEqual([undoable, fresh].sort());
    for (const table of ['import_rows', 'import_outcomes', 'import_changes']) {
      const counts = await db.query(
        `SELECT session_id, count(*)::int AS count FROM ${table}
          WHERE session_id = ANY($1::uuid[]) GROUP BY session_id`,
        [[old, nothing]],
      );
      expect({ table, counts }).toEqual({ table, counts: [] });
    }
  });

  test('two confirms of one session at the same time: exactly one executes', async () => {
    const { business, auth } = await actor();
    const v = await validate(auth, customersCsv(3000));
    expect(v.status).toBe(200);
    const body = { import_id: v.body.data.import_id };
    const [a, b] = await Promise.all([confirm(auth, body), confirm(auth, body)]);
    const statuses = [a, b]
      .map((r) => `${r.status}${r.headers['idempotent-replayed'] ? ' replayed' : ''}`)
      .sort();
    expect([
      ['200', '200 replayed'],
      ['200', '409'],
    ]).toContainEqual(statuses);
    const loser = [a, b].find((r) => r.status === 409);
    if (loser) expectError(loser, 409, { type: 'conflict', message: 'import_in_progress' });
    const winner = [a, b].find((r) => r.status === 200 && !r.headers['idempotent-replayed'])!;
    expect(winner.body.data).toMatchObject({ created: 3000, skipped: 0, failed: 0 });
    expect(winner.body.data.results).toHaveLength(3000);
    expect(await countCustomers(business)).toBe(3000);
    const [{ distinct }] = await t.app
      .get(DataSource)
      .query(
        'SELECT count(DISTINCT vat_number)::int AS distinct FROM customers WHERE business_uid = $1',
        [business],
      );
    expect(distinct).toBe(3000);
  });
});
