import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../../shared/domain-error.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import type { RowOutcome } from '../domain/import-row.js';
import type { Caller, ImportSession } from '../domain/import-session.js';
import { ImportSessionRepository, type StoredRow } from '../domain/import-session.repository.js';
import type { EntityType } from '../domain/import-target.js';

/** Reading sessions back: status, counters, rows and outcomes (SPEC §6.3). */
@Injectable()
export class ImportQueries {
  constructor(private readonly sessions: ImportSessionRepository) {}

  /** Another business's session, or one of another entity type, does not exist for the caller. */
  async get(
    entityType: EntityType,
    caller: Pick<Caller, 'businessUid'>,
    importId: string,
  ): Promise<ImportSession> {
    const session = await this.sessions.findById(importId);
    if (
      !session ||
      session.snapshot.businessUid !== caller.businessUid ||
      session.snapshot.entityType !== entityType
    ) {
      throw new NotFoundError(`import ${importId}`);
    }
    return session;
  }

  list(
    entityType: EntityType,
    caller: Pick<Caller, 'businessUid'>,
    page: PageRequest,
  ): Promise<Page<ImportSession>> {
    return this.sessions.list(caller.businessUid, entityType, page);
  }

  outcomes(session: ImportSession): AsyncIterable<RowOutcome[]> {
    return this.sessions.streamOutcomes(session.id);
  }

  rows(session: ImportSession): AsyncIterable<StoredRow[]> {
    return this.sessions.streamRows(session.id);
  }
}
