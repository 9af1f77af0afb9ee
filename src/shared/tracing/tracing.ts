import { register } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Probes and scrapes are not worth a trace each. */
const UNTRACED = /^\/(health(\/|$|\?)|metrics($|\?))/;

/**
 * Starts OpenTelemetry (configured by the standard `OTEL_*` variables: exporter, endpoint,
 * service name, sampler, …) with the HTTP, Express and pg instrumentations. Must run before the
 * application's modules load: the ESM loader hook patches `import`s made after it, the CommonJS
 * one `require`s. Outgoing HTTP requests (to apps) carry a W3C `traceparent`.
 */
export function startTracing(): NodeSDK {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME || 'import-backend',
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED.test(req.url ?? ''),
      }),
      // The route's handler, not a span for each of the dozen middlewares every request passes.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // No query parameters in spans: they may hold personal data or secrets.
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return sdk;
}
