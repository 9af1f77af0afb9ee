import { Injectable } from '@nestjs/common';
import { AppDelegationPolicy } from '../../../shared/auth/app-delegation-policy.js';
import type { AppIdentity } from '../../../shared/auth/principal.js';
import { AppRepository } from '../../apps/domain/app.repository.js';
import { AppAssignmentRepository } from '../domain/app-assignment.repository.js';

/**
 * An app token is good while its app is, with the secret it was issued for; an app may act for
 * a business while an `app_assignments` row assigns it to that business.
 */
@Injectable()
export class AssignmentAppDelegationPolicy extends AppDelegationPolicy {
  constructor(
    private readonly apps: AppRepository,
    private readonly assignments: AppAssignmentRepository,
  ) {
    super();
  }

  async isCurrent(identity: AppIdentity): Promise<boolean> {
    const app = await this.apps.findByClientId(identity.clientId);
    return (
      app !== null &&
      app.appId === identity.appId &&
      app.appCodeName === identity.appCodeName &&
      app.secretVersion === identity.secretVersion
    );
  }

  mayActFor(appId: string, businessUid: string): Promise<boolean> {
    return this.assignments.isAssigned(appId, businessUid);
  }
}
