import { Global, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
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

/**
 * Outside production, with a generated secret: a ready-to-paste demo token carrying every scope
 * but platform:admin for {@link DEMO_BUSINESS_UID}, which main.ts prints bare on its own line.
 */
@Injectable()
export class DemoToken {
  constructor(
    private readonly holder: SigningSecretHolder,
    private readonly config: AppConfig,
  ) {}

  get available(): boolean {
    return this.holder.generated && !!this.holder.secret && !this.config.isProduction;
  }

  /** A fresh token valid 24 h, or undefined when there is no demo token to give. */
  async issue(): Promise<string | undefined> {
    if (!this.available) return undefined;
    return signToken(
      this.holder.secret!,
      {
        sub: 'demo-user',
        business_uid: DEMO_BUSINESS_UID,
        scope: SCOPES.filter((s) => s !== 'platform:admin').join(' '),
      },
      { expiresIn: '24h', issuer: this.config.AUTH_ISSUER, audience: this.config.AUTH_AUDIENCE },
    );
  }
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
    DemoToken,
  ],
  exports: [SigningSecretHolder, JwtVerifier, DemoToken],
})
export class AuthModule implements OnApplicationBootstrap {
  constructor(
    private readonly demoToken: DemoToken,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.demoToken.available) return;
    new Logger('Auth').log(
      `development secret kept in ${this.config.DATA_DIR}/dev-jwt-secret; a demo token for business "${DEMO_BUSINESS_UID}" is printed at startup`,
    );
  }
}
