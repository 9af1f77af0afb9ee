/**
 * Hostile and broken input (issue "Hardening"): each is a clear 4xx in the envelope, nothing is
 * written, and the server stays up.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CUSTOMER_HEADER, customersCsv } from './support/csv.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const VALID = { company_name: 'Acme', vat_number: 'V1' };
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

interface Case {
  name: string;
  send: (t: TestApp, auth: Record<string, string>) => Promise<request.Response>;
  status: number;
  key?: string;
  message?: string;
}

const json =
  (path: string, raw: string, type = 'application/json') =>
  (t: TestApp, auth: Record<string, string>) =>
    request(t.http).post(path).set(auth).set('Content-Type', type).send(raw);
const upload =
  (content: Buffer | string, field = 'file') =>
  (t: TestApp, auth: Record<string, string>) =>
    request(t.http)
      .post('/customers/import/validate')
      .set(auth)
      .attach(field, Buffer.from(content), 'x.csv');

const CASES: Case[] = [
  {
    name: 'malformed JSON',
    send: json('/customers', '{"company_name": "x",'),
    status: 400,
    key: 'body',
    message: 'malformed_json',
  },
  {
    name: 'a JSON string instead of an object',
    send: json('/customers', '"hello"'),
    status: 400,
    key: 'body',
    message: 'malformed_json',
  },
  { name: 'JSON null', send: json('/customers', 'null'), status: 400, key: 'body' },
  {
    name: 'a JSON array',
    send: json('/customers', '[{"company_name":"x","vat_number":"y"}]'),
    status: 400,
  },
  {
    name: 'text/plain body',
    send: json('/customers', JSON.stringify(VALID), 'text/plain'),
    status: 400,
    key: 'company_name',
    message: 'required',
  },
  {
    name: 'application/xml body',
    send: json('/customers', '<customer/>', 'application/xml'),
    status: 400,
    key: 'company_name',
    message: 'required',
  },
  {
    name: 'a number beyond double range',
    send: json('/customers', '{"company_name":1e400,"vat_number":"v"}'),
    status: 400,
    key: 'company_name',
  },
  {
    name: 'a huge page',
    send: (t, a) => request(t.http).get('/customers?page=1e309').set(a),
    status: 400,
    key: 'page',
  },
  {
    name: 'a huge page_size',
    send: (t, a) => request(t.http).get('/customers?page_size=99999999999999999999999').set(a),
    status: 400,
    key: 'page_size',
  },
  {
    name: 'a negative page',
    send: (t, a) => request(t.http).get('/customers?page=-1').set(a),
    status: 400,
    key: 'page',
  },
  {
    name: 'an invalid UUID',
    send: (t, a) => request(t.http).get('/customers/not-a-uuid').set(a),
    status: 400,
    key: 'id',
    message: 'invalid_uuid',
  },
  {
    name: 'SQL in a UUID',
    send: (t, a) =>
      request(t.http)
        .get(`/customers/${encodeURIComponent("' OR 1=1--")}`)
        .set(a),
    status: 400,
    key: 'id',
  },
  {
    name: 'SQL in a search',
    send: (t, a) =>
      request(t.http)
        .get(`/customers?search=${encodeURIComponent("%' OR 1=1--")}`)
        .set(a),
    status: 200,
  },
  ...['/customers', '/business/clients/v1/clients'].map((list) => ({
    name: `a search of 256 characters on ${list}`,
    send: (t: TestApp, a: Record<string, string>) =>
      request(t.http)
        .get(`${list}?search=${'s'.repeat(256)}`)
        .set(a),
    status: 400,
    key: 'search',
    message: 'too_long',
  })),
  {
    name: 'a NUL in the URL',
    send: (t, a) => request(t.http).get('/customers?search=%00').set(a),
    status: 400,
    key: 'url',
    message: 'null_byte',
  },
  {
    name: 'a NUL in a JSON string',
    send: json('/customers', '{"company_name":"a\\u0000b","vat_number":"v"}'),
    status: 400,
    key: 'body.company_name',
    message: 'null_byte',
  },
  {
    name: '__proto__ in a body',
    send: json('/customers', '{"company_name":"x","vat_number":"v","__proto__":{"admin":true}}'),
    status: 400,
    key: 'body',
    message: 'forbidden_key',
  },
  {
    name: 'constructor in resolutions',
    send: json(
      '/customers/import/confirm',
      '{"import_id":"3312b187-a8b0-45f5-b23a-98798b64eb31","resolutions":{"constructor":{"organization_id":"x"}}}',
    ),
    status: 400,
    key: 'body',
    message: 'forbidden_key',
  },
  {
    name: 'prototype in fields_mapping',
    send: json(
      '/business/clients/v1/apps/x/import',
      '{"import_params":{"upload_type":"single"},"fields_mapping":{"prototype":"x","email":"E"}}',
    ),
    status: 400,
    key: 'body',
    message: 'forbidden_key',
  },
  {
    name: 'deep nesting (100,000 levels)',
    send: json('/customers', `{"company_name":"x","vat_number":"v","notes":${deep(100_000)}}`),
    status: 400,
    key: 'body',
  },
  {
    name: 'a 900 KB string',
    send: json('/customers', JSON.stringify({ ...VALID, notes: 'x'.repeat(900_000) })),
    status: 400,
    key: 'notes',
    message: 'too_long',
  },
  {
    name: 'a body over 1 MB',
    send: json('/customers', JSON.stringify({ ...VALID, notes: 'x'.repeat(2_000_000) })),
    status: 413,
    key: 'body',
    message: 'too_large',
  },
  {
    name: 'an unknown property',
    send: json('/customers', JSON.stringify({ ...VALID, is_admin: true })),
    status: 400,
    key: 'is_admin',
    message: 'unknown_property',
  },
  { name: 'a CSV of random bytes', send: upload(randomBytes(20_000)), status: 400, key: 'file' },
  {
    name: 'a CSV with 5,000 columns',
    send: upload(
      `${Array.from({ length: 5000 }, (_, i) => `c${i}`).join(',')}\n${Array(5000).fill('v').join(',')}\n`,
    ),
    status: 400,
    key: 'file',
    message: 'unexpected_columns',
  },
  {
    name: 'a CSV record over 1 MiB (unterminated quote)',
    send: upload(`${CUSTOMER_HEADER}\n"${'x'.repeat(1_200_000)}\n`),
    status: 400,
    key: 'file',
    message: 'invalid_csv',
  },
  {
    // Blank lines count toward a limit of their own (here 10,000): before, each went through the
    // parser like a record, and 50 MB of them held a core for over a minute.
    name: 'a CSV of 2 million blank lines',
    send: upload(`${CUSTOMER_HEADER}\n${'\n'.repeat(2_000_000)}`),
    status: 400,
    key: 'file',
    message: 'too_many_blank_lines',
  },
  {
    name: 'two files',
    send: (t, a) =>
      request(t.http)
        .post('/customers/import/validate')
        .set(a)
        .attach('file', Buffer.from(customersCsv(1)), 'a.csv')
        .attach('file', Buffer.from(customersCsv(1)), 'b.csv'),
    status: 400,
    key: 'file',
  },
  {
    name: 'a broken multipart body',
    send: (t, a) =>
      request(t.http)
        .post('/customers/import/validate')
        .set(a)
        .set('Content-Type', 'multipart/form-data; boundary=xyz')
        .send('--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc'),
    status: 400,
  },
  {
    name: 'multipart without a boundary',
    send: (t, a) =>
      request(t.http)
        .post('/customers/import/validate')
        .set(a)
        .set('Content-Type', 'multipart/form-data')
        .send('abc'),
    status: 400,
  },
];

describe('hostile and broken input', () => {
  let t: TestApp;
  let auth: Record<string, string>;
  let business: string;
  beforeAll(async () => {
    t = await createTestApp({
      IMPORT_MAX_ROWS: '1000',
      IMPORT_MAX_FILE_BYTES: String(2 * 1024 * 1024),
    });
    business = uniqueBusiness();
    auth = { Authorization: `Bearer ${await tokenFor({ business })}` };
  });
  afterAll(async () => {
    const [{ count }] = await t.app
      .get(DataSource)
      .query('SELECT count(*)::int AS count FROM customers WHERE business_uid = $1', [business]);
    expect(count).toBe(0); // nothing any hostile request sent was written
    await t.close();
  });

  test.each(CASES)('$name → $status', async ({ send, status, key, message }) => {
    const res = await send(t, auth);
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code: status });
    if (status >= 400) {
      expect(res.body).toMatchObject({ message: expect.any(String), data: expect.any(Object) });
      if (key)
        expect(res.body.data.errors).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ key, ...(message ? { message } : {}) }),
          ]),
        );
      expect(JSON.stringify(res.body)).not.toMatch(
        /at \w+ \(|QueryFailedError|SELECT |INSERT |node_modules/,
      );
    }
    expect((await request(t.http).get('/health')).status).toBe(200);
  });

  test('a NUL inside a CSV cell makes that row an error, never a stored value', async () => {
    const res = await upload(`${CUSTOMER_HEADER}\nAc\u0000me,,V1,,,,,,en,\nGood,,V2,,,,,,en,\n`)(
      t,
      auth,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.rows[0]).toMatchObject({
      status: 'error',
      errors: [{ field: 'row', message: 'invalid_character' }],
    });
    expect(res.body.data.rows[1].status).toBe('valid');
  });

  test('a CSV bomb of a million tiny rows stops at the row limit: 400 too_many_rows', async () => {
    const bomb = `${CUSTOMER_HEADER}\n${'a,,b,,,,,,en,\n'.repeat(1_000_000 / 10)}`;
    const res = await upload(bomb)(t, auth);
    expect(res.status).toBe(400);
    expect(res.body.data.errors[0]).toMatchObject({ key: 'file', message: 'too_many_rows' });
  });

  /** A raw multipart request whose body we write ourselves, slowly or without end. */
  function rawUpload(port: number, token: string, declaredLength?: number) {
    const boundary = 'hostileboundary';
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/customers/import/validate',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        ...(declaredLength
          ? { 'Content-Length': String(declaredLength) }
          : { 'Transfer-Encoding': 'chunked' }),
      },
    });
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
    return { req, head, tail, response };
  }

  test('an oversized upload is cut off while streaming, not after buffering', async () => {
    const server = t.app.getHttpServer() as http.Server;
    if (!server.listening)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const token = auth.Authorization.split(' ')[1];
    const { req, head, response } = rawUpload(port, token);
    req.on('error', () => undefined);
    req.write(head);
    req.write(`${CUSTOMER_HEADER}\n`);
    const chunk = 'x'.repeat(64 * 1024);
    let sent = 0;
    let answered = false;
    void response.then(
      () => (answered = true),
      () => (answered = true),
    );
    // Keep sending (up to 50 MB) until the server answers: it must answer long before the end.
    while (!answered && sent < 50 * 1024 * 1024) {
      const flushed = req.write(`${chunk}\n`);
      sent += chunk.length;
      if (!flushed) {
        await Promise.race([
          new Promise((r) => req.once('drain', r)),
          response.catch(() => undefined),
          new Promise((r) => setTimeout(r, 200)),
        ]);
      } else await new Promise((r) => setImmediate(r));
    }
    const res = await response;
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).data.errors[0]).toMatchObject({
      key: 'file',
      message: 'file_too_large',
    });
    expect(sent).toBeLessThan(10 * 1024 * 1024);
    req.destroy();
    expect((await request(t.http).get('/health')).status).toBe(200);
  });

  test('a slow upload does not hold the server up; it completes', async () => {
    const server = t.app.getHttpServer() as http.Server;
    if (!server.listening)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const token = auth.Authorization.split(' ')[1];
    const { req, head, tail, response } = rawUpload(port, token);
    req.write(head);
    const lines = customersCsv(20, 'SLOW').split('\n');
    for (const line of lines) {
      req.write(`${line}\n`);
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      expect((await request(t.http).get('/health')).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    }
    req.end(tail);
    const res = await response;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).data.valid_rows).toBe(20);
  });
});
