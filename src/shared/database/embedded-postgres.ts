import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded default database: PGlite (PostgreSQL compiled to WebAssembly) kept in a
 * folder and served on 127.0.0.1 over the PostgreSQL wire protocol, so that the ordinary
 * `pg` driver and the one TypeORM configuration reach it exactly as they reach a server.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  /** `dataDir` undefined keeps the database in memory (tests). */
  static async start(options: { dataDir?: string; maxConnections?: number; port?: number }) {
    let dataDir: string | undefined;
    if (options.dataDir) {
      dataDir = resolve(options.dataDir);
      await mkdir(dataDir, { recursive: true });
    }
    const db = await PGlite.create(dataDir ? { dataDir } : {});
    const server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: options.port ?? 0,
      maxConnections: options.maxConnections ?? 50,
    });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    return new EmbeddedPostgres(db, server, url);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
