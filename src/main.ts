import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { AppConfig, ConfigValidationError, loadConfig } from './config/app-config.js';
import { DEMO_BUSINESS_UID, DemoToken } from './shared/auth/auth.module.js';
import { configureApp } from './shared/http/configure-app.js';

async function bootstrap(): Promise<void> {
  // A local .env (see .env.example) fills in what the environment does not set.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true });
  configureApp(app);
  await app.listen(config.PORT, '0.0.0.0');
  process.stdout.write(
    `listening on http://localhost:${config.PORT} — Swagger UI at http://localhost:${config.PORT}/docs\n`,
  );
  // The token bare on its own line: Swagger UI's Authorize takes it as it is (it adds "Bearer ").
  const demoToken = await app.get(DemoToken).issue();
  if (demoToken) {
    process.stdout.write(
      `demo token for business "${DEMO_BUSINESS_UID}" (24 h) — paste it as is into Authorize; ` +
        `curl: -H "Authorization: Bearer <token>"\n${demoToken}\n`,
    );
  }
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`startup failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
