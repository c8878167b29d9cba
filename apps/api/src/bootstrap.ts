import type { Server } from 'node:http';
import { type DynamicModule, INestApplication, Module, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger, LoggerModule } from 'nestjs-pino';
import { AFTERCARE_CONFIG, type AftercareConfig, loggingParams } from '@aftercare/application';
import { AppModule } from './app.module';
import { MIN_POSITION_HEADER, POSITION_HEADER } from './read/min-position.interceptor';
import { FRESHNESS_HEADERS } from './read/freshness-headers.interceptor';
import { bodyShapeGuard, requireJsonContentType } from './http/json-body';
import { ProblemDetailsFilter } from './problem/problem-details.filter';
import { toRequestValidationException } from './problem/request-validation.exception';
import { serveConsole } from './console/serve-console';
import { configureBusinessTimeWindow } from './write/dto/dto-validators';
import { AdoptingExpressAdapter } from './startup/adopting-express.adapter';

/** The application with its logger: pino (see loggingParams), or none for tests. */
@Module({})
class ApiModule {
  static create(logging: boolean): DynamicModule {
    return {
      module: ApiModule,
      imports: [AppModule, ...(logging ? [LoggerModule.forRoot(loggingParams())] : [])],
    };
  }
}

/**
 * Builds the HTTP application exactly as `npm start` runs it; tests use it too. `server`: a server
 * already listening (see `openPort`), which `listen` takes over.
 */
export async function createApiApp(
  options: { logger?: false; server?: Server } = {},
): Promise<INestApplication> {
  const logging = options.logger !== false;
  const module = ApiModule.create(logging);
  const appOptions = {
    logger: options.logger,
    // Start-up messages wait for the pino logger instead of going to the console.
    bufferLogs: logging,
    abortOnError: false,
    // Parsed below, after the content-type check and with the configured limit.
    bodyParser: false,
  };
  const app = options.server
    ? await NestFactory.create<NestExpressApplication>(
        module,
        new AdoptingExpressAdapter(options.server),
        appOptions,
      )
    : await NestFactory.create<NestExpressApplication>(module, appOptions);
  if (logging) app.useLogger(app.get(Logger));
  const config = app.get<AftercareConfig>(AFTERCARE_CONFIG);
  const settings = config.http;
  app.disable('x-powered-by');
  app.use(helmet());
  // The web console (static files) before the API's body handling; it reads the API like any client.
  serveConsole(app, { oidc: config.oidc });
  if (settings.corsOrigins.length > 0) {
    app.enableCors({
      origin: settings.corsOrigins,
      allowedHeaders: [
        'Authorization',
        'Content-Type',
        'Idempotency-Key',
        'X-Correlation-Id',
        MIN_POSITION_HEADER,
      ],
      exposedHeaders: [
        'Idempotent-Replayed',
        'Retry-After',
        'Location',
        POSITION_HEADER,
        MIN_POSITION_HEADER,
        ...FRESHNESS_HEADERS,
      ],
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
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'An API key (ak_...) or an OIDC token' },
        'bearer',
      )
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
