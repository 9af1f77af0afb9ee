import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../../shared/domain-error.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import type { RevertOutcome, RevertStatus } from '../domain/import-change.js';
import type { OutcomeStatus, RowOutcome, RowStatus } from '../domain/import-row.js';
import { ImportOutcomeRepository } from '../domain/import-outcome.repository.js';
import { ImportRowRepository, type StoredRow } from '../domain/import-row.repository.js';
import type { Caller, ImportSession } from '../domain/import-session.js';
import { ImportSessionRepository } from '../domain/import-session.repository.js';
import type { EntityType } from '../domain/import-target.js';
import { RevertOutcomeRepository } from '../domain/revert-outcome.repository.js';

/** Reading sessions back: status, counters, rows, outcomes and undo outcomes (SPEC §6.3, §8). */
@Injectable()
export class ImportQueries {
  constructor(
    private readonly sessions: ImportSessionRepository,
    private readonly rows: ImportRowRepository,
    private readonly outcomes: ImportOutcomeRepository,
    private readonly reverts: RevertOutcomeRepository,
  ) {}

  /** Another business's session, or one of another entity type, does not exist for the caller. */
  async get(
    entityType: EntityType,
    caller: Pick<Caller, 'businessUid'>,
    importId: string,
  ): Promise<ImportSession> {
    const session = await this.sessions.findById(importId);
    if (!session || session.businessUid !== caller.businessUid || session.entityType !== entityType)
      throw new NotFoundError(`import ${importId}`);
    return session;
  }

  /** The session again (its progress), or null once it is gone. */
  reload(session: ImportSession): Promise<ImportSession | null> {
    return this.sessions.findById(session.id);
  }

  list(
    entityType: EntityType,
    caller: Pick<Caller, 'businessUid'>,
    page: PageRequest,
  ): Promise<Page<ImportSession>> {
    return this.sessions.list(caller.businessUid, entityType, page);
  }

  /** Every outcome, in row order, read in pages. */
  allOutcomes(session: ImportSession): AsyncIterable<RowOutcome[]> {
    return this.outcomes.stream(session.id);
  }

  /** Every row with its outcome, in row order, read in pages. */
  allRows(session: ImportSession): AsyncIterable<StoredRow[]> {
    return this.rows.streamRows(session.id);
  }

  pageRows(
    session: ImportSession,
    statuses: readonly RowStatus[] | undefined,
    page: PageRequest,
  ): Promise<Page<StoredRow>> {
    return this.rows.pageRows(session.id, statuses, page);
  }

  pageOutcomes(
    session: ImportSession,
    statuses: readonly OutcomeStatus[] | undefined,
    page: PageRequest,
  ): Promise<Page<RowOutcome>> {
    return this.outcomes.page(session.id, statuses, page);
  }

  /** Every undo outcome, in row order, read in pages. */
  allReverts(session: ImportSession): AsyncIterable<RevertOutcome[]> {
    return this.reverts.stream(session.id);
  }

  pageReverts(
    session: ImportSession,
    statuses: readonly RevertStatus[] | undefined,
    page: PageRequest,
  ): Promise<Page<RevertOutcome>> {
    return this.reverts.page(session.id, statuses, page);
  }
}
