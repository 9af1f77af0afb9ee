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

/** Who is calling: a user, or an app acting for a business (SPEC §1.2, §1.3). */
export class Principal {
  private readonly scopes: ReadonlySet<string>;

  constructor(
    readonly sub: string,
    readonly businessUid: string | undefined,
    scopes: Iterable<string>,
  ) {
    this.scopes = new Set(scopes);
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
}
