import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SkipThrottle, Throttle, ThrottlerException } from '@nestjs/throttler';
import { CallerThrottlerGuard, throttlerOptions } from './caller-throttler.guard';
import { FixedWindowThrottlerStorage } from './fixed-window.throttler-storage';

class Plain {
  read(): void {}
}

class Decorated {
  @SkipThrottle()
  probe(): void {}

  @Throttle({ default: { limit: 1, ttl: 60_000 } })
  strict(): void {}
}

/** A request from one caller (an API key) to `handler` of `controller`, and its headers set. */
function call(controller: object, handler: () => void) {
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: unknown) => (headers[name] = String(value)) };
  const request = { headers: { authorization: 'Bearer ak_0123456789abcdef_secret' } };
  const context = {
    getHandler: () => handler,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { context, headers };
}

async function guard(limit: number): Promise<CallerThrottlerGuard> {
  const options = throttlerOptions({ limit, windowMs: 60_000 });
  const created = new CallerThrottlerGuard(
    options,
    new FixedWindowThrottlerStorage(),
    new Reflector(),
  );
  await created.onModuleInit();
  return created;
}

describe('the per-caller rate limit', () => {
  it('counts every route against the caller, says how much is left and refuses past the limit', async () => {
    const limiter = await guard(2);
    const first = call(Plain, Plain.prototype.read);
    expect(await limiter.canActivate(first.context)).toBe(true);
    expect(first.headers).toEqual({
      'X-RateLimit-Limit': '2',
      'X-RateLimit-Remaining': '1',
      'X-RateLimit-Reset': '60',
    });
    expect(await limiter.canActivate(call(Plain, Plain.prototype.read).context)).toBe(true);
    const refused = call(Plain, Plain.prototype.read);
    await expect(limiter.canActivate(refused.context)).rejects.toBeInstanceOf(ThrottlerException);
    expect(refused.headers['Retry-After']).toBe('60');
  });

  it("applies a route's own @Throttle and @SkipThrottle, each looked up for its route", async () => {
    const limiter = await guard(100);
    for (let i = 0; i < 3; i++) {
      expect(await limiter.canActivate(call(Decorated, Decorated.prototype.probe).context)).toBe(
        true,
      );
    }
    const skipped = call(Decorated, Decorated.prototype.probe);
    await limiter.canActivate(skipped.context);
    expect(skipped.headers).toEqual({});
    const strict = call(Decorated, Decorated.prototype.strict);
    expect(await limiter.canActivate(strict.context)).toBe(true);
    expect(strict.headers['X-RateLimit-Limit']).toBe('1');
    await expect(
      limiter.canActivate(call(Decorated, Decorated.prototype.strict).context),
    ).rejects.toBeInstanceOf(ThrottlerException);
  });

  it('limits nothing when the limit is 0', async () => {
    const limiter = await guard(0);
    for (let i = 0; i < 5; i++) {
      expect(await limiter.canActivate(call(Plain, Plain.prototype.read).context)).toBe(true);
    }
  });
});
