import type { AppIdentity } from './principal.js';

/**
 * Port: what an app token may do (SPEC §1.3). Implemented by the app-assignments module.
 */
export abstract class AppDelegationPolicy {
  /**
   * Is the app the token was issued to still registered, under the same id, client_id and code
   * name, with the secret the token was issued for? False once the app is deleted (even if its
   * code name is registered again) or its secret rotated.
   */
  abstract isCurrent(app: AppIdentity): Promise<boolean>;
  /** True only while the app is assigned to that business. */
  abstract mayActFor(appId: string, businessUid: string): Promise<boolean>;
}
