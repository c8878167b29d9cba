import { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { WarrantyAudit } from '@aftercare/application';
import { parseDateOption } from '../cli-options';
import { exportEvents } from '../export/export-events';
import { csvRow, FileSink } from '../export/file-sink';
import { withStore } from '../store';

type ExportOptions = {
  format: string;
  out: string;
  from?: string;
  to?: string;
  category?: string[];
};

/** `export events|claims`: streams to a file with progress, in constant memory at any size. */
export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('Export data for notebooks and BI');

  exportCommand
    .command('events')
    .description('every recorded event in global order')
    .requiredOption('--out <file>', 'output file')
    .option('--format <format>', 'ndjson or csv', 'ndjson')
    .option('--from <date>', 'first day (business time)', parseDateOption)
    .option('--to <date>', 'last day (business time)', parseDateOption)
    .option('--category <category...>', 'stream categories, e.g. customer warranty')
    .action(async (options: ExportOptions) => {
      const format = checkFormat(program, options.format);
      await withStore(async (store) => {
        const head = await store.headPosition();
        const bar = progress('events');
        bar.start(Number(head ?? 0n), 0);
        const written = await exportEvents(store, {
          out: options.out,
          format,
          from: options.from,
          to: options.to,
          categories: options.category,
          onProgress: (_done, position) => bar.update(Number(position)),
        });
        bar.update(Number(head ?? 0n));
        bar.stop();
        console.error(`${written} events written to ${options.out}`);
      });
    });

  exportCommand
    .command('claims')
    .description('warranty decisions with outcome, final outcome after overrides, policy and cost')
    .requiredOption('--out <file>', 'output file')
    .option('--format <format>', 'ndjson or csv', 'ndjson')
    .option('--from <date>', 'first day (business time)', parseDateOption)
    .option('--to <date>', 'last day (business time)', parseDateOption)
    .action(async (options: ExportOptions) => {
      const format = checkFormat(program, options.format);
      await withStore(async (store) => {
        const sink = new FileSink(options.out);
        const bar = progress('claims');
        bar.start(0, 0);
        let written = 0;
        try {
          for await (const row of new WarrantyAudit(store).decisions({
            from: options.from,
            to: options.to,
          })) {
            const flat = { ...row, failedRules: row.failedRules.join(' ') };
            if (format === 'csv' && written === 0) await sink.writeLine(csvRow(Object.keys(flat)));
            await sink.writeLine(
              format === 'csv' ? csvRow(Object.values(flat)) : JSON.stringify(row),
            );
            written++;
            bar.setTotal(written);
            bar.update(written);
          }
        } finally {
          await sink.close();
          bar.stop();
        }
        console.error(`${written} claims written to ${options.out}`);
      });
    });
}

function checkFormat(program: Command, format: string): 'ndjson' | 'csv' {
  if (format !== 'ndjson' && format !== 'csv') {
    return program.error(`--format must be ndjson or csv, not '${format}'`, { exitCode: 2 });
  }
  return format;
}

function progress(what: string): SingleBar {
  return new SingleBar(
    {
      format: `${what} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}`,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
}
