import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module.js';
import { AppAssignmentsService } from './application/app-assignments.service.js';
import { AppAssignmentRepository } from './domain/app-assignment.repository.js';
import { AppAssignmentsController } from './http/app-assignments.controller.js';
import { TypeOrmAppAssignmentRepository } from './infrastructure/typeorm-app-assignment.repository.js';

@Module({
  imports: [AppsModule],
  controllers: [AppAssignmentsController],
  providers: [
    AppAssignmentsService,
    { provide: AppAssignmentRepository, useClass: TypeOrmAppAssignmentRepository },
  ],
  exports: [AppAssignmentRepository],
})
export class AppAssignmentsModule {}
