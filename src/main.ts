import { existsSync } from 'node:fs';
import { tracingRequested } from './shared/tracing/tracing-env.js';

// A local .env (see .env.example) fills in what the environment does not set.
if (existsSync('.env')) process.loadEnvFile('.env');

try {
  // Tracing starts before the application's modules load (so their imports are instrumented);
  // without OTEL_* settings nothing of OpenTelemetry is loaded.
  let afterClose: (() => Promise<void>) | undefined;
  if (tracingRequested(process.env)) {
    const { startTracing } = await import('./shared/tracing/tracing.js');
    const sdk = startTracing();
    afterClose = () => sdk.shutdown().catch(() => undefined);
  }
  const { bootstrap } = await import('./server.js');
  await bootstrap(afterClose);
} catch (error) {
  process.stderr.write(`startup failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
