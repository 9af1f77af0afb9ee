export const ASSIGNEE_TYPES = ['business', 'directory', 'package'] as const;
export type AssigneeType = (typeof ASSIGNEE_TYPES)[number];

export const ASSIGNMENT_MODES = ['internal', 'pre_installed'] as const;
export type AssignmentMode = (typeof ASSIGNMENT_MODES)[number];

/** An app assigned to a business, directory or package (SPEC §3). A plain record. */
export interface AppAssignment {
  uid: string;
  appId: string;
  appCodeName: string;
  assigneeType: AssigneeType;
  assigneeUid: string;
  settings: { assignment_mode: AssignmentMode };
  createdAt: Date;
  updatedAt: Date;
}

export type NewAppAssignment = Pick<
  AppAssignment,
  'appId' | 'assigneeType' | 'assigneeUid' | 'settings'
>;

export interface AssignmentFilter {
  appCodeName?: string;
  assigneeType?: AssigneeType;
  assigneeUid?: string;
}
