import type { Request, Response } from 'express';
import type { ImportSession } from '../domain/import-session.js';

/** How often the session is read again: the job may run on another instance. */
const POLL_MS = 500;
/** A comment now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** Phases in which no job is running: the stream's last event. */
const RESTING = ['validated', 'completed', 'failed', 'cancelled', 'reverted', 'expired'];

/**
 * Server-sent events of an import's status (SPEC §8): `progress` with the status whenever it
 * changes (at most every 500 ms), then `end` with the last status once the import rests
 * (validated, completed, failed, cancelled, reverted or expired) or is gone. It polls the
 * session's row, so it works whichever instance runs the job.
 */
export async function streamStatusEvents(
  req: Request,
  res: Response,
  input: {
    first: ImportSession;
    reload: (session: ImportSession) => Promise<ImportSession | null>;
    toJson: (session: ImportSession) => { phase: string };
  },
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  let closed = false;
  req.on('close', () => (closed = true));
  const send = (event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  let session: ImportSession | null = input.first;
  let last = '';
  let quietSince = Date.now();
  while (!closed && session) {
    const json = input.toJson(session);
    const text = JSON.stringify(json);
    if (RESTING.includes(json.phase)) {
      send('end', json);
      break;
    }
    if (text !== last) {
      send('progress', json);
      last = text;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= KEEPALIVE_MS) {
      res.write(': keep-alive\n\n');
      quietSince = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    session = closed ? null : await input.reload(session);
  }
  res.end();
}
