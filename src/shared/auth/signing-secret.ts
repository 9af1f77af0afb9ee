import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../../config/app-config.js';

export interface SigningSecret {
  secret?: string;
  /** True when the secret was generated for development and kept under DATA_DIR. */
  generated: boolean;
}

/**
 * The HS256 secret: AUTH_JWT_SECRET when set; otherwise, outside production and without a
 * JWKS URL, one generated once and kept in `DATA_DIR/dev-jwt-secret` (SPEC §1.2).
 */
export async function resolveSigningSecret(config: AppConfig): Promise<SigningSecret> {
  if (config.AUTH_JWT_SECRET) return { secret: config.AUTH_JWT_SECRET, generated: false };
  if (config.isProduction || config.AUTH_JWKS_URL) return { generated: false };
  const file = join(config.DATA_DIR, 'dev-jwt-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return { secret: existing, generated: true };
  } catch {
    // not there yet
  }
  await mkdir(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return { secret, generated: true };
}
