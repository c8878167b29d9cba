import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@aftercare/event-store';
import { ProjectorModule } from './projector.module';

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(ProjectorModule, { abortOnError: false });
  app.enableShutdownHooks();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
