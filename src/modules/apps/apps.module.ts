import { Module } from '@nestjs/common';
import { AppsService } from './application/apps.service.js';
import { AppRepository } from './domain/app.repository.js';
import { AppsController } from './http/apps.controller.js';
import { TypeOrmAppRepository } from './infrastructure/typeorm-app.repository.js';

@Module({
  controllers: [AppsController],
  providers: [AppsService, { provide: AppRepository, useClass: TypeOrmAppRepository }],
  exports: [AppRepository, AppsService],
})
export class AppsModule {}
