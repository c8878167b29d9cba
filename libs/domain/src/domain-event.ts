/**
 * The two shapes every decider speaks: an event (a fact that happened) and a command (a request
 * that may be refused). Both are plain data with a string-literal `type`, never classes, so they
 * serialise as they are and a `switch` over `type` narrows `data`.
 */
export type DomainEvent<Type extends string, Data extends object> = {
  type: Type;
  data: Data;
};

export type DomainCommand<Type extends string, Data extends object> = {
  type: Type;
  data: Data;
};

/** ISO 8601 instant, e.g. '2025-03-01T09:30:00.000Z'. Business time, supplied by the caller. */
export type IsoDateTime = string;

/**
 * Money is a number in major currency units (199.99) with an ISO 4217 currency code beside it.
 * The domain rounds what it computes to 2 decimals.
 */
export type Amount = number;
export type CurrencyCode = string;

/** Called in the `default` branch of a switch over a union: adding a member breaks the build. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
