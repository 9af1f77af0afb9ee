import { createHmac, randomUUID } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { AppConfig } from '../../../config/app-config.js';
import { type AppPullResult, Metrics } from '../../../shared/metrics/metrics.js';
import { currentRequestId } from '../../../shared/request-context.js';
import {
  type AppPage,
  AppPullError,
  AppPullPolicy,
  type AppPullTarget,
  AppRecordSource,
} from '../domain/app-record-source.js';
import { isPrivateAddress } from './private-address.js';
import { AppSigningKeys } from '../../apps/application/app-signing-keys.js';
import { SecretCipherError } from '../../../shared/crypto/secret-cipher.js';

/** An answer worth another try (429, 5xx, network trouble), with the wait the app asked for. */
class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The signature of a request (SPEC §5.2, §8; docs/security.md): `sha256=` + the hex
 * HMAC-SHA256, keyed with the app's client_secret, of `GET <path and query>`.
 */
export function signatureOf(key: string, pathAndQuery: string): string {
  return `sha256=${createHmac('sha256', key).update(`GET ${pathAndQuery}`).digest('hex')}`;
}

function resultOf(status: number): AppPullResult {
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return status >= 300 ? '3xx' : '2xx';
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Pulls an app's pages over HTTP(S) (SPEC §5.2): signed GETs, a timeout per request, retries of
 * 429/5xx/network errors with capped exponential backoff and jitter (honouring Retry-After), no
 * redirects, a size cap, and — unless IMPORT_ALLOW_PRIVATE_APP_URIS — no loopback, private or
 * link-local destination, checked on the address actually connected to (no DNS rebinding).
 * Every request carries `X-Request-Id` (the id of the request that started the import, when it
 * runs in that request's context; a new one otherwise) and, with tracing on, a W3C `traceparent`
 * (the HTTP instrumentation adds it).
 */
@Injectable()
export class HttpAppRecordSource extends AppRecordSource {
  constructor(
    private readonly policy: AppPullPolicy,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly signingKeys: AppSigningKeys,
  ) {
    super();
  }

  /** The app's HMAC key, opened for this pull only (SPEC §8). */
  private hmacKeyOf(app: AppPullTarget): string {
    try {
      return this.signingKeys.hmacKeyOf(app.signingKey);
    } catch (error) {
      if (!(error instanceof SecretCipherError)) throw error;
      throw new AppPullError(
        `the app's secret cannot be read to sign requests (was APP_SECRET_KEY changed?); rotate the app's secret`,
      );
    }
  }

  async fetchPage(
    app: AppPullTarget,
    params: { page: number; sessionId: string; businessUid: string },
  ): Promise<AppPage> {
    const url = this.urlOf(app, {
      page: String(params.page),
      session_id: params.sessionId,
      business_uid: params.businessUid,
    });
    const key = this.hmacKeyOf(app);
    const body = await this.withRetries(`page ${params.page}`, () => this.get(url, key));
    if (
      typeof body !== 'object' ||
      body === null ||
      !Array.isArray((body as { data?: unknown }).data)
    ) {
      throw new AppPullError(`page ${params.page}: the app's answer has no "data" array`);
    }
    const { data, has_more: hasMore } = body as { data: unknown[]; has_more?: unknown };
    if (!data.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
      throw new AppPullError(`page ${params.page}: every record must be an object`);
    }
    return { records: data as Array<Record<string, unknown>>, hasMore: hasMore === true };
  }

  async notifyDone(
    app: AppPullTarget,
    params: { sessionId: string; businessUid: string },
  ): Promise<void> {
    const url = this.urlOf(app, {
      page: '-1',
      session_id: params.sessionId,
      business_uid: params.businessUid,
    });
    const key = this.hmacKeyOf(app);
    await this.withRetries('the completion call', () => this.get(url, key, false));
  }

  private urlOf(app: AppPullTarget, query: Record<string, string>): URL {
    let url: URL;
    try {
      url = new URL(app.apiUri);
    } catch {
      throw new AppPullError(`the app's api_uri is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new AppPullError("the app's api_uri must be http(s)");
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url;
  }

  private async withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof RetryableError)) {
          this.metrics.appPullFailure();
          throw error;
        }
        if (retry >= this.policy.retries) {
          this.metrics.appPullFailure();
          throw new AppPullError(`${what}: ${error.message} (gave up after ${retry + 1} attempts)`);
        }
        this.metrics.appPullRetry();
        const backoff = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** retry);
        const jittered = backoff / 2 + Math.random() * (backoff / 2);
        const wait =
          error.retryAfterMs !== undefined
            ? Math.min(error.retryAfterMs, this.policy.maxRetryAfterMs)
            : jittered;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => isPrivateAddress(a.address));
      if (refused && !this.config.IMPORT_ALLOW_PRIVATE_APP_URIS) {
        const e = Object.assign(new Error(`refused: ${hostname} resolves to a private address`), {
          code: 'EPRIVATE',
        });
        return callback(e, '', 0);
      }
      if (options.all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };

  private get(url: URL, key: string, parse = true): Promise<unknown> {
    const transport = url.protocol === 'https:' ? https : http;
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (
      ipaddr.isValid(literal) &&
      isPrivateAddress(literal) &&
      !this.config.IMPORT_ALLOW_PRIVATE_APP_URIS
    ) {
      return Promise.reject(new AppPullError(`refused: ${url.hostname} is a private address`));
    }
    return new Promise((resolveAnswer, rejectAnswer) => {
      // A deadline for the whole exchange, body included (SPEC §5.2: 10 s per request): an app
      // that trickles its answer byte by byte is cut off like one that does not answer.
      const deadline = setTimeout(() => {
        this.metrics.appPullRequest('timeout');
        request.destroy(new RetryableError(`no answer within ${this.policy.timeoutMs} ms`));
      }, this.policy.timeoutMs);
      const resolve = (value: unknown) => {
        clearTimeout(deadline);
        resolveAnswer(value);
      };
      const reject = (error: Error) => {
        clearTimeout(deadline);
        rejectAnswer(error);
      };
      const request = transport.request(
        url,
        {
          method: 'GET',
          lookup: this.guardedLookup,
          headers: {
            Accept: 'application/json',
            'User-Agent': 'import-backend/1.0',
            'X-Signature-256': signatureOf(key, `${url.pathname}${url.search}`),
            'X-Request-Id': currentRequestId() ?? randomUUID(),
          },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          this.metrics.appPullRequest(resultOf(status));
          if (status >= 300 && status < 400) {
            response.resume();
            return reject(
              new AppPullError(`the app answered ${status} (redirects are not followed)`),
            );
          }
          if (status === 429 || status >= 500) {
            response.resume();
            return reject(
              new RetryableError(
                `the app answered ${status}`,
                retryAfterMs(response.headers['retry-after']),
              ),
            );
          }
          if (status >= 400) {
            response.resume();
            return reject(new AppPullError(`the app answered ${status}`));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.policy.maxResponseBytes) {
              request.destroy();
              reject(
                new AppPullError(
                  `the app's answer is larger than ${this.policy.maxResponseBytes} bytes`,
                ),
              );
            } else chunks.push(chunk);
          });
          response.on('error', (e) =>
            reject(e instanceof RetryableError ? e : new RetryableError(e.message)),
          );
          response.on('end', () => {
            if (!parse) return resolve(undefined);
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch {
              reject(new AppPullError("the app's answer is not JSON"));
            }
          });
        },
      );
      request.on('error', (error: Error & { code?: string }) => {
        if (error.code === 'EPRIVATE') reject(new AppPullError(error.message));
        else if (error instanceof RetryableError || error instanceof AppPullError) reject(error);
        else {
          this.metrics.appPullRequest('network_error');
          reject(new RetryableError(`network error (${error.code ?? error.message})`));
        }
      });
      request.end();
    });
  }
}
