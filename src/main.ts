import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { AppConfig, ConfigValidationError, loadConfig } from './config/app-config.js';
import { configureApp } from './shared/http/configure-app.js';

async function bootstrap(): Promise<void> {
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
  const url = await app.getUrl();
  app.get(AppConfig); // fail fast if the config provider is missing
  process.stdout.write(`listening on ${url.replace('[::1]', 'localhost')} — Swagger UI at /docs\n`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`startup failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
