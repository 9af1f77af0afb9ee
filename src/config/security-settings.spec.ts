import { describe, expect, test } from '@jest/globals';
import { ConfigValidationError, loadConfig } from './app-config.js';

const KEY = Buffer.alloc(32, 1).toString('base64');
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
};

describe('APP_SECRET_KEY and the HTTP timeouts', () => {
  test('production needs APP_SECRET_KEY', () => {
    expect(problemsOf({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32) })).toEqual([
      expect.stringMatching(/^APP_SECRET_KEY must be set when NODE_ENV=production/),
    ]);
    expect(
      problemsOf({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32), APP_SECRET_KEY: KEY }),
    ).toEqual([]);
  });

  test.each([
    ['too short', Buffer.alloc(16).toString('base64')],
    ['not base64', '!'.repeat(44)],
    ['hex', 'ab'.repeat(32)],
  ])('an APP_SECRET_KEY that is not 32 bytes of base64 (%s) is refused', (_what, value) => {
    expect(problemsOf({ APP_SECRET_KEY: value })).toEqual([
      expect.stringContaining('APP_SECRET_KEY must be 32 bytes, base64-encoded'),
    ]);
  });

  test('defaults, and values read from the environment', () => {
    expect(loadConfig({})).toMatchObject({
      HTTP_HEADERS_TIMEOUT_SECONDS: 20,
      HTTP_REQUEST_TIMEOUT_SECONDS: 900,
      HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: 65,
      HTTP_BODY_MIN_BYTES_PER_SECOND: 8192,
      HTTP_BODY_RATE_WINDOW_SECONDS: 10,
    });
    expect(
      loadConfig({ HTTP_BODY_MIN_BYTES_PER_SECOND: '1024', APP_SECRET_KEY: KEY }),
    ).toMatchObject({ HTTP_BODY_MIN_BYTES_PER_SECOND: 1024, APP_SECRET_KEY: KEY });
    expect(problemsOf({ HTTP_REQUEST_TIMEOUT_SECONDS: '0' })).toHaveLength(1);
  });
});
