import { describe, expect, test } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import { detail, UnsupportedMediaTypeError } from '../domain-error.js';
import { GlobalErrorFilter } from './error.filter.js';

/** Runs the filter on `error` and returns the status and body it answered with. */
function answer(error: unknown): { status: number; body: unknown } {
  const sent: { status: number; body: unknown } = { status: 0, body: undefined };
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
      return this;
    },
  };
  const host = {
    switchToHttp: () => ({
      getResponse: () => response,
      getRequest: () => ({ method: 'POST', path: '/customers/import/validate' }),
    }),
  } as unknown as ArgumentsHost;
  new GlobalErrorFilter().catch(error, host);
  return sent;
}

describe('GlobalErrorFilter', () => {
  test('an UnsupportedMediaTypeError is a 415 envelope with its type and errors', () => {
    const error = new UnsupportedMediaTypeError(
      [detail('file', 'unsupported_file_type', 'xls')],
      'save it as .xlsx or CSV',
    );
    expect(answer(error)).toEqual({
      status: 415,
      body: {
        code: 415,
        message: 'save it as .xlsx or CSV',
        data: {
          type: 'unsupported_media_type',
          errors: [{ key: 'file', message: 'unsupported_file_type', value: 'xls' }],
        },
      },
    });
  });
});
