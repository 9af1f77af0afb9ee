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

/** Who is calling: a user, or an app acting for a business (SPEC §1.2, §1.3). */
export class Principal {
  private readonly scopes: ReadonlySet<string>;

  /**
   * @param appCodeName set for an app token (`token_use: "app"`): its scopes are then cut down
   *   to {@link APP_SCOPES}, and it has a business only once it acts for one ({@link actingFor}).
   */
  constructor(
    readonly sub: string,
    readonly businessUid: string | undefined,
    scopes: Iterable<string>,
    readonly appCodeName?: string,
  ) {
    const granted = [...scopes];
    this.scopes = new Set(
      appCodeName === undefined
        ? granted
        : granted.filter((s) => (APP_SCOPES as readonly string[]).includes(s)),
    );
  }

  static forApp(appCodeName: string, scopes: Iterable<string>): Principal {
    return new Principal(`app:${appCodeName}`, undefined, scopes, appCodeName);
  }

  get isApp(): boolean {
    return this.appCodeName !== undefined;
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
    if (!this.isApp) throw new Error('only an app acts on behalf of a business');
    return new Principal(this.sub, businessUid, this.scopes, this.appCodeName);
  }
}
