import { Command } from 'commander';
import { openReadModels, projectionSettings } from '@aftercare/application';
import { createEventStore, loadStoreConfig } from '@aftercare/event-store';
import { projections } from '@aftercare/projections';
import { registerAuditCommand } from './commands/audit.command';
import { registerBenchCommand } from './commands/bench.command';
import { registerChurnCommand } from './commands/churn.command';
import { registerClvCommand } from './commands/clv.command';
import { registerCustomerCommand } from './commands/customer.command';
import { registerExportCommand } from './commands/export.command';
import { registerProjectionsCommand } from './commands/projections.command';
import { registerSeedCommand } from './commands/seed.command';

/** The whole command tree; main.ts parses process.argv with it, tests call it in-process. */
export function buildProgram(): Command {
  const program = new Command('aftercare')
    .description(
      'Aftercare: seed, replay, rebuild, audit, export and model an after-sales event history',
    )
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });
  program.exitOverride();
  registerSeedCommand(program);
  registerCustomerCommand(program);
  registerProjectionsCommand(program, {
    openStore: () => createEventStore(loadStoreConfig()),
    projections: () => [...projections],
    openReadModels: () => openReadModels(projectionSettings(loadStoreConfig())),
  });
  registerClvCommand(program);
  registerChurnCommand(program);
  registerAuditCommand(program);
  registerExportCommand(program);
  registerBenchCommand(program);
  return program;
}
