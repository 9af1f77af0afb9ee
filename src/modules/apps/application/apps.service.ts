import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../shared/auth/principal.js';
import { ForbiddenError, NotFoundError } from '../../../shared/domain-error.js';
import type { Page, PageRequest } from '../../../shared/pagination.js';
import type { App, AppDetails } from '../domain/app.js';
import { AppRepository } from '../domain/app.repository.js';
import { hashSecret, newCredentials } from './app-credentials.js';
import { AppSigningKeys } from './app-signing-keys.js';

/** An app with its client_secret in clear: answered once, on creation or rotation. */
export interface AppWithSecret {
  app: App;
  clientSecret: string;
}

@Injectable()
export class AppsService {
  constructor(
    private readonly apps: AppRepository,
    private readonly signingKeys: AppSigningKeys,
  ) {}

  async create(
    principal: Principal,
    input: AppDetails & { appCodeName: string },
  ): Promise<AppWithSecret> {
    const { clientId, clientSecret } = newCredentials();
    const app = await this.apps.insert({
      ...input,
      ownerUid: principal.sub,
      clientId,
      clientSecretHash: await hashSecret(clientSecret),
      signingKey: this.signingKeys.forSecret(clientId, clientSecret),
    });
    return { app, clientSecret };
  }

  /**
   * A new client_secret for the app (owner or platform:admin); the client_id stays. The old
   * secret stops working at once, and so do the app tokens issued with it; requests to the app
   * are signed with the new secret from now on — for an app registered before SPEC §8, this is
   * what moves it off its SHA-256-derived signing key.
   */
  async rotateSecret(principal: Principal, appCodeName: string): Promise<AppWithSecret> {
    const app = await this.owned(principal, appCodeName);
    const { clientSecret } = newCredentials();
    const rotated = await this.apps.rotateSecret(app.appId, {
      clientSecretHash: await hashSecret(clientSecret),
      signingKey: this.signingKeys.forSecret(app.clientId, clientSecret),
    });
    return { app: rotated, clientSecret };
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
