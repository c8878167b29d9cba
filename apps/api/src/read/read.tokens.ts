/**
 * What the read API needs from the application module:
 * - `EVENT_STORE` (from @aftercare/application's EventStoreModule) for as-of replays and timelines;
 * - `READ_MODELS`: the projection runtime's ReadModelStore (any object with its `get` and `list`);
 * - `READ_CLOCK` (optional): `() => Date`, "now" for current views; ReadApiModule provides the
 *   system clock unless registered with another.
 */
export const READ_MODELS = Symbol('READ_MODELS');
export const READ_CLOCK = Symbol('READ_CLOCK');
