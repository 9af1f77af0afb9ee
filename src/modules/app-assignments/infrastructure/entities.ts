import { AppAssignmentEntity } from './app-assignment.entity.js';

export const APP_ASSIGNMENT_ENTITIES = [AppAssignmentEntity];
