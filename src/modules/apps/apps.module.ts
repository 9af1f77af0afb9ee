import { Module } from '@nestjs/common';
import { AppSigningKeys } from './application/app-signing-keys.js';
import { AppTokenService } from './application/app-token.service.js';
import { AppsService } from './application/apps.service.js';
import { AppRepository } from './domain/app.repository.js';
import { AppsController } from './http/apps.controller.js';
import { OAuthController } from './http/oauth.controller.js';
import { TypeOrmAppRepository } from './infrastructure/typeorm-app.repository.js';

@Module({
  controllers: [AppsController, OAuthController],
  providers: [
    AppsService,
    AppTokenService,
    AppSigningKeys,
    { provide: AppRepository, useClass: TypeOrmAppRepository },
  ],
  exports: [AppRepository, AppsService, AppSigningKeys],
})
export class AppsModule {}
