import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** How long the shutdown hooks may take together before the database closes anyway. */
export const SHUTDOWN_HOOKS_TIMEOUT_MS = 5_000;

type ShutdownHook = () => Promise<void>;

/**
 * The instance's life cycle as the rest of the code sees it. Once shutdown begins (SIGTERM, or
 * the application closing), readiness fails, routes that start imports answer 503, and the
 * registered hooks (e.g. "release every held lease, so another instance resumes at once") run
 * before the database connections close.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private shuttingDown = false;
  private readonly hooks = new Map<string, ShutdownHook>();
  private readonly beginHooks = new Map<string, () => void>();
  private inFlight = 0;
  private idle: Array<() => void> = [];

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Requests being served right now. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Registers (or replaces) a hook awaited at shutdown, before database connections close. */
  onShutdown(name: string, hook: ShutdownHook): void {
    this.hooks.set(name, hook);
  }

  /**
   * Registers (or replaces) what to do the moment shutdown begins, while requests in flight still
   * run (e.g. stop background jobs, so that another instance takes them at once).
   */
  onBegin(name: string, hook: () => void): void {
    this.beginHooks.set(name, hook);
  }

  /** Readiness fails and new import work is refused from now on. Idempotent. */
  begin(reason: string): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.logger.log({ reason, requests_in_flight: this.inFlight }, 'shutting down');
    for (const [name, hook] of this.beginHooks) {
      try {
        hook();
      } catch (error) {
        this.logger.warn({ err: error, hook: name }, 'shutdown hook failed');
      }
    }
  }

  /** Express middleware: counts requests in flight; asks clients to reconnect elsewhere. */
  readonly trackRequests = (_req: Request, res: Response, next: NextFunction): void => {
    this.inFlight++;
    if (this.shuttingDown) res.setHeader('Connection', 'close');
    res.once('close', () => {
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
    next();
  };

  /** Resolves once no request is in flight, or after `timeoutMs`; true if drained. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idle = this.idle.filter((r) => r !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idle.push(done);
    });
  }

  /** Nest calls this before the HTTP server and the database close. */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.begin(signal ?? 'application closing');
    await this.runHooks();
  }

  private async runHooks(): Promise<void> {
    if (this.hooks.size === 0) return;
    const hooks = [...this.hooks].map(async ([name, hook]) => {
      try {
        await hook();
      } catch (error) {
        this.logger.warn({ err: error, hook: name }, 'shutdown hook failed');
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), SHUTDOWN_HOOKS_TIMEOUT_MS);
    });
    const result = await Promise.race([Promise.all(hooks), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout')
      this.logger.warn(
        { hooks: [...this.hooks.keys()] },
        `shutdown hooks did not finish within ${SHUTDOWN_HOOKS_TIMEOUT_MS} ms`,
      );
  }
}
