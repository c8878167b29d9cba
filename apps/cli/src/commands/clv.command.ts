import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import {
  ClvModel,
  TRANSACTION_FORMATS,
  TransactionFormat,
  TransactionParseError,
  fitClvModel,
  isCalendarDate,
  parseTransactions,
  runClvBench,
  summarizeTransactions,
} from '@aftercare/analytics';
import { cliPrincipal, NothingToFitError, refitClvModels } from '@aftercare/application';
import type { ClvModelFittedData } from '@aftercare/projections';
import { withApplication } from '../cli-context';
import { progressBar } from '../progress';

/** Bad input exits with 2 (DESIGN: "CLI: a message and exit code 2"). */
const BAD_INPUT = 2;

interface ClvFitOptions {
  input?: string;
  format?: TransactionFormat;
  calibrationEnd?: string;
  horizonWeeks?: number;
  discountRate: number;
  json?: boolean;
}

export function registerClvCommand(program: Command): void {
  const clv = program
    .command('clv')
    .description('Customer lifetime value: BG/NBD purchases x Gamma-Gamma order value');
  clv
    .command('fit')
    .description(
      'fit BG/NBD and Gamma-Gamma on a transaction file and score every customer (time in weeks)',
    )
    .option('--input <file>', 'transaction file (required)')
    .option(
      '--format <format>',
      `file layout: ${TRANSACTION_FORMATS.join('|')} (required)`,
      parseFormat,
    )
    .option(
      '--calibration-end <date>',
      'last day of the calibration period, YYYY-MM-DD (required)',
      parseCalendarDate,
    )
    .option('--horizon-weeks <weeks>', 'prediction horizon in weeks (required)', parsePositive)
    .option(
      '--discount-rate <rate>',
      'annual discount rate for CLV, e.g. 0.1; monthly steps',
      parseRate,
      0,
    )
    .option('--json', 'print one JSON object instead of a summary')
    .action(async (options: ClvFitOptions, command: Command) => {
      await clvFit(options, command);
    });
  clv
    .command('refit')
    .description(
      'refit the population model on every recorded purchase, each currency apart, and record ' +
        'each fit as an event',
    )
    .option('--horizon-weeks <weeks>', 'default horizon for customer views', parsePositive, 52)
    .option(
      '--discount-rate <rate>',
      'default annual discount rate for customer views',
      parseRate,
      0.1,
    )
    .option(
      '--calibration-end <date>',
      "last day of the data window (default: the day of the store's last event)",
      parseCalendarDate,
    )
    .option('--json', 'print the recorded fits as JSON')
    .option('--no-progress', 'no progress bar')
    .option('--actor <name>', 'recorded as who refitted (default: the OS user)')
    .action(
      async (options: {
        horizonWeeks: number;
        discountRate: number;
        calibrationEnd?: string;
        json?: boolean;
        progress: boolean;
        actor?: string;
      }) => {
        const bar = progressBar(
          'read |{bar}| {percentage}% | {events} events | ETA {eta_formatted}',
          options.progress,
        );
        await withApplication(async ({ store }) => {
          try {
            const result = await refitClvModels(store, {
              now: new Date().toISOString(),
              calibrationEnd: options.calibrationEnd,
              horizonWeeks: options.horizonWeeks,
              annualDiscountRate: options.discountRate,
              actor: cliPrincipal(options.actor).id,
              onProgress: ({ events, position, head }) => {
                if (!bar?.isActive) bar?.start(Math.max(1, Number(head)), 0, { events });
                bar?.update(Number(position), { events });
                // A pass has ended (the first finds where history ends when no date is given).
                if (position >= head) bar?.stop();
              },
            }).finally(() => bar?.stop());
            if (options.json) {
              console.log(JSON.stringify(result, null, 2));
              return;
            }
            for (const fit of result.fits) console.log(formatFit(fit));
            for (const { currency, reason } of result.skipped) {
              console.log(`${currency}: not fitted: ${reason}`);
            }
          } catch (error) {
            if (error instanceof NothingToFitError)
              program.error(error.message, { exitCode: BAD_INPUT });
            throw error;
          }
        });
      },
    );
  clv
    .command('bench')
    .description('time the full fit on a synthetic population (default 100,000 customers)')
    .option('--customers <n>', 'customers to synthesise', parsePositiveInteger, 100_000)
    .action((options: { customers: number }, command: Command) => {
      const write = writerOf(command);
      runClvBench((line) => write(`${line}\n`), { customers: options.customers });
    });
}

