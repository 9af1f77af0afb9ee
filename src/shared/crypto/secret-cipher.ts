import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Port: seals secrets the server must keep and use again (an app's client_secret, SPEC §8), so
 * that a copy of the database alone reveals none of them. `context` names what the secret
 * belongs to; a sealed value opens only under the same context.
 */
export abstract class SecretCipher {
  abstract seal(plaintext: string, context: string): string;
  /** Throws SecretCipherError when the value was sealed under another key or context, or altered. */
  abstract open(sealed: string, context: string): string;
}

export class SecretCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretCipherError';
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM under the 32-byte `APP_SECRET_KEY`: `v1:` + base64url(iv ‖ tag ‖ ciphertext),
 * a fresh random 96-bit IV per value, the context as additional authenticated data (so a
 * sealed secret moved to another row does not open). The version prefix leaves room for a
 * later key rotation.
 */
export class AesGcmSecretCipher extends SecretCipher {
  constructor(private readonly key: Buffer) {
    super();
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string, context: string): string {
    const [version, payload] = sealed.split(':', 2);
    if (version !== VERSION || !payload) throw new SecretCipherError('unknown sealed format');
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretCipherError('sealed value too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const body = raw.subarray(IV_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretCipherError(
        'the sealed secret does not open with this key (was APP_SECRET_KEY changed?)',
      );
    }
  }
}
