/**
 * Swagger UI in a real browser (Playwright driving Debian's Chromium): open /docs, authorise with
 * a token, upload a CSV to the customers validate endpoint with "Try it out", confirm with the
 * returned import_id, and check what the page shows.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CUSTOMER_HEADER } from './support/csv.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = new URL('./.tmp/', import.meta.url);
// CI sets REQUIRE_BROWSER: there a missing browser is a failure, not a skip.
const withBrowser = existsSync(CHROMIUM) || process.env.REQUIRE_BROWSER ? describe : describe.skip;
if (!existsSync(CHROMIUM))
  process.stderr.write(
    `swagger-ui test skipped: no browser at ${CHROMIUM} (.ci/run installs Debian's chromium)\n`,
  );

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
    page = await browser.newPage();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function execute(operationId: string) {
    const block = page.locator(`#operations-customers-${operationId}`);
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    return block;
  }

  test('authorise, validate a CSV with "Try it out", confirm it, and read the results on the page', async () => {
    await page.goto(`${base}/docs`);
    await page.locator('button.authorize').first().click();
    const token = await tokenFor({ business: uniqueBusiness(), sub: 'swagger-user' });
    await page.locator('.auth-container input').first().fill(token);
    await page.locator('.auth-btn-wrapper button.authorize').first().click();
    await page.locator('.auth-btn-wrapper button.btn-done').first().click();

    const validate = await execute('CustomersController_validate');
    await validate.locator('input[type=file]').setInputFiles({
      name: 'customers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        `${CUSTOMER_HEADER}\nBrowser Co,,VB1,,Roma,,b@example.com,+39 06 1234567,it,\nBroken Co,,VB2,,,,not-an-email,,en,\n`,
      ),
    });
    await validate.locator('button.execute').click();
    const validated = validate
      .locator('.live-responses-table .response-col_description pre')
      .first();
    await expect(validated).toBeDefined();
    await validated.waitFor();
    const validateText = await validated.innerText();
    await page.screenshot({
      path: new URL('swagger-validate.png', SHOTS).pathname,
      fullPage: false,
    });
    const body = JSON.parse(validateText);
    expect(body).toMatchObject({
      code: 200,
      message: 'customers import validated',
      data: { total_rows: 2, valid_rows: 1, error_rows: 1 },
    });
    expect(
      await validate
        .locator('.live-responses-table tbody .response-col_status')
        .first()
        .innerText(),
    ).toContain('200');

    const confirm = await execute('CustomersController_confirm');
    await confirm
      .locator('textarea.body-param__text')
      .fill(JSON.stringify({ import_id: body.data.import_id, override: true, resolutions: {} }));
    await confirm.locator('button.execute').click();
    const confirmed = confirm
      .locator('.live-responses-table .response-col_description pre')
      .first();
    await confirmed.waitFor();
    const result = JSON.parse(await confirmed.innerText());
    await page.screenshot({
      path: new URL('swagger-confirm.png', SHOTS).pathname,
      fullPage: false,
    });
    expect(result).toMatchObject({
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
});
