import { Injectable } from '@nestjs/common';
import { AppDelegationPolicy } from '../../../shared/auth/app-delegation-policy.js';
import { AppRepository } from '../../apps/domain/app.repository.js';
import { AppAssignmentRepository } from '../domain/app-assignment.repository.js';

/** An app may act for a business while an `app_assignments` row assigns it to that business. */
@Injectable()
export class AssignmentAppDelegationPolicy extends AppDelegationPolicy {
  constructor(
    private readonly apps: AppRepository,
    private readonly assignments: AppAssignmentRepository,
  ) {
    super();
  }

  async mayActFor(appCodeName: string, businessUid: string): Promise<boolean> {
    const app = await this.apps.findByCodeName(appCodeName);
    return app !== null && this.assignments.isAssigned(app.appId, businessUid);
  }
}
