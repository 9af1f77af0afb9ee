export const APP_TYPES = [
  'import_clients',
  'payments',
  'communication',
  'notifications',
  'automated_flows',
  'onboarding_wizard',
] as const;
export type AppType = (typeof APP_TYPES)[number];

/**
 * The key of the signatures on the requests the platform sends an app (SPEC §5.2, §8):
 * - `client_secret`: HMAC keyed with the app's client_secret itself, which the server keeps
 *   sealed (AES-256-GCM under APP_SECRET_KEY) — every app registered or rotated since §8;
 * - `sha256_of_secret`: apps registered before keep the SHA-256 (hex) of their secret as the
 *   key until their secret is rotated (the secret itself was never kept).
 */
export type AppSigningKey =
  | { scheme: 'client_secret'; sealedSecret: string; clientId: string }
  | { scheme: 'sha256_of_secret'; key: string };

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
  /** Starts at 1 and grows with every rotation; app tokens carry it, so rotation revokes them. */
  secretVersion: number;
  signingKey: AppSigningKey;
  createdAt: Date;
  updatedAt: Date;
}

export type AppDetails = Pick<App, 'name' | 'appTypes' | 'redirectUri' | 'apiUri' | 'description'>;

export type NewApp = Omit<App, 'appId' | 'secretVersion' | 'createdAt' | 'updatedAt'>;

/** A new secret for an app: its hash (authentication) and its sealed form (signatures). */
export interface RotatedSecret {
  clientSecretHash: string;
  signingKey: AppSigningKey;
}
