import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Injectable,
  Optional,
  ServiceUnavailableException,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { MIN_POSITION_WAIT_MS, ReadYourWrites, RuntimeStatus } from '@aftercare/application';
import { writeFreshnessHeaders } from './freshness-headers';
import { RequestValidationException } from '../problem/request-validation.exception';

/** On a write's answer: the global position of its last event. */
export const POSITION_HEADER = 'X-Aftercare-Position';
/** On a read: answer only once the read models have applied every event up to this position. */
export const MIN_POSITION_HEADER = 'X-Aftercare-Min-Position';
/** The same as a query parameter, for links and EventSource-like clients that set no headers. */
export const MIN_POSITION_QUERY = 'minPosition';
/** The problem code of a read whose position the read models did not reach in time. */
export const READ_MODEL_BEHIND = 'read_model_behind';

const POSITION = /^\d{1,19}$/;

const READS_SCORE_INDEX = 'aftercare:reads-score-index';

/**
 * A route that answers from the customer score index (re-scored after the projections): a
 * minimum position also waits until the index has scored what the projections had applied.
 */
export const ReadsScoreIndex = () => SetMetadata(READS_SCORE_INDEX, true);

interface ReadRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
}

/**
 * Read your own writes: a read that names a minimum position (`X-Aftercare-Min-Position`, or
 * `?minPosition=`, as a write's `X-Aftercare-Position` gave it) waits, at most 5 s, until the read
 * models have applied every event they follow up to it, then runs and echoes the position. Past
 * the bound it answers 503 problem+json `read_model_behind` with `Retry-After`; a position that is
 * not a non-negative integer is a 400, and so is one above the store's head where the head covers
 * every acknowledged append (the embedded store, PostgreSQL): no write was given it, and waiting
 * would only hold the request. Reads without one answer at once, as before. The read then
 * says how fresh the read models are (`writeFreshnessHeaders`). A guard, run after the API's
 * own (the caller is admitted first) and before the handler, rather than an interceptor: an
 * interceptor costs a route a layer of Nest's rxjs chain and an async-context bind per request.
 */
@Injectable()
export class MinPositionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Optional() private readonly gate?: ReadYourWrites,
    @Optional() private readonly runtime?: RuntimeStatus,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<ReadRequest>();
    const raw = minPositionOf(request);
    const response = http.getResponse<FastifyReply>();
    if (raw === undefined || !this.gate) {
      writeFreshnessHeaders(response, this.runtime);
      return true;
    }
    if (!POSITION.test(raw)) {
      throw new RequestValidationException([
        {
          field: MIN_POSITION_HEADER,
          messages: [`${MIN_POSITION_HEADER} must be a global position (digits), not '${raw}'`],
        },
      ]);
    }
    const position = BigInt(raw);
    const scores = this.reflector.get<boolean | undefined>(READS_SCORE_INDEX, context.getHandler());
    return this.gate
      .waitFor(position, { timeoutMs: MIN_POSITION_WAIT_MS, scores })
      .then((outcome) => {
        if (outcome.neverWritten) {
          // No writer was ever given it: a mistaken or made-up position, not a read model late.
          throw new RequestValidationException([
            {
              field: MIN_POSITION_HEADER,
              messages: [
                `${MIN_POSITION_HEADER} ${position} is beyond the store's head (${outcome.head}): no write has been given that position`,
              ],
            },
          ]);
        }
        if (!outcome.reached) {
          response.header('Retry-After', '1');
          const detail =
            outcome.head < position
              ? `Position ${position} is beyond the store's head (${outcome.head}): no write has reached it`
              : `The read models ${outcome.behind.join(', ')} did not reach position ${position} within ${MIN_POSITION_WAIT_MS / 1000} s`;
          throw new ServiceUnavailableException({
            statusCode: HttpStatus.SERVICE_UNAVAILABLE,
            code: READ_MODEL_BEHIND,
            message: detail,
          });
        }
        response.header(MIN_POSITION_HEADER, position.toString());
        writeFreshnessHeaders(response, this.runtime);
        return true;
      });
  }
}

/**
 * The minimum position asked for, taken out of the query: it is this guard's parameter, so the
 * route's own query DTO, which refuses parameters it does not declare, never sees it.
 */
function minPositionOf(request: ReadRequest): string | undefined {
  const query = request.query?.[MIN_POSITION_QUERY];
  if (query !== undefined) delete request.query![MIN_POSITION_QUERY];
  const header = request.headers[MIN_POSITION_HEADER.toLowerCase()];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value !== '') return value.trim();
  if (typeof query === 'string' && query !== '') return query.trim();
  if (Array.isArray(query) && typeof query[0] === 'string') return query[0].trim();
  return undefined;
}
