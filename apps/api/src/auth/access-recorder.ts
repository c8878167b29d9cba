import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessLog, type Principal } from '@aftercare/application';
import { RECORDS_ACCESS_METADATA } from './records-access.decorator';

interface HttpRequest {
  originalUrl?: string;
  url: string;
  params?: Record<string, string>;
}

/** Route parameters that name whose data is read. */
const SUBJECT_PARAMS = ['customerId', 'id', 'claimId'];

/**
 * Records each authenticated call of a `@RecordsAccess` route; the auth guard awaits it once the
 * caller is admitted, so the record is durable before the handler runs (a stream is recorded when
 * it opens) and a read whose record cannot be written is not served. In the guard rather than an
 * interceptor of its own: an interceptor costs every route, recording or not, a layer of
 * Nest's rxjs chain.
 */
@Injectable()
export class AccessRecorder {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
  ) {}

  /** Resolves at once for a route that records nothing. */
  async record(context: ExecutionContext, principal: Principal): Promise<void> {
    const action = this.reflector.get<string | undefined>(
      RECORDS_ACCESS_METADATA,
      context.getHandler(),
    );
    if (action === undefined) return;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const param = SUBJECT_PARAMS.find((name) => request.params?.[name] !== undefined);
    const url = request.originalUrl ?? request.url;
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    await this.accessLog.record(principal, {
      action,
      subject: param === undefined ? null : request.params![param],
      detail: query === '' ? null : readableQuery(query).slice(0, 1000),
      onBehalfOf: null,
      via: 'http',
    });
  }
}

/** The query as the caller meant it; one that is not valid percent-encoding is kept as sent. */
function readableQuery(query: string): string {
  try {
    return decodeURIComponent(query);
  } catch {
    return query;
  }
}
