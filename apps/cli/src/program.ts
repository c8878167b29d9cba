import { Command } from 'commander';
import { registerClvCommand } from './commands/clv.command';
import { registerBenchCommand } from './commands/bench.command';
import { registerAuditCommand } from './commands/audit.command';
import { registerExportCommand } from './commands/export.command';

/** The whole command tree; main.ts parses process.argv with it, tests call it in-process. */
export function buildProgram(): Command {
  const program = new Command('aftercare')
    .description('Aftercare: replay, rebuild, audit, export and model an after-sales event history')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });
  program.exitOverride();
  registerBenchCommand(program);
  registerClvCommand(program);
  registerAuditCommand(program);
  registerExportCommand(program);
  return program;
}
