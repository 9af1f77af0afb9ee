import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { expectError } from './support/envelope.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const HEADER = 'first_name,last_name,email,phone,address,company_name,notes';
const ROWS = [
  'Anna,Neri,anna@example.com,,Via Po 1,Alpha Srl,', // 2 valid, organisation Alpha
  'New,Name,Existing@Example.com,347 123 4567,,,', // 3 warning already_exists
  'Bob,,bob@example.com,,,Gamma,', // 4 ambiguous
  'Dora,,existing2@example.com,,,gamma,', // 5 ambiguous + warning
  'Eve,,eve@example.com,,,Nope Spa,', // 6 error: company not found
  'Finn,,not-an-email,,,,', // 7 error: invalid email (and no phone)
  'Gina,,gina@example.com,12,,,', // 8 error: invalid phone
  'Anna,Second,ANNA@example.com,,,,', // 9 duplicate of row 2
  'Carl,,carl@example.com,,,Gamma,', // 10 ambiguous, never resolved
];
const CSV = `${HEADER}\n${ROWS.join('\n')}\n`;

describe('clients import (SPEC §5.1): every status × override × resolution', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_PHONE_REGION: 'IT' });
  });
  afterAll(() => t.close());

  /** A business with customers Alpha Srl, Gamma ×2 and two existing clients. */
  async function business() {
    const uid = uniqueBusiness();
    const auth = { Authorization: `Bearer ${await tokenFor({ business: uid })}` };
    const customer = async (name: string, vat: string) =>
      (
        await request(t.http)
          .post('/customers')
          .set(auth)
          .send({ company_name: name, vat_number: vat })
      ).body.data.id as string;
    const alpha = await customer('Alpha Srl', 'A1');
    const gamma1 = await customer('Gamma', 'G1');
    const gamma2 = await customer('GAMMA', 'G2');
    const client = async (body: object) =>
      (await request(t.http).post('/business/clients/v1/clients').set(auth).send(body)).body.data;
    const existing = await client({
      first_name: 'Old',
      email: 'existing@example.com',
      phone: '+39 347 000 0001',
    });
    const existing2 = await client({
      first_name: 'Dora',
      email: 'existing2@example.com',
      organization_id: alpha,
    });
    return { uid, auth, alpha, gamma1, gamma2, existing, existing2 };
  }

  const validate = (
    auth: Record<string, string>,
    csv: string,
    fields: Record<string, string> = {},
  ) => {
    const r = request(t.http).post('/business/clients/v1/import/validate').set(auth);
    for (const [k, v] of Object.entries(fields)) r.field(k, v);
    return r.attach('file', Buffer.from(csv), 'clients.csv');
  };
  const confirm = (auth: Record<string, string>, body: object) =>
    request(t.http).post('/business/clients/v1/import/confirm').set(auth).send(body);
  type Row = { row_number: number; id?: string; status: string };
  const byRow = (rows: Row[]) => new Map(rows.map((r) => [r.row_number, r]));

  test('validate: statuses, candidates, existing id and diff, duplicates (single)', async () => {
    const b = await business();
    const res = await validate(b.auth, CSV);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      message: 'clients import validated',
      data: { total_rows: 9, valid_rows: 1, warning_rows: 1, ambiguous_rows: 3, error_rows: 4 },
    });
    const rows = byRow(res.body.data.rows);
    expect(rows.get(2)).toMatchObject({ status: 'valid' });
    expect(rows.get(3)).toEqual({
      row_number: 3,
      status: 'warning',
      data: expect.objectContaining({ email: 'Existing@Example.com' }),
      warnings: [{ field: 'email', message: 'already_exists', values: ['Existing@Example.com'] }],
      existing_id: b.existing.id,
      diff: {
        first_name: { from: 'Old', to: 'New' },
        last_name: { from: null, to: 'Name' },
        phone: { from: '+393470000001', to: '+393471234567' },
      },
    });
    const candidates = [
      { logto_id: b.gamma1, name: 'Gamma', type: 'customer' },
      { logto_id: b.gamma2, name: 'GAMMA', type: 'customer' },
    ];
    expect(rows.get(4)).toMatchObject({
      status: 'ambiguous',
      errors: [
        {
          field: 'company_name',
          message: 'ambiguous',
          values: ['Gamma'],
          candidates: expect.arrayContaining(candidates),
        },
      ],
    });
    expect(rows.get(4)).not.toHaveProperty('warnings');
    expect(rows.get(5)).toMatchObject({
      status: 'ambiguous',
      warnings: [{ message: 'already_exists' }],
      existing_id: b.existing2.id,
    });
    expect(rows.get(6)).toMatchObject({
      status: 'error',
      errors: [{ field: 'company_name', message: 'not_found', values: ['Nope Spa'] }],
    });
    expect(rows.get(7)).toMatchObject({
      status: 'error',
      errors: [{ field: 'email', message: 'invalid_email', values: ['not-an-email'] }],
    });
    expect(rows.get(8)).toMatchObject({
      status: 'error',
      errors: [{ field: 'phone', message: 'invalid_phone', values: ['12'] }],
    });
    expect(rows.get(9)).toMatchObject({
      status: 'error',
      errors: [{ field: 'email', message: 'duplicate_in_csv', values: ['ANNA@example.com', '2'] }],
    });
    const [{ count }] = await t.app
      .get(DataSource)
      .query('SELECT count(*)::int AS count FROM clients WHERE business_uid = $1', [b.uid]);
    expect(count).toBe(2); // validate wrote nothing
  });

  test('confirm without override, with resolutions: create, resolve, skip with reasons', async () => {
    const b = await business();
    const v = await validate(b.auth, CSV);
    const res = await confirm(b.auth, {
      import_id: v.body.data.import_id,
      resolutions: { '4': { organization_id: b.gamma1 }, '5': { organization_id: b.gamma2 } },
    });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('clients imported successfully');
    expect(res.body.data).toMatchObject({ created: 2, updated: 0, skipped: 7, failed: 0 });
    expect(
      res.body.data.results.map((r: { status: string; reason?: string }) => r.reason ?? r.status),
    ).toEqual([
      'created',
      'warning_not_overridden',
      'created',
      'warning_not_overridden',
      'error',
      'error',
      'error',
      'error',
      'ambiguous_unresolved',
    ]);
    const results = byRow(res.body.data.results);
    const anna = await request(t.http)
      .get(`/business/clients/v1/clients/${results.get(2)!.id}`)
      .set(b.auth);
    expect(anna.body.data).toMatchObject({
      email: 'anna@example.com',
      organization_id: b.alpha,
      source: 'csv_import',
    });
    const bob = await request(t.http)
      .get(`/business/clients/v1/clients/${results.get(4)!.id}`)
      .set(b.auth);
    expect(bob.body.data.organization_id).toBe(b.gamma1);
    const old = await request(t.http)
      .get(`/business/clients/v1/clients/${b.existing.id}`)
      .set(b.auth);
    expect(old.body.data.first_name).toBe('Old');
  });

  test('confirm with override: warnings update the existing clients, resolved ambiguous+warning updates with the organisation', async () => {
    const b = await business();
    const v = await validate(b.auth, CSV);
    const res = await confirm(b.auth, {
      import_id: v.body.data.import_id,
      override: true,
      resolutions: { '4': { organization_id: b.gamma2 }, '5': { organization_id: b.gamma2 } },
    });
    expect(res.body.data).toMatchObject({ created: 2, updated: 2, skipped: 5, failed: 0 });
    const results = byRow(res.body.data.results);
    expect(results.get(3)).toEqual({ row_number: 3, status: 'updated', id: b.existing.id });
    expect(results.get(5)).toEqual({ row_number: 5, status: 'updated', id: b.existing2.id });
    expect(results.get(10)).toEqual({
      row_number: 10,
      status: 'skipped',
      reason: 'ambiguous_unresolved',
    });
    const updated = await request(t.http)
      .get(`/business/clients/v1/clients/${b.existing.id}`)
      .set(b.auth);
    expect(updated.body.data).toMatchObject({
      first_name: 'New',
      last_name: 'Name',
      phone: '+393471234567',
      email: 'existing@example.com',
    });
    const dora = await request(t.http)
      .get(`/business/clients/v1/clients/${b.existing2.id}`)
      .set(b.auth);
    expect(dora.body.data.organization_id).toBe(b.gamma2);
  });

  test('upload_type multi: a repeated e-mail is a warning that updates the client created by the earlier row', async () => {
    const b = await business();
    const v = await validate(b.auth, CSV, { upload_type: 'multi' });
    const rows = byRow(v.body.data.rows);
    expect(rows.get(9)).toMatchObject({
      status: 'warning',
      warnings: [
        { field: 'email', message: 'duplicate_in_csv', values: ['ANNA@example.com', '2'] },
      ],
    });
    const res = await confirm(b.auth, { import_id: v.body.data.import_id, override: true });
    const results = byRow(res.body.data.results);
    expect(results.get(9)).toEqual({ row_number: 9, status: 'updated', id: results.get(2)!.id });
    const anna = await request(t.http)
      .get(`/business/clients/v1/clients/${results.get(2)!.id}`)
      .set(b.auth);
    expect(anna.body.data).toMatchObject({ last_name: 'Second', address: 'Via Po 1' });

    const noOverride = await validate(
      b.auth,
      `${HEADER}\nZed,,zed@example.com,,,,\nZed,Two,zed@example.com,,,,\n`,
      { upload_type: 'multi' },
    );
    const skipped = await confirm(b.auth, { import_id: noOverride.body.data.import_id });
    expect(skipped.body.data.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'skipped',
    ]);
  });

  test('upload_type multi across batches: repeats update the clients earlier batches created', async () => {
    // 6,000 rows, three batches of confirm (2,500 each): the last 1,000 repeat the e-mails of
    // rows 2,402–3,401, which the first and the second batch create; batches overlap, so the
    // third one must wait for the second one's outcomes.
    const b = await business();
    const lines = Array.from({ length: 6000 }, (_, i) => {
      const n = i + 1;
      return n <= 5000
        ? `P${n},First,p${n}@example.com,,,,`
        : `P${n},Repeat,p${n - 2600}@example.com,,,,`;
    });
    const v = await validate(b.auth, `${HEADER}\n${lines.join('\n')}\n`, { upload_type: 'multi' });
    expect(v.body.data).toMatchObject({ total_rows: 6000, valid_rows: 5000, warning_rows: 1000 });
    const res = await confirm(b.auth, { import_id: v.body.data.import_id, override: true });
    expect(res.status).toBe(200);
    const results: Row[] = res.body.data.results;
    expect(results.map((r) => r.row_number)).toEqual(lines.map((_, i) => i + 2));
    const rows = byRow(results);
    for (let n = 5001; n <= 6000; n++) {
      expect(rows.get(n + 1)).toEqual({
        row_number: n + 1,
        status: 'updated',
        id: rows.get(n - 2600 + 1)!.id,
      });
    }
    expect(res.body.data).toMatchObject({ created: 5000, updated: 1000, skipped: 0, failed: 0 });
    const repeated = await request(t.http)
      .get(`/business/clients/v1/clients/${rows.get(2402)!.id}`)
      .set(b.auth);
    expect(repeated.body.data).toMatchObject({ first_name: 'P5001', last_name: 'Repeat' });
  });

  test('an existing e-mail and an in-file repeat are found whatever the case of non-ASCII letters', async () => {
    const { auth } = await business();
    const existing = await request(t.http)
      .post('/business/clients/v1/clients')
      .set(auth)
      .send({ first_name: 'Zoë', email: 'zoë.élodie@example.com' });
    const csv = `${HEADER}\nZ,,ZOË.ÉLODIE@EXAMPLE.COM,,,,\nÅsa,,åsa@example.com,,,,\nA,,ÅSA@EXAMPLE.COM,,,,\n`;
    const res = await validate(auth, csv);
    expect(res.status).toBe(200);
    const rows = res.body.data.rows as Array<{
      row_number: number;
      status: string;
      existing_id?: string;
      errors: Array<{ message: string }>;
      warnings: Array<{ message: string }>;
    }>;
    expect(rows.map((r) => [r.row_number, r.status])).toEqual([
      [2, 'warning'],
      [3, 'valid'],
      [4, 'error'],
    ]);
    expect(rows[0]).toMatchObject({
      existing_id: existing.body.data.id,
      warnings: [{ message: 'already_exists' }],
    });
    expect(rows[2].errors).toEqual([expect.objectContaining({ message: 'duplicate_in_csv' })]);
  });

  test('resolution errors: one 400 listing every bad key; nothing executed', async () => {
    const b = await business();
    const v = await validate(b.auth, CSV);
    const res = await confirm(b.auth, {
      import_id: v.body.data.import_id,
      resolutions: {
        '2': { organization_id: b.alpha },
        '4': { organization_id: b.alpha },
        '99': { organization_id: b.gamma1 },
      },
    });
    const errors = expectError(res, 400, { type: 'validation_error' });
    expect(errors.map((e) => [e.key, e.message])).toEqual(
      expect.arrayContaining([
        ['resolutions.2.organization_id', 'row_not_ambiguous'],
        ['resolutions.4.organization_id', 'not_a_candidate'],
        ['resolutions.99.organization_id', 'row_not_found'],
      ]),
    );
    const [{ count }] = await t.app
      .get(DataSource)
      .query('SELECT count(*)::int AS count FROM clients WHERE business_uid = $1', [b.uid]);
    expect(count).toBe(2);
    const ok = await confirm(b.auth, {
      import_id: v.body.data.import_id,
      resolutions: { '4': { organization_id: b.gamma1 } },
    });
    expect(ok.status).toBe(200);
  });

  test('an e-mail taken between validate and confirm: that row fails, the others go on', async () => {
    const b = await business();
    const v = await validate(
      b.auth,
      `${HEADER}\nAda,,ada@example.com,,,,\nIan,,ian@example.com,,,,\nUma,,uma@example.com,,,,\n`,
    );
    await request(t.http)
      .post('/business/clients/v1/clients')
      .set(b.auth)
      .send({ first_name: 'Ian', email: 'IAN@example.com' })
      .expect(201);
    const res = await confirm(b.auth, { import_id: v.body.data.import_id });
    expect(res.body.data).toMatchObject({ created: 2, failed: 1 });
    expect(res.body.data.results[1]).toEqual({
      row_number: 3,
      status: 'failed',
      error: 'email already used by another client',
    });
  });

  test('fields_mapping and upload_type on validate', async () => {
    const b = await business();
    const mapped = `First Name,E-mail,Mobile,Ignored\nLia,lia@example.com,+39 347 555 1234,x\n`;
    const ok = await validate(b.auth, mapped, {
      fields_mapping: JSON.stringify({
        first_name: 'First Name',
        email: 'E-mail',
        phone: 'Mobile',
      }),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data.rows[0]).toMatchObject({
      status: 'valid',
      data: { first_name: 'Lia', email: 'lia@example.com', phone: '+39 347 555 1234' },
    });

    expectError(await validate(b.auth, mapped, { fields_mapping: '{bad' }), 400, {
      key: 'fields_mapping',
      message: 'malformed_json',
    });
    expectError(
      await validate(b.auth, mapped, {
        fields_mapping: '{"nickname":"First Name","email":"E-mail"}',
      }),
      400,
      {
        key: 'fields_mapping.nickname',
        message: 'unknown_field',
      },
    );
    expectError(
      await validate(b.auth, mapped, { fields_mapping: '{"first_name":"First Name"}' }),
      400,
      {
        key: 'fields_mapping',
        message: 'email_or_phone_required',
      },
    );
    expectError(
      await validate(b.auth, mapped, { fields_mapping: '{"__proto__":{"x":1},"email":"E-mail"}' }),
      400,
      {
        key: 'fields_mapping.__proto__',
        message: 'unknown_field',
      },
    );
    expectError(
      await validate(b.auth, mapped, { fields_mapping: '{"email":"Missing Column"}' }),
      400,
      { key: 'file', message: 'missing_columns' },
    );
    expectError(await validate(b.auth, CSV, { upload_type: 'bulk' }), 400, {
      key: 'upload_type',
      message: 'invalid_value',
    });
    expectError(await validate(b.auth, CSV, { extra: '1' }), 400, {
      key: 'extra',
      message: 'unknown_property',
    });
  });

  test('imports list and status; another business sees nothing', async () => {
    const b = await business();
    const v = await validate(b.auth, CSV);
    await confirm(b.auth, { import_id: v.body.data.import_id });
    const list = await request(t.http).get('/business/clients/v1/imports').set(b.auth);
    expect(list.body.data).toMatchObject({
      total: 1,
      items: [
        { import_id: v.body.data.import_id, status: 'completed', channel: 'csv', total_rows: 9 },
      ],
    });
    const status = await request(t.http)
      .get(`/business/clients/v1/imports/${v.body.data.import_id}`)
      .set(b.auth);
    expect(status.body.data).toMatchObject({
      status: 'completed',
      rows_processed: 9,
      rows_collected: 9,
      total_rows: 9,
    });
    expect(status.body.data.results).toHaveLength(9);
    const errors = await request(t.http)
      .get(`/business/clients/v1/imports/${v.body.data.import_id}/errors.csv`)
      .set(b.auth);
    expect(errors.text.trim().split(/\r?\n/)).toHaveLength(1 + 8);

    const other = { Authorization: `Bearer ${await tokenFor({ business: uniqueBusiness() })}` };
    expect(
      (await request(t.http).get('/business/clients/v1/imports').set(other)).body.data.total,
    ).toBe(0);
    expectError(
      await request(t.http).get(`/business/clients/v1/imports/${v.body.data.import_id}`).set(other),
      404,
    );
    expectError(await confirm(other, { import_id: v.body.data.import_id }), 400, {
      key: 'import_id',
      message: 'not_found_or_expired',
    });
    // A clients session on the customers endpoint is a mismatch.
    expectError(
      await request(t.http)
        .post('/customers/import/confirm')
        .set(b.auth)
        .send({ import_id: v.body.data.import_id }),
      400,
      {
        key: 'import_id',
        message: 'entity_type_mismatch',
      },
    );
  });
});
