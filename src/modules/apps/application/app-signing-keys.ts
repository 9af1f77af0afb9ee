import { Injectable } from '@nestjs/common';
import { SecretCipher } from '../../../shared/crypto/secret-cipher.js';
import type { AppSigningKey } from '../domain/app.js';

/** What a sealed secret is bound to: it opens only for the app it was sealed for. */
const contextOf = (clientId: string) => `app ${clientId} client_secret`;

/**
 * The keys of the signatures on the requests the platform sends apps (SPEC §5.2, §8): the
 * client_secret itself, sealed at rest; or, for apps registered before, the SHA-256-derived key
 * they keep until their secret is rotated.
 */
@Injectable()
export class AppSigningKeys {
  constructor(private readonly cipher: SecretCipher) {}

  /** The stored form of the signing key of a new (or newly rotated) secret. */
  forSecret(clientId: string, clientSecret: string): AppSigningKey {
    return {
      scheme: 'client_secret',
      sealedSecret: this.cipher.seal(clientSecret, contextOf(clientId)),
      clientId,
    };
  }

  /** The HMAC key to sign with. Throws SecretCipherError when the secret does not open. */
  hmacKeyOf(key: AppSigningKey): string {
    return key.scheme === 'client_secret'
      ? this.cipher.open(key.sealedSecret, contextOf(key.clientId))
      : key.key;
  }
}
