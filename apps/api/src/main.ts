import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import {
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
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  Logger.log(`Aftercare API on ${await app.getUrl()} (OpenAPI at /docs)`, 'Main');
}

main().catch(exitOnStartupError);
