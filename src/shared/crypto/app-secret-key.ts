import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../../config/app-config.js';

export const DEV_APP_SECRET_KEY_FILE = 'dev-app-secret-key';

/**
 * The key apps' secrets are sealed with (SPEC §8): APP_SECRET_KEY (32 bytes, base64) when set —
 * configuration validation requires it in production; otherwise one generated once and kept in
 * `DATA_DIR/dev-app-secret-key`, like the development JWT secret. The file is published with
 * link(), so instances starting together on one DATA_DIR all end up with the same key.
 */
export async function resolveAppSecretKey(
  config: Pick<AppConfig, 'APP_SECRET_KEY' | 'DATA_DIR' | 'isProduction'>,
): Promise<{ key: Buffer; generated: boolean }> {
  if (config.APP_SECRET_KEY) {
    return { key: Buffer.from(config.APP_SECRET_KEY, 'base64'), generated: false };
  }
  if (config.isProduction) throw new Error('APP_SECRET_KEY must be set when NODE_ENV=production');
  const file = join(config.DATA_DIR, DEV_APP_SECRET_KEY_FILE);
  const existing = await readKey(file);
  if (existing) return { key: existing, generated: true };
  await mkdir(config.DATA_DIR, { recursive: true });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  try {
    await link(draft, file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft).catch(() => undefined);
  }
  const key = await readKey(file);
  if (!key) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return { key, generated: true };
}

async function readKey(file: string): Promise<Buffer | null> {
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    return key.length === 32 ? key : null;
  } catch {
    return null;
  }
}
