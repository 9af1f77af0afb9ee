/**
 * How an import session ended. `rejected`: validate refused the upload (a 4xx to the user);
 * `reverted`: an undo of it ended.
 */
export type ImportEnd = 'completed' | 'failed' | 'cancelled' | 'rejected' | 'reverted';

/** What one attempt at an app request gave (a status class, or why there was no answer). */
export type AppPullResult = '2xx' | '3xx' | '4xx' | '429' | '5xx' | 'timeout' | 'network_error';

/**
 * The service's own metrics, as the code that does the work reports them. Application code
 * depends on this port only; the Prometheus adapter (`PrometheusMetrics`) is bound in
 * `MetricsModule`. Every method is cheap and never throws.
 */
export abstract class Metrics {
  /** A session was opened: a CSV validate began, or an app import was accepted. */
  abstract importStarted(entity: string, channel: string): void;
  abstract importFinished(entity: string, channel: string, end: ImportEnd): void;
  /** One committed batch of confirm outcomes (`created`, `updated`, `skipped`, `failed`). */
  abstract rowsProcessed(entity: string, outcomes: ReadonlyArray<{ status: string }>): void;
  /** Validate of a whole source (a CSV upload, or an app's pages), start to validated. */
  abstract validateDuration(entity: string, channel: string, seconds: number): void;
  /** One confirm run (a start or a resume) until the session completed. */
  abstract confirmDuration(entity: string, channel: string, seconds: number): void;
  /** An instance claimed a job whose lease had lapsed (its holder died or stalled). */
  abstract leaseTakeover(job: string): void;
  /** One HTTP attempt at an app (a page, or the completion call). */
  abstract appPullRequest(result: AppPullResult): void;
  /** An attempt that will be tried again (429, 5xx, timeout, network). */
  abstract appPullRetry(): void;
  /** A call to an app that gave up (retries exhausted, or an answer that cannot be used). */
  abstract appPullFailure(): void;
}

/** Seconds since a `performance.now()` reading. */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}

/** Metrics that go nowhere (unit specs of application code). */
export class NoMetrics extends Metrics {
  importStarted(): void {}
  importFinished(): void {}
  rowsProcessed(): void {}
  validateDuration(): void {}
  confirmDuration(): void {}
  leaseTakeover(): void {}
  appPullRequest(): void {}
  appPullRetry(): void {}
  appPullFailure(): void {}
}
