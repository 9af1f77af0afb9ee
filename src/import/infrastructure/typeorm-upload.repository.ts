import { Injectable } from '@nestjs/common';
import {
  sqlOf,
  type SqlQuery,
  TypeOrmTransactionRunner,
} from '../../shared/database/typeorm-transaction-runner.js';
import { UploadRepository } from '../domain/upload.repository.js';

/** Bytes per stored chunk: one row of `import_uploads` each, one insert per chunk. */
const CHUNK_BYTES = 1024 * 1024;

/** Uploads in `import_uploads` as 1 MiB `bytea` chunks, written and read one chunk at a time. */
@Injectable()
export class TypeOrmUploadRepository extends UploadRepository {
  private readonly query: SqlQuery;

  constructor(tx: TypeOrmTransactionRunner) {
    super();
    this.query = sqlOf(tx);
  }

  async store(sessionId: string, chunks: AsyncIterable<Buffer>): Promise<number> {
    await this.delete(sessionId);
    let seq = 0;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await this.query(`INSERT INTO import_uploads (session_id, seq, data) VALUES ($1, $2, $3)`, [
        sessionId,
        seq++,
        Buffer.concat(pending, pendingBytes),
      ]);
      pending = [];
      pendingBytes = 0;
    };
    for await (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) {
        const part = chunk.subarray(offset, offset + (CHUNK_BYTES - pendingBytes));
        pending.push(part);
        pendingBytes += part.length;
        offset += part.length;
        if (pendingBytes === CHUNK_BYTES) await flush();
      }
      size += chunk.length;
    }
    await flush();
    return size;
  }

  async *read(sessionId: string): AsyncIterable<Buffer> {
    for (let seq = 0; ; seq++) {
      const rows = await this.query<Array<{ data: Buffer }>>(
        `SELECT data FROM import_uploads WHERE session_id = $1 AND seq = $2`,
        [sessionId, seq],
      );
      if (rows.length === 0) return;
      yield rows[0].data;
    }
  }

  async delete(sessionId: string): Promise<void> {
    await this.query(`DELETE FROM import_uploads WHERE session_id = $1`, [sessionId]);
  }
}
