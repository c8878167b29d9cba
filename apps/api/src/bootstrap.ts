import type { Server } from 'node:http';
import {
  type DynamicModule,
  Inject,
  INestApplication,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, LoggerModule, PinoLogger } from 'nestjs-pino';
import {
  AFTERCARE_CONFIG,
  type AftercareConfig,
  batchedStdout,
  type FlushableDestination,
  loadHttpSettings,
  loggingParams,
  PII_VAULT,
  type PiiVault,
  requestTimeouts,
} from '@aftercare/application';
import { AppModule } from './app.module';
import { MIN_POSITION_HEADER, POSITION_HEADER } from './read/min-position.guard';
import { FRESHNESS_HEADERS } from './read/freshness-headers';
import { guardJsonBodies } from './http/json-body';
import { guardUrlValues } from './http/url-values';
import { answerClientError } from './http/client-errors';
import { RequestValidationPipe } from './http/request-validation.pipe';
import { rememberValidationMetadata } from './http/validation-metadata-memo';
import { ProblemDetailsFilter } from './problem/problem-details.filter';
import { toRequestValidationException } from './problem/request-validation.exception';
import { serveConsole } from './console/serve-console';
import { configureBusinessTimeWindow } from './write/dto/dto-validators';
import { ApiFastifyAdapter } from './http/api-fastify.adapter';
import { logRequests } from './http/request-log';
import { securityHeaders as helmetHeaders } from './http/security-headers';
import { revealAnswers } from './http/reveal-answers';

const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/** The application with its logger: pino (see loggingParams), or none for tests. */
@Module({})
class ApiModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly http: HttpAdapterHost,
    @Optional() @Inject(LOG_DESTINATION) private readonly logs?: FlushableDestination,
  ) {}

  /**
   * Fastify adds routes and plugins when it boots: once Nest has registered its routes, so the
   * application answers after `init()` as well as after `listen()`.
   */
  async onApplicationBootstrap(): Promise<void> {
    await (this.http.httpAdapter.getInstance() as FastifyInstance).ready();
  }

  /** The log lines still held are written before the process goes (a signal ends it after this). */
  onApplicationShutdown(): void {
    this.logs?.flushSync();
  }

  static create(logging: boolean): DynamicModule {
    const logs = logging && process.stdout.isTTY !== true ? batchedStdout() : undefined;
    return {
      module: ApiModule,
      imports: [
        AppModule,
        // The logger only: request lines come from Fastify's hooks (logRequests), not middleware.
        ...(logging
          ? [LoggerModule.forRoot({ ...loggingParams(process.stdout, logs), forRoutes: [] })]
          : []),
      ],
      providers: logs ? [{ provide: LOG_DESTINATION, useValue: logs }] : [],
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
    // Parsed as guardJsonBodies says, with the configured limit.
    bodyParser: false,
  };
  const securityHeaders = helmetHeaders();
  const problems = new ProblemDetailsFilter();
  const adapter = new ApiFastifyAdapter(
    {
      // As Express routed: '/v1/customers/' is '/v1/customers', and an over-long id reaches the
      // handler's own check (a 400 naming it) instead of a bare 404.
      routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
      // A server Fastify makes itself (tests; `npm start` sets them on the port it opens first).
      ...fastifyTimeouts(requestTimeouts(loadHttpSettings(process.env))),
      // Requests Fastify refuses before routing (an undecodable URL): problem+json as well.
      frameworkErrors: (error, _request, reply) => {
        securityHeaders(reply.raw);
        problems.reply(reply as FastifyReply, error);
      },
      // Requests Node's parser refuses before Fastify sees them (raw non-ASCII request line).
      clientErrorHandler: answerClientError,
    },
    options.server,
  );
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, appOptions);
  if (logging) app.useLogger(app.get(Logger));
  const config = app.get<AftercareConfig>(AFTERCARE_CONFIG);
  const settings = config.http;
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', (_request, reply, done) => {
    securityHeaders(reply.raw);
    done();
  });
  if (logging) logRequests(fastify, () => PinoLogger.root);
  revealAnswers(fastify, app.get<PiiVault>(PII_VAULT));
  // The web console (static files); it reads the API like any client.
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
  guardJsonBodies(fastify, settings.bodyLimitBytes);
  guardUrlValues(fastify);
  configureBusinessTimeWindow(settings.businessTime);
  rememberValidationMetadata();
  app.useGlobalPipes(
    new RequestValidationPipe({
      whitelist: true,
      // A misspelt field or filter is refused by name, not dropped: `coment` would lose a comment.
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: toRequestValidationException,
    }),
  );
  app.useGlobalFilters(problems);
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

/** Node's request timeouts as Fastify takes them (it sets `requestTimeout` on its server itself). */
function fastifyTimeouts(timeouts: ReturnType<typeof requestTimeouts>) {
  const { requestTimeout, ...http } = timeouts;
  return { requestTimeout, http };
}
