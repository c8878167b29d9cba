import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { exitOnStartupError, validateConfiguration } from '@aftercare/application';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  validateConfiguration();
  const app = await createApiApp();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  Logger.log(`Aftercare API on ${await app.getUrl()} (OpenAPI at /docs)`, 'Main');
}

main().catch(exitOnStartupError);
