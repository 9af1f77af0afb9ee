/**
 * Excel workbooks through the import endpoints (SPEC §8 "Excel"): real files — written here with
 * exceljs, and the LibreOffice-saved fixtures of test/fixtures/xlsx — uploaded over HTTP to both
 * validate endpoints, synchronously and as a job, then confirmed; the template as a workbook.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import ExcelJS from 'exceljs';
import request, { type Response } from 'supertest';
import { DataSource } from 'typeorm';
import {
  deflateRepeated,
  inline,
  row,
  workbook,
  worksheetXml,
} from '../src/import/xlsx/xlsx.spec-helper.js';
import { CLIENT_IMPORT_COLUMNS } from '../src/modules/clients/domain/client.js';
import { CUSTOMER_HEADER } from './support/csv.js';
import { expectError } from './support/envelope.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/xlsx/${name}`, import.meta.url));

const CUSTOMERS = '/customers/import';
const CLIENTS = '/business/clients/v1/import';
const CLIENT_COLUMNS: string[] = [...CLIENT_IMPORT_COLUMNS];
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

type Cell = ExcelJS.CellValue;

/** A workbook written by exceljs: sheets in order, each a list of rows (row 1 first). */
async function xlsx(sheets: Record<string, Cell[][]>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = book.addWorksheet(name);
    for (const cells of rows) sheet.addRow(cells);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A response body collected as bytes (a download). */
const binary = (res: Response, done: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

const DAY = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

describe('Excel import (SPEC §8)', () => {
  let t: TestApp;
  /** Small limits: 20 rows, 256 KiB uploads (so a workbook may expand to 2.5 MiB). */
  let small: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    small = await createTestApp({ IMPORT_MAX_ROWS: '20', IMPORT_MAX_FILE_BYTES: '262144' });
  });
  afterAll(async () => {
    await small?.close();
    await t?.close();
  });

  async function actor() {
    const business = uniqueBusiness();
    const token = await tokenFor({ business, sub: 'excel-user' });
    return { business, auth: { Authorization: `Bearer ${token}` } };
  }
  const db = () => t.app.get(DataSource);

  function validate(
    auth: Record<string, string>,
    base: string,
    file: Buffer,
    options: {
      name?: string;
      contentType?: string;
      fields?: Record<string, string>;
      async?: boolean;
      app?: TestApp;
    } = {},
  ) {
    const r = request((options.app ?? t).http)
      .post(`${base}/validate`)
      .set(auth);
    if (options.async) r.set('Prefer', 'respond-async');
    for (const [k, v] of Object.entries(options.fields ?? {})) r.field(k, v);
    return r.attach('file', file, {
      filename: options.name ?? 'import.xlsx',
      contentType: options.contentType ?? XLSX_TYPE,
    });
  }
  const confirm = (auth: Record<string, string>, base: string, importId: string) =>
    request(t.http).post(`${base}/confirm`).set(auth).send({ import_id: importId });

  /** The channel the session recorded. */
  async function channelOf(importId: string): Promise<Record<string, unknown>> {
    const [found] = await db().query('SELECT options FROM import_sessions WHERE id = $1', [
      importId,
    ]);
    const options = typeof found.options === 'string' ? JSON.parse(found.options) : found.options;
    return options.channel;
  }

  const sessionsOf = async (business: string): Promise<number> =>
    (
      await db().query('SELECT count(*)::int AS n FROM import_sessions WHERE business_uid = $1', [
        business,
      ])
    )[0].n;

  const rowsOf = (res: Response) =>
    (res.body.data.rows as Array<{ row_number: number; status: string }>).map((r) => [
      r.row_number,
      r.status,
    ]);

  describe('workbooks saved by LibreOffice', () => {
    test('customers-types.xlsx: every cell as a person sees it; row numbers are the sheet rows; confirmed as typed', async () => {
      const { business, auth } = await actor();
      const validated = await validate(auth, CUSTOMERS, fixture('customers-types.xlsx'));
      expect(validated.status).toBe(200);
      expect(validated.body.data).toMatchObject({
        total_rows: 4,
        valid_rows: 4,
        error_rows: 0,
      });
      // Row 3 is empty in the sheet: skipped, and the numbers are the sheet's.
      expect(rowsOf(validated)).toEqual([
        [2, 'valid'],
        [4, 'valid'],
        [5, 'valid'],
        [6, 'valid'],
      ]);
      const data = validated.body.data.rows.map((r: { data: Record<string, string> }) => r.data);
      expect(data[0]).toMatchObject({
        company_name: 'Rossi Costruzioni S.r.l.', // rich text, as plain text
        description: '42', // the formula 6*7: its cached result, no ".0"
        vat_number: '00123456789', // text: the leading zeros stay
        notes: '2024-03-05', // a date: an ISO date
      });
      expect(data[1]).toMatchObject({
        description: '1234.5', // a decimal
        vat_number: '1234567890123', // a 13-digit number: no exponent, no ".0"
        notes: '2024-03-05T14:30:00', // a date-time
      });
      expect(data[2]).toMatchObject({ notes: '2024-03-06' }); // the formula DATE(…)+1
      expect(data[3]).toMatchObject({
        vat_number: '00987654321', // a number shown with format 00000000000, as shown
        notes: 'Pagamento a 60 giorni', // padded text, trimmed
      });
      expect(await channelOf(validated.body.data.import_id)).toEqual({
        kind: 'csv',
        format: 'xlsx',
      });

      const confirmed = await confirm(auth, CUSTOMERS, validated.body.data.import_id);
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.data).toMatchObject({ created: 4, skipped: 0, failed: 0 });
      const stored = await db().query(
        `SELECT company_name, description, vat_number, notes FROM customers
         WHERE business_uid = $1 ORDER BY vat_number`,
        [business],
      );
      expect(stored).toEqual([
        {
          company_name: 'Rossi Costruzioni S.r.l.',
          description: '42',
          vat_number: '00123456789',
          notes: '2024-03-05',
        },
        {
          company_name: 'Verdi Logistica S.r.l.',
          description: '0.1',
          vat_number: '00987654321',
          notes: 'Pagamento a 60 giorni',
        },
        {
          company_name: 'Bianchi & Figli S.p.A.',
          description: '1234.5',
          vat_number: '1234567890123',
          notes: '2024-03-05T14:30:00',
        },
        {
          company_name: 'Green Leaf Ltd',
          description: '42',
          vat_number: 'GB123456789',
          notes: '2024-03-06',
        },
      ]);
    });

    test('customers-two-sheets.xlsx: the sheet named in the form field, header on row 3; the first sheet by default', async () => {
      const { auth } = await actor();
      const file = fixture('customers-two-sheets.xlsx');
      const named = await validate(auth, CUSTOMERS, file, { fields: { sheet: 'Customers' } });
      expect(named.status).toBe(200);
      expect(rowsOf(named)).toEqual([
        [4, 'valid'],
        [5, 'valid'],
        [7, 'valid'],
      ]);
      expect(await channelOf(named.body.data.import_id)).toEqual({
        kind: 'csv',
        format: 'xlsx',
        sheet: 'Customers',
      });
      // Without the field: the first sheet, whose one line of text is no header of ours.
      const first = await validate(auth, CUSTOMERS, file);
      expectError(first, 400, { key: 'file', message: 'missing_columns' });
      // An empty field is no choice either (Swagger UI sends it so).
      const empty = await validate(auth, CUSTOMERS, file, { fields: { sheet: '  ' } });
      expectError(empty, 400, { key: 'file', message: 'missing_columns' });
    });

    test('an unknown sheet name: 400 sheet_not_found listing the worksheets', async () => {
      const { auth } = await actor();
      const res = await validate(auth, CUSTOMERS, fixture('customers-two-sheets.xlsx'), {
        fields: { sheet: 'Clients' },
      });
      expect(expectError(res, 400, { type: 'validation_error' })).toEqual([
        { key: 'sheet', message: 'sheet_not_found', value: 'Clients' },
      ]);
      expect(res.body.message).toBe(
        'the workbook has no worksheet named "Clients"; its worksheets are: "Instructions", "Customers"',
      );
    });

    test.each([
      ['customers-types.xls', 'xls', /legacy Excel 97-2003 workbook \(\.xls\)/],
      ['customers-types.ods', 'ods', /OpenDocument spreadsheet \(\.ods\)/],
      ['customers-password.xlsx', 'encrypted', /password-protected/],
    ])(
      '%s: 415 unsupported_file_type (%s), sync and async, nothing kept',
      async (name, kind, message) => {
        const { business, auth } = await actor();
        for (const base of [CUSTOMERS, CLIENTS]) {
          for (const async of [false, true]) {
            const res = await validate(auth, base, fixture(name), { name, async });
            expect(expectError(res, 415, { type: 'unsupported_media_type' })).toEqual([
              { key: 'file', message: 'unsupported_file_type', value: kind },
            ]);
            expect(res.body.message).toMatch(message);
          }
        }
        expect(await sessionsOf(business)).toBe(0);
      },
    );

    test('a damaged workbook (customers-truncated.xlsx): 400 invalid_xlsx', async () => {
      const { auth } = await actor();
      const res = await validate(auth, CUSTOMERS, fixture('customers-truncated.xlsx'));
      expect(expectError(res, 400, { type: 'validation_error' })[0]).toMatchObject({
        key: 'file',
        message: 'invalid_xlsx',
      });
      expect(res.body.message).toMatch(/^invalid Excel workbook: /);
    });
  });

  describe('workbooks written by exceljs', () => {
    test('clients: validate → confirm end to end; text, numbers, dates, formulas and rich text as a person sees them', async () => {
      const { business, auth } = await actor();
      const file = await xlsx({
        Clients: [
          CLIENT_COLUMNS,
          [
            { richText: [{ text: 'Ma' }, { text: 'rio', font: { bold: true } }] },
            { formula: 'UPPER("rossi")', result: 'ROSSI' },
            'mario.rossi@example.com',
            3331234567, // a mobile number typed as a number, without country code
            '00123', // text: leading zeros stay
            null,
            DAY(2024, 3, 5),
          ],
          [], // an empty row: skipped
          ['Laura', 'Bianchi', 'laura.bianchi@example.com', '+39 02 7654321', 42, null, 1234.5],
          [
            'Anna',
            'Verdi',
            'anna.verdi@example.com',
            null,
            123456789012345,
            null,
            { formula: '6*7', result: 42 },
          ],
          ['Broken', 'Row', 'not-an-email', null, null, null, true],
        ],
      });
      const validated = await validate(auth, CLIENTS, file, { name: 'clients.xlsx' });
      expect(validated.status).toBe(200);
      expect(validated.body.data).toMatchObject({
        total_rows: 4,
        valid_rows: 3,
        error_rows: 1,
      });
      expect(rowsOf(validated)).toEqual([
        [2, 'valid'],
        [4, 'valid'],
        [5, 'valid'],
        [6, 'error'],
      ]);
      const [mario, laura, anna, broken] = validated.body.data.rows;
      expect(mario.data).toEqual({
        first_name: 'Mario',
        last_name: 'ROSSI',
        email: 'mario.rossi@example.com',
        phone: '3331234567',
        address: '00123',
        company_name: '',
        notes: '2024-03-05',
      });
      expect(laura.data).toMatchObject({ address: '42', notes: '1234.5' });
      expect(anna.data).toMatchObject({ address: '123456789012345', notes: '42' });
      expect(broken).toMatchObject({
        data: { notes: 'TRUE' },
        errors: [{ field: 'email', message: 'invalid_email' }],
      });

      const confirmed = await confirm(auth, CLIENTS, validated.body.data.import_id);
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.data).toMatchObject({
        created: 3,
        skipped: 1,
        failed: 0,
        results: [
          { row_number: 2, status: 'created' },
          { row_number: 4, status: 'created' },
          { row_number: 5, status: 'created' },
          { row_number: 6, status: 'skipped', reason: 'error' },
        ],
      });
      const stored = await db().query(
        `SELECT first_name, last_name, email, phone, address, notes, source FROM clients
         WHERE business_uid = $1 ORDER BY email`,
        [business],
      );
      expect(stored).toEqual([
        {
          first_name: 'Anna',
          last_name: 'Verdi',
          email: 'anna.verdi@example.com',
          phone: null,
          address: '123456789012345',
          notes: '42',
          source: 'csv_import',
        },
        {
          first_name: 'Laura',
          last_name: 'Bianchi',
          email: 'laura.bianchi@example.com',
          phone: '+39027654321',
          address: '42',
          notes: '1234.5',
          source: 'csv_import',
        },
        {
          first_name: 'Mario',
          last_name: 'ROSSI',
          email: 'mario.rossi@example.com',
          phone: '+393331234567',
          address: '00123',
          notes: '2024-03-05',
          source: 'csv_import',
        },
      ]);
    });

    test('a second sheet by name; an unknown one is a 400 naming both', async () => {
      const { auth } = await actor();
      const file = await xlsx({
        Instructions: [['Fill in the sheet "Clients"']],
        Clients: [CLIENT_COLUMNS, ['Paola', 'Neri', 'paola@example.com']],
      });
      const named = await validate(auth, CLIENTS, file, { fields: { sheet: 'Clients' } });
      expect(named.status).toBe(200);
      expect(named.body.data).toMatchObject({ total_rows: 1, valid_rows: 1 });
      expect(named.body.data.rows[0]).toMatchObject({
        row_number: 2,
        data: { first_name: 'Paola', email: 'paola@example.com' },
      });
      const unknown = await validate(auth, CLIENTS, file, { fields: { sheet: 'Customers' } });
      expectError(unknown, 400, { key: 'sheet', message: 'sheet_not_found' });
      expect(unknown.body.message).toContain('"Instructions", "Clients"');
    });

    test('fields_mapping and upload_type work for a workbook as for a CSV', async () => {
      const { auth } = await actor();
      const file = await xlsx({
        Export: [
          ['Nome', 'E-mail', 'Cellulare', 'Note interne'],
          ['Giulia', 'giulia@example.com', 3401234567, 'x'],
          ['Giulia bis', 'GIULIA@example.com', null, 'y'],
        ],
      });
      const mapping = JSON.stringify({ first_name: 'Nome', email: 'E-mail', phone: 'Cellulare' });
      const single = await validate(auth, CLIENTS, file, { fields: { fields_mapping: mapping } });
      expect(single.status).toBe(200);
      expect(single.body.data.rows).toMatchObject([
        {
          row_number: 2,
          status: 'valid',
          data: { first_name: 'Giulia', email: 'giulia@example.com', phone: '3401234567' },
        },
        {
          row_number: 3,
          status: 'error',
          errors: [{ field: 'email', message: 'duplicate_in_csv' }],
        },
      ]);
      const multi = await validate(auth, CLIENTS, file, {
        fields: { fields_mapping: mapping, upload_type: 'multi', sheet: 'Export' },
      });
      expect(rowsOf(multi)).toEqual([
        [2, 'valid'],
        [3, 'warning'],
      ]);
      // A label the sheet lacks is named, as for a CSV.
      const missing = await validate(auth, CLIENTS, file, {
        fields: { fields_mapping: JSON.stringify({ first_name: 'Name', email: 'E-mail' }) },
      });
      expectError(missing, 400, { key: 'file', message: 'missing_columns' });
    });

    test('a workbook uploaded under a .csv name as text/csv is still read as a workbook; a CSV under an .xlsx name as a CSV', async () => {
      const { auth } = await actor();
      const file = await xlsx({
        Sheet1: [CUSTOMER_HEADER.split(','), ['Named Co', null, '00011122233']],
      });
      const asCsv = await validate(auth, CUSTOMERS, file, {
        name: 'customers.csv',
        contentType: 'text/csv',
      });
      expect(asCsv.status).toBe(200);
      expect(asCsv.body.data.rows[0]).toMatchObject({
        row_number: 2,
        status: 'valid',
        data: { company_name: 'Named Co', vat_number: '00011122233' },
      });
      expect(await channelOf(asCsv.body.data.import_id)).toEqual({ kind: 'csv', format: 'xlsx' });

      const csv = Buffer.from(`${CUSTOMER_HEADER}\nText Co,,00044455566,,,,,,,\n`);
      const asXlsx = await validate(auth, CUSTOMERS, csv, { name: 'customers.xlsx' });
      expect(asXlsx.status).toBe(200);
      expect(asXlsx.body.data).toMatchObject({ total_rows: 1, valid_rows: 1 });
      // A sheet named for a CSV is ignored, and not recorded.
      const withSheet = await validate(auth, CUSTOMERS, csv, { fields: { sheet: 'Customers' } });
      expect(withSheet.status).toBe(200);
      expect(await channelOf(withSheet.body.data.import_id)).toEqual({
        kind: 'csv',
        format: 'csv',
      });
    });

    test('the form: customers take `sheet` and nothing else; a sheet name is bounded', async () => {
      const { auth } = await actor();
      const file = await xlsx({ Sheet1: [CUSTOMER_HEADER.split(','), ['Co', null, 'V1']] });
      expectError(
        await validate(auth, CUSTOMERS, file, { fields: { upload_type: 'multi' } }),
        400,
        {
          key: 'upload_type',
          message: 'unknown_property',
        },
      );
      expectError(await validate(auth, CLIENTS, file, { fields: { note: 'x' } }), 400, {
        key: 'note',
        message: 'unknown_property',
      });
      expectError(
        await validate(auth, CUSTOMERS, file, { fields: { sheet: 'S'.repeat(300) } }),
        400,
        { key: 'sheet', message: 'too_long' },
      );
    });
  });

  describe('limits', () => {
    test('more rows than IMPORT_MAX_ROWS: 400 too_many_rows', async () => {
      const { auth } = await actor();
      const rows: Cell[][] = [CUSTOMER_HEADER.split(',')];
      for (let i = 0; i < 21; i++) rows.push([`Co ${i}`, null, `VAT${i}`]);
      const res = await validate(auth, CUSTOMERS, await xlsx({ Sheet1: rows }), { app: small });
      expectError(res, 400, { key: 'file', message: 'too_many_rows' });
      // Exactly the limit passes.
      const ok = await validate(auth, CUSTOMERS, await xlsx({ Sheet1: rows.slice(0, 21) }), {
        app: small,
      });
      expect(ok.status).toBe(200);
      expect(ok.body.data.total_rows).toBe(20);
    });

    test('a zip bomb: 413 uncompressed_too_large at once, nothing inflated, the server still answering', async () => {
      const { business, auth } = await actor();
      // 50 MB of rows deflated to ~160 KB: within the 256 KiB upload limit, 20 times beyond 10 × it.
      const bomb = await deflateRepeated(
        worksheetXml('').replace('</sheetData></worksheet>', row(1, inline('A1', 'company_name'))),
        '<row><c t="inlineStr"><is><t>x</t></is></c></row>'.repeat(1000),
        1100,
        '</sheetData></worksheet>',
      );
      const file = workbook({ sheets: [{ name: 'Sheet1', xml: '', compressed: bomb }] });
      expect(file.length).toBeLessThan(262144);
      for (const async of [false, true]) {
        const started = Date.now();
        const res = await validate(auth, CUSTOMERS, file, { app: small, async });
        if (!async) expect(Date.now() - started).toBeLessThan(10_000);
        if (async) {
          // The job finds it: the import fails with the reason, and no row is kept.
          expect(res.status).toBe(202);
          const status = await settled(auth, res.headers.location, small);
          expect(status).toMatchObject({ status: 'failed', total_rows: 0 });
          expect(status.error).toMatch(/expands to more than 2621440 bytes/);
        } else {
          expect(expectError(res, 413, { type: 'payload_too_large' })).toEqual([
            { key: 'file', message: 'uncompressed_too_large', value: '2621440' },
          ]);
        }
      }
      // A bomb that lies about its size is cut at the size it declared.
      const liar = workbook({
        sheets: [{ name: 'Sheet1', xml: '', compressed: bomb, declaredSize: 10_000 }],
      });
      expectError(await validate(auth, CUSTOMERS, liar, { app: small }), 400, {
        key: 'file',
        message: 'invalid_xlsx',
      });
      expect((await request(small.http).get('/health')).status).toBe(200);
      const after = await validate(auth, CUSTOMERS, fixture('customers-types.xlsx'), {
        app: small,
      });
      expect(after.status).toBe(200);
      expect(await sessionsOf(business)).toBe(2); // the failed job and the last one
    });

    test('a workbook of more ZIP entries than allowed: 413 too_many_entries', async () => {
      const { auth } = await actor();
      const extra = Array.from({ length: 10_001 }, (_, i) => ({
        name: `m/${i}`,
        data: '',
        method: 0 as const,
      }));
      const file = workbook({
        sheets: [{ name: 'Sheet1', xml: row(1, inline('A1', 'company_name')) }],
        extra,
      });
      expectError(await validate(auth, CUSTOMERS, file), 413, {
        key: 'file',
        message: 'too_many_entries',
      });
    });
  });

  /** Polls an import's status until it rests (validated, failed, …). */
  async function settled(
    auth: Record<string, string>,
    location: string,
    app = t,
  ): Promise<Record<string, unknown> & { status: string; error: string | null }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await request(app.http).get(location).set(auth);
      expect(res.status).toBe(200);
      if (!['validating', 'receiving'].includes(res.body.data.status)) return res.body.data;
      if (Date.now() > deadline) throw new Error(`still ${res.body.data.status} after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  describe('Prefer: respond-async', () => {
    test('an .xlsx with a sheet: 202, the job re-reads the stored workbook, then it confirms', async () => {
      const { business, auth } = await actor();
      const file = await xlsx({
        Notes: [['nothing here']],
        Clients: [
          CLIENT_COLUMNS,
          ['Elena', 'Gialli', 'elena@example.com', 3471234567, '00100', null, DAY(2024, 1, 31)],
          ['Piero', 'Blu', 'piero@example.com'],
        ],
      });
      const accepted = await validate(auth, CLIENTS, file, {
        async: true,
        fields: { sheet: 'Clients' },
        name: 'clients.bin',
        contentType: 'application/octet-stream',
      });
      expect(accepted.status).toBe(202);
      expect(accepted.headers['preference-applied']).toBe('respond-async');
      const id = accepted.body.data.import_id as string;
      expect(await channelOf(id)).toEqual({ kind: 'csv', format: 'xlsx', sheet: 'Clients' });

      const status = await settled(auth, accepted.headers.location);
      expect(status).toMatchObject({ status: 'validated', total_rows: 2, valid_rows: 2 });
      const rows = await request(t.http).get(`${accepted.headers.location}/rows`).set(auth);
      expect(rows.body.data.items).toMatchObject([
        {
          row_number: 2,
          data: { first_name: 'Elena', phone: '3471234567', address: '00100', notes: '2024-01-31' },
        },
        { row_number: 3, data: { first_name: 'Piero' } },
      ]);

      const confirmed = await confirm(auth, CLIENTS, id);
      expect(confirmed.body.data).toMatchObject({ created: 2, failed: 0 });
      const [elena] = await db().query(
        'SELECT phone, address, notes FROM clients WHERE business_uid = $1 AND email = $2',
        [business, 'elena@example.com'],
      );
      expect(elena).toEqual({ phone: '+393471234567', address: '00100', notes: '2024-01-31' });
    });

    test('an unknown sheet found by the job: the import fails with the reason', async () => {
      const { auth } = await actor();
      const accepted = await validate(auth, CUSTOMERS, fixture('customers-two-sheets.xlsx'), {
        async: true,
        fields: { sheet: 'Nope' },
      });
      expect(accepted.status).toBe(202);
      const status = await settled(auth, accepted.headers.location);
      expect(status.status).toBe('failed');
      expect(status.error).toBe(
        'the workbook has no worksheet named "Nope"; its worksheets are: "Instructions", "Customers"',
      );
    });
  });

  describe('template', () => {
    const download = (auth: Record<string, string>, base: string, query = '') =>
      request(t.http).get(`${base}/template${query}`).set(auth).buffer(true).parse(binary);

    test.each([
      [
        CUSTOMERS,
        'customers',
        'Customers',
        CUSTOMER_HEADER.split(','),
        { company_name: 'Template Co', vat_number: '00999888777' },
      ],
      [
        CLIENTS,
        'clients',
        'Clients',
        CLIENT_COLUMNS,
        { first_name: 'Tina', email: 'tina@example.com', phone: '0039 02 1234567' },
      ],
    ])(
      '%s/template?format=xlsx: a workbook whose columns are all text',
      async (base, entity, sheetName, columns, values: Record<string, string>) => {
        const { auth } = await actor();
        const res = await download(auth, base, '?format=xlsx');
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe(XLSX_TYPE);
        expect(res.headers['content-disposition']).toBe(
          `attachment; filename="${entity}-import-template.xlsx"`,
        );
        const book = new ExcelJS.Workbook();
        await book.xlsx.load(Uint8Array.from(res.body as Buffer).buffer);
        expect(book.worksheets.map((s) => s.name)).toEqual([sheetName]);
        const sheet = book.worksheets[0];
        expect(sheet.getRow(1).values).toEqual([undefined, ...columns]);
        for (let column = 1; column <= columns.length; column++) {
          expect(sheet.getColumn(column).numFmt).toBe('@');
          expect(sheet.getCell(1, column).numFmt).toBe('@');
        }

        // Filled in by a person (text cells under the header) and uploaded: it validates.
        sheet.addRow(columns.map((c) => values[c] ?? ''));
        const upload = Buffer.from(await book.xlsx.writeBuffer());
        const validated = await validate(auth, base, upload, { fields: { sheet: sheetName } });
        expect(validated.status).toBe(200);
        expect(validated.body.data).toMatchObject({ total_rows: 1, valid_rows: 1 });
        expect(validated.body.data.rows[0].data).toMatchObject(values);
      },
    );

    test('?format=csv and no format: the header line as before; another format: 400 invalid_value', async () => {
      const { auth } = await actor();
      for (const query of ['', '?format=csv']) {
        const res = await request(t.http).get(`${CUSTOMERS}/template${query}`).set(auth);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
        expect(res.headers['content-disposition']).toBe(
          'attachment; filename="customers-import-template.csv"',
        );
        expect(res.text).toBe(`${CUSTOMER_HEADER}\r\n`);
      }
      for (const format of ['xls', 'XLSX']) {
        expectError(
          await request(t.http).get(`${CLIENTS}/template?format=${format}`).set(auth),
          400,
          { key: 'format', message: 'invalid_value' },
        );
      }
      expectError(await request(t.http).get(`${CLIENTS}/template?format=`).set(auth), 400, {
        key: 'format',
      });
    });
  });
});
