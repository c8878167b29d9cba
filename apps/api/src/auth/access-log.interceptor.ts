import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, switchMap, type Observable } from 'rxjs';
import { AccessLog, principalOf } from '@aftercare/application';
import { RECORDS_ACCESS_METADATA } from './records-access.decorator';

interface HttpRequest {
  originalUrl?: string;
  url: string;
  params?: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

/** Route parameters that name whose data is read. */
const SUBJECT_PARAMS = ['customerId', 'id', 'claimId'];

/**
 * Records each call of a `@RecordsAccess` route before the handler runs (a stream is recorded
 * when it opens); if the record cannot be written, the read is not served.
 */
@Injectable()
export class AccessLogInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<string | undefined>(
      RECORDS_ACCESS_METADATA,
      context.getHandler(),
    );
    if (action === undefined || context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const principal = principalOf(request);
    if (!principal) return next.handle();
    const param = SUBJECT_PARAMS.find((name) => request.params?.[name] !== undefined);
    const url = request.originalUrl ?? request.url;
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const recorded = this.accessLog.record(principal, {
      action,
      subject: param === undefined ? null : request.params![param],
      detail: query === '' ? null : decodeURIComponent(query).slice(0, 1000),
      onBehalfOf: null,
      via: 'http',
    });
    return from(recorded).pipe(switchMap(() => next.handle()));
  }
}
