/**
 * A slow upload (one byte now and then) no longer holds its connection and temporary file for
 * Node's default 300 s: a body below the minimum rate is cut with a 408 at the end of a window,
 * and the temporary file is gone. A real slow client on a raw socket, against the built server.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildServer, startChildServer } from './support/child-server.js';
import { createTestApp, tokenFor } from './support/test-app.js';

const BOUNDARY = 'slowboundary';
const CSV_HEAD =
  'company_name,description,vat_number,address,city,main_contact,email,phone,language,notes\n';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A multipart validate request whose body is `bodyBytes` long, as raw HTTP. */
function uploadHead(url: string, token: string, bodyBytes: number): string {
  const { port } = new URL(url);
  return [
    'POST /customers/import/validate HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    `Authorization: Bearer ${token}`,
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}`,
    `Content-Length: ${bodyBytes}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
}

function multipart(csv: string): { opening: string; closing: string } {
  return {
    opening: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}`,
    closing: `\r\n--${BOUNDARY}--\r\n`,
  };
}

/** Sends `head` + `body` through a raw socket at `bytesPerTick` every `tickMs`; resolves with what the server said and when. */
async function slowClient(
  url: string,
  head: string,
  body: Buffer,
  bytesPerTick: number,
  tickMs: number,
): Promise<{ answer: string; closedAfterMs: number; sentBytes: number }> {
  const { port } = new URL(url);
  const socket: Socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const started = Date.now();
  let answer = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.on('error', () => undefined);
  const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void done.then(() => (closed = true));
  socket.write(head);
  let sent = 0;
  // A trickle gives up after 8 s (Node's default would keep it going for 300 s).
  while (sent < body.length && !closed && !answer && Date.now() - started < 8000) {
    socket.write(body.subarray(sent, sent + bytesPerTick));
    sent += bytesPerTick;
    await sleep(tickMs);
  }
  await Promise.race([done, sleep(5000)]);
  socket.destroy();
  return { answer, closedAfterMs: Date.now() - started, sentBytes: Math.min(sent, body.length) };
}

describe('slow uploads', () => {
  let server: ChildServer;
  let uploads: string;
  let token: string;
  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'slow-upload-'));
    server = await startChildServer({
      TMPDIR: uploads,
      HTTP_BODY_MIN_BYTES_PER_SECOND: '1024',
      HTTP_BODY_RATE_WINDOW_SECONDS: '1',
    });
    token = await tokenFor({});
  });
  afterAll(async () => {
    await server.kill('SIGKILL');
    await rm(uploads, { recursive: true, force: true });
  });

  test('one byte every 200 ms: 408 within two windows, connection closed, no temporary file left', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `Co ${i},,VAT${i},,,,,,en,\n`).join('');
    const { opening, closing } = multipart(CSV_HEAD + rows);
    const body = Buffer.from(opening + closing);
    // Enough of the file to have the temporary file open, then a trickle.
    const head = uploadHead(server.url, token, body.length);
    const result = await slowClient(
      server.url,
      head + body.subarray(0, opening.length - rows.length + 20).toString(),
      body.subarray(opening.length - rows.length + 20),
      1,
      200,
    );
    expect(result.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(result.answer).toContain('"message":"too_slow"');
    expect(result.closedAfterMs).toBeLessThan(4000);
    for (let i = 0; i < 20 && (await readdir(uploads)).length > 0; i++) await sleep(100);
    expect(await readdir(uploads)).toEqual([]);
  });

  test('a slow but steady upload above the minimum rate completes', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `Co ${i},,VAT${i},,,,,,en,\n`).join('');
    const { opening, closing } = multipart(CSV_HEAD + rows);
    const body = Buffer.from(opening + closing);
    // ~2.5 KiB/s for about 2.5 s: slower than any real link, faster than the 1 KiB/s floor.
    const result = await slowClient(
      server.url,
      uploadHead(server.url, token, body.length),
      body,
      512,
      200,
    );
    expect(body.length).toBeGreaterThan(4000);
    expect(result.sentBytes).toBe(body.length);
    expect(result.answer).toMatch(/^HTTP\/1\.1 200/);
    expect(result.answer).toContain('"total_rows":200');
  });
});

test('the server is configured with header, request and keep-alive timeouts', async () => {
  const t = await createTestApp({
    HTTP_HEADERS_TIMEOUT_SECONDS: '15',
    HTTP_REQUEST_TIMEOUT_SECONDS: '600',
    HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '75',
  });
  try {
    const server = t.app.getHttpServer() as import('node:http').Server;
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([
      15_000, 600_000, 75_000,
    ]);
  } finally {
    await t.close();
  }
});
