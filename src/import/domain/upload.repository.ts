/** Uploads kept in the database while they wait to be validated, so any instance can do it. */
export abstract class UploadRepository {
  /** Stores a file's bytes for the session (replacing any earlier copy); returns the size. */
  abstract store(sessionId: string, chunks: AsyncIterable<Buffer>): Promise<number>;
  /** The stored bytes, in order, read a chunk at a time. */
  abstract read(sessionId: string): AsyncIterable<Buffer>;
  abstract delete(sessionId: string): Promise<void>;
}
