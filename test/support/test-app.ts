import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import type { App as HttpServer } from 'supertest/types.js';
import { AppModule } from '../../src/app.module.js';
import { loadConfig } from '../../src/config/app-config.js';
import { signToken } from '../../src/shared/auth/jwt.js';
import { RATE_LIMIT_NAMESPACE } from '../../src/shared/http/rate-limit.js';
import { SCOPES, type Scope } from '../../src/shared/auth/principal.js';
import { configureApp } from '../../src/shared/http/configure-app.js';

export const TEST_SECRET = 'e2e-test-secret-that-is-long-enough-0123456789';
/** The key apps' secrets are sealed with, shared by every instance of a test run. */
export const TEST_APP_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestApp {
  app: INestApplication;
  http: HttpServer;
  close(): Promise<void>;
}

/** Boots the whole application in-process, through the same configureApp() as main.ts. */
export async function createTestApp(
  env: Record<string, string> = {},
  override: (builder: TestingModuleBuilder) => TestingModuleBuilder = (b) => b,
): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    AUTH_JWT_SECRET: TEST_SECRET,
    APP_SECRET_KEY: TEST_APP_SECRET_KEY,
    DATABASE_URL: process.env.DATABASE_URL,
    ...env,
  });
  // Rate-limit counters live in the shared database: each in-process application counts in its
  // own namespace, so that test files running side by side do not share 127.0.0.1's budget.
  const moduleRef = await override(
    Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(RATE_LIMIT_NAMESPACE)
      .useValue(`t${randomUUID().slice(0, 8)}:`),
  ).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  configureApp(app);
  await app.init();
  return { app, http: app.getHttpServer() as HttpServer, close: () => app.close() };
}

export const ALL_SCOPES: Scope[] = SCOPES.filter((s) => s !== 'platform:admin');

/** A token signed with the test secret; defaults: a fresh business and every non-admin scope. */
export function tokenFor(
  options: {
    business?: string | null;
    scopes?: Scope[];
    sub?: string;
    expiresIn?: string | number;
  } = {},
): Promise<string> {
  const business = options.business === undefined ? uniqueBusiness() : options.business;
  return signToken(
    TEST_SECRET,
    {
      sub: options.sub ?? 'user-1',
      scope: (options.scopes ?? ALL_SCOPES).join(' '),
      ...(business ? { business_uid: business } : {}),
    },
    { expiresIn: options.expiresIn ?? '1h' },
  );
}

export function uniqueBusiness(): string {
  return `biz-${randomUUID()}`;
}

export function uniqueCode(prefix = 'testimportapp'): string {
  return `${prefix}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
}
