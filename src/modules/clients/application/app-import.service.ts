import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import { ImportSession } from '../../../import/domain/import-session.js';
import { ImportSessionRepository } from '../../../import/domain/import-session.repository.js';
import {
  detail,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
} from '../../../shared/domain-error.js';
import { Metrics } from '../../../shared/metrics/metrics.js';
import { AppAssignmentRepository } from '../../app-assignments/domain/app-assignment.repository.js';
import { AppRepository } from '../../apps/domain/app.repository.js';
import { AppPullRunner } from './app-pull.runner.js';

export interface AppImportRequest {
  appCodeName: string;
  shouldOverride: boolean;
  uploadType: 'single' | 'multi';
  sendNotificationsWhenDone: boolean;
  fieldsMapping: Record<string, string>;
}

export interface Requester {
  sub: string;
  businessUid: string;
  email: string | null;
  /** Set when the requester is an app (its own token): it may import only through itself. */
  appId?: string;
}

/**
 * `POST …/apps/{app_code_name}/import` (SPEC §5.2): checks the preconditions, opens a
 * `collecting` session — the durable job — and starts pulling in the background.
 */
@Injectable()
export class AppImportService {
  constructor(
    private readonly apps: AppRepository,
    private readonly assignments: AppAssignmentRepository,
    private readonly sessions: ImportSessionRepository,
    private readonly runner: AppPullRunner,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async start(requester: Requester, request: AppImportRequest): Promise<ImportSession> {
    const app = await this.apps.findByCodeName(request.appCodeName);
    if (!app) throw new NotFoundError(`app ${request.appCodeName}`);
    if (requester.appId !== undefined && requester.appId !== app.appId) {
      throw new ForbiddenError(
        'insufficient permissions: an app starts imports only through itself',
      );
    }
    if (!app.appTypes.includes('import_clients')) {
      throw new PreconditionFailedError(
        [detail('app_code_name', 'wrong_type', app.appCodeName)],
        'the app is not of type import_clients',
      );
    }
    if (!(await this.assignments.isAssigned(app.appId, requester.businessUid))) {
      throw new PreconditionFailedError(
        [detail('app_code_name', 'not_installed', app.appCodeName)],
        'the app is not installed for this business',
      );
    }
    const session = ImportSession.start({
      id: randomUUID(),
      businessUid: requester.businessUid,
      createdBy: requester.sub,
      entityType: 'clients',
      channel: {
        kind: 'app',
        appCodeName: app.appCodeName,
        appId: app.appId,
        shouldOverride: request.shouldOverride,
        sendNotificationsWhenDone: request.sendNotificationsWhenDone,
        ...(requester.email ? { notifyEmail: requester.email } : {}),
      },
      fieldsMapping: request.fieldsMapping,
      settings: { upload_type: request.uploadType },
      now: new Date(),
      ttlSeconds: this.config.IMPORT_SESSION_TTL_SECONDS,
    });
    await this.sessions.insert(session);
    this.metrics.importStarted('clients', 'app');
    this.runner.runSoon(session.id);
    return session;
  }
}
