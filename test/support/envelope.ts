import { expect } from '@jest/globals';
import type { Response } from 'supertest';

/** Asserts an error envelope and returns its `data.errors`. */
export function expectError(
  res: Response,
  status: number,
  expected?: { type?: string; key?: string; message?: string },
): Array<{ key: string; message: string; value: string }> {
  expect({ status: res.status, body: res.body }).toMatchObject({
    status,
    body: { code: status },
  });
  expect(typeof res.body.message).toBe('string');
  const errors = (res.body.data?.errors ?? []) as Array<{
    key: string;
    message: string;
    value: string;
  }>;
  if (expected?.type) expect(res.body.data.type).toBe(expected.type);
  if (expected?.key || expected?.message) {
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ...(expected.key ? { key: expected.key } : {}),
          ...(expected.message ? { message: expected.message } : {}),
        }),
      ]),
    );
  }
  return errors;
}
