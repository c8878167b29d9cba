import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessLog, type Principal } from '@aftercare/application';
import { RECORDS_ACCESS_METADATA } from './records-access.decorator';
import { RouteMetadata } from '../http/route-metadata';

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
  /** What a route's calls are recorded as (undefined: not recorded). */
  private readonly actions = new RouteMetadata((handler) =>
    this.reflector.get<string | undefined>(RECORDS_ACCESS_METADATA, handler as never),
  );

  constructor(
    private readonly reflector: Reflector,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
  ) {}

  /** The record's commit to wait for; undefined for a route that records nothing. */
  record(context: ExecutionContext, principal: Principal): Promise<void> | undefined {
    const action = this.actions.of(context);
    if (action === undefined) return undefined;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const param = SUBJECT_PARAMS.find((name) => request.params?.[name] !== undefined);
    const url = request.originalUrl ?? request.url;
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    return this.accessLog.record(principal, {
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
