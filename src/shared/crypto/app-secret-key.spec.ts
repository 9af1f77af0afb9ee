import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { DEV_APP_SECRET_KEY_FILE, resolveAppSecretKey } from './app-secret-key.js';

describe('resolveAppSecretKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'app-secret-key-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('APP_SECRET_KEY when set', async () => {
    const configured = Buffer.alloc(32, 9);
    const { key, generated } = await resolveAppSecretKey({
      APP_SECRET_KEY: configured.toString('base64'),
      DATA_DIR: dir,
      isProduction: true,
    });
    expect([key.equals(configured), generated]).toEqual([true, false]);
  });

  test('in production, no key is a startup error', async () => {
    await expect(
      resolveAppSecretKey({ APP_SECRET_KEY: undefined, DATA_DIR: dir, isProduction: true }),
    ).rejects.toThrow(/APP_SECRET_KEY/);
  });

  test('outside production: generated once in DATA_DIR, private, the same for instances starting together', async () => {
    const config = { APP_SECRET_KEY: undefined, DATA_DIR: dir, isProduction: false };
    const keys = await Promise.all(Array.from({ length: 8 }, () => resolveAppSecretKey(config)));
    expect(keys.every(({ key, generated }) => generated && key.length === 32)).toBe(true);
    expect(new Set(keys.map(({ key }) => key.toString('hex'))).size).toBe(1);
    const again = await resolveAppSecretKey(config);
    expect(again.key.equals(keys[0].key)).toBe(true);
    const file = join(dir, DEV_APP_SECRET_KEY_FILE);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').equals(again.key)).toBe(
      true,
    );
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
