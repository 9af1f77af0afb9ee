import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../../config/app-config.js';

/**
 * How long a client may take to send a request (docs/security.md). Node's defaults let a body
 * trickle in for 300 s — one byte every 10 s held a connection and an upload's temporary file
 * that long. Here: headers within HTTP_HEADERS_TIMEOUT_SECONDS; the whole request within
 * HTTP_REQUEST_TIMEOUT_SECONDS (Node answers 408; it checks every 30 s); and a body that
 * stays below HTTP_BODY_MIN_BYTES_PER_SECOND over a window of HTTP_BODY_RATE_WINDOW_SECONDS
 * is cut at the end of that window with a 408.
 */
export function applyServerTimeouts(app: INestApplication): void {
  const config = app.get(AppConfig);
  const server = app.getHttpServer() as Server;
  server.headersTimeout = config.HTTP_HEADERS_TIMEOUT_SECONDS * 1000;
  server.requestTimeout = config.HTTP_REQUEST_TIMEOUT_SECONDS * 1000;
  // Above the load balancer's idle timeout, so that it never reuses a connection we just closed.
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000;
  app.use(
    slowBodyGuard(config.HTTP_BODY_MIN_BYTES_PER_SECOND, config.HTTP_BODY_RATE_WINDOW_SECONDS),
  );
}

function hasBody(req: Request): boolean {
  const length = Number(req.headers['content-length']);
  return (Number.isFinite(length) && length > 0) || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Watches the bytes read from the socket while the body comes in. A window in which fewer than
 * `minBytesPerSecond × windowSeconds` arrived ends the request — unless the server was the slow
 * side (the body stream paused or its buffer full: backpressure is not the client's fault).
 */
export function slowBodyGuard(minBytesPerSecond: number, windowSeconds: number) {
  const minPerWindow = minBytesPerSecond * windowSeconds;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!hasBody(req)) return next();
    const socket = req.socket;
    let mark = socket.bytesRead;
    const timer = setInterval(() => {
      if (req.complete || req.destroyed || res.writableEnded) return clearInterval(timer);
      const received = socket.bytesRead - mark;
      mark = socket.bytesRead;
      const serverIsSlow = req.isPaused() || req.readableLength >= req.readableHighWaterMark;
      if (received >= minPerWindow || serverIsSlow) return;
      clearInterval(timer);
      cutOff(req, res, minBytesPerSecond);
    }, windowSeconds * 1000);
    timer.unref();
    res.once('close', () => clearInterval(timer));
    next();
  };
}

function cutOff(req: Request, res: Response, minBytesPerSecond: number): void {
  // Destroying the request (not only its socket, which a finished response has already let go
  // of) is what tells the handler reading the body that the upload is over, so it cleans up.
  const close = () => {
    req.destroy();
    req.socket.destroy();
  };
  if (res.headersSent) return close();
  res.once('finish', close);
  setTimeout(close, 1000).unref();
  res
    .status(408)
    .set('Connection', 'close')
    .json({
      code: 408,
      message: `the request body arrived too slowly (at least ${minBytesPerSecond} bytes a second)`,
      data: {
        type: 'request_timeout',
        errors: [{ key: 'body', message: 'too_slow', value: String(minBytesPerSecond) }],
      },
    });
}
