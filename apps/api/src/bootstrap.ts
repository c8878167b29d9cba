import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { loadHttpSettings } from '@aftercare/application';
import { AppModule } from './app.module';
import { bodyShapeGuard, requireJsonContentType } from './http/json-body';
import { ProblemDetailsFilter } from './problem/problem-details.filter';
import { toRequestValidationException } from './problem/request-validation.exception';
import { configureBusinessTimeWindow } from './write/dto/dto-validators';

/** Builds the HTTP application exactly as `npm start` runs it; tests use it too. */
export async function createApiApp(options: { logger?: false } = {}): Promise<INestApplication> {
  const settings = loadHttpSettings();
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    logger: options.logger,
    abortOnError: false,
    // Parsed below, after the content-type check and with the configured limit.
    bodyParser: false,
  });
  app.disable('x-powered-by');
  app.use(helmet());
  if (settings.corsOrigins.length > 0) {
    app.enableCors({
      origin: settings.corsOrigins,
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-Id'],
      exposedHeaders: ['Idempotent-Replayed', 'Retry-After', 'Location'],
      maxAge: 600,
    });
  }
  app.use(requireJsonContentType());
  app.useBodyParser('json', { limit: settings.bodyLimitBytes });
  app.use(bodyShapeGuard());
  configureBusinessTimeWindow(settings.businessTime);
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      transform: true,
      exceptionFactory: toRequestValidationException,
    }),
  );
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Aftercare')
      .setDescription('Event-sourced customer lifecycle engine for after-sales service')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
