import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  RequestValidationException,
  type FieldError,
} from '../problem/request-validation.exception';

/** Shape limits applied to every parsed body before the DTOs see it. */
export const BODY_SHAPE_LIMITS = { depth: 32, arrayLength: 1000, values: 20_000 } as const;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** PostgreSQL's text and jsonb cannot hold U+0000 (SQLite can): no store may be handed one. */
export const NUL = '\u0000';

interface BodyRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

function hasBody(req: BodyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(contentType: string): boolean {
  return contentType.split(';')[0].trim().toLowerCase() === 'application/json';
}

/**
 * Bodies are JSON only, up to `limit` bytes; an empty JSON body is `{}`, malformed JSON a 400.
 * Writes take `application/json` only (415 otherwise, before the body is read): a browser can
 * send `text/plain` or a form cross-site without a preflight, JSON it cannot. A write without a
 * body needs no content type. Every parsed body then passes `findShapeProblem`.
 */
export function guardJsonBodies(fastify: FastifyInstance, limit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: limit },
    (_request, text, done) => {
      let body: unknown;
      try {
        body = text.length === 0 ? {} : JSON.parse(text as string);
      } catch (error) {
        done(new BadRequestException(`Malformed JSON: ${(error as Error).message}`), undefined);
        return;
      }
      done(null, body);
    },
  );
  fastify.addHook('onRequest', (request, _reply, done) => done(contentTypeProblem(request)));
  fastify.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done) =>
    done(bodyProblem(request)),
  );
}

export function contentTypeProblem(req: BodyRequest): Error | undefined {
  if (!WRITE_METHODS.has(req.method)) return undefined;
  const contentType = req.headers['content-type'];
  if (typeof contentType === 'string' ? isJson(contentType) : !hasBody(req)) return undefined;
  return new UnsupportedMediaTypeException(
    `Send the body as application/json, not ${contentType ?? 'without a content type'}`,
  );
}

/**
 * Refuses what JSON.parse accepts but no DTO should meet: numbers that overflowed to ±Infinity
 * (`1e309`), strings with lone surrogates (they break URI and e-mail checks) or NUL characters
 * (PostgreSQL refused the append: a 503 for the client's own input), bodies too deep
 * or too wide (a 5,000-deep array overflows recursive code further in), and prototype keys
 * (`__proto__`, `constructor.prototype`: harmless as JSON.parse's own properties, a pollution
 * path for any code that merges the body later). Walks without recursion.
 */
export function bodyProblem(req: BodyRequest): Error | undefined {
  const body = req.body;
  if (body === undefined || !WRITE_METHODS.has(req.method) || !hasBody(req)) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return new RequestValidationException([
      { field: '', messages: ['The body must be a JSON object'] },
    ]);
  }
  const problem = findShapeProblem(body);
  return problem ? new RequestValidationException([problem]) : undefined;
}

export function findShapeProblem(root: object): FieldError | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value: root, path: '', depth: 0 },
  ];
  let values = 0;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    const field = path === '' ? '(body)' : path;
    if (++values > BODY_SHAPE_LIMITS.values) {
      return {
        field: '(body)',
        messages: [`The body holds more than ${BODY_SHAPE_LIMITS.values} values`],
      };
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return { field, messages: [`${field} must be a finite number`] };
    }
    if (typeof value === 'string' && LONE_SURROGATE.test(value)) {
      return { field, messages: [`${field} holds an unpaired UTF-16 surrogate`] };
    }
    if (typeof value === 'string' && value.includes(NUL)) {
      return { field, messages: [`${field} holds a NUL character (U+0000)`] };
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= BODY_SHAPE_LIMITS.depth) {
      return {
        field,
        messages: [`The body is nested deeper than ${BODY_SHAPE_LIMITS.depth} levels`],
      };
    }
    if (Array.isArray(value)) {
      if (value.length > BODY_SHAPE_LIMITS.arrayLength) {
        return {
          field,
          messages: [`${field} holds more than ${BODY_SHAPE_LIMITS.arrayLength} items`],
        };
      }
      value.forEach((item, index) =>
        stack.push({ value: item, path: join(path, String(index)), depth: depth + 1 }),
      );
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) {
        return { field, messages: [`${field} has a key with an unpaired UTF-16 surrogate`] };
      }
      if (key.includes(NUL)) {
        return { field, messages: [`${field} has a key with a NUL character (U+0000)`] };
      }
      if (
        key === '__proto__' ||
        (key === 'prototype' && (path === 'constructor' || path.endsWith('.constructor')))
      ) {
        return { field: join(path, key), messages: [`The body may not hold a key named ${key}`] };
      }
      stack.push({ value: item, path: join(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
