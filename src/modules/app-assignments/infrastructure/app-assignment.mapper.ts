import { pickColumns } from '../../../shared/database/columns.js';
import type {
  AppAssignment,
  AssigneeType,
  AssignmentMode,
  NewAppAssignment,
} from '../domain/app-assignment.js';
import { AppAssignmentEntity } from './app-assignment.entity.js';

const RECORD = ['uid', 'appId', 'assigneeUid', 'createdAt', 'updatedAt'] as const;

/**
 * Between an `app_assignments` row (the TypeORM entity, with its app joined for the code name)
 * and the plain `AppAssignment` record the domain works with.
 */
export class AppAssignmentMapper {
  static toDomain(entity: AppAssignmentEntity): AppAssignment {
    if (!entity.app) throw new Error(`assignment ${entity.uid} was loaded without its app`);
    return {
      ...pickColumns(entity, RECORD),
      appCodeName: entity.app.appCodeName,
      // Varchar and jsonb columns, written only from validated input.
      assigneeType: entity.assigneeType as AssigneeType,
      settings: { assignment_mode: entity.settings.assignment_mode as AssignmentMode },
    };
  }

  /** A new row to save; the database fills the uid and the timestamps. */
  static toPersistence(assignment: NewAppAssignment): AppAssignmentEntity {
    return Object.assign(new AppAssignmentEntity(), {
      ...pickColumns(assignment, ['appId', 'assigneeType', 'assigneeUid']),
      settings: { assignment_mode: assignment.settings.assignment_mode },
    });
  }
}
