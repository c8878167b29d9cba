import { createParamDecorator, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { Principal } from './principal';

/** The request property the auth guard sets to the authenticated principal. */
export const REQUEST_PRINCIPAL = 'principal';

/** The principal the auth guard attached to `request`, if any. */
export function principalOf(request: object): Principal | undefined {
  return (request as { [REQUEST_PRINCIPAL]?: Principal })[REQUEST_PRINCIPAL];
}

/**
 * The authenticated caller of the current request: `@CurrentPrincipal() principal: Principal`.
 * Fails closed (401) when no guard authenticated the request.
 */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const principal = principalOf(ctx.switchToHttp().getRequest<object>());
    if (!principal)
      throw new UnauthorizedException('This request carries no authenticated identity');
    return principal;
  },
);
