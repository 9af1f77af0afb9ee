/**
 * Port: may an app act for a business (`X-On-Behalf-Of`, SPEC §1.3)? True only while the app
 * is assigned to that business. Implemented by the app-assignments module.
 */
export abstract class AppDelegationPolicy {
  abstract mayActFor(appCodeName: string, businessUid: string): Promise<boolean>;
}
