import { Command } from 'commander';
import {
  CustomerQueries,
  type CustomerView,
  listAll,
  type Principal,
  PROJECTION_SETTINGS,
  type ProjectionSettings,
  SYSTEM_PRINCIPAL,
  WarrantyDecisionQueries,
  csvRow,
  exportEvents,
  FileSink,
} from '@aftercare/application';
import { customerProfileProjection, type CustomerProfileState } from '@aftercare/projections';
import { parseDateOption, parseOutputFileOption } from '../cli-options';
import { recordRead, withApplication } from '../cli-context';
import { progressBar } from '../progress';
import {
  ensureFreshReadModels,
  type FreshnessOptions,
  freshnessOptions,
} from '../read-model-freshness';

type ExportOptions = {
  format: string;
  out: string;
  from?: string;
  to?: string;
  category?: string[];
  pii?: boolean;
  /** `--no-progress` makes it false. */
  progress: boolean;
};

/** `--no-pii`: the export an analyst may take away, personal data replaced by `{"redacted": true}`. */
const PSEUDONYMOUS_READER: Principal = {
  id: 'cli:export',
  name: 'export without personal data',
  kind: 'cli',
  roles: ['analyst'],
  scopes: [],
};

/** `export events|customers|claims`: streams to a file with progress, in constant memory at any size. */
export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('Export data for notebooks and BI');

  exportCommand
    .command('events')
    .description('every recorded event in global order')
    .requiredOption('--out <file>', 'output file', parseOutputFileOption)
    .option('--format <format>', 'ndjson or csv', 'ndjson')
    .option('--from <date>', 'first day (business time)', parseDateOption)
    .option('--to <date>', 'last day (business time)', parseDateOption)
    .option('--category <category...>', 'stream categories, e.g. customer warranty')
    .option('--no-pii', 'replace personal data with {"redacted": true}')
    .option('--no-progress', 'no progress bar')
    .action(async (options: ExportOptions) => {
      const format = checkFormat(program, options.format);
      const reader = options.pii === false ? PSEUDONYMOUS_READER : SYSTEM_PRINCIPAL;
      await withApplication(
        async (cli) => {
          const { store, vault } = cli;
          await recordRead(cli, { action: 'export.events' });
          const head = await store.headPosition();
          const bar = progress('events', options.progress);
          bar?.start(Number(head ?? 0n), 0);
          const written = await exportEvents(store, {
            out: options.out,
            format,
            from: options.from,
            to: options.to,
            categories: options.category,
            onProgress: (_done, position) => bar?.update(Number(position)),
            reveal: (event) => vault.revealEvent(event, reader),
          });
          bar?.update(Number(head ?? 0n));
          bar?.stop();
          console.error(`${written} events written to ${options.out}`);
        },
        { pii: true },
      );
    });

  freshnessOptions(
    exportCommand
      .command('customers')
      .description(
        'one row per customer: purchases, satisfaction, churn risk and CLV from the read models, ' +
          'caught up first',
      )
      .requiredOption('--out <file>', 'output file', parseOutputFileOption)
      .option('--format <format>', 'ndjson or csv', 'ndjson'),
  ).action(async (options: ExportOptions & FreshnessOptions) => {
    await exportCustomers(options, checkFormat(program, options.format));
  });

  freshnessOptions(
    exportCommand
      .command('claims')
      .description(
        'warranty decisions with outcome, final outcome after overrides, policy and cost (from the warranty_decisions read model, as the API lists them)',
      )
      .requiredOption('--out <file>', 'output file', parseOutputFileOption)
      .option('--format <format>', 'ndjson or csv', 'ndjson')
      .option('--from <date>', 'first day (business time)', parseDateOption)
      .option('--to <date>', 'last day (business time)', parseDateOption),
  ).action(async (options: ExportOptions & FreshnessOptions) => {
    const format = checkFormat(program, options.format);
    await withApplication(
      async (cli) => {
        const { app } = cli;
        await recordRead(cli, { action: 'export.claims' });
        await ensureFreshReadModels(cli, options);
        const sink = new FileSink(options.out);
        const bar = progress('claims', options.progress);
        bar?.start(0, 0);
        let written = 0;
        try {
          for await (const row of app.get(WarrantyDecisionQueries).decisions({
            from: options.from,
            to: options.to,
          })) {
            const flat = { ...row, failedRules: row.failedRules.join(' ') };
            if (format === 'csv' && written === 0) await sink.writeLine(csvRow(Object.keys(flat)));
            await sink.writeLine(
              format === 'csv' ? csvRow(Object.values(flat)) : JSON.stringify(row),
            );
            written++;
            bar?.setTotal(written);
            bar?.update(written);
          }
        } finally {
          await sink.close();
          bar?.stop();
        }
        console.error(`${written} claims written to ${options.out}`);
      },
      { readModels: true },
    );
  });
}

