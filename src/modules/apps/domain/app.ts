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
  createdAt: Date;
  updatedAt: Date;
}

export type AppDetails = Pick<App, 'name' | 'appTypes' | 'redirectUri' | 'apiUri' | 'description'>;

export type NewApp = Omit<App, 'appId' | 'createdAt' | 'updatedAt'>;
