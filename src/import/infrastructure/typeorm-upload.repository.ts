import { once } from 'node:events';
import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { poolOf } from '../../shared/database/pool.js';
import {
  sqlOf,
  type SqlQuery,
  TypeOrmTransactionRunner,
} from '../../shared/database/typeorm-transaction-runner.js';
import { UploadRepository } from '../domain/upload.repository.js';

/** Bytes per stored chunk: one row of `import_uploads` each. */
const CHUNK_BYTES = 1024 * 1024;

/** PostgreSQL's binary COPY format: signature, flags and header extension length. */
const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const COPY_TRAILER = Buffer.from([0xff, 0xff]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Uploads in `import_uploads` as 1 MiB `bytea` chunks. Both ways go through binary `COPY`, so a
 * chunk's bytes reach the socket and come back from it as they are: an `INSERT` would copy each
 * chunk three or four times on its way into the driver's message, and a `SELECT` returns `bytea`
 * as hexadecimal text (a 2 MB string per chunk, then a Buffer decoded from it). Those copies were
 * garbage enough, on a 100 MB upload, to leave the process's C heap tens of MB larger for the
 * rest of the import (docs/performance.md). On PostgreSQL the whole upload is one `COPY`: stored
 * entirely or, if its source fails, not at all.
 */
@Injectable()
export class TypeOrmUploadRepository extends UploadRepository {
  private readonly query: SqlQuery;

  private copyIn?: Promise<boolean>;

  constructor(
    tx: TypeOrmTransactionRunner,
    private readonly dataSource: DataSource,
  ) {
    super();
    this.query = sqlOf(tx);
  }

  async store(sessionId: string, chunks: AsyncIterable<Buffer>): Promise<number> {
    const id = uuidBytes(sessionId);
    await this.delete(sessionId);
    const groups = chunked(chunks);
    if (await this.takesCopyIn()) await this.storeByCopy(id, groups);
    else await this.storeByInsert(sessionId, groups);
    return groups.size;
  }

  async *read(sessionId: string): AsyncIterable<Buffer> {
    uuidBytes(sessionId); // checked: the id is written into the COPY statement below
    for (let seq = 0; ; seq++) {
      // One short COPY per chunk, collected before it is yielded: the connection (on the
      // embedded database, the only backend) is never held while the consumer works.
      const parts = await this.withClient(async (client) => {
        const received: Buffer[] = [];
        const copy = client.query(
          copyTo(
            `COPY (SELECT data FROM import_uploads WHERE session_id = '${sessionId}' AND seq = ${seq}) TO STDOUT (FORMAT binary)`,
          ),
        );
        for await (const part of copy) received.push(part as Buffer);
        return received;
      });
      const data = tupleData(parts);
      if (data === undefined) return;
      for (const part of data) yield part;
    }
  }

  async delete(sessionId: string): Promise<void> {
    await this.query(`DELETE FROM import_uploads WHERE session_id = $1`, [sessionId]);
  }

  /** Whether the server takes COPY FROM STDIN: PostgreSQL does, PGlite (embedded) does not. */
  private takesCopyIn(): Promise<boolean> {
    this.copyIn ??= this.query<Array<{ version: string }>>(`SELECT version()`).then(
      ([{ version }]) => !version.includes('PGlite'),
      (error: unknown) => {
        this.copyIn = undefined; // asked again next time
        throw error;
      },
    );
    return this.copyIn;
  }

  /** One binary COPY: stored entirely or, if the source fails, rolled back by the server. */
  private async storeByCopy(id: Buffer, groups: AsyncIterable<Group>): Promise<void> {
    await this.withClient(async (client) => {
      const copy = client.query(
        copyFrom(`COPY import_uploads (session_id, seq, data) FROM STDIN (FORMAT binary)`),
      );
      const done = once(copy, 'finish');
      done.catch(() => undefined); // an error is thrown below, by the write or by `await done`
      const write = async (part: Buffer) => {
        if (!copy.write(part)) await once(copy, 'drain');
      };
      try {
        await write(COPY_HEADER);
        for await (const { seq, parts, bytes } of groups) {
          await write(tupleHeader(id, seq, bytes));
          for (const part of parts) await write(part);
        }
        copy.end(COPY_TRAILER);
        await done;
      } catch (error) {
        copy.destroy(error instanceof Error ? error : new Error(String(error)));
        await done.catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * PGlite reads COPY data as part of the query's message (sent as separate messages, they stop
   * the database): one INSERT per chunk there, and what was stored is removed if the source fails.
   */
  private async storeByInsert(sessionId: string, groups: AsyncIterable<Group>): Promise<void> {
    try {
      for await (const { seq, parts, bytes } of groups) {
        await this.query(`INSERT INTO import_uploads (session_id, seq, data) VALUES ($1, $2, $3)`, [
          sessionId,
          seq,
          Buffer.concat(parts, bytes),
        ]);
      }
    } catch (error) {
      await this.delete(sessionId).catch(() => undefined);
      throw error;
    }
  }

  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await poolOf(this.dataSource).connect();
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A COPY cut short may leave the connection mid-protocol: such a client is discarded.
      client.release(broken);
    }
  }
}

interface Group {
  seq: number;
  parts: Buffer[];
  bytes: number;
}

/**
 * A stream's bytes as the stored chunks' contents: groups of slices of what was read (nothing
 * copied), `CHUNK_BYTES` each but the last; `size` counts the bytes once the groups are read.
 */
function chunked(chunks: AsyncIterable<Buffer>): AsyncIterable<Group> & { size: number } {
  const result = {
    size: 0,
    async *[Symbol.asyncIterator](): AsyncIterator<Group> {
      let seq = 0;
      let parts: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of chunks) {
        let offset = 0;
        while (offset < chunk.length) {
          const part = chunk.subarray(offset, offset + (CHUNK_BYTES - bytes));
          parts.push(part);
          bytes += part.length;
          offset += part.length;
          if (bytes === CHUNK_BYTES) {
            yield { seq: seq++, parts, bytes };
            parts = [];
            bytes = 0;
          }
        }
        result.size += chunk.length;
      }
      if (bytes > 0) yield { seq, parts, bytes };
    },
  };
  return result;
}

function uuidBytes(id: string): Buffer {
  if (!UUID.test(id)) throw new Error(`not a session id: ${id}`);
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

/** A tuple's fields before its data: the field count, the uuid, the sequence number, the length. */
function tupleHeader(id: Buffer, seq: number, dataBytes: number): Buffer {
  const header = Buffer.allocUnsafe(2 + 4 + 16 + 4 + 4 + 4);
  let offset = header.writeInt16BE(3, 0);
  offset = header.writeInt32BE(16, offset);
  offset += id.copy(header, offset);
  offset = header.writeInt32BE(4, offset);
  offset = header.writeInt32BE(seq, offset);
  header.writeInt32BE(dataBytes, offset);
  return header;
}

/**
 * The `data` of the one tuple a binary COPY of `SELECT data` sent, as slices of what was
 * received (no tuple: undefined). Layout: header (19 bytes), field count (2), length (4), data,
 * trailer (2).
 */
function tupleData(parts: Buffer[]): Buffer[] | undefined {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const prefix = COPY_HEADER.length + 2 + 4;
  if (total <= COPY_HEADER.length + COPY_TRAILER.length) return undefined;
  const head = Buffer.concat(parts, Math.min(total, prefix)); // the first part usually holds it
  const length = head.readInt32BE(prefix - 4);
  if (head.readInt16BE(COPY_HEADER.length) !== 1 || total !== prefix + length + 2) {
    throw new Error('unexpected binary COPY layout of a stored upload chunk');
  }
  const data: Buffer[] = [];
  let skip = prefix;
  let left = length;
  for (const part of parts) {
    const from = Math.min(skip, part.length);
    skip -= from;
    const slice = part.subarray(from, from + Math.min(left, part.length - from));
    left -= slice.length;
    if (slice.length > 0) data.push(slice);
  }
  return data;
}
