/**
 * Swagger UI in a real browser (Playwright driving Debian's Chromium): open /docs, authorise with
 * a token, upload a CSV to the customers validate endpoint with "Try it out", confirm it with the
 * returned import_id, and check what the page shows; the same with a 20,000-row file, whose
 * answer must render (syntax highlighting is off: it froze the tab); upload committed .xlsx
 * workbooks the same way, with and without the sheet field; then execute every POST/PUT
 * prefill as it stands, pasting only the ids (and files) it asks for, and expect a 2xx from each
 * (undo included).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import request from 'supertest';
import { CUSTOMER_HEADER, customersCsv } from './support/csv.js';
import { operations, type OpenApiDocument } from './support/openapi-schema.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = new URL('./.tmp/', import.meta.url);
// CI sets REQUIRE_BROWSER: there a missing browser is a failure, not a skip.
const withBrowser = existsSync(CHROMIUM) || process.env.REQUIRE_BROWSER ? describe : describe.skip;
if (!existsSync(CHROMIUM))
  process.stderr.write(
    `swagger-ui test skipped: no browser at ${CHROMIUM} (.ci/run installs Debian's chromium)\n`,
  );

/** A committed workbook saved by LibreOffice (test/fixtures/xlsx). */
const XLSX_FIXTURE = (name: string) =>
  fileURLToPath(new URL(`./fixtures/xlsx/${name}`, import.meta.url));

/** The business of the demo token, which the assignment prefill assigns the app to. */
const DEMO_BUSINESS = 'demo-business';

