import type { ExecutionContext } from '@nestjs/common';

type Target = object;

/**
 * What a guard reads from a route's decorators, looked up once per route: decorators are fixed
 * once the application is built, and the reflector's lookups (two prototype walks per key, per
 * request) were a guard's largest cost on routes that do nothing else. Keyed by handler and
 * controller, since an inherited handler can serve controllers that declare different things.
 */
export class RouteMetadata<T> {
  private readonly byHandler = new WeakMap<Target, WeakMap<Target, T>>();

  constructor(private readonly read: (handler: Target, controller: Target) => T) {}

  of(context: ExecutionContext): T {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.byHandler.get(handler);
    if (!byController) {
      byController = new WeakMap();
      this.byHandler.set(handler, byController);
    }
    if (byController.has(controller)) return byController.get(controller)!;
    const value = this.read(handler, controller);
    byController.set(controller, value);
    return value;
  }
}
