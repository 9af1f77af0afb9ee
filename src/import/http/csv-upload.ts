import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Request, Response } from 'express';
import multer from 'multer';
import { detail, InvalidError, PayloadTooLargeError } from '../../shared/domain-error.js';

export interface CsvUpload {
  /** The uploaded file, spooled to a temporary file while it streamed in. */
  path: string;
  /** The other (text) fields of the form. */
  fields: Record<string, string>;
  cleanup(): Promise<void>;
}

const storage = multer.diskStorage({
  destination: tmpdir(),
  filename: (_req, _file, done) => done(null, `import-upload-${randomUUID()}.csv`),
});

/**
 * Receives the multipart form of a validate request: the `file` field is streamed to disk and
 * cut off at `maxBytes` (413, the connection is closed rather than drained); nothing is held in
 * memory. Every malformed form is a 400 on the field concerned.
 */
export async function receiveCsvUpload(
  req: Request,
  res: Response,
  maxBytes: number,
): Promise<CsvUpload> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + 1024 * 1024) tooLarge(res, maxBytes);
  if (!req.is('multipart/form-data')) {
    throw new InvalidError(
      [detail('file', 'required', '')],
      'send the CSV as multipart/form-data in a field named "file"',
    );
  }
  const upload = multer({
    storage,
    limits: {
      fileSize: maxBytes,
      files: 1,
      fields: 10,
      fieldSize: 64 * 1024,
      parts: 12,
      headerPairs: 100,
    },
  }).single('file');
  await new Promise<void>((resolve, reject) => {
    upload(req, res, (error: unknown) =>
      error ? reject(translate(error, res, maxBytes)) : resolve(),
    );
  });
  const file = req.file;
  if (!file)
    throw new InvalidError([detail('file', 'required', '')], 'the form has no "file" field');
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') fields[key] = value;
  }
  return { path: file.path, fields, cleanup: () => unlink(file.path).catch(() => undefined) };
}

function tooLarge(res: Response, maxBytes: number): never {
  res.setHeader('Connection', 'close');
  throw new PayloadTooLargeError(
    [detail('file', 'file_too_large', String(maxBytes))],
    `the file is larger than ${maxBytes} bytes`,
  );
}

function translate(error: unknown, res: Response, maxBytes: number): Error {
  if (error instanceof multer.MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        try {
          tooLarge(res, maxBytes);
        } catch (e) {
          return e as Error;
        }
        break;
      case 'LIMIT_UNEXPECTED_FILE':
        return new InvalidError(
          [detail(error.field ?? 'file', 'unexpected_file', error.field)],
          'one file, in the field "file"',
        );
      case 'LIMIT_FILE_COUNT':
        return new InvalidError(
          [detail('file', 'too_many_files', '')],
          'one file, in the field "file"',
        );
      default:
        return new InvalidError(
          [detail(error.field ?? 'body', 'malformed_form', error.code)],
          'malformed multipart form',
        );
    }
  }
  return new InvalidError([detail('body', 'malformed_form', '')], 'malformed multipart form');
}
