import { Injectable } from '@nestjs/common';
import type { Caller, ImportSession } from '../domain/import-session.js';
import { ImportSessionRepository } from '../domain/import-session.repository.js';
import type { EntityType } from '../domain/import-target.js';
import { ImportJobs } from './import-jobs.js';
import { ImportQueries } from './import-queries.js';
import { JobLeases } from './job-leases.js';

/** How long a cancel waits for the running job to reach its next batch boundary. */
const WAIT_FOR_STOP_MS = 10_000;

/**
 * Cancel (SPEC §8): an import that no job is running (validated, or waiting for an instance) is
 * cancelled at once; a running validate, confirm or app pull is asked to stop at its next batch
 * boundary — on whichever instance runs it — and the answer waits a little for it to stop.
 * Rows already written stay written. A finished import is a 409 `import_finished`.
 */
@Injectable()
export class CancelImport {
  constructor(
    private readonly queries: ImportQueries,
    private readonly sessions: ImportSessionRepository,
    private readonly leases: JobLeases,
    private readonly jobs: ImportJobs,
  ) {}

  async cancel(entityType: EntityType, caller: Caller, importId: string): Promise<ImportSession> {
    const session = await this.queries.get(entityType, caller, importId);
    session.assertOwnedBy(caller);
    session.assertCancellable(new Date());
    const lease = await this.leases.claim(session.id, [
      'receiving',
      'validating',
      'collecting',
      'validated',
      'confirming',
    ]);
    if (lease) {
      try {
        return await this.jobs.cancel(lease);
      } finally {
        await this.leases.release(lease);
      }
    }
    await this.sessions.requestCancel(session.id);
    this.leases.haltHere(session.id, 'cancelled');
    const deadline = Date.now() + WAIT_FOR_STOP_MS;
    let latest = session;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      latest = (await this.queries.reload(session)) ?? latest;
      if (!latest.working) break;
    }
    return latest;
  }
}
