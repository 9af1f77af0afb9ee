import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Items per write. */
const SLICE = 100;

/**
 * The items of a JSON list written to a temporary file as they are produced, then read back as
 * the list's body (`a,b,c`, no brackets). Validate uses it for its row list: each row is
 * serialised once, while it is in memory anyway, instead of being read back from the database
 * and serialised again; memory stays bounded by one batch however long the file.
 */
export class JsonSpool {
  private readonly path = join(tmpdir(), `import-answer-${randomUUID()}.json`);
  private out: WriteStream | undefined;
  private count = 0;
  private failure: Error | undefined;

  /** Appends the items' JSON; resolves once the file has taken it (backpressure). */
  async append(items: readonly unknown[]): Promise<void> {
    if (items.length === 0) return;
    if (this.failure) throw this.failure;
    this.out ??= createWriteStream(this.path).on('error', (error) => (this.failure = error));
    // Written in slices: a batch's JSON in one string would be a large object, which only a
    // full garbage collection frees, and the heap would swell between those.
    let more = true;
    for (let i = 0; i < items.length; i += SLICE) {
      // One stringify of the slice, brackets dropped: twice as fast as one per item and a join.
      const json = JSON.stringify(items.slice(i, i + SLICE)).slice(1, -1);
      more = this.out.write(this.count === 0 ? json : `,${json}`);
      this.count += Math.min(SLICE, items.length - i);
    }
    // events.once rejects on 'error' and removes both listeners whichever comes first.
    if (!more) await once(this.out, 'drain');
  }

  /** The list's body, once everything is appended. */
  async *body(): AsyncIterable<Buffer> {
    if (!this.out) return;
    const out = this.out;
    if (!out.closed)
      await new Promise<void>((resolve, reject) => out.end(resolve).once('error', reject));
    if (this.failure) throw this.failure;
    yield* createReadStream(this.path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
  }

  async remove(): Promise<void> {
    this.out?.destroy();
    await rm(this.path, { force: true });
  }
}
