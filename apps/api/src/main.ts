import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import {
  AFTERCARE_CONFIG,
  type AftercareConfig,
  ApiKeys,
  createBootstrapAdminKey,
  exitOnStartupError,
  STORE_CONFIG,
  validateConfiguration,
} from '@aftercare/application';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  validateConfiguration();
  const app = await createApiApp();
  await createBootstrapAdminKey(app.get(ApiKeys), app.get(STORE_CONFIG), (text) =>
    process.stdout.write(text),
  );
  const { port, host } = app.get<AftercareConfig>(AFTERCARE_CONFIG).server;
  await app.listen(port, host);
  Logger.log(`Aftercare API on ${await app.getUrl()} (OpenAPI at /docs)`, 'Main');
}

main().catch(exitOnStartupError);
