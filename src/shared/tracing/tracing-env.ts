/**
 * Tracing is on only when the standard OpenTelemetry variables ask for it: an OTLP endpoint, or
 * a traces exporter other than `none` — and OTEL_SDK_DISABLED is not `true`. Otherwise nothing of
 * OpenTelemetry is even loaded.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter) return exporter !== 'none';
  return Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );
}
