import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { requestDigest, type CommandContext } from '@aftercare/application';
import { RequestValidationException } from '../problem/request-validation.exception';

/** The parts of an Express request the write API reads. */
interface HttpRequest {
  method: string;
  route?: { path?: string };
  params: Record<string, string>;
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

const KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * The command context of a write request: `Idempotency-Key` is the command id (a fresh one when
 * absent), `X-Correlation-Id` and `X-Actor` are passed on, and the digest covers the route, its
 * parameters and the body exactly as sent (before defaults such as occurredAt are filled in), so
 * a retry with the same key and body is recognised.
 */
export const WriteContext = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): CommandContext => {
    const request = ctx.switchToHttp().getRequest<HttpRequest>();
    const key = header(request, 'idempotency-key');
    if (key !== undefined && !KEY.test(key)) {
      throw new RequestValidationException([
        {
          field: 'Idempotency-Key',
          messages: ['Idempotency-Key must be 1 to 200 visible ASCII characters'],
        },
      ]);
    }
    const actor = header(request, 'x-actor');
    const correlationId = header(request, 'x-correlation-id');
    return {
      commandId: key ?? randomUUID(),
      ...(correlationId ? { correlationId: correlationId.slice(0, 200) } : {}),
      actor: actor ? actor.slice(0, 200) : 'api',
      requestDigest: requestDigest({
        method: request.method,
        route: request.route?.path ?? '',
        params: request.params,
        body: request.body ?? {},
      }),
    };
  },
);

function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}
