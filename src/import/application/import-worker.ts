import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ImportSessionRepository } from '../domain/import-session.repository.js';
import { ConfirmImport } from './confirm-import.js';
import { ImportTargets } from './import-targets.js';

const TICK_MS = 5_000;

/**
 * Background work that lives in the database, so any instance may do it: resumes confirms
 * whose owner died (lease lapsed) and purges ended or expired sessions after retention.
 */
@Injectable()
export class ImportWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ImportWorker');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly sessions: ImportSessionRepository,
    private readonly confirm: ConfirmImport,
    private readonly targets: ImportTargets,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.NODE_ENV === 'test' && !process.env.IMPORT_WORKER) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = undefined));
    }, TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: resume what was abandoned, then purge. */
  async tick(): Promise<void> {
    try {
      for (const id of await this.sessions.findResumable(new Date(), 5)) {
        const session = await this.sessions.findById(id);
        if (!session) continue;
        if (await this.confirm.resume(this.targets.get(session.snapshot.entityType), id)) {
          this.logger.log({ import_id: id }, 'resumed an interrupted confirm');
        }
      }
      const before = new Date(Date.now() - this.config.IMPORT_SESSION_RETENTION_SECONDS * 1000);
      const purged = await this.sessions.purge(before);
      if (purged > 0) this.logger.log({ purged }, 'purged import sessions past retention');
    } catch (error) {
      this.logger.warn({ err: error }, 'import worker pass failed');
    }
  }
}
