import { createServer, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

type QueueManager = ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue'];

interface Item {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

// Extended-query messages up to Sync form one cycle: Parse, Bind, Describe, Execute, Close, Flush.
const CYCLE = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
const SYNC = 'S'.charCodeAt(0);
const QUERY = 'Q'.charCodeAt(0);

/**
 * Serialises every connection's messages onto the one PGlite backend, keeping a connection's
 * extended-query cycle (Parse … Sync) and its transactions whole. The library's own queue
 * interleaves messages of concurrent connections message by message, so one connection's Bind
 * can land on another's Parse ("unnamed prepared statement does not exist"), and a failed
 * message stalls its queue for good; this one does neither.
 */
class ProtocolCycleQueue {
  private readonly queue: Item[] = [];
  private processing = false;
  private owner: number | null = null;
  private last: number | null = null;
  /** Set once the database is closing: nothing more reaches it. */
  closed = false;

  constructor(private readonly db: PGlite) {}

  enqueue(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  private async process(): Promise<void> {
    if (this.processing || this.closed) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = this.owner ?? (this.db.isInTransaction() ? this.last : null);
        const index = owner === null ? 0 : this.queue.findIndex((item) => item.handlerId === owner);
        if (index === -1) break; // the owner's next message has not arrived yet
        const [item] = this.queue.splice(index, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
          item.resolve(bytes);
        } catch (error) {
          item.reject(error);
        }
        this.last = item.handlerId;
        const type = item.message[0];
        if (CYCLE.has(type)) this.owner = item.handlerId;
        else if (type === SYNC || type === QUERY) this.owner = null;
      }
    } finally {
      this.processing = false;
    }
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].handlerId === handlerId)
        this.queue.splice(i, 1)[0].reject(new Error('connection closed'));
    }
    if (this.owner === handlerId) this.owner = null;
  }

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.closed) return;
    if (this.db.isInTransaction() && this.last === handlerId) {
      // A connection that died inside its transaction: roll it back, as a server would.
      await this.db.exec('ROLLBACK').catch(() => undefined);
      this.last = null;
    }
    if (this.owner === handlerId) this.owner = null;
    void this.process();
  }
}

export interface PGliteServer {
  url: string;
  stop(): Promise<void>;
}

/** Serves a PGlite database on 127.0.0.1 over the PostgreSQL wire protocol. */
export async function servePGlite(db: PGlite, port = 0): Promise<PGliteServer> {
  await db.waitReady;
  const cycleQueue = new ProtocolCycleQueue(db);
  const queue = cycleQueue as unknown as QueueManager;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const handler = new PGLiteSocketHandler({ queryQueue: queue, closeOnDetach: true });
    handler.attach(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as { port: number };
  return {
    url: `postgres://postgres@127.0.0.1:${actual}/postgres`,
    stop: () =>
      new Promise<void>((resolve) => {
        cycleQueue.closed = true;
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
