import type { Page, PageRequest } from '../../../shared/pagination.js';
import type { App, AppDetails, NewApp, RotatedSecret } from './app.js';

export abstract class AppRepository {
  /** Throws ConflictError `already_exists` when the code name is taken. */
  abstract insert(app: NewApp): Promise<App>;
  /** Case-insensitive. */
  abstract findByCodeName(appCodeName: string): Promise<App | null>;
  abstract findByClientId(clientId: string): Promise<App | null>;
  abstract list(page: PageRequest): Promise<Page<App>>;
  abstract update(appId: string, details: AppDetails): Promise<App>;
  /** Replaces the app's secret and bumps its secretVersion (the old secret's tokens die). */
  abstract rotateSecret(appId: string, secret: RotatedSecret): Promise<App>;
  /** Throws ConflictError `app_has_assignments` while the app is assigned. */
  abstract delete(app: App): Promise<void>;
}
