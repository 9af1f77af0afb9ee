import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { resolveAppSecretKey } from './app-secret-key.js';
import { AesGcmSecretCipher, SecretCipher } from './secret-cipher.js';

/** The cipher that keeps apps' secrets encrypted at rest, under APP_SECRET_KEY. */
@Global()
@Module({
  providers: [
    {
      provide: SecretCipher,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        new AesGcmSecretCipher((await resolveAppSecretKey(config)).key),
    },
  ],
  exports: [SecretCipher],
})
export class CryptoModule {}
