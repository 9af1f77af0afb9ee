import type { INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { APP_SCOPES, SCOPES, type Scope } from '../auth/principal.js';
import { EnvelopeInterceptor } from './envelope.interceptor.js';
import { AppConfig } from '../../config/app-config.js';
import { ShutdownState } from '../lifecycle/shutdown-state.js';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.js';
import { withRequestContext } from '../request-context.js';
import { GlobalErrorFilter } from './error.filter.js';
import { applyServerTimeouts } from './server-timeouts.js';
import { createValidationPipe } from './validation.js';

/**
 * Everything that makes the HTTP surface what it is — pipes, filter, envelope, security
 * headers, Swagger — in one place, used by main.ts and by every e2e test.
 */
export function configureApp(app: INestApplication): INestApplication {
  const express = app as NestExpressApplication;
  // First of all: every later layer (rate limits, routes, Swagger) sees the path without /api.
  app.use(stripApiPrefix);
  express.useLogger(app.get(Logger));
  express.disable('x-powered-by');
  // Before the body parsers, which read bodies to the end before passing on.
  applyServerTimeouts(app);
  // Behind a load balancer, the client's address comes from X-Forwarded-For (rate limits, logs).
  express.set('trust proxy', app.get(AppConfig).trustProxy);
  app.use(withRequestContext);
  app.use(app.get(ShutdownState).trackRequests);
  app.use(app.get(PrometheusMetrics).timeRequests);
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
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new GlobalErrorFilter());
  app.useGlobalInterceptors(new EnvelopeInterceptor(app.get(Reflector)));
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

/**
 * The API is served under `/api` as well (the seed's curl calls `/api/customers/import/confirm`):
 * the prefix is dropped before routing, so both paths reach the same routes, limits and docs.
 */
export const API_PREFIX = '/api';
function stripApiPrefix(req: Request, _res: Response, next: NextFunction): void {
  const { url } = req;
  if (url.startsWith(API_PREFIX) && /^[/?]?$/.test(url.charAt(API_PREFIX.length))) {
    const rest = url.slice(API_PREFIX.length);
    req.url = rest.startsWith('/') ? rest : `/${rest}`;
  }
  next();
}

const SCOPE_TEXT: Record<Scope, string> = {
  'customers:read': "Read the business's customers and the customers CSV template",
  'customers:write': "Create, replace and delete the business's customers",
  'customers:import': 'Import customers (validate, confirm, status, errors.csv)',
  'clients:read': "Read the business's clients and the clients CSV template",
  'clients:write': "Create, replace and delete the business's clients",
  'clients:import': 'Import clients (CSV and app imports)',
  'apps:read': 'Read the registered apps',
  'apps:write': 'Register, replace and delete apps',
  'app_assignments:read': "Read the business's app assignments",
  'app_assignments:write': 'Assign apps to the business and remove assignments',
  'platform:admin': 'Every scope, across businesses',
};

const DESCRIPTION = [
  'Multi-tenant API through which a business manages and bulk-imports its customers and',
  'clients, and through which the platform registers apps and assigns them to businesses.',
  '',
  'Every response is an envelope `{code, message, data}` (the token endpoint answers plain',
  'RFC 6749 JSON). Errors: `data` is `{type, errors: [{key, message, value}]}` for 400, 409,',
  '413, 422 and 429, and `{}` for 401, 403, 404 and 503 (503: the database cannot be reached',
  'right now — retry shortly). The API is also served under `/api` (see Servers).',
  '',
  '**Authorize**: paste a JWT as it is, without `Bearer ` in front (Swagger UI adds it). In',
  'development the server prints a demo token for the business `demo-business` on its own line',
  'at startup; `npm run token -- --business <uid> --scope "<scopes>"` prints another. An app',
  'gets a token with **oauth2** (client credentials: its `client_id` and `client_secret`) and',
  'acts for a business with the header `X-On-Behalf-Of`.',
  '',
  'Scopes (a token carries them space-separated in its `scope` claim):',
  '',
  ...SCOPES.map((scope) => `- \`${scope}\`: ${SCOPE_TEXT[scope]}`),
].join('\n');

const TAGS: Array<[string, string]> = [
  ['health', 'Liveness and database readiness (no token)'],
  ['oauth', 'App tokens: the OAuth 2.0 client credentials grant'],
  ['apps', 'Apps registered on the platform (`/platform/v1/apps`)'],
  ['app assignments', 'Which business (directory, package) an app is installed for'],
  ['customers', "The business's customers (companies) and their CSV import"],
  ['clients', "The business's clients (people), their CSV import and imports from apps"],
];

/**
 * The OpenAPI document: served at /docs-json, and built without a server by the CI check that
 * generates a typed client from it. Operation ids are set per route (`validateCustomersImport`);
 * the fallback `Controller_method` marks a route that lacks one.
 */
export function createApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Import backend')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addServer('/', 'This server')
    .addServer(API_PREFIX, 'The same API under /api')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A JWT, pasted without the `Bearer ` prefix',
    })
    .addOAuth2(
      {
        type: 'oauth2',
        description:
          "An app's token: its client_id and client_secret traded at /oauth/token (1 hour)",
        flows: {
          clientCredentials: {
            tokenUrl: '/oauth/token',
            scopes: Object.fromEntries(APP_SCOPES.map((scope) => [scope, SCOPE_TEXT[scope]])),
          },
        },
      },
      'oauth2',
    );
  for (const [name, description] of TAGS) builder.addTag(name, description);
  return SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '')}_${method}`,
  });
}

function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, createApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Import backend API',
    swaggerOptions: {
      persistAuthorization: true,
      // The highlighter freezes the page on the multi-MB answers of a large validate.
      syntaxHighlight: { activated: false },
      // Serialised into the page: a token pasted with its "Bearer " prefix still works.
      requestInterceptor: (request: { headers: Record<string, string> }) => {
        const auth = request.headers.Authorization;
        if (typeof auth === 'string')
          request.headers.Authorization = auth.replace(/^Bearer\s+(?:Bearer\s+)+/i, 'Bearer ');
        return request;
      },
    },
  });
}
