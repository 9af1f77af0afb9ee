import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { AppConfig, ConfigValidationError, loadConfig } from './config/app-config.js';
import { DEMO_BUSINESS_UID, DemoToken } from './shared/auth/auth.module.js';
import { configureApp } from './shared/http/configure-app.js';
import { handleShutdownSignals } from './shared/lifecycle/graceful-shutdown.js';

/** Creates and starts the server (main.ts imports this once tracing, if any, has started). */
export async function bootstrap(afterClose?: () => Promise<void>): Promise<void> {
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
  // forceCloseConnections: once requests had their SHUTDOWN_TIMEOUT_SECONDS, close() ends
  // whatever is still open instead of waiting for it.
  const app = await NestFactory.create(AppModule.forRoot(config), {
    bufferLogs: true,
    forceCloseConnections: true,
  });
  configureApp(app);
  handleShutdownSignals(app, config.SHUTDOWN_TIMEOUT_SECONDS, afterClose);
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
