/**
 * Errors the write path raises besides the domain's DomainError. Each has a stable `code`; the API
 * maps ConcurrencyConflict to 409 and IdempotencyKeyReused to 422.
 */
export class ConcurrencyConflict extends Error {
  readonly code = 'concurrency_conflict';
  constructor(
    readonly streamId: string,
    readonly attempts: number,
  ) {
    super(
      `Stream '${streamId}' kept changing while the command was decided (${attempts} attempts); retry later`,
    );
    this.name = 'ConcurrencyConflict';
  }
}

export class IdempotencyKeyReused extends Error {
  readonly code = 'idempotency_key_reused';
  constructor(
    readonly commandId: string,
    readonly streamId: string,
  ) {
    super(
      `Command id '${commandId}' was already used on '${streamId}' with a different request; use a new Idempotency-Key`,
    );
    this.name = 'IdempotencyKeyReused';
  }
}
