/**
 * An upload over IMPORT_MAX_FILE_BYTES is refused with a 413 that every client sees, including
 * those that send the whole body before they read the answer (Node's fetch, like Python's
 * requests): the server reads and discards the rest of the body for a bounded while before it
 * closes the connection (a lingering close), instead of resetting a connection still sending.
 */
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { createTestApp, type TestApp, tokenFor } from './support/test-app.js';

const LIMIT = 1024 * 1024;
const HEADER =
  'company_name,description,vat_number,address,city,main_contact,email,phone,language,notes\n';

describe('uploads over the size limit', () => {
  let t: TestApp;
  let url: string;
  let auth: { Authorization: string };

  beforeAll(async () => {
    t = await createTestApp({ IMPORT_MAX_FILE_BYTES: String(LIMIT) });
    const server = t.app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/customers/import/validate`;
    auth = { Authorization: `Bearer ${await tokenFor()}` };
  });
  afterAll(() => t.close());

  /** A CSV of about `bytes` bytes. */
  function csvOf(bytes: number): string {
    const line = 'Acme,,IT0001,,,,,,en,\n';
    return HEADER + line.repeat(Math.ceil(bytes / line.length));
  }

  function expectTooLarge(status: number, body: unknown): void {
    expect(status).toBe(413);
    expect(body).toMatchObject({
      code: 413,
      data: { type: 'payload_too_large', errors: [{ key: 'file', message: 'file_too_large' }] },
    });
  }

  test('fetch sending a declared 40 MB form gets the 413, not a reset connection', async () => {
    const form = new FormData();
    form.append('file', new Blob([csvOf(40 * LIMIT)], { type: 'text/csv' }), 'big.csv');
    const res = await fetch(url, { method: 'POST', body: form, headers: auth });
    expectTooLarge(res.status, await res.json());
  });

  test('fetch streaming a form of unknown length: cut off at the limit, the 413 still arrives', async () => {
    const boundary = 'x-upload-boundary';
    const parts = [
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`,
      csvOf(40 * LIMIT),
      `\r\n--${boundary}--\r\n`,
    ];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) {
          const bytes = new TextEncoder().encode(part);
          for (let i = 0; i < bytes.length; i += 64 * 1024)
            controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        }
        controller.close();
      },
    });
    const res = await fetch(url, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { ...auth, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    } as RequestInit);
    expectTooLarge(res.status, await res.json());
    expect((await request(t.http).get('/health/live')).status).toBe(200);
  });

  test('a client that writes its whole body before reading (as Python requests does) reads the 413', async () => {
    const { port } = new URL(url);
    const boundary = 'x-raw-boundary';
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n` +
      'Content-Type: text/csv\r\n\r\n';
    const socket = connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let writeError: string | undefined;
    socket.on('error', (error: NodeJS.ErrnoException) => (writeError ??= error.code));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // Chunked, so no Content-Length tells the server the size up front: it cuts off while reading.
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    socket.write(
      `POST /customers/import/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: ${auth.Authorization}\r\nTransfer-Encoding: chunked\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\n\r\n` +
        chunk(head + HEADER),
    );
    const line = 'Acme,,IT0001,,,,,,en,\n'.repeat(3000); // ~66 KB
    for (let sent = 0; sent < 20 * LIMIT && !writeError && !socket.destroyed; sent += line.length) {
      if (!socket.write(chunk(line)))
        await Promise.race([
          new Promise((resolve) => socket.once('drain', resolve)),
          closed,
          new Promise((resolve) => setTimeout(resolve, 2000)),
        ]);
    }
    if (!writeError && !socket.destroyed)
      socket.end(chunk(`\r\n--${boundary}--\r\n`) + '0\r\n\r\n');
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 40_000))]);
    const answer = Buffer.concat(received).toString('latin1');
    expect({ writeError, status: answer.split('\r\n')[0] }).toEqual({
      writeError: undefined,
      status: 'HTTP/1.1 413 Payload Too Large',
    });
    expect(answer).toContain('"file_too_large"');
  }, 60_000);
});
