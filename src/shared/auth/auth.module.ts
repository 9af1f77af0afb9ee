import { Global, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AppConfig } from '../../config/app-config.js';
import { AuthGuard } from './auth.guard.js';
import { JwtVerifier, signToken } from './jwt.js';
import { SCOPES } from './principal.js';
import { resolveSigningSecret, type SigningSecret } from './signing-secret.js';

export const DEMO_BUSINESS_UID = 'demo-business';

/** The HS256 secret in force, resolved once at startup. */
export abstract class SigningSecretHolder implements SigningSecret {
  abstract secret?: string;
  abstract generated: boolean;
}

@Global()
@Module({
  providers: [
    {
      provide: SigningSecretHolder,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => resolveSigningSecret(config),
    },
    {
      provide: JwtVerifier,
      inject: [SigningSecretHolder, AppConfig],
      useFactory: (holder: SigningSecret, config: AppConfig) =>
        new JwtVerifier(holder.secret, config),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [SigningSecretHolder, JwtVerifier],
})
export class AuthModule implements OnApplicationBootstrap {
  constructor(
    private readonly holder: SigningSecretHolder,
    private readonly config: AppConfig,
  ) {}

  /** Outside production, with a generated secret, log a ready-to-paste demo token. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.holder.generated || !this.holder.secret || this.config.isProduction) return;
    const token = await signToken(
      this.holder.secret,
      {
        sub: 'demo-user',
        business_uid: DEMO_BUSINESS_UID,
        scope: SCOPES.filter((s) => s !== 'platform:admin').join(' '),
      },
      { expiresIn: '24h', issuer: this.config.AUTH_ISSUER, audience: this.config.AUTH_AUDIENCE },
    );
    new Logger('Auth').log(
      `development secret kept in ${this.config.DATA_DIR}/dev-jwt-secret; demo token for business "${DEMO_BUSINESS_UID}" (24 h):\n\nAuthorization: Bearer ${token}\n`,
    );
  }
}
