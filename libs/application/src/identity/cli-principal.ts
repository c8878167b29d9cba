import { userInfo } from 'node:os';
import { PII_READ_SCOPE, type Principal } from './principal';

/**
 * The CLI works on the local store with admin rights (whoever runs it can read the database file
 * anyway); what it writes records the OS user, or `--actor` when given.
 */
export function cliPrincipal(actor?: string): Principal {
  const name = actor?.trim() || osUser();
  return { id: `cli:${name}`, name, kind: 'cli', roles: ['admin'], scopes: [PII_READ_SCOPE] };
}

function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    // No passwd entry for the uid (some containers): the environment is the next best witness.
    return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
}
