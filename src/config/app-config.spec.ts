import { describe, expect, test } from '@jest/globals';
import { ConfigValidationError, loadConfig } from './app-config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
}

describe('the undo window', () => {
  test('IMPORT_UNDO_SECONDS: 7 days by default, a positive whole number of seconds', () => {
    expect(loadConfig({}).IMPORT_UNDO_SECONDS).toBe(604_800);
    expect(loadConfig({ IMPORT_UNDO_SECONDS: '60' }).IMPORT_UNDO_SECONDS).toBe(60);
    for (const bad of ['0', '-1', 'a week', '1.5'])
      expect(problemsOf({ IMPORT_UNDO_SECONDS: bad })).toEqual([
        expect.stringContaining('IMPORT_UNDO_SECONDS'),
      ]);
  });
});

describe('operations settings', () => {
  test('defaults: 25 s shutdown, no proxy trusted, a pool of 10, no metrics token', () => {
    const config = loadConfig({});
    expect(config.SHUTDOWN_TIMEOUT_SECONDS).toBe(25);
    expect(config.trustProxy).toBe(false);
    expect(config.DB_POOL_SIZE).toBe(10);
    expect(config.METRICS_TOKEN).toBeUndefined();
  });

  test.each([
    ['true', true],
    ['FALSE', false],
    ['', false],
    ['2', 2],
    ['loopback', ['loopback']],
    ['10.0.0.0/8, 192.168.1.7 ,uniquelocal', ['10.0.0.0/8', '192.168.1.7', 'uniquelocal']],
    ['fd00::/8', ['fd00::/8']],
  ])('TRUST_PROXY=%j → %j', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  test('bad values are named, all at once', () => {
    const problems = problemsOf({
      TRUST_PROXY: 'yes please',
      DB_POOL_SIZE: '0',
      SHUTDOWN_TIMEOUT_SECONDS: 'soon',
      METRICS_TOKEN: 'short',
    });
    expect(problems).toHaveLength(4);
    for (const name of ['TRUST_PROXY', 'DB_POOL_SIZE', 'SHUTDOWN_TIMEOUT_SECONDS', 'METRICS_TOKEN'])
      expect(problems.some((p) => p.includes(name))).toBe(true);
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/99' })).toHaveLength(1);
  });
});
