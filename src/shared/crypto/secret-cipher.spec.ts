import { randomBytes } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { AesGcmSecretCipher, SecretCipherError } from './secret-cipher.js';

describe('AesGcmSecretCipher', () => {
  const key = randomBytes(32);
  const cipher = new AesGcmSecretCipher(key);
  const secret = 'sk_q3Vt0bX9mK2pL7wN4rY8cE1hJ6gF5dA0sZ-uI_oTxMv';

  test('opens what it sealed, under the same context', () => {
    const sealed = cipher.seal(secret, 'app app_1 client_secret');
    expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(cipher.open(sealed, 'app app_1 client_secret')).toBe(secret);
  });

  test('a fresh IV every time: the same secret never seals the same way', () => {
    expect(cipher.seal(secret, 'c')).not.toBe(cipher.seal(secret, 'c'));
  });

  test('the sealed form does not contain the secret in any encoding', () => {
    const sealed = cipher.seal(secret, 'c');
    for (const form of [secret, Buffer.from(secret).toString('base64url')]) {
      expect(sealed).not.toContain(form.slice(3, 20));
    }
  });

  test.each([
    ['another context (a sealed secret moved to another app)', (s: string) => [s, 'other']],
    [
      'an altered ciphertext',
      (s: string) => [`${s.slice(0, -2)}${s.endsWith('A') ? 'B' : 'A'}${s.slice(-1)}`, 'c'],
    ],
    ['an unknown format', () => ['v2:abc', 'c']],
    ['a truncated value', (s: string) => [s.slice(0, 10), 'c']],
  ])('refuses %s', (_what, tamper) => {
    const [sealed, context] = tamper(cipher.seal(secret, 'c'));
    expect(() => cipher.open(sealed, context)).toThrow(SecretCipherError);
  });

  test('does not open under another key', () => {
    const sealed = cipher.seal(secret, 'c');
    expect(() => new AesGcmSecretCipher(randomBytes(32)).open(sealed, 'c')).toThrow(
      /APP_SECRET_KEY/,
    );
  });

  test('takes 32-byte keys only', () => {
    expect(() => new AesGcmSecretCipher(randomBytes(16))).toThrow();
  });
});
