import { Injectable, type ExecutionContext } from '@nestjs/common';
import {
  ThrottlerException,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
} from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { HttpSettings } from '@aftercare/application';
import { FixedWindowThrottlerStorage } from './fixed-window.throttler-storage';

interface CallerRequest {
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
}

const API_KEY_ID = /^Bearer\s+ak_([0-9a-f]{16})_/i;
const BEARER = /^Bearer\s+(\S+)/i;

/**
 * Who a request counts against: the API key's id when one is presented (so callers behind one
 * proxy do not share a limit), another bearer token by its digest, else the client's address.
 */
export function callerOf(req: CallerRequest): string {
  const header = req.headers.authorization;
  const authorization = Array.isArray(header) ? header[0] : header;
  if (authorization !== undefined) {
    const key = API_KEY_ID.exec(authorization);
    if (key) return `key:${key[1].toLowerCase()}`;
    const token = BEARER.exec(authorization);
    if (token) return `token:${createHash('sha256').update(token[1]).digest('hex').slice(0, 32)}`;
  }
  return `ip:${req.ip ?? 'unknown'}`;
}

export function throttlerOptions(settings: HttpSettings['rateLimit']): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: 'default',
        limit: Math.max(settings.limit, 1),
        ttl: settings.windowMs,
        // AFTERCARE_RATE_LIMIT=0 turns limiting off (benchmarks that flood on purpose).
        ...(settings.limit === 0 ? { skipIf: () => true } : {}),
      },
    ],
    storage: new FixedWindowThrottlerStorage(),
  };
}

/** One limit per caller over all routes, answered with 429 problem+json and Retry-After. */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(callerOf(req as unknown as CallerRequest));
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string) {
    return `${name}:${tracker}`;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context
      .switchToHttp()
      .getResponse<{ header(name: string, value: string): void }>()
      .header('Retry-After', String(retryAfter));
    throw new ThrottlerException(
      `More than ${detail.limit} requests in ${detail.ttl / 1000} s from this caller; retry after ${retryAfter} s`,
    );
  }
}
