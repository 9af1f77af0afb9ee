import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import { toE164 } from '../domain/client.rules.js';

/**
 * The worker's script: the compiled `phone-worker.js` beside this module. Run from the TypeScript
 * sources (the unit tests), the built copy under dist/ is used (`npm test` builds first).
 */
function workerScript(): URL {
  const beside = new URL('./phone-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL(beside.href.replace(/\/src\/(?!.*\/src\/)/, '/dist/'));
}

/** The pause after the first failure of the worker; it doubles with each failure in a row. */
const FIRST_PAUSE_MS = 1_000;
const LONGEST_PAUSE_MS = 60_000;
/** The phone worker's heap (MB): metadata and one batch of numbers fit many times over. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 };

interface Pending {
  resolve: (numbers: Array<string | null>) => void;
  reject: (error: Error) => void;
}

/**
 * E.164 normalisation of a batch of phone numbers on a worker thread. Parsing and validating
 * numbers is the costliest check of a client row, and validate is bound by the event loop, so a
 * batch's phones are normalised there while the event loop reads and checks the previous batch.
 * When the worker cannot start or dies, the batch in flight is normalised on the event loop, so an
 * import never fails because of it, and so are the batches of a pause that doubles with each
 * failure in a row (1 s, 2 s, … up to a minute) before a new worker is tried: a worker that can
 * never start costs a few attempts and warnings, not one per batch.
 */
@Injectable()
export class PhoneNormalizer implements OnModuleDestroy {
  private readonly logger = new Logger('PhoneNormalizer');
  private readonly region: string;
  private readonly script = workerScript();
  private worker: { thread: Worker; pending: Map<number, Pending> } | undefined;
  private lastId = 0;
  /** Failures of the worker in a row, and until when batches skip it. */
  private failures = 0;
  private pausedUntil = 0;

  constructor(config: AppConfig) {
    this.region = config.DEFAULT_PHONE_REGION;
  }

  /** The E.164 form of each distinct number (null: not a valid number). */
  async normalize(phones: readonly string[]): Promise<Map<string, string | null>> {
    const distinct = [...new Set(phones)];
    if (distinct.length === 0) return new Map();
    let numbers: Array<string | null> | undefined;
    if (Date.now() >= this.pausedUntil) {
      try {
        numbers = await this.inWorker(distinct);
        this.failures = 0;
      } catch (error) {
        const pause = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** this.failures);
        this.failures += 1;
        this.pausedUntil = Date.now() + pause;
        this.logger.warn(
          { err: error },
          `phone worker unavailable: normalising on the event loop for ${pause / 1000} s`,
        );
      }
    }
    numbers ??= distinct.map((raw) => toE164(raw, this.region));
    return new Map(distinct.map((raw, i) => [raw, numbers[i]]));
  }

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.thread.terminate();
  }

  private inWorker(phones: string[]): Promise<Array<string | null>> {
    const worker = (this.worker ??= this.start());
    const id = ++this.lastId;
    return new Promise((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      worker.thread.postMessage({ id, phones, region: this.region });
    });
  }

  private start(): { thread: Worker; pending: Map<number, Pending> } {
    // A small heap: the worker holds the phone metadata and one batch at a time. Without limits
    // it would get the defaults of a whole process (Node 24: a young generation of up to 192 MB).
    const thread = new Worker(this.script, { resourceLimits: WORKER_LIMITS });
    const worker = { thread, pending: new Map<number, Pending>() };
    thread.unref(); // never keeps the process alive
    thread.on('message', ({ id, numbers }: { id: number; numbers: Array<string | null> }) => {
      worker.pending.get(id)?.resolve(numbers);
      worker.pending.delete(id);
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of worker.pending.values()) p.reject(error);
      worker.pending.clear();
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`phone worker exited with code ${code}`)));
    return worker;
  }
}
