export const SCOPES = [
  'customers:read',
  'customers:write',
  'customers:import',
  'clients:read',
  'clients:write',
  'clients:import',
  'apps:read',
  'apps:write',
  'app_assignments:read',
  'app_assignments:write',
  'platform:admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/** The most an app token may do, whatever scopes it carries (SPEC §1.3). */
export const APP_SCOPES: readonly Scope[] = ['clients:read', 'clients:import'];

/**
 * The app an app token was issued to (SPEC §1.3): bound to the app's id and client_id, and to
 * the version of its secret, so that a token dies with its app and with a rotated secret — a
 * code name can be deleted and registered again by someone else.
 */
export interface AppIdentity {
  appId: string;
  clientId: string;
  appCodeName: string;
  secretVersion: number;
}

/** Who is calling: a user, or an app acting for a business (SPEC §1.2, §1.3). */
export class Principal {
  private readonly scopes: ReadonlySet<string>;

  /**
   * @param app set for an app token (`token_use: "app"`): its scopes are then cut down to
   *   {@link APP_SCOPES}, and it has a business only once it acts for one ({@link actingFor}).
   */
  constructor(
    readonly sub: string,
    readonly businessUid: string | undefined,
    scopes: Iterable<string>,
    readonly app?: AppIdentity,
  ) {
    const granted = [...scopes];
    this.scopes = new Set(
      app === undefined
        ? granted
        : granted.filter((s) => (APP_SCOPES as readonly string[]).includes(s)),
    );
  }

  static forApp(app: AppIdentity, scopes: Iterable<string>): Principal {
    return new Principal(`app:${app.appCodeName}`, undefined, scopes, app);
  }

  get isApp(): boolean {
    return this.app !== undefined;
  }

  get appCodeName(): string | undefined {
    return this.app?.appCodeName;
  }

  get isAdmin(): boolean {
    return this.scopes.has('platform:admin');
  }

  /** `platform:admin` implies every scope. */
  has(scope: Scope): boolean {
    return this.isAdmin || this.scopes.has(scope);
  }

  get scopeList(): string[] {
    return [...this.scopes];
  }

  /** The app acting for a business it was checked to be assigned to (`X-On-Behalf-Of`). */
  actingFor(businessUid: string): Principal {
    if (!this.app) throw new Error('only an app acts on behalf of a business');
    return new Principal(this.sub, businessUid, this.scopes, this.app);
  }
}
