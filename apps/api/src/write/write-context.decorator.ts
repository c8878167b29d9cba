import { createParamDecorator, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { principalOf, requestDigest, type CommandContext } from '@aftercare/application';
import { RequestValidationException } from '../problem/request-validation.exception';

/** The parts of a Fastify request the write API reads. */
interface HttpRequest {
  method: string;
  routeOptions?: { url?: string };
  params: Record<string, string>;
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

const KEY = /^[\x21-\x7e]{1,200}$/;
const ON_BEHALF_OF = /^[\x20-\x7e]{1,200}$/;

/**
 * The command context of a write request: the actor is the authenticated principal; `X-Actor`,
 * accepted from admin identities only, is recorded beside it as the person they act on behalf of.
 * `Idempotency-Key` is the command id (a fresh one when absent), `X-Correlation-Id` is passed on,
 * and the digest covers the route, its parameters and the body exactly as sent (before defaults
 * such as occurredAt are filled in), so a retry with the same key and body is recognised.
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
    const principal = principalOf(request);
    if (!principal)
      throw new UnauthorizedException('This request carries no authenticated identity');
    const onBehalfOf = header(request, 'x-actor');
    if (onBehalfOf !== undefined) {
      const problem = !principal.roles.includes('admin')
        ? 'X-Actor is accepted from admin identities only; the actor is the authenticated caller'
        : !ON_BEHALF_OF.test(onBehalfOf)
          ? 'X-Actor must be 1 to 200 printable ASCII characters'
          : undefined;
      if (problem)
        throw new RequestValidationException([{ field: 'X-Actor', messages: [problem] }]);
    }
    const correlationId = header(request, 'x-correlation-id');
    return {
      commandId: key ?? randomUUID(),
      ...(correlationId ? { correlationId: correlationId.slice(0, 200) } : {}),
      actor: principal.id,
      ...(onBehalfOf === undefined ? {} : { onBehalfOf }),
      requestDigest: requestDigest({
        method: request.method,
        route: request.routeOptions?.url ?? '',
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
