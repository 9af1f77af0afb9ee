import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type PGliteServer, servePGlite } from './pglite-server.js';

/**
 * The embedded default database: PGlite (PostgreSQL compiled to WebAssembly) kept in a
 * folder and served on 127.0.0.1 over the PostgreSQL wire protocol, so that the ordinary
 * `pg` driver and the one TypeORM configuration reach it exactly as they reach a server.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGliteServer,
  ) {}

  get url(): string {
    return this.server.url;
  }

  /** `dataDir` undefined keeps the database in memory. */
  static async start(options: { dataDir?: string; port?: number }): Promise<EmbeddedPostgres> {
    let dataDir: string | undefined;
    if (options.dataDir) {
      dataDir = resolve(options.dataDir);
      await mkdir(dataDir, { recursive: true });
    }
    const db = await PGlite.create(dataDir ? { dataDir } : {});
    return new EmbeddedPostgres(db, await servePGlite(db, options.port ?? 0));
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
