import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { DATABASE_UNAVAILABLE } from '../auth/auth.decorators.js';
import { ShuttingDownError } from '../domain-error.js';
import { ApiErrors, errorDoc } from '../http/api-envelope.decorator.js';
import { ShutdownState } from './shutdown-state.js';

/** What a client refused during shutdown is told to wait before trying again (seconds). */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 5;

/** Refuses new import work once this instance is shutting down (503 + Retry-After). */
@Injectable()
export class RefuseWhileShuttingDown implements CanActivate {
  constructor(private readonly shutdown: ShutdownState) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.shutdown.isShuttingDown) return true;
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('Retry-After', String(SHUTDOWN_RETRY_AFTER_SECONDS));
    res.setHeader('Connection', 'close');
    throw new ShuttingDownError();
  }
}

/**
 * Marks a route that starts import work (validate, confirm, an app import): while the instance
 * shuts down it answers 503 with `Retry-After`, so the client retries on another instance.
 * Declare it after @Scopes, so that its 503 examples are the route's.
 */
export const StartsImport = () =>
  applyDecorators(
    UseGuards(RefuseWhileShuttingDown),
    ApiErrors({
      503: [
        DATABASE_UNAVAILABLE,
        errorDoc(
          'This instance is shutting down: retry after `Retry-After` seconds (another instance takes it)',
          new ShuttingDownError(),
          'shutting_down',
        ),
      ],
    }),
  );
