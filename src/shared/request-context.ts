import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request id the caller may choose (`X-Request-Id`); anything else is replaced. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * The request's id: the caller's `X-Request-Id` when it is a sane token, else a new UUID; echoed
 * as `X-Request-Id` and kept on `req.id` (which the request log uses).
 */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as { id?: unknown }).id;
  if (typeof existing === 'string') return existing;
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  (req as { id?: string }).id = id;
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Express middleware: runs the rest of the request with its id in context, so work it starts —
 * a background app pull included — can say which request it came from (e.g. to the app).
 */
export function withRequestContext(
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
): void {
  storage.run({ requestId: requestIdOf(req, res) }, next);
}

/** The id of the request whose work is running, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
