import type { INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { EnvelopeInterceptor } from './envelope.interceptor.js';
import { GlobalErrorFilter } from './error.filter.js';
import { createValidationPipe } from './validation.js';

/**
 * Everything that makes the HTTP surface what it is — pipes, filter, envelope, security
 * headers, Swagger — in one place, used by main.ts and by every e2e test.
 */
export function configureApp(app: INestApplication): INestApplication {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  express.disable('x-powered-by');
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
  if (FORBIDDEN_KEYS.has(key)) throw new Error(`forbidden_key:${key}`);
  return value;
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
