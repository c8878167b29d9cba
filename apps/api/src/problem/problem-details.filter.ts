import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@aftercare/domain';
import {
  ConcurrencyConflict,
  IdempotencyKeyReused,
  InvalidQueryError,
} from '@aftercare/application';
import { InvalidAppendError, StoreUnavailableError } from '@aftercare/event-store';
import { InvalidReadModelQueryError, UnknownReadModelError } from '@aftercare/read-models';
import { RequestValidationException, type FieldError } from './request-validation.exception';

/** RFC 9457 problem details, as every error leaves the API. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Stable machine-readable code (domain codes, `validation_error`, ...). */
  code: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://aftercare.dev/problems/';

export function problemType(code: string): string {
  return PROBLEM_BASE + code.replace(/_/g, '-');
}

const DOMAIN_STATUS = {
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  invalid: HttpStatus.UNPROCESSABLE_ENTITY,
} as const;

/** The single global exception filter: every error becomes application/problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    this.reply(host.switchToHttp().getResponse<FastifyReply>(), exception);
  }

  /**
   * Answers `exception` as problem details on `response`: for Nest's routes through `catch`, and
   * for what Fastify refuses before routing (`frameworkErrors` in bootstrap.ts).
   */
  reply(response: FastifyReply, exception: unknown): void {
    const problem = this.toProblem(exception);
    if (problem.status >= 500) this.logger.error(exception);
    // A stream (SSE) that fails midway has already sent its status: just end it.
    if (response.raw.headersSent) {
      response.raw.end();
      return;
    }
    void response.status(problem.status).type('application/problem+json').send(problem);
  }

  toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof RequestValidationException) {
      return {
        ...problem('validation_error', 'The request is invalid', 400, exception.message),
        errors: exception.errors,
      };
    }
    if (exception instanceof DomainError) {
      return {
        ...problem(
          exception.code,
          title(exception.code),
          DOMAIN_STATUS[exception.kind],
          exception.message,
        ),
        ...(Object.keys(exception.details).length ? { details: exception.details } : {}),
      };
    }
    if (exception instanceof ConcurrencyConflict) {
      return problem(exception.code, 'Concurrent modification', 409, exception.message);
    }
    if (exception instanceof IdempotencyKeyReused) {
      return problem(exception.code, 'Idempotency key reused', 422, exception.message);
    }
    if (exception instanceof StoreUnavailableError) {
      return problem(exception.code, 'Event store unavailable', 503, exception.message);
    }
    // No projector has created the read model yet (PostgreSQL with the projections run apart).
    if (exception instanceof UnknownReadModelError) {
      return problem(
        'read_model_unavailable',
        'Read model unavailable',
        503,
        `${exception.message}: no projector has created it yet (run the projector, or the API with AFTERCARE_PROJECTIONS=on)`,
      );
    }
    if (exception instanceof InvalidAppendError) {
      return problem(exception.code, 'Invalid request', 422, exception.message);
    }
    // A cursor this API did not issue, a filter the queries cannot read: on every route that pages.
    if (exception instanceof InvalidQueryError || exception instanceof InvalidReadModelQueryError) {
      return problem('bad_request', title('bad_request'), 400, exception.message);
    }
    const client = clientHttpError(exception);
    if (client) {
      const code = HttpStatus[client.status]?.toLowerCase() ?? `http_${client.status}`;
      return problem(code, title(code), client.status, client.message);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = httpCode(status, exception);
      return problem(code, title(code), status, httpDetail(exception));
    }
    return problem('internal_error', 'Internal error', 500, 'An unexpected error occurred');
  }
}

/**
 * Errors from Fastify's own layers (content-type parsing, body limit, JSON parsing) carry a 4xx
 * `statusCode` and a `FST_` code; errors in the http-errors form (`expose: true`), such as the
 * static files' 403 for `..`, 412 for `If-Match` and 416 for `Range`, carry a 4xx `statusCode`
 * and say their message is safe to show. Both are the client's fault.
 */
function clientHttpError(exception: unknown): { status: number; message: string } | undefined {
  if (typeof exception !== 'object' || exception === null || exception instanceof HttpException) {
    return undefined;
  }
  const { statusCode: status, code, message, expose } = exception as Record<string, unknown>;
  const fromFastify = typeof code === 'string' && code.startsWith('FST_');
  if (
    typeof status !== 'number' ||
    status < 400 ||
    status > 499 ||
    !(fromFastify || expose === true)
  ) {
    return undefined;
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status,
      message: 'The request body is larger than the limit (AFTERCARE_BODY_LIMIT_KB)',
    };
  }
  return { status, message: typeof message === 'string' ? message : 'The request is invalid' };
}

function problem(code: string, titleText: string, status: number, detail: string): ProblemDetails {
  return { type: problemType(code), title: titleText, status, detail, code };
}

function title(code: string): string {
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function httpCode(status: number, exception: HttpException): string {
  // An exception raised with its own problem code (e.g. `read_model_behind`) keeps it.
  const body = exception.getResponse();
  const own = typeof body === 'object' ? (body as { code?: unknown }).code : undefined;
  if (typeof own === 'string') return own;
  // The JSON parser reports malformed JSON as a 400 SyntaxError; Nest rethrows its message.
  if (status === 400 && /JSON/.test(exception.message)) return 'malformed_json';
  const name = HttpStatus[status];
  return typeof name === 'string' ? name.toLowerCase() : `http_${status}`;
}

function httpDetail(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
