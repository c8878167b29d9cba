import { Command, InvalidArgumentError } from 'commander';
import { CustomerQueries, defectReportOf, endOfDayIfDate } from '@aftercare/application';
import type { DefectReport } from '@aftercare/projections';
import { withApplication } from '../cli-context';
import {
  ensureFreshReadModels,
  type FreshnessOptions,
  freshnessOptions,
} from '../read-model-freshness';
import { parseDateOption } from '../cli-options';

interface ReportOptions extends FreshnessOptions {
  asOf?: string;
  sku?: string;
  by: 'defect' | 'batch';
  json?: boolean;
}

function parseBreakdown(value: string): ReportOptions['by'] {
  if (value !== 'defect' && value !== 'batch') {
    throw new InvalidArgumentError("must be 'defect' or 'batch'");
  }
  return value;
}

const rate = (r: number | null): string => (r === null ? '—' : r.toFixed(2));

/** The text form of the defect early-warning report. */
export function formatDefectReport(report: DefectReport): string {
  const d = report.detector;
  const lines = [
    `Defects per 1,000 unit-months in service, closed months through ${report.throughMonth} ` +
      `(Poisson CUSUM: detect x${d.rateRatio}, threshold ${d.threshold}, guard ${d.guardPeriods} months)`,
  ];
  for (const sku of report.skus) {
    lines.push(
      '',
      `${sku.sku} (${sku.productCategory}): ${sku.unitsInService} units, ${sku.defects} defects, ` +
        `rate ${rate(sku.ratePer1000UnitMonths)}`,
    );
    for (const c of sku.byDefect) {
      const ratio = c.trend.rateRatio === null ? '—' : `x${c.trend.rateRatio.toFixed(2)}`;
      lines.push(
        `  ${c.defectCode.padEnd(24)} ${String(c.defects).padStart(5)}  rate ${rate(c.ratePer1000UnitMonths).padStart(6)}  ` +
          `last ${c.trend.months} months ${rate(c.trend.recentRatePer1000UnitMonths).padStart(6)} vs ${rate(c.trend.referenceRatePer1000UnitMonths)} (${ratio})  ` +
          `CUSUM ${c.cusum.statistic.toFixed(2)}/${c.cusum.threshold}` +
          (c.cusum.rising ? '  RISING' : '') +
          (c.cusum.lastAlarm ? `  last alarm ${c.cusum.lastAlarm}` : ''),
      );
      for (const b of c.byBatch ?? []) {
        const vs = b.comparison.ratio === null ? '—' : `x${b.comparison.ratio.toFixed(2)}`;
        lines.push(
          `    batch ${(b.supplierBatch ?? '(not recorded)').padEnd(18)} ${String(b.unitsSold).padStart(6)} units ` +
            `${String(b.defects).padStart(4)} defects  per 1,000 units ${rate(b.ratePer1000Units).padStart(7)}  ` +
            (b.judged
              ? `vs other batches at the same age ${b.comparison.observed}/${b.comparison.expected.toFixed(1)} (${vs})  ` +
                `CUSUM ${b.cusum.statistic.toFixed(2)}/${b.cusum.threshold}` +
                (b.cusum.rising ? '  RISING' : '') +
                (b.cusum.lastAlarm ? `  last alarm ${b.cusum.lastAlarm}` : '')
              : 'not judged'),
        );
      }
    }
  }
  return lines.join('\n');
}

export function registerDefectsCommand(program: Command): void {
  const defects = program
    .command('defects')
    .description('Product feedback: defect rates by SKU and defect code, with a change detector');
  freshnessOptions(
    defects
      .command('report')
      .description(
        'defects per 1,000 unit-months in service by SKU and defect code, the trend and the ' +
          'Poisson CUSUM state of each (see docs/defects.md)',
      )
      .option(
        '--as-of <date>',
        'report date (default: now); months before its month are judged',
        parseDateOption,
      )
      .option('--sku <sku>', 'only this SKU')
      .option(
        '--by <breakdown>',
        "'batch': each defect code also by supplier batch, each batch judged against the SKU's " +
          'other batches at the same unit age',
        parseBreakdown,
        'defect',
      )
      .option('--json', 'print JSON'),
  ).action(async (options: ReportOptions, command: Command) => {
    const report = await withApplication(
      async (cli) => {
        await ensureFreshReadModels(cli, options);
        const queries = new CustomerQueries(cli.store, cli.readModels);
        const asOf = options.asOf
          ? new Date(endOfDayIfDate(options.asOf)).toISOString()
          : queries.now();
        return defectReportOf(await queries.allProfiles(), await queries.allClaims(), asOf, {
          sku: options.sku,
          byBatch: options.by === 'batch',
        });
      },
      { readModels: true },
    );
    if (options.sku !== undefined && report.skus.length === 0) {
      return command.error(`error: no unit of SKU '${options.sku}' is recorded`, { exitCode: 2 });
    }
    console.log(options.json ? JSON.stringify(report, null, 2) : formatDefectReport(report));
  });
}
