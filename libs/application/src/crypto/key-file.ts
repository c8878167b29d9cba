import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '@aftercare/event-store';

/**
 * Reads a secret kept in a file of its own, creating it with `create()` on first use. The file is
 * created with mode 0600 (exclusively, so two processes starting together agree on one key), and
 * one readable by group or others is refused: a key anyone on the machine can read protects
 * nothing.
 */
export function readOrCreateKeyFile(path: string, variable: string, create: () => string): string {
  mkdirSync(dirname(path), { recursive: true });
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, create());
    } finally {
      closeSync(fd);
    }
    chmodSync(path, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new ConfigError(variable, `${path} is readable by other users; chmod 600 it`);
  }
  return readFileSync(path, 'utf8').trim();
}
