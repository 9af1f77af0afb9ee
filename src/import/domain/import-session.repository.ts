import type { Page, PageRequest } from '../../shared/pagination.js';
import type { ImportSession } from './import-session.js';
import type { EntityType } from './import-target.js';

export interface PurgeCutoffs {
  /** Now minus the retention. */
  endedBefore: Date;
  /** Now minus the undo window. */
  undoEndedBefore: Date;
}

/**
 * The aggregate's storage (what the engine and the queries need). Writes of a session go through
 * its lease holder: `save` succeeds only while `owner` holds the session's lease.
 */
export abstract class ImportSessionRepository {
  abstract insert(session: ImportSession): Promise<void>;
  /**
   * Saves the session's state if `owner` still holds its lease; false otherwise. A pending
   * cancel request survives a save in the same phase and is dropped when the phase changes.
   * With `release`, the lease is given up in the same write: nobody ever sees the session at
   * rest (validated, completed, …) while it is still leased.
   */
  abstract save(
    session: ImportSession,
    owner: string,
    options?: { release?: boolean },
  ): Promise<boolean>;
  abstract findById(id: string): Promise<ImportSession | null>;
  /** Deletes the session with its rows, outcomes and upload. */
  abstract delete(id: string): Promise<void>;
  /** A business's sessions of one entity type, newest first. */
  abstract list(
    businessUid: string,
    entityType: EntityType,
    page: PageRequest,
  ): Promise<Page<ImportSession>>;
  /**
   * Asks the job working on the session to stop at its next batch boundary (only a receive,
   * validate, collect or confirm: an undo is not cancelled).
   */
  abstract requestCancel(id: string): Promise<void>;
  /**
   * Deletes, with their rows, outcomes, undo log and uploads, the sessions past retention: ended
   * before `endedBefore` — and, when they can be undone, before `undoEndedBefore` too — or
   * undone before `endedBefore`, or left `validated` (expired) before it; never one whose lease
   * is alive. Returns how many.
   */
  abstract purge(cutoffs: PurgeCutoffs): Promise<number>;
}
