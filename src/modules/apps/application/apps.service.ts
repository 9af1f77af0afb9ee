import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../shared/auth/principal.js';
import { ForbiddenError, NotFoundError } from '../../../shared/domain-error.js';
import type { Page, PageRequest } from '../../../shared/pagination.js';
import type { App, AppDetails } from '../domain/app.js';
import { AppRepository } from '../domain/app.repository.js';
import { hashSecret, newCredentials, signingKeyOf } from './app-credentials.js';

export interface CreatedApp {
  app: App;
  clientSecret: string;
}

@Injectable()
export class AppsService {
  constructor(private readonly apps: AppRepository) {}

  async create(
    principal: Principal,
    input: AppDetails & { appCodeName: string },
  ): Promise<CreatedApp> {
    const { clientId, clientSecret } = newCredentials();
    const app = await this.apps.insert({
      ...input,
      ownerUid: principal.sub,
      clientId,
      clientSecretHash: await hashSecret(clientSecret),
      signingKey: signingKeyOf(clientSecret),
    });
    return { app, clientSecret };
  }

  list(page: PageRequest): Promise<Page<App>> {
    return this.apps.list(page);
  }

  async get(appCodeName: string): Promise<App> {
    const app = await this.apps.findByCodeName(appCodeName);
    if (!app) throw new NotFoundError(`app ${appCodeName}`);
    return app;
  }

  async update(principal: Principal, appCodeName: string, details: AppDetails): Promise<App> {
    const app = await this.owned(principal, appCodeName);
    return this.apps.update(app.appId, details);
  }

  async delete(principal: Principal, appCodeName: string): Promise<App> {
    const app = await this.owned(principal, appCodeName);
    await this.apps.delete(app);
    return app;
  }

  /** Only the owner (the creating token's `sub`) or `platform:admin` may change an app. */
  private async owned(principal: Principal, appCodeName: string): Promise<App> {
    const app = await this.get(appCodeName);
    if (!principal.isAdmin && app.ownerUid !== principal.sub) {
      throw new ForbiddenError('insufficient permissions: only the app owner may change it');
    }
    return app;
  }
}
