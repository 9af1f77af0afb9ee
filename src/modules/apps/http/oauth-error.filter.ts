import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { GlobalErrorFilter } from '../../../shared/http/error.filter.js';
import { OAuthError } from '../application/oauth-error.js';

/**
 * The token endpoint's errors as plain RFC 6749 §5.2 JSON, outside the envelope. Anything that
 * is not an OAuthError (a database outage, a bug) goes to the global filter like everywhere else.
 */
@Catch()
export class OAuthErrorFilter implements ExceptionFilter {
  private readonly fallback = new GlobalErrorFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    if (!(exception instanceof OAuthError)) return this.fallback.catch(exception, host);
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('Pragma', 'no-cache');
    if (
      exception.error === 'invalid_client' &&
      /^Basic\b/i.test(request.headers.authorization ?? '')
    ) {
      response.setHeader('WWW-Authenticate', 'Basic realm="oauth", charset="UTF-8"');
    }
    response.status(exception.status).json({
      error: exception.error,
      ...(exception.description ? { error_description: exception.description } : {}),
    });
  }
}
