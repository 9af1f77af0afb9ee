import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import { MESSAGE_KEY } from './api-envelope.decorator.js';

export const RAW_RESPONSE_KEY = 'http:raw';

/** Wraps every JSON success in `{code, message, data}` (SPEC §1.1). */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE_KEY, targets)) return next.handle();
    const message = this.reflector.getAllAndOverride<string>(MESSAGE_KEY, targets) ?? 'ok';
    const response = context.switchToHttp().getResponse<Response>();
    return next
      .handle()
      .pipe(
        map((data: unknown) =>
          data instanceof StreamableFile
            ? data
            : { code: response.statusCode, message, data: data ?? {} },
        ),
      );
  }
}
