import { createHmac } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  url: URL;
  signature: string | undefined;
  headers: IncomingHttpHeaders;
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  attempt: number,
) => boolean | void;

/**
 * A real `import_clients` app on 127.0.0.1: serves `GET /records?page=N` from `pages`, records
 * every request (with its signature), and lets a test inject behaviour for a request first.
 */
export class FakeAppServer {
  readonly seen: SeenRequest[] = [];
  pages: Array<Array<Record<string, unknown>>> = [];
  /** Return true when the handler answered the request itself. */
  handler?: Handler;
  private server?: Server;
  private attempts = new Map<string, number>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.seen.push({
        url,
        signature: req.headers['x-signature-256'] as string | undefined,
        headers: req.headers,
      });
      const key = url.searchParams.get('page') ?? '';
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      if (this.handler?.(req, res, url, attempt)) return;
      const page = Number(url.searchParams.get('page'));
      res.setHeader('content-type', 'application/json');
      if (page === -1) return res.end('{}');
      const data = this.pages[page - 1] ?? [];
      res.end(JSON.stringify({ data, has_more: page < this.pages.length }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/records`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  pagesRequested(): string[] {
    return this.seen.map((s) => s.url.searchParams.get('page') ?? '');
  }

  /**
   * Does a request's signature verify with this key, as an app written from the contract checks
   * it (SPEC §8): `sha256=` + hex HMAC-SHA256 of `GET <path and query>`, keyed with the app's
   * client_secret (or, for an app registered before, with the SHA-256 hex of it).
   */
  static verifies(request: SeenRequest, key: string): boolean {
    const expected = createHmac('sha256', key)
      .update(`GET ${request.url.pathname}${request.url.search}`)
      .digest('hex');
    return request.signature === `sha256=${expected}`;
  }
}
