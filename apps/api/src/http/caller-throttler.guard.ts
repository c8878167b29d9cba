import { Injectable, type ExecutionContext } from '@nestjs/common';
import {
  ThrottlerException,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
} from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
import { createHash } from 'node:crypto';
import type { HttpSettings } from '@aftercare/application';
import { FixedWindowThrottlerStorage } from './fixed-window.throttler-storage';
import { RouteMetadata } from './route-metadata';

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

/** A value `@Throttle`/`@SkipThrottle` may give: a number, or a function of the request. */
type Resolvable<T> = T | ((context: ExecutionContext) => T | Promise<T>);

interface LimitSettings {
  limit: number;
  ttl: number;
  blockDuration: number;
}

/** One throttler as a route applies it: the module's settings under the route's decorators. */
interface RouteLimit {
  name: string;
  skip: boolean;
  limit: Resolvable<number>;
  ttl: Resolvable<number>;
  blockDuration: Resolvable<number> | undefined;
  /** The settings when none is a function (every route of this API): nothing to await. */
  fixed?: LimitSettings;
  skipIf?: (context: ExecutionContext) => boolean;
}

/**
 * One limit per caller over all routes, answered with 429 problem+json and Retry-After, with the
 * X-RateLimit-Limit, -Remaining and -Reset headers on every answer. The throttler's own
 * `canActivate` asks the reflector five questions per throttler and awaits six promises on every
 * request; here a route's settings (the module's, under its `@Throttle`/`@SkipThrottle`) are
 * worked out once and a request pays one counter step.
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  private readonly routeLimits = new RouteMetadata<RouteLimit[]>((handler, controller) =>
    this.throttlers.map((throttler) => {
      const named = <T>(key: string) =>
        this.reflector.getAllAndOverride<T | undefined>(key + throttler.name, [
          handler as never,
          controller as never,
        ]);
      const route: RouteLimit = {
        name: throttler.name ?? 'default',
        skip: named<boolean>(THROTTLER_SKIP) === true,
        limit: named<Resolvable<number>>(THROTTLER_LIMIT) ?? throttler.limit,
        ttl: named<Resolvable<number>>(THROTTLER_TTL) ?? throttler.ttl,
        blockDuration:
          named<Resolvable<number>>(THROTTLER_BLOCK_DURATION) ?? throttler.blockDuration,
        skipIf: throttler.skipIf ?? this.commonOptions.skipIf,
      };
      const { limit, ttl, blockDuration = ttl } = route;
      if (
        typeof limit === 'number' &&
        typeof ttl === 'number' &&
        typeof blockDuration === 'number'
      ) {
        route.fixed = { limit, ttl, blockDuration };
      }
      return route;
    }),
  );

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const { req, res } = this.getRequestResponse(context);
    for (const route of this.routeLimits.of(context)) {
      if (route.skip || route.skipIf?.(context)) continue;
      const { limit, ttl, blockDuration } = route.fixed ?? (await settingsOf(route, context));
      const tracker = callerOf(req as CallerRequest);
      const key = this.generateKey(context, tracker, route.name);
      const record =
        this.storageService instanceof FixedWindowThrottlerStorage
          ? this.storageService.hit(key, ttl, limit, blockDuration)
          : await this.storageService.increment(key, ttl, limit, blockDuration, route.name);
      const suffix = route.name === 'default' ? '' : `-${route.name}`;
      // Answered 429 with Retry-After (throwThrottlingException).
      if (record.isBlocked) {
        await this.throwThrottlingException(context, { limit, ttl, key, tracker, ...record });
      }
      this.setResponseHeader(res, `${this.headerPrefix}-Limit${suffix}`, limit);
      this.setResponseHeader(
        res,
        `${this.headerPrefix}-Remaining${suffix}`,
        Math.max(0, limit - record.totalHits),
      );
      this.setResponseHeader(res, `${this.headerPrefix}-Reset${suffix}`, record.timeToExpire);
    }
    return true;
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

/** A route's settings for this request, where some are functions of it. */
async function settingsOf(route: RouteLimit, context: ExecutionContext): Promise<LimitSettings> {
  const numberOf = async (value: Resolvable<number>) =>
    Number(typeof value === 'function' ? await value(context) : value);
  const ttl = await numberOf(route.ttl);
  return {
    limit: await numberOf(route.limit),
    ttl,
    blockDuration: await numberOf(route.blockDuration ?? ttl),
  };
}
