import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../shared/auth/principal.js';
import { ForbiddenError, NotFoundError } from '../../../shared/domain-error.js';
import type { Page, PageRequest } from '../../../shared/pagination.js';
import { AppRepository } from '../../apps/domain/app.repository.js';
import type {
  AppAssignment,
  AssigneeType,
  AssignmentFilter,
  AssignmentMode,
} from '../domain/app-assignment.js';
import { AppAssignmentRepository } from '../domain/app-assignment.repository.js';

const OWN_BUSINESS_ONLY = 'insufficient permissions: only assignments of your own business';

@Injectable()
export class AppAssignmentsService {
  constructor(
    private readonly assignments: AppAssignmentRepository,
    private readonly apps: AppRepository,
  ) {}

  async create(
    principal: Principal,
    input: {
      appCodeName: string;
      assigneeType: AssigneeType;
      assigneeUid: string;
      assignmentMode: AssignmentMode;
    },
  ): Promise<AppAssignment> {
    this.assertMayTouch(principal, input.assigneeType, input.assigneeUid);
    const app = await this.apps.findByCodeName(input.appCodeName);
    if (!app) throw new NotFoundError(`app ${input.appCodeName}`);
    return this.assignments.insert({
      appId: app.appId,
      assigneeType: input.assigneeType,
      assigneeUid: input.assigneeUid,
      settings: { assignment_mode: input.assignmentMode },
    });
  }

  /** Without `platform:admin` the list is confined to the caller's own business. */
  list(
    principal: Principal,
    filter: AssignmentFilter,
    page: PageRequest,
  ): Promise<Page<AppAssignment>> {
    if (principal.isAdmin) return this.assignments.list(filter, page);
    this.assertMayTouch(
      principal,
      filter.assigneeType ?? 'business',
      filter.assigneeUid ?? principal.businessUid,
    );
    return this.assignments.list(
      { ...filter, assigneeType: 'business', assigneeUid: principal.businessUid },
      page,
    );
  }

  async get(principal: Principal, uid: string): Promise<AppAssignment> {
    const assignment = await this.assignments.findByUid(uid);
    // Another business's assignment is reported exactly as a missing one.
    if (!assignment || !this.isVisible(principal, assignment)) {
      throw new NotFoundError(`app assignment ${uid}`);
    }
    return assignment;
  }

  async delete(principal: Principal, uid: string): Promise<AppAssignment> {
    const assignment = await this.get(principal, uid);
    await this.assignments.delete(assignment.uid);
    return assignment;
  }

  private isVisible(principal: Principal, assignment: AppAssignment): boolean {
    return (
      principal.isAdmin ||
      (assignment.assigneeType === 'business' && assignment.assigneeUid === principal.businessUid)
    );
  }

  private assertMayTouch(principal: Principal, type: AssigneeType, uid: string | undefined): void {
    if (principal.isAdmin) return;
    if (!principal.businessUid || type !== 'business' || uid !== principal.businessUid) {
      throw new ForbiddenError(OWN_BUSINESS_ONLY);
    }
  }
}
