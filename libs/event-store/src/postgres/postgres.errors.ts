/** How failures of the database reach callers of the PostgreSQL store. */
import { DatabaseError } from 'pg';
import { EventStoreError, StoreUnavailableError } from '../errors';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/**
 * Every failure of the database reaches callers as a typed store error, never as a raw driver
 * error: lost connections and server shutdowns, and anything else the server refused (its SQLSTATE
 * in the message), as StoreUnavailableError, which callers may retry.
 */
export function mapError(error: unknown): unknown {
  if (error instanceof EventStoreError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? '';
  if (
    (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) ||
    /Connection terminated|Client has encountered a connection error/.test(message)
  ) {
    return new StoreUnavailableError(`PostgreSQL unavailable: ${message}`, error);
  }
  if (error instanceof DatabaseError) {
    return new StoreUnavailableError(
      `PostgreSQL refused the operation (${code}): ${message}`,
      error,
    );
  }
  return error;
}
