/**
 * Builders for the setup many e2e specs share: a business that registers an app and assigns it
 * to itself, the app's own token, an import through the app, and waiting for it to settle.
 * Each builder fails loudly (status and body) when a setup request does not succeed, so a
 * broken precondition is never mistaken for the behaviour a test asserts.
 */
import request, { type Response } from 'supertest';
import { type TestApp, tokenFor, uniqueBusiness, uniqueCode } from './test-app.js';

/** The in-process server (`TestApp['http']`) or a child server's base URL. */
export type Target = TestApp['http'] | string;
export type Auth = Record<string, string>;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectStatus(res: Response, status: number, what: string): void {
  if (res.status !== status) {
    throw new Error(`${what} answered ${res.status}, not ${status}: ${JSON.stringify(res.body)}`);
  }
}

/** The Authorization header of a token. */
export function bearer(token: string): Auth {
  return { Authorization: `Bearer ${token}` };
}

/** The Authorization header of a user token for `business`. */
export async function userAuth(business: string, sub?: string): Promise<Auth> {
  return bearer(await tokenFor({ business, sub }));
}

/** The headers of an app acting with its own token, for `business` when given. */
export function asApp(token: string, business?: string): Auth {
  return { ...bearer(token), ...(business ? { 'X-On-Behalf-Of': business } : {}) };
}

export interface AppOptions {
  code?: string;
  name?: string;
  appType?: string | string[];
  apiUri?: string;
  redirectUri?: string;
}

export interface RegisteredApp {
  code: string;
  appId: string;
  clientId: string;
  /** Shown once, at registration. */
  secret: string;
}

/** `POST /platform/v1/apps` → 201. */
export async function registerApp(
  http: Target,
  auth: Auth,
  options: AppOptions = {},
): Promise<RegisteredApp> {
  const code = options.code ?? uniqueCode();
  const res = await request(http)
    .post('/platform/v1/apps')
    .set(auth)
    .send({
      name: options.name ?? 'Client Source',
      app_code_name: code,
      app_type: options.appType ?? 'import_clients',
      redirect_uri: options.redirectUri ?? 'https://example.com/cb',
      ...(options.apiUri ? { api_uri: options.apiUri } : {}),
    });
  expectStatus(res, 201, 'registering the app');
  return {
    code,
    appId: res.body.data.app_id,
    clientId: res.body.data.client_id,
    secret: res.body.data.client_secret,
  };
}

/** `POST /v3/apps/app_assignments` of `code` to `business` (mode internal) → 201; its uid. */
export async function assignApp(
  http: Target,
  auth: Auth,
  code: string,
  business: string,
): Promise<string> {
  const res = await request(http)
    .post('/v3/apps/app_assignments')
    .set(auth)
    .send({
      app_code_name: code,
      assignee_uid: business,
      assignee_type: 'business',
      settings: { assignment_mode: 'internal' },
    });
  expectStatus(res, 201, 'assigning the app');
  return res.body.data.uid;
}

export interface InstalledApp extends RegisteredApp {
  business: string;
  /** The staff user's header (every non-admin scope, on `business`). */
  auth: Auth;
  /** The assignment's uid; absent with `assign: false`. */
  assignment?: string;
}

export interface InstallOptions extends AppOptions {
  /** The staff user's `sub` (default `staff@example.com`, an address: notifications go there). */
  sub?: string;
  /** false: registered but not assigned. */
  assign?: boolean;
  /** Default: a fresh one. */
  business?: string;
}

/**
 * A fresh business whose staff user (`sub`) registered an app (pulling from `apiUri` when
 * given) and assigned it to the business (unless `assign: false`).
 */
export async function installedApp(
  http: Target,
  options: InstallOptions = {},
): Promise<InstalledApp> {
  const business = options.business ?? uniqueBusiness();
  const auth = await userAuth(business, options.sub ?? 'staff@example.com');
  const app = await registerApp(http, auth, options);
  const assignment =
    options.assign === false ? undefined : await assignApp(http, auth, app.code, business);
  return { ...app, business, auth, assignment };
}

/** An app token by the client-credentials grant (`POST /oauth/token` → 200). */
export async function appToken(http: Target, clientId: string, secret: string): Promise<string> {
  const res = await request(http)
    .post('/oauth/token')
    .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
  expectStatus(res, 200, 'the token request');
  return res.body.access_token;
}

/**
 * `POST /business/clients/v1/apps/{code}/import`, returned as answered (tests assert on it).
 * `import_params` are `upload_type: single` without notification, then `params`.
 */
export function startAppImport(
  http: Target,
  auth: Auth,
  code: string,
  options: { params?: object; mapping?: object } = {},
) {
  return request(http)
    .post(`/business/clients/v1/apps/${code}/import`)
    .set(auth)
    .send({
      import_params: {
        upload_type: 'single',
        send_notifications_when_done: false,
        ...options.params,
      },
      fields_mapping: options.mapping ?? { email: 'E-mail' },
    });
}

/**
 * Calls `probe` until `done` holds for its answer or the attempts run out, and returns the last
 * answer either way: the caller asserts on it, so a timeout fails there with the value seen.
 */
export async function poll<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { attempts = 300, intervalMs = 50 }: { attempts?: number; intervalMs?: number } = {},
): Promise<T> {
  let value = await probe();
  for (let i = 1; i < attempts && !done(value); i++) {
    await sleep(intervalMs);
    value = await probe();
  }
  return value;
}

const SETTLED = ['completed', 'failed'];

/**
 * The import's status (`data` of `GET /business/clients/v1/imports/{id}`) once it is completed
 * or failed; throws when it does not settle within `attempts` × 50 ms.
 */
export async function settled(http: Target, auth: Auth, sessionId: string, attempts = 300) {
  const data = await poll(
    async () =>
      (await request(http).get(`/business/clients/v1/imports/${sessionId}`).set(auth)).body.data,
    (answer) => SETTLED.includes(answer?.status),
    { attempts },
  );
  if (!SETTLED.includes(data?.status)) {
    throw new Error(`the import did not settle: ${JSON.stringify(data)}`);
  }
  return data;
}
