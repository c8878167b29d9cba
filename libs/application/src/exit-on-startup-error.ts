import { ConfigError } from '@aftercare/event-store';

/** How every entry point ends when it cannot start: bad configuration exits 2, anything else 1. */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
}
