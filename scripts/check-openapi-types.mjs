#!/usr/bin/env node
/**
 * CI check: the OpenAPI document is good enough to generate a typed client from, and the client
 * says what the server answers. Builds the document from the built app (`npm run build` first)
 * without a server or a database, generates TypeScript types and an SDK from it with
 * @hey-api/openapi-ts into test/.tmp/openapi/ (gitignored), and type-checks the committed
 * consumer test/openapi-consumer/consumer.ts against them. A DTO property the consumer uses that
 * disappears from the document fails the check.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { createClient } from '@hey-api/openapi-ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}test/.tmp/openapi`;

const { AppModule } = await import('../dist/app.module.js');
const { loadConfig } = await import('../dist/config/app-config.js');
const { createApiDocument } = await import('../dist/shared/http/configure-app.js');

// Preview mode: the module graph and its routes, no provider started (no database, no secret).
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  AUTH_JWT_SECRET: 'openapi-check-secret-not-used-for-anything-0123456789',
});
const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false });
const document = createApiDocument(app);
await app.close();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(`${out}/openapi.json`, `${JSON.stringify(document, null, 2)}\n`);
console.log(
  `openapi: ${Object.keys(document.paths).length} paths written to test/.tmp/openapi/openapi.json`,
);

await createClient({
  input: `${out}/openapi.json`,
  output: { path: `${out}/client` },
  plugins: ['@hey-api/typescript', '@hey-api/sdk', '@hey-api/client-fetch'],
  logs: { level: 'silent', file: false },
});
console.log('openapi: TypeScript types and SDK generated in test/.tmp/openapi/client');

try {
  execFileSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}test/openapi-consumer/tsconfig.json`],
    { stdio: 'inherit' },
  );
} catch {
  console.error(
    'openapi: the consumer does not type-check against the client generated from the document (see above)',
  );
  process.exit(1);
}
console.log('openapi: test/openapi-consumer/consumer.ts type-checks against the generated client');
