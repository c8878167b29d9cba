import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError } from '@aftercare/event-store';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const app = await createApiApp();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  Logger.log(`Aftercare API on ${await app.getUrl()} (OpenAPI at /docs)`, 'Main');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
