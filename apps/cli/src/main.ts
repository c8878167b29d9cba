import 'reflect-metadata';
import { CommanderError } from 'commander';
import { endQuietlyOnClosedPipe } from './closed-pipe';
import { buildProgram } from './program';

endQuietlyOnClosedPipe(process.stdout);
endQuietlyOnClosedPipe(process.stderr);

/**
 * Usage errors and bad input exit with 2, failures with 1. ConfigError is recognised by name so
 * that this file loads no store adapter (each command loads what it needs).
 */
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof Error && error.name === 'ConfigError') {
      console.error(`Configuration error: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
