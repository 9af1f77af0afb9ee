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

/**
 * Receives the multipart form of a validate request with busboy: the `file` field (a CSV or a
 * workbook) is streamed to a temporary file, nothing is held in memory. At `maxBytes` the upload is cut off at once — a
 * 413 on a connection that is then closed, not drained — and every malformed form is a 400 on
 * the field concerned.
 */
export async function receiveCsvUpload(
  req: Request,
  res: Response,
  maxBytes: number,
): Promise<CsvUpload> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + 1024 * 1024) {
    res.setHeader('Connection', 'close');
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
        // Stop reading: answer now and close the connection rather than drain a huge body.
        res.setHeader('Connection', 'close');
        res.once('finish', () => req.socket.destroy());
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