withBrowser('Swagger UI in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    const server = t.app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A fresh page (no stored authorisation) with the docs open, authorised with `token`. */
  async function openDocs(token: string): Promise<void> {
    await page?.context().close();
    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${base}/docs`);
    await page.locator('button.authorize').first().click();
    const bearer = page.locator('.auth-container').filter({ hasText: 'bearer' });
    await bearer.locator('input').first().fill(token);
    await bearer.locator('button.authorize').click();
    await page.locator('.auth-btn-wrapper button.btn-done').first().click();
  }

  async function tryOut(operationId: string): Promise<Locator> {
    const block = page.locator(`div.opblock[id$="-${operationId}"]`);
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    return block;
  }

  /** Clicks Execute and reads the answer the page shows. */
  async function execute(block: Locator): Promise<{ status: number; body: unknown }> {
    await block.locator('button.execute').click();
    const status = block.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    const text = await block
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .innerText();
    return { status: Number((await status.innerText()).trim()), body: JSON.parse(text) };
  }

  async function bodyOf(block: Locator): Promise<string> {
    return block.locator('textarea.body-param__text').inputValue();
  }

  /** A path parameter: its prefill must be the right value already, or empty for the tester to paste. */
  async function pathParam(block: Locator, name: string, value: string): Promise<void> {
    const input = block.locator(`tr[data-param-name="${name}"] input`);
    const prefill = await input.inputValue();
    if (prefill) expect({ name, prefill }).toEqual({ name, prefill: value });
    else await input.fill(value);
  }

  test('authorise, validate a CSV with "Try it out", confirm it, and read the results on the page', async () => {
    await openDocs(await tokenFor({ business: uniqueBusiness(), sub: 'swagger-user' }));

    const validate = await tryOut('validateCustomersImport');
    await validate.locator('input[type=file]').setInputFiles({
      name: 'customers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        `${CUSTOMER_HEADER}\nBrowser Co,,VB1,,Roma,,b@example.com,+39 06 1234567,it,\nBroken Co,,VB2,,,,not-an-email,,en,\n`,
      ),
    });
    const validated = await execute(validate);
    await page.screenshot({
      path: new URL('swagger-validate.png', SHOTS).pathname,
      fullPage: false,
    });
    expect(validated.status).toBe(200);
    const body = validated.body as { data: { import_id: string } };
    expect(body).toMatchObject({
      code: 200,
      message: 'customers import validated',
      data: { total_rows: 2, valid_rows: 1, error_rows: 1 },
    });

    const confirm = await tryOut('confirmCustomersImport');
    await confirm
      .locator('textarea.body-param__text')
      .fill(JSON.stringify({ import_id: body.data.import_id, override: true, resolutions: {} }));
    const result = await execute(confirm);
    await page.screenshot({
      path: new URL('swagger-confirm.png', SHOTS).pathname,
      fullPage: false,
    });
    expect(result.body).toMatchObject({
      code: 200,
      message: 'customers imported successfully',
      data: {
        created: 1,
        skipped: 1,
        results: [
          { row_number: 2, status: 'created' },
          { row_number: 3, status: 'skipped', reason: 'error' },
        ],
      },
    });
  });

  test('a 20,000-row file in "Try it out": the whole answer renders, with its import_id', async () => {
    await openDocs(await tokenFor({ business: uniqueBusiness(), sub: 'swagger-big' }));
    const rows = 20_000;
    const validate = await tryOut('validateCustomersImport');
    await validate.locator('input[type=file]').setInputFiles({
      name: 'customers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(customersCsv(rows, 'BIG')),
    });
    const started = Date.now();
    await validate.locator('button.execute').click();
    const status = validate.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 120_000 });
    const answer = validate.locator('.live-responses-table .response-col_description pre').first();
    const text = await answer.innerText({ timeout: 120_000 });
    const rendered = Date.now() - started;
    await page.screenshot({ path: new URL('swagger-validate-20000.png', SHOTS).pathname });
    expect(Number((await status.innerText()).trim())).toBe(200);
    const body = JSON.parse(text) as { data: { import_id: string; rows: unknown[] } };
    expect(body.data).toMatchObject({ total_rows: rows, valid_rows: rows });
    expect(body.data.rows).toHaveLength(rows);
    // The answer is on the page, import_id included, while the tab still responds.
    expect(await page.evaluate(() => 1 + 1)).toBe(2);
    process.stdout.write(`Swagger UI rendered a ${rows}-row answer in ${rendered} ms\n`);

    // What to do next is in reach: confirm with that import_id, asynchronously.
    const confirm = await tryOut('confirmCustomersImport');
    await confirm
      .locator('textarea.body-param__text')
      .fill(JSON.stringify({ import_id: body.data.import_id }));
    const result = await execute(confirm);
    expect(result.body).toMatchObject({ code: 200, data: { created: rows } });
  }, 300_000);
  test('an Excel workbook with "Try it out": the sheet field empty by default, then named; 200', async () => {
    await openDocs(await tokenFor({ business: uniqueBusiness(), sub: 'swagger-excel' }));
    const validate = await tryOut('validateCustomersImport');
    const sheet = validate.locator('tr[data-property-name="sheet"] input:not([type=checkbox])');
    // Left as it is, the field sends nothing that changes the import (the first sheet).
    expect(await sheet.inputValue()).toBe('');
    await validate.locator('input[type=file]').setInputFiles(XLSX_FIXTURE('customers-types.xlsx'));
    const first = await execute(validate);
    expect(first).toMatchObject({
      status: 200,
      body: { code: 200, data: { total_rows: 4, valid_rows: 4, error_rows: 0 } },
    });
    expect(
      (first.body as { data: { rows: Array<{ row_number: number }> } }).data.rows.map(
        (r) => r.row_number,
      ),
    ).toEqual([2, 4, 5, 6]);

    // The second sheet of a workbook, by name (the first answer cleared away first).
    await validate.locator('button.btn-clear').click();
    await sheet.fill('Customers');
    await validate
      .locator('input[type=file]')
      .setInputFiles(XLSX_FIXTURE('customers-two-sheets.xlsx'));
    const named = await execute(validate);
    await page.screenshot({ path: new URL('swagger-excel.png', SHOTS).pathname });
    expect(named).toMatchObject({
      status: 200,
      body: { code: 200, data: { total_rows: 3, valid_rows: 3 } },
    });
    expect(
      (named.body as { data: { rows: Array<{ row_number: number }> } }).data.rows.map(
        (r) => r.row_number,
      ),
    ).toEqual([4, 5, 7]);
  });

  test('every POST and PUT prefill succeeds as it stands, once the ids it names are pasted', async () => {
    await openDocs(await tokenFor({ business: DEMO_BUSINESS, sub: 'swagger-prefills' }));
    const executed: string[] = [];
    const run = async (operationId: string, prepare?: (block: Locator) => Promise<void>) => {
      const block = await tryOut(operationId);
      await prepare?.(block);
      const answer = await execute(block);
      // On failure the message shows the operation and the whole answer.
      expect([operationId, answer.status >= 200 && answer.status < 300 ? 'ok' : answer]).toEqual([
        operationId,
        'ok',
      ]);
      executed.push(operationId);
      // Collapsed again: every open operation slows Swagger UI's rendering down.
      await block.locator('.opblock-summary').first().click();
      return answer.body as { data: Record<string, unknown> } & Record<string, unknown>;
    };
    const validatedElsewhere = async (path: string, csv: string): Promise<string> => {
      const token = await tokenFor({ business: DEMO_BUSINESS, sub: 'swagger-prefills' });
      const res = await request(t.http)
        .post(path)
        .set({ Authorization: `Bearer ${token}` })
        .attach('file', Buffer.from(csv), 'import.csv');
      expect(res.status).toBe(200);
      return res.body.data.import_id as string;
    };
    const replaceId = (from: string, to: string) => async (block: Locator) => {
      const text = await bodyOf(block);
      expect(text).toContain(from);
      await block.locator('textarea.body-param__text').fill(text.replace(from, to));
    };

    // The seed's prerequisites, then its import through the app: no id to paste at all.
    const app = await run('createApp');
    const code = app.data.app_code_name as string;
    await run('updateApp', (b) => pathParam(b, 'app_code_name', code));
    await run('createAppAssignment');
    const started = await run('startClientsAppImport', (b) => pathParam(b, 'app_code_name', code));
    expect(started.data).toMatchObject({ status: 'collecting', app_code_name: code });
    // The token endpoint: the app's client_id and client_secret pasted over the placeholders.
    const token = await tryOut('issueAppToken');
    await token.locator('input[placeholder="client_id"]').fill(app.data.client_id as string);
    await token
      .locator('input[placeholder="client_secret"]')
      .fill(app.data.client_secret as string);
    const issued = await execute(token);
    expect(issued).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
    executed.push('issueAppToken');
    const rotated = await run('rotateAppSecret', (b) => pathParam(b, 'app_code_name', code));
    expect(rotated.data.client_secret).not.toBe(app.data.client_secret);

    const customer = await run('createCustomer');
    await run('updateCustomer', (b) => pathParam(b, 'id', customer.data.id as string));
    const customersCsv = `${CUSTOMER_HEADER}\nPrefill Co,,VP1,,Roma,,p@example.com,,it,\n`;
    const customersImport = await run('validateCustomersImport', (b) =>
      b.locator('input[type=file]').setInputFiles({
        name: 'customers.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(customersCsv),
      }),
    );
    await run(
      'confirmCustomersImport',
      replaceId('3312b187-a8b0-45f5-b23a-98798b64eb31', customersImport.data.import_id as string),
    );
    // Undone: the customer it created is deleted.
    const customersUndo = await run('revertCustomersImport', (b) =>
      pathParam(b, 'import_id', customersImport.data.import_id as string),
    );
    expect(customersUndo.data).toMatchObject({ deleted: 1, restored: 0, kept: 0 });
    // Another one (validated over HTTP: an operation run again shows its last answer until the
    // new one arrives), cancelled instead of confirmed.
    const toCancel = await validatedElsewhere('/customers/import/validate', customersCsv);
    const cancelled = await run('cancelCustomersImport', (b) =>
      pathParam(b, 'import_id', toCancel),
    );
    expect(cancelled.data).toMatchObject({ phase: 'cancelled' });

    const client = await run('createClient');
    await run('updateClient', (b) => pathParam(b, 'id', client.data.id as string));
    const clientsCsv =
      'first_name,last_name,email,phone,address,company_name,notes\n' +
      'Paola,Neri,paola.neri@example.com,+39 02 7654321,,,\n';
    const clientsImport = await run('validateClientsImport', (b) =>
      b.locator('input[type=file]').setInputFiles({
        name: 'clients.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(clientsCsv),
      }),
    );
    expect(clientsImport.data).toMatchObject({ total_rows: 1, valid_rows: 1 });
    const confirmed = await run(
      'confirmClientsImport',
      replaceId('3312b187-a8b0-45f5-b23a-98798b64eb31', clientsImport.data.import_id as string),
    );
    expect(confirmed.data).toMatchObject({ created: 1 });
    const clientsUndo = await run('revertClientsImport', (b) =>
      pathParam(b, 'import_id', clientsImport.data.import_id as string),
    );
    expect(clientsUndo.data).toMatchObject({ deleted: 1 });
    const clientsToCancel = await validatedElsewhere(
      '/business/clients/v1/import/validate',
      clientsCsv,
    );
    await run('cancelClientsImport', (b) => pathParam(b, 'import_id', clientsToCancel));

    // The lists with their query defaults as prefilled.
    for (const list of [
      'listApps',
      'listAppAssignments',
      'listCustomers',
      'listClients',
      'listClientsImports',
    ])
      await run(list);
    await page.screenshot({ path: new URL('swagger-prefills.png', SHOTS).pathname });

    // Nothing skipped: every POST and PUT of the document was executed above.
    const doc = (await request(t.http).get('/docs-json')).body as OpenApiDocument;
    const writes = operations(doc)
      .filter(([, method]) => method === 'post' || method === 'put')
      .map(([, , o]) => o.operationId);
    expect(executed).toEqual(expect.arrayContaining(writes));
  }, 300_000);

  test('a token pasted with its "Bearer " prefix still authorises', async () => {
    const token = await tokenFor({ business: uniqueBusiness(), sub: 'swagger-prefix' });
    await openDocs(`Bearer ${token}`);
    const list = await tryOut('listCustomers');
    expect(await execute(list)).toMatchObject({ status: 200, body: { code: 200 } });
  });
});
