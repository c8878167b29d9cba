import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { problemType } from './problem-details.filter';
import { ProblemDetailsDto } from './problem-details.dto';

interface ProblemDoc {
  description: string;
  code: string;
  title: string;
  detail: string;
}

const PROBLEMS: Record<number, ProblemDoc> = {
  400: {
    description: 'Invalid fields, query parameters or JSON; one entry per field in errors[]',
    code: 'validation_error',
    title: 'The request is invalid',
    detail: 'The request has invalid fields',
  },
  401: {
    description: 'No valid credentials',
    code: 'unauthorized',
    title: 'Unauthorized',
    detail: 'Send Authorization: Bearer <API key or token>',
  },
  403: {
    description: "The caller's role does not admit this route",
    code: 'forbidden',
    title: 'Forbidden',
    detail: 'This route needs another role',
  },
  404: {
    description: 'Unknown customer, claim, subscription or entity',
    code: 'not_found',
    title: 'Not found',
    detail: 'No customer ada',
  },
  409: {
    description: 'Refused by the domain, or a concurrent write',
    code: 'return_window_closed',
    title: 'Return window closed',
    detail: 'The 30-day return window of purchase tv-1 closed on 2026-10-31',
  },
  413: {
    description: 'The body is larger than AFTERCARE_BODY_LIMIT_KB',
    code: 'payload_too_large',
    title: 'Payload too large',
    detail: 'The request body is larger than the limit (AFTERCARE_BODY_LIMIT_KB)',
  },
  415: {
    description: 'A write whose body is not application/json',
    code: 'unsupported_media_type',
    title: 'Unsupported media type',
    detail: 'Send the body as application/json, not text/plain',
  },
  422: {
    description: 'Invalid by the domain, or Idempotency-Key reused with another request',
    code: 'idempotency_key_reused',
    title: 'Idempotency key reused',
    detail: 'Idempotency-Key fb-42 was used with another request',
  },
  429: {
    description: "Over the caller's rate limit; Retry-After says when to try again",
    code: 'too_many_requests',
    title: 'Too many requests',
    detail: 'More than 30000 requests in 60 s from this caller; retry after 12 s',
  },
  500: {
    description: 'An unexpected error (logged on the server)',
    code: 'internal_error',
    title: 'Internal error',
    detail: 'An unexpected error occurred',
  },
  503: {
    description:
      'The event store is unreachable; or a read model no projector has created yet (code read_model_unavailable: the projections run apart and have not started); or, for a read sent with X-Aftercare-Min-Position, the read models did not reach that position within 5 s (code read_model_behind); Retry-After says when to try again',
    code: 'store_unavailable',
    title: 'Event store unavailable',
    detail: 'The event store did not answer',
  },
};

/** What any route may answer, whatever it does. */
export const COMMON_PROBLEMS = [401, 403, 429, 500, 503] as const;
/** What a write may answer besides the common ones. */
export const WRITE_PROBLEMS = [400, 404, 409, 413, 415, 422] as const;

/**
 * Documents error responses as `application/problem+json` with the ProblemDetails schema and an
 * example each. On a controller class it applies to every route; on a method, to that route.
 */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    ...statuses.map((status) => {
      const doc = PROBLEMS[status];
      const headers =
        status === 429 || status === 503
          ? { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } }
          : undefined;
      return ApiResponse({
        status,
        description: doc.description,
        ...(headers ? { headers } : {}),
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemDetailsDto) },
            example: {
              type: problemType(doc.code),
              title: doc.title,
              status,
              detail: doc.detail,
              code: doc.code,
              ...(status === 400
                ? { errors: [{ field: 'nps', messages: ['nps must not be greater than 10'] }] }
                : {}),
            },
          },
        },
      });
    }),
  );
}
