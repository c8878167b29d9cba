import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  RequestValidationException,
  type FieldError,
} from '../problem/request-validation.exception';

/** Shape limits applied to every parsed body before the DTOs see it. */
export const BODY_SHAPE_LIMITS = { depth: 32, arrayLength: 1000, values: 20_000 } as const;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(contentType: string): boolean {
  return contentType.split(';')[0].trim().toLowerCase() === 'application/json';
}

/**
 * Writes take `application/json` only (415 otherwise): a browser can send `text/plain` or a form
 * cross-site without a preflight, JSON it cannot. A write without a body needs no content type.
 */
export function requireJsonContentType(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!WRITE_METHODS.has(req.method)) return next();
    const contentType = req.headers['content-type'];
    if (contentType === undefined ? !hasBody(req) : isJson(contentType)) return next();
    next(
      new UnsupportedMediaTypeException(
        `Send the body as application/json, not ${contentType ?? 'without a content type'}`,
      ),
    );
  };
}

/**
 * Refuses what JSON.parse accepts but no DTO should meet: numbers that overflowed to ±Infinity
 * (`1e309`), strings with lone surrogates (they break URI and e-mail checks), and bodies too deep
 * or too wide (a 5,000-deep array overflows recursive code further in). Walks without recursion.
 */
export function bodyShapeGuard(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const body: unknown = req.body;
    if (body === undefined || !WRITE_METHODS.has(req.method) || !hasBody(req)) return next();
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return next(
        new RequestValidationException([
          { field: '', messages: ['The body must be a JSON object'] },
        ]),
      );
    }
    const problem = findShapeProblem(body);
    next(problem ? new RequestValidationException([problem]) : undefined);
  };
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
      stack.push({ value: item, path: join(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
