import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { detail, InvalidError, PayloadTooLargeError } from '../../shared/domain-error.js';

export interface CsvUpload {
  /** The uploaded file, spooled to a temporary file while it streamed in. */
  path: string;
  /** The other (text) fields of the form. */
  fields: Record<string, string>;
  cleanup(): Promise<void>;
}

const remove = (path: string | undefined) =>
  path ? unlink(path).catch(() => undefined) : Promise.resolve();

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    [detail('file', 'file_too_large', String(maxBytes))],
    `the file is larger than ${maxBytes} bytes`,
  );
}

/** After a 413, how long and how much of the rest of the body is read and thrown away. */
const LINGER_MS = 30_000;
const LINGER_IDLE_MS = 5_000;
const LINGER_BYTES = 256 * 1024 * 1024;

/**
 * Reads and discards the rest of an upload refused before its end, the way nginx's lingering
 * close does: clients that send the whole body before reading the answer (Python's requests)
 * would otherwise meet a reset connection instead of the 413. Nothing is kept; after at most
 * 30 s (5 s without data) or 256 MiB the connection is closed. A body that ends in time leaves
 * the connection usable (keep-alive), as any finished request does.
 */
function lingerThenClose(req: Request): void {
  let discarded = 0;
  let idle: NodeJS.Timeout | undefined;
  const close = () => {
    clearTimeout(total);
    clearTimeout(idle);
    req.off('data', onData);
    req.socket.destroy();
  };
  const total = setTimeout(close, LINGER_MS);
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) return close();
    clearTimeout(idle);
    idle = setTimeout(close, LINGER_IDLE_MS);
  };
  idle = setTimeout(close, LINGER_IDLE_MS);
  req.on('data', onData);
  req.once('end', () => {
    clearTimeout(total);
    clearTimeout(idle);
  });
  req.resume();
}

/**
 * Receives the multipart form of a validate request with busboy: the `file` field (a CSV or a
 * workbook) is streamed to a temporary file, nothing is held in memory. At `maxBytes` the upload is cut off at once — a
 * 413, and the rest of the body discarded for a bounded time before the connection closes —
 * and every malformed form is a 400 on the field concerned.
 */
export async function receiveCsvUpload(
  req: Request,
  res: Response,
  maxBytes: number,
): Promise<CsvUpload> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + 1024 * 1024) {
    lingerThenClose(req);
    throw tooLarge(maxBytes);
  }
  if (!req.is('multipart/form-data')) {
    throw new InvalidError(
      [detail('file', 'required', '')],
      'send the file (CSV or .xlsx) as multipart/form-data in a field named "file"',
    );
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: {
        fileSize: maxBytes,
        files: 1,
        fields: 10,
        fieldSize: 64 * 1024,
        parts: 12,
        headerPairs: 100,
      },
    });
  } catch {
    throw new InvalidError([detail('body', 'malformed_form', '')], 'malformed multipart form');
  }

  return new Promise<CsvUpload>((resolve, reject) => {
    const fields: Record<string, string> = {};
    let path: string | undefined;
    let written: Promise<void> | undefined;
    let out: ReturnType<typeof createWriteStream> | undefined;
    let settled = false;

    const fail = (error: Error, cutOff = false) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      out?.destroy();
      void remove(path);
      if (cutOff) {
        // Answer now; read and discard the rest for a bounded while, then close.
        lingerThenClose(req);
      } else {
        req.resume();
      }
      reject(error);
    };

    parser.on('file', (name, stream) => {
      if (name !== 'file') {
        stream.resume();
        return fail(
          new InvalidError(
            [detail(name, 'unexpected_file', name)],
            'one file, in the field "file"',
          ),
        );
      }
      path = join(tmpdir(), `import-upload-${randomUUID()}`);
      out = createWriteStream(path);
      stream.on('limit', () => fail(tooLarge(maxBytes), true));
      written = pipeline(stream, out).catch((error: Error) => fail(error));
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new InvalidError([detail(name, 'too_long', '')]));
      fields[name] = value;
    });
    parser.on('filesLimit', () =>
      fail(
        new InvalidError([detail('file', 'too_many_files', '')], 'one file, in the field "file"'),
      ),
    );
    parser.on('fieldsLimit', () => fail(new InvalidError([detail('body', 'too_many_fields', '')])));
    parser.on('partsLimit', () => fail(new InvalidError([detail('body', 'too_many_parts', '')])));
    parser.on('error', () =>
      fail(new InvalidError([detail('body', 'malformed_form', '')], 'malformed multipart form')),
    );
    parser.on('close', () => {
      if (settled) return;
      if (!path || !written) {
        return fail(
          new InvalidError([detail('file', 'required', '')], 'the form has no "file" field'),
        );
      }
      void written.then(() => {
        if (settled) return;
        settled = true;
        const file = path!;
        resolve({ path: file, fields, cleanup: () => remove(file) });
      });
    });
    req.on('aborted', () =>
      fail(
        new InvalidError([detail('file', 'incomplete_upload', '')], 'the upload was interrupted'),
      ),
    );
    req.pipe(parser);
  });
}
