import { Global, Module } from '@nestjs/common';
import { AppDelegationPolicy } from '../../shared/auth/app-delegation-policy.js';
import { AppsModule } from '../apps/apps.module.js';
import { AppAssignmentsService } from './application/app-assignments.service.js';
import { AppAssignmentRepository } from './domain/app-assignment.repository.js';
import { AppAssignmentsController } from './http/app-assignments.controller.js';
import { AssignmentAppDelegationPolicy } from './infrastructure/assignment-app-delegation-policy.js';
import { TypeOrmAppAssignmentRepository } from './infrastructure/typeorm-app-assignment.repository.js';

/** Global so that the global AuthGuard (in AuthModule) can inject the AppDelegationPolicy. */
@Global()
@Module({
  imports: [AppsModule],
  controllers: [AppAssignmentsController],
  providers: [
    AppAssignmentsService,
    { provide: AppAssignmentRepository, useClass: TypeOrmAppAssignmentRepository },
    { provide: AppDelegationPolicy, useClass: AssignmentAppDelegationPolicy },
  ],
  exports: [AppAssignmentRepository, AppDelegationPolicy],
})
export class AppAssignmentsModule {}
