import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { exitOnStartupError, validateConfiguration } from '@aftercare/application';
import { ProjectorModule } from './projector.module';

async function main(): Promise<void> {
  validateConfiguration();
  const app = await NestFactory.createApplicationContext(ProjectorModule, {
    abortOnError: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
}

main().catch(exitOnStartupError);
