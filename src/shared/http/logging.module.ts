import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config.js';
import { requestIdOf } from '../request-context.js';
import { redactError, redactRequest } from './log-redaction.js';

/**
 * Structured JSON logs with a request id per request (echoed as `X-Request-Id`), without
 * credentials, SQL parameters or secrets in URLs.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.LOG_LEVEL,
          genReqId: (req: IncomingMessage, res: ServerResponse) => requestIdOf(req, res),
          // No SQL parameters, no secrets from a query string (see log-redaction.ts).
          serializers: { req: redactRequest, err: redactError },
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.body.client_secret',
              'res.headers["set-cookie"]',
            ],
            censor: '[redacted]',
          },
          // Probes and scrapes every few seconds would drown the log.
          autoLogging: {
            ignore: (req: IncomingMessage) =>
              req.url === '/metrics' || (req.url ?? '').startsWith('/health'),
          },
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        },
      }),
    }),
  ],
})
export class LoggingModule {}
