/**
 * What an app sees of the server's requests: the request id always, and with tracing on (the
 * standard OTEL_* settings) a W3C traceparent continuing the trace of the request that started
 * the import — whose spans reach the configured OTLP collector.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FakeAppServer } from './support/app-server.js';
import { type ChildServer, startChildServer } from './support/child-server.js';
import { installedApp, poll, startAppImport, type Target } from './support/fixtures.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[0-9a-f]$/;

/** An app assigned to a fresh business, pulled from `apiUri`, and an import started from it. */
async function importThroughApp(server: Target, apiUri: string, headers: Record<string, string>) {
  const { auth, code } = await installedApp(server, { apiUri, name: 'Traced App' });
  await startAppImport(server, { ...auth, ...headers }, code, {
    params: { should_override: false },
  }).expect(201);
}

async function completionCall(app: FakeAppServer): Promise<void> {
  const pages = await poll(
    async () => app.pagesRequested(),
    (requested) => requested.includes('-1'),
  );
  expect(pages).toContain('-1');
}

describe('requests to apps, tracing off', () => {
  let t: TestApp;
  let app: FakeAppServer;
  let apiUri: string;
  beforeAll(async () => {
    t = await createTestApp({ IMPORT_ALLOW_PRIVATE_APP_URIS: 'true' });
    app = new FakeAppServer();
    app.pages = [[{ 'E-mail': 'one@example.com' }], [{ 'E-mail': 'two@example.com' }]];
    apiUri = await app.start();
  });
  afterAll(async () => {
    await app.stop();
    await t.close();
  });

  test('every request carries the id of the request that started the import, and no traceparent', async () => {
    const requestId = `req-${randomUUID()}`;
    await importThroughApp(t.http, apiUri, { 'X-Request-Id': requestId });
    await completionCall(app);
    expect(app.pagesRequested()).toEqual(['1', '2', '-1']);
    for (const seen of app.seen) {
      expect(seen.headers['x-request-id']).toBe(requestId);
      expect(seen.headers.traceparent).toBeUndefined();
    }
  });
});

describe('requests to apps, tracing on', () => {
  let server: ChildServer;
  let app: FakeAppServer;
  let apiUri: string;
  let collector: Server;
  const exported: Array<{ traceId: string; name: string }> = [];

  beforeAll(async () => {
    // A stand-in OTLP/HTTP collector (JSON encoding) on 127.0.0.1.
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const parsed = JSON.parse(body) as {
            resourceSpans: Array<{
              scopeSpans: Array<{ spans: Array<{ traceId: string; name: string }> }>;
            }>;
          };
          for (const rs of parsed.resourceSpans)
            for (const ss of rs.scopeSpans)
              for (const s of ss.spans) exported.push({ traceId: s.traceId, name: s.name });
        }
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const port = (collector.address() as AddressInfo).port;
    app = new FakeAppServer();
    app.pages = [[{ 'E-mail': 'traced@example.com' }]];
    apiUri = await app.start();
    server = await startChildServer({
      IMPORT_ALLOW_PRIVATE_APP_URIS: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: 'import-backend-e2e',
    });
  });
  afterAll(async () => {
    await server.kill();
    await app.stop();
    collector.closeAllConnections();
    await new Promise((resolve) => collector.close(resolve));
  });

  test('each request to the app carries the request id and a traceparent of the caller’s trace; spans are exported', async () => {
    const traceId = randomBytes(16).toString('hex');
    const requestId = `req-${randomUUID()}`;
    await importThroughApp(server.url, apiUri, {
      'X-Request-Id': requestId,
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    });
    await completionCall(app);
    expect(app.seen.length).toBeGreaterThanOrEqual(2);
    const spanIds = new Set<string>();
    for (const seen of app.seen) {
      expect(seen.headers['x-request-id']).toBe(requestId);
      const parent = TRACEPARENT.exec(String(seen.headers.traceparent));
      expect(parent?.[1]).toBe(traceId); // the trace the import request came with
      spanIds.add(parent![2]);
    }
    expect(spanIds.size).toBe(app.seen.length); // a client span per request

    const ours = await poll(
      async () => exported.filter((s) => s.traceId === traceId).map((s) => s.name),
      (names) => names.some((name) => /GET/.test(name)),
      { attempts: 100, intervalMs: 100 },
    );
    expect(ours).toEqual(
      expect.arrayContaining([expect.stringMatching(/POST/), expect.stringMatching(/GET/)]),
    );
    expect(ours.some((name) => /^pg\./.test(name))).toBe(true);
  });
});
