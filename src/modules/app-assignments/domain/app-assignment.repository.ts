import type { Page, PageRequest } from '../../../shared/pagination.js';
import type { AppAssignment, AssignmentFilter, NewAppAssignment } from './app-assignment.js';

export abstract class AppAssignmentRepository {
  /** Throws ConflictError `already_exists` for a second (app, assignee). */
  abstract insert(assignment: NewAppAssignment): Promise<AppAssignment>;
  abstract findByUid(uid: string): Promise<AppAssignment | null>;
  abstract list(filter: AssignmentFilter, page: PageRequest): Promise<Page<AppAssignment>>;
  abstract isAssigned(appId: string, businessUid: string): Promise<boolean>;
  abstract delete(uid: string): Promise<void>;
}
