import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  Authenticator,
  PUBLIC_METADATA,
  REQUEST_PRINCIPAL,
  ROLES_METADATA,
  type Role,
} from '@aftercare/application';
import { AccessRecorder } from './access-recorder';
import { RouteMetadata } from '../http/route-metadata';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  [REQUEST_PRINCIPAL]?: unknown;
}

interface HttpResponse {
  header(name: string, value: string): unknown;
}

/**
 * The API's one gate: every route is `@Public()` or admits the roles its `@Roles(...)` names;
 * admin is admitted everywhere. A route with no declaration admits admin only, so forgetting one
 * fails closed (and the route-table test fails). An admitted call of a `@RecordsAccess` route is
 * recorded in the access log before it goes further.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Whether a route is public, and the roles it admits. */
  private readonly access = new RouteMetadata((handler, controller) => {
    const targets = [handler, controller] as never[];
    return {
      isPublic: this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets) === true,
      admitted: this.reflector.getAllAndOverride<Role[]>(ROLES_METADATA, targets) ?? [],
    };
  });

  constructor(
    private readonly reflector: Reflector,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    private readonly accessRecorder: AccessRecorder,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const { isPublic, admitted } = this.access.of(context);
    if (isPublic) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const authorization = request.headers.authorization;
    const principal = await this.authenticator.authenticate(
      Array.isArray(authorization) ? authorization[0] : authorization,
    );
    if (!principal) {
      http.getResponse<HttpResponse>().header('WWW-Authenticate', 'Bearer realm="aftercare"');
      throw new UnauthorizedException(
        'Send a valid API key or token as Authorization: Bearer <key>',
      );
    }
    request[REQUEST_PRINCIPAL] = principal;
    if (principal.roles.some((role) => role === 'admin' || admitted.includes(role))) {
      const recording = this.accessRecorder.record(context, principal);
      if (recording) await recording;
      return true;
    }
    throw new ForbiddenException(
      `This route admits ${['admin', ...admitted.filter((r) => r !== 'admin')].join(', ')}; ` +
        `the caller has ${principal.roles.join(', ') || 'no role'}`,
    );
  }
}
