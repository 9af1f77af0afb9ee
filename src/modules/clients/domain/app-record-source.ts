import type { AppSigningKey } from '../../apps/domain/app.js';

/** Where an `import_clients` app is pulled from (SPEC §5.2). */
export interface AppPullTarget {
  appCodeName: string;
  apiUri: string;
  /** The key of the request signatures, as stored: opened only when a request is signed. */
  signingKey: AppSigningKey;
}

export interface AppPage {
  records: Array<Record<string, unknown>>;
  hasMore: boolean;
}

/** A readable reason why pulling from an app stopped; it becomes the session's `error`. */
export class AppPullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppPullError';
  }
}

/** Limits and pacing of app pulls (SPEC §5.2); tests shorten them. */
export class AppPullPolicy {
  timeoutMs = 10_000;
  retries = 5;
  baseDelayMs = 500;
  maxDelayMs = 8_000;
  /** The most a Retry-After header may make us wait. */
  maxRetryAfterMs = 30_000;
  maxRecordsPerPage = 1000;
  maxResponseBytes = 16 * 1024 * 1024;
}

/** The app's pages of client records, fetched with signatures, timeouts and retries. */
export abstract class AppRecordSource {
  /** Throws AppPullError once retries are exhausted or the answer is unusable. */
  abstract fetchPage(
    app: AppPullTarget,
    params: { page: number; sessionId: string; businessUid: string },
  ): Promise<AppPage>;
  /** `page=-1`: tells the app the import is over. */
  abstract notifyDone(
    app: AppPullTarget,
    params: { sessionId: string; businessUid: string },
  ): Promise<void>;
}
