import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { ApiServiceUnavailableResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { ShuttingDownError } from '../domain-error.js';
import { ErrorEnvelopeDto } from '../http/envelope.dto.js';
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
 */
export const StartsImport = () =>
  applyDecorators(
    UseGuards(RefuseWhileShuttingDown),
    ApiServiceUnavailableResponse({
      description: 'This instance is shutting down: retry after `Retry-After` seconds',
      type: ErrorEnvelopeDto,
    }),
  );
