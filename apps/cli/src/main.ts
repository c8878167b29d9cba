import 'reflect-metadata';
import { CommanderError } from 'commander';
import { ConfigError } from '@aftercare/event-store';
import { buildProgram } from './program';

/** Usage errors and bad input exit with 2, failures with 1. */
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
