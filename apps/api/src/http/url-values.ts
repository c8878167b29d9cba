import type { FastifyInstance } from 'fastify';
import {
  RequestValidationException,
  type FieldError,
} from '../problem/request-validation.exception';
import { NUL } from './json-body';

interface UrlRequest {
  params?: unknown;
  query?: unknown;
}

/**
 * Path and query values may not hold U+0000 (`%00`), as body strings may not (json-body.ts): on
 * PostgreSQL a NUL that reached a filter, a read-model key or the access log (recorded before the
 * handler's own checks) failed the read with a 500. Checked on every route before guards run.
 */
export function guardUrlValues(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => done(urlValueProblem(request)));
}

export function urlValueProblem(request: UrlRequest): RequestValidationException | undefined {
  const errors: FieldError[] = [];
  for (const values of [request.params, request.query]) {
    if (typeof values !== 'object' || values === null) continue;
    for (const [name, value] of Object.entries(values)) {
      const texts: unknown[] = Array.isArray(value) ? value : [value];
      if (name.includes(NUL) || texts.some((t) => typeof t === 'string' && t.includes(NUL))) {
        errors.push({ field: name, messages: [`${name} holds a NUL character (%00)`] });
      }
    }
  }
  return errors.length > 0 ? new RequestValidationException(errors) : undefined;
}
