export const APP_TYPES = [
  'import_clients',
  'payments',
  'communication',
  'notifications',
  'automated_flows',
  'onboarding_wizard',
] as const;
export type AppType = (typeof APP_TYPES)[number];

/** An app registered on the platform (SPEC §2). A plain record. */
export interface App {
  appId: string;
  appCodeName: string;
  name: string;
  appTypes: AppType[];
  redirectUri: string;
  apiUri: string | null;
  description: string | null;
  ownerUid: string;
  clientId: string;
  clientSecretHash: string;
  /**
   * SHA-256 (hex) of the client secret: the key of the signatures on the requests the platform
   * sends the app (SPEC §5.2). The secret itself is never stored; the app derives the same key.
   */
  signingKey: string;
  createdAt: Date;
  updatedAt: Date;
}

export type AppDetails = Pick<App, 'name' | 'appTypes' | 'redirectUri' | 'apiUri' | 'description'>;

export type NewApp = Omit<App, 'appId' | 'createdAt' | 'updatedAt'>;
