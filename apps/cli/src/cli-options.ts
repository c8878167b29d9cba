import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';

/** Option parsers shared by the commands: a bad value is a usage error (exit code 2). */
export function parseIntegerOption(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError(`'${value}' is not a non-negative integer`);
  }
  return parsed;
}

export function parseNumberOption(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new InvalidArgumentError(`'${value}' is not a number`);
  }
  return parsed;
}

/** A calendar date (YYYY-MM-DD) or a full ISO 8601 timestamp. */
export function parseDateOption(value: string): string {
  if (
    !/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new InvalidArgumentError(`'${value}' is not a date (YYYY-MM-DD or ISO 8601)`);
  }
  return value;
}

/**
 * A file to write: its folder must exist and be writable, and the path must not be a folder, so
 * an export or bundle that could never be written is refused before any work is done.
 */
export function parseOutputFileOption(value: string): string {
  const path = resolve(value);
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new InvalidArgumentError(`'${value}' is a directory, not a file`);
  }
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch {
    throw new InvalidArgumentError(
      `cannot write '${value}': ${dirname(path)} is not a writable directory`,
    );
  }
  return value;
}
