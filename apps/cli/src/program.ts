import { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every top-level command with a one-line summary, and how to load it. A command's module (and
 * with it Nest, the stores and the analytics) is required only when that command runs, so
 * `aftercare --help` loads commander alone.
 */
const commands: ReadonlyArray<{ name: string; summary: string; load: () => Promise<Register> }> = [
  {
    name: 'seed',
    summary: 'simulate a deterministic after-sales world into the configured store',
    load: async () => (await import('./commands/seed.command')).registerSeedCommand,
  },
  {
    name: 'customer',
    summary: "one customer's profile and history",
    load: async () => (await import('./commands/customer.command')).registerCustomerCommand,
  },
  {
    name: 'projections',
    summary: 'projection status, rebuilds and resuming a stopped projection',
    load: async () => (await import('./commands/projections.command')).registerProjectionsCommand,
  },
  {
    name: 'clv',
    summary: 'customer lifetime value: fit, refit, bench',
    load: async () => (await import('./commands/clv.command')).registerClvCommand,
  },
  {
    name: 'churn',
    summary: 'churn risk measured against known outcomes',
    load: async () => (await import('./commands/churn.command')).registerChurnCommand,
  },
  {
    name: 'next-actions',
    summary: 'next best actions: fit their effects, show a customer, rank for a budget',
    load: async () => (await import('./commands/next-actions.command')).registerNextActionsCommand,
  },
  {
    name: 'simulate-policy',
    summary: 'measure next-best-action targeting against churn-risk, random and none',
    load: async () =>
      (await import('./commands/simulate-policy.command')).registerSimulatePolicyCommand,
  },
  {
    name: 'defects',
    summary: 'product feedback: defect rates by SKU and defect code, with a change detector',
    load: async () => (await import('./commands/defects.command')).registerDefectsCommand,
  },
  {
    name: 'audit',
    summary: 'explain, recompute and verify warranty decisions',
    load: async () => {
      const [{ registerAuditCommand }, { registerAuditBundleCommands }] = await Promise.all([
        import('./commands/audit.command'),
        import('./commands/audit-bundle.command'),
      ]);
      return (program) => (registerAuditCommand(program), registerAuditBundleCommands(program));
    },
  },
  {
    name: 'policies',
    summary: 'warranty policies and their versions',
    load: async () => (await import('./commands/policies.command')).registerPoliciesCommand,
  },
  {
    name: 'tasks',
    summary: 'follow-up tasks: whom to call today and why, and their outcomes',
    load: async () => (await import('./commands/tasks.command')).registerTasksCommand,
  },
  {
    name: 'promises',
    summary: 'promises made to customers, kept or broken',
    load: async () => (await import('./commands/tasks.command')).registerPromisesCommand,
  },
  {
    name: 'export',
    summary: 'export data for notebooks and BI',
    load: async () => (await import('./commands/export.command')).registerExportCommand,
  },
  {
    name: 'keys',
    summary: 'API keys: create, list, revoke',
    load: async () => (await import('./commands/keys.command')).registerKeysCommand,
  },
  {
    name: 'access-log',
    summary: 'who read personal data or audit views, what and when',
    load: async () => (await import('./commands/keys-access-log.command')).registerAccessLogCommand,
  },
  {
    name: 'bench',
    summary: 'benchmarks: ratios against baselines measured in the same run',
    load: async () => (await import('./commands/bench.command')).registerBenchCommand,
  },
];

function root(): Command {
  return new Command('aftercare')
    .description(
      'Aftercare: seed, replay, rebuild, audit, export and model an after-sales event history',
    )
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride();
}

/** Commander enforces required options but its help does not say which they are. */
function markRequiredOptions(command: Command): void {
  for (const option of command.options) {
    if (option.mandatory && !option.description.includes('(required)')) {
      option.description = `${option.description} (required)`;
    }
  }
  command.commands.forEach(markRequiredOptions);
}

/**
 * The whole command tree; main.ts parses process.argv with it, tests call it in-process. Each
 * command is a stand-in that, when run, loads the real command and parses its arguments with it.
 */
export function buildProgram(): Command {
  const program = root().helpCommand(false);
  const run = async (name: string, args: string[]): Promise<void> => {
    const command = commands.find((c) => c.name === name);
    if (command === undefined) return program.help();
    const real = root().configureOutput(program.configureOutput());
    (await command.load())(real);
    markRequiredOptions(real);
    await real.parseAsync([name, ...args], { from: 'user' });
  };
  for (const { name, summary } of commands) {
    program
      .command(name)
      .description(summary)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action((_options: unknown, stub: Command) => run(name, stub.args));
  }
  program
    .command('help [command]')
    .description('display help for command')
    .action((name?: string) => (name === undefined ? program.help() : run(name, ['--help'])));
  return program;
}