async function clvFit(options: ClvFitOptions, command: Command): Promise<void> {
  // Checked here rather than with requiredOption so that a missing option also exits with 2.
  const { input, format, calibrationEnd, horizonWeeks } = options;
  if (
    input === undefined ||
    format === undefined ||
    calibrationEnd === undefined ||
    horizonWeeks === undefined
  ) {
    const missing = Object.entries({ input, format, calibrationEnd, horizonWeeks })
      .filter(([, value]) => value === undefined)
      .map(([name]) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    return fail(command, `error: required option(s) not specified: ${missing.join(', ')}`);
  }

  let text: string;
  try {
    text = await readFile(input, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return fail(command, `error: cannot read ${input} (${reason})`);
  }

  let model: ClvModel;
  try {
    const customers = summarizeTransactions(parseTransactions(text, format), calibrationEnd);
    model = fitClvModel(customers, { horizonWeeks, annualDiscountRate: options.discountRate });
  } catch (error) {
    if (error instanceof TransactionParseError) {
      return fail(command, `error: ${input} line ${error.line}: ${error.reason}`);
    }
    if (error instanceof RangeError) return fail(command, `error: ${input}: ${error.message}`);
    throw error;
  }

  const warn = command.configureOutput().writeErr ?? ((text) => process.stderr.write(text));
  for (const [name, fit] of [
    ['BG/NBD', model.bgNbd],
    ['Gamma-Gamma', model.gammaGamma],
  ] as const) {
    if (!fit.converged) {
      warn(
        `warning: the ${name} fit did not converge (too little data?); estimates are unreliable\n`,
      );
    }
  }
  const write = writerOf(command);
  write(options.json ? `${JSON.stringify(toJson(model))}\n` : humanSummary(model, horizonWeeks));
}

function toJson({ bgNbd, gammaGamma, customers }: ClvModel): object {
  return {
    bgnbd: { ...bgNbd.params, logLikelihood: bgNbd.logLikelihood },
    gammaGamma: { ...gammaGamma.params, logLikelihood: gammaGamma.logLikelihood },
    customers,
  };
}

function humanSummary({ bgNbd, gammaGamma, customers }: ClvModel, horizonWeeks: number): string {
  const { r, alpha, a, b } = bgNbd.params;
  const { p, q, gamma } = gammaGamma.params;
  const expected = customers.reduce((sum, c) => sum + c.expectedTransactions, 0);
  const clv = customers.reduce((sum, c) => sum + c.clv, 0);
  const top = [...customers].sort((u, v) => v.clv - u.clv).slice(0, 5);
  return [
    `${customers.length} customers`,
    `BG/NBD      r=${r.toFixed(4)} alpha=${alpha.toFixed(4)} a=${a.toFixed(4)} b=${b.toFixed(4)}` +
      ` log-likelihood=${bgNbd.logLikelihood.toFixed(2)}`,
    `Gamma-Gamma p=${p.toFixed(4)} q=${q.toFixed(4)} gamma=${gamma.toFixed(4)}` +
      ` log-likelihood=${gammaGamma.logLikelihood.toFixed(2)} (${gammaGamma.customers} customers)`,
    `next ${horizonWeeks} weeks: ${expected.toFixed(1)} expected purchases, CLV ${clv.toFixed(2)}`,
    'top customers by CLV:',
    ...top.map(
      (c) =>
        `  ${c.id}  clv=${c.clv.toFixed(2)} pAlive=${c.pAlive.toFixed(3)}` +
        ` expected=${c.expectedTransactions.toFixed(3)} value=${c.expectedAverageValue.toFixed(2)}`,
    ),
    '',
  ].join('\n');
}

function writerOf(command: Command): (text: string) => void {
  const output = command.configureOutput();
  return output.writeOut ?? ((text) => process.stdout.write(text));
}

/** Writes the message to stderr and stops with exit code 2 (a CommanderError under exitOverride). */
function fail(command: Command, message: string): never {
  command.error(message, { exitCode: BAD_INPUT, code: 'aftercare.badInput' });
}

function badArgument(message: string): InvalidArgumentError {
  const error = new InvalidArgumentError(message);
  error.exitCode = BAD_INPUT;
  return error;
}

function parseFormat(value: string): TransactionFormat {
  const format = TRANSACTION_FORMATS.find((f) => f === value);
  if (format === undefined) {
    throw badArgument(`'${value}' is not one of ${TRANSACTION_FORMATS.join(', ')}`);
  }
  return format;
}

function parseCalendarDate(value: string): string {
  if (!isCalendarDate(value)) throw badArgument(`'${value}' is not a date (YYYY-MM-DD)`);
  return value;
}

function parsePositive(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) {
    throw badArgument(`'${value}' is not a positive number`);
  }
  return parsed;
}

function parsePositiveInteger(value: string): number {
  const parsed = parsePositive(value);
  if (!Number.isInteger(parsed)) throw badArgument(`'${value}' is not a positive integer`);
  return parsed;
}

function parseRate(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= -1) {
    throw badArgument(`'${value}' is not a discount rate (e.g. 0.1 for 10 % a year)`);
  }
  return parsed;
}

function formatFit(fit: ClvModelFittedData): string {
  const { r, alpha, a, b } = fit.bgNbd.params;
  const { p, q, gamma } = fit.gammaGamma.params;
  return [
    `Recorded ClvModelFitted ${fit.fitId} (${fit.currency}, ${fit.window.from} to ${fit.window.to})`,
    `  ${fit.customers} customers, ${fit.customersWithRepeatPurchases} with repeat purchases`,
    `  BG/NBD r=${r.toFixed(4)} alpha=${alpha.toFixed(4)} a=${a.toFixed(4)} b=${b.toFixed(4)} LL=${fit.bgNbd.logLikelihood.toFixed(1)}`,
    `  Gamma-Gamma p=${p.toFixed(4)} q=${q.toFixed(4)} gamma=${gamma.toFixed(4)} LL=${fit.gammaGamma.logLikelihood.toFixed(1)}`,
    ...[fit.bgNbd, fit.gammaGamma, fit.mbgNbd].flatMap((m) =>
      m?.refusal ? [`  ${m.refusal}`] : [],
    ),
  ].join('\n');
}
