import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { ShutdownState } from './shutdown-state.js';

/**
 * SIGTERM/SIGINT: readiness fails at once and import routes answer 503; requests in flight get
 * up to `timeoutSeconds` to finish; then the shutdown hooks run (leases released), the HTTP
 * server and the database close, `afterClose` runs (e.g. flushing traces), and the process
 * exits. A second signal exits at once.
 */
export function handleShutdownSignals(
  app: INestApplication,
  timeoutSeconds: number,
  afterClose?: () => Promise<void>,
): void {
  const logger = new Logger('Shutdown');
  const state = app.get(ShutdownState);
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    started = true;
    state.begin(signal);
    // A backstop: whatever hangs, the process is gone a little after the hooks' own limit.
    setTimeout(
      () => {
        logger.error('shutdown took too long: exiting');
        process.exit(1);
      },
      (timeoutSeconds + 15) * 1000,
    ).unref();
    void (async () => {
      const drained = await state.drain(timeoutSeconds * 1000);
      if (!drained)
        logger.warn(
          { requests_in_flight: state.requestsInFlight },
          `requests still running after ${timeoutSeconds} s: closing their connections`,
        );
      try {
        await app.close();
        await afterClose?.();
        process.exit(0);
      } catch (error) {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
