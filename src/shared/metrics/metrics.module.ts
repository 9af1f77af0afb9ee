import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.js';
import { PrometheusMetrics } from './prometheus-metrics.js';

/** Prometheus metrics: the `Metrics` port for the code that does the work, and `GET /metrics`. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [PrometheusMetrics, { provide: Metrics, useExisting: PrometheusMetrics }],
  exports: [Metrics, PrometheusMetrics],
})
export class MetricsModule {}