const CUSTOMER_COLUMNS = [
  'customerId',
  'registeredAt',
  'jurisdiction',
  'countryCode',
  'segment',
  'piiErased',
  'purchases',
  'revenue',
  'currency',
  'firstPurchaseAt',
  'lastPurchaseAt',
  'openComplaints',
  'openClaims',
  'satisfaction',
  'npsLatest',
  'csatMean',
  'churnProbability',
  'churnBand',
  'pAlive',
  'expectedPurchases',
  'clv',
  'clvFitId',
  'realizedNetValue',
] as const;

type CustomerRow = Record<(typeof CUSTOMER_COLUMNS)[number], string | number | boolean | null>;

/** One flat row per customer: what analysts load into a notebook. PII beyond the id stays out. */
function customerRow(view: CustomerView): CustomerRow {
  const [currency, revenue] =
    Object.entries(view.purchases.revenueByCurrency).sort((a, b) => b[1] - a[1])[0] ?? [];
  return {
    customerId: view.customerId,
    registeredAt: view.registeredAt,
    jurisdiction: view.jurisdiction,
    countryCode: view.countryCode,
    segment: view.segment,
    piiErased: view.piiErased,
    purchases: view.purchases.count,
    revenue: revenue ?? 0,
    currency: currency ?? null,
    firstPurchaseAt: view.purchases.firstAt,
    lastPurchaseAt: view.purchases.lastAt,
    openComplaints: view.openComplaints.length,
    openClaims: view.openClaims.length,
    satisfaction: view.satisfaction.state,
    npsLatest: view.satisfaction.metrics.nps.latest,
    csatMean: view.satisfaction.metrics.csat.mean,
    churnProbability: view.churnRisk?.probability ?? null,
    churnBand: view.churnRisk?.band ?? null,
    pAlive: view.churnRisk?.pAlive ?? view.clv?.pAlive ?? null,
    expectedPurchases: view.clv?.expectedPurchases ?? null,
    clv: view.clv?.clv ?? null,
    clvFitId: view.clv?.fit.id ?? null,
    realizedNetValue: view.clv?.realizedNetValue ?? null,
  };
}

async function exportCustomers(
  options: ExportOptions & FreshnessOptions,
  format: 'ndjson' | 'csv',
): Promise<void> {
  await withApplication(
    async (cli) => {
      const { app, store, readModels } = cli;
      await recordRead(cli, { action: 'export.customers' });
      await ensureFreshReadModels(cli, options);
      const settings = app.get<ProjectionSettings>(PROJECTION_SETTINGS);
      const where =
        settings.readModels === 'sqlite' ? settings.readModelPath : `schema ${settings.readSchema}`;
      const sink = new FileSink(options.out);
      const bar = progress('customers', options.progress);
      try {
        const status = await readModels.getStatus(customerProfileProjection.name);
        if (!status) {
          throw new Error(
            `No customer read model in ${where}: run the projections first (npm start, or npm run cli -- projections rebuild customer_profile)`,
          );
        }
        const total = await readModels.count(customerProfileProjection.name);
        const queries = new CustomerQueries(store, readModels);
        bar?.start(total, 0);
        if (format === 'csv') await sink.writeLine(csvRow(CUSTOMER_COLUMNS));
        let written = 0;
        for await (const stored of listAll<CustomerProfileState>(
          readModels,
          customerProfileProjection.name,
        )) {
          const row = customerRow(await queries.profile(stored.key));
          await sink.writeLine(
            format === 'csv' ? csvRow(CUSTOMER_COLUMNS.map((c) => row[c])) : JSON.stringify(row),
          );
          bar?.update(++written);
        }
        bar?.stop();
        console.error(`${written} customers written to ${options.out}`);
      } finally {
        bar?.stop();
        await sink.close();
      }
    },
    { readModels: true },
  );
}

function checkFormat(program: Command, format: string): 'ndjson' | 'csv' {
  if (format !== 'ndjson' && format !== 'csv') {
    return program.error(`--format must be ndjson or csv, not '${format}'`, { exitCode: 2 });
  }
  return format;
}

function progress(what: string, enabled: boolean) {
  return progressBar(
    `${what} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}`,
    enabled,
  );
}
