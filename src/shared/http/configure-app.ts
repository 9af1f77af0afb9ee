import type { INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { EnvelopeInterceptor } from './envelope.interceptor.js';
import { applyRateLimits } from './rate-limit.js';
import { GlobalErrorFilter } from './error.filter.js';
import { applyServerTimeouts } from './server-timeouts.js';
import { createValidationPipe } from './validation.js';

/**
 * Everything that makes the HTTP surface what it is — pipes, filter, envelope, security
 * headers, Swagger — in one place, used by main.ts and by every e2e test.
 */
export function configureApp(app: INestApplication): INestApplication {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  express.disable('x-powered-by');
  // Before the body parsers, which read bodies to the end before passing on.
  applyServerTimeouts(app);
  express.useBodyParser('json', { limit: '1mb', reviver: refuseProtoKeys });
  express.useBodyParser('urlencoded', { extended: false, limit: '64kb' });
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Swagger UI ships inline styles and a data: favicon.
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
        },
      },
    }),
  );
  app.use(refuseNulInUrl);
  applyRateLimits(app);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new GlobalErrorFilter());
  app.useGlobalInterceptors(new EnvelopeInterceptor(app.get(Reflector)));
  app.enableShutdownHooks();
  setupSwagger(app);
  return app;
}

/**
 * A JSON body may not carry `__proto__`, `constructor` or `prototype` keys (prototype
 * pollution): a clear 400 `forbidden_key` rather than the key silently disappearing.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
function refuseProtoKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new Error(`invalid_body:forbidden_key:${key}`);
  // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
  if (typeof value === 'string' && value.includes('\u0000'))
    throw new Error(`invalid_body:null_byte:${key}`);
  return value;
}

/** A NUL in the path or query (`%00`) is a 400 before anything reads it. */
function refuseNulInUrl(req: Request, res: Response, next: NextFunction): void {
  if (!req.originalUrl.includes('%00') && !req.originalUrl.includes('\u0000')) return next();
  res.status(400).json({
    code: 400,
    message: 'the URL may not contain NUL characters',
    data: { type: 'validation_error', errors: [{ key: 'url', message: 'null_byte', value: '' }] },
  });
}

function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Import backend')
    .setDescription(
      [
        'Multi-tenant API through which a business manages and bulk-imports its customers and',
        'clients, and through which the platform registers apps and assigns them to businesses.',
        '',
        'Every response is an envelope `{code, message, data}`. Click **Authorize** and paste a',
        'token (the server logs a demo token at startup in development; `npm run token` prints one).',
      ].join('\n'),
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Import backend API',
    swaggerOptions: { persistAuthorization: true },
  });
}
