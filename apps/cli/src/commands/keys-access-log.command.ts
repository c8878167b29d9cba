import { Command, InvalidArgumentError } from 'commander';
import { AccessLog, openIdentityStores, type AccessEntry } from '@aftercare/application';
import { withApplication } from '../cli-context';
import { parseDateOption, parseIntegerOption } from '../cli-options';

interface AccessLogOptions {
  from?: string;
  to?: string;
  principal?: string;
  action?: string;
  subject?: string;
  after?: string;
  limit: number;
  json?: boolean;
}

function parseLimit(value: string): number {
  const limit = parseIntegerOption(value);
  if (limit < 1 || limit > 100_000) throw new InvalidArgumentError(`'${value}' is not 1 to 100000`);
  return limit;
}

const instant = (value: string | undefined, endOfDay: boolean): string | undefined => {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value))
    return `${value}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z`;
  return new Date(value).toISOString();
};

/** `access-log`: who read personal data or audit views, what and when (oldest first). */
export function registerAccessLogCommand(program: Command): void {
  program
    .command('access-log')
    .description('recorded reads of personal data and audit views: who, what, when')
    .option('--from <date>', 'reads on or after this date or instant', parseDateOption)
    .option('--to <date>', 'reads on or before this date or instant', parseDateOption)
    .option('--principal <id>', 'the reader: key:<id>, oidc:<sub>, cli:<user>')
    .option(
      '--action <action>',
      'customer.view, customer.list, customer.timeline, events.stream, audit.claim, ...',
    )
    .option('--subject <id>', 'whose data: a customer id or a claim id')
    .option('--after <id>', 'entries after this id (paging)')
    .option('--limit <n>', 'at most this many entries', parseLimit, 100)
    .option('--json', 'print JSON lines')
    .action(async (options: AccessLogOptions) => {
      if (options.after !== undefined && !/^\d{1,18}$/.test(options.after)) {
        console.error(`access-log: --after '${options.after}' is not an entry id`);
        process.exitCode = 2;
        return;
      }
      await withApplication(async ({ store, config }) => {
        const stores = await openIdentityStores(config, store);
        try {
          const entries = await new AccessLog(stores.accessLog).query({
            from: instant(options.from, false),
            to: instant(options.to, true),
            principalId: options.principal,
            action: options.action,
            subject: options.subject,
            after: options.after,
            limit: options.limit,
          });
          for (const entry of entries)
            console.log(options.json ? JSON.stringify(entry) : line(entry));
          if (!options.json && entries.length === 0) console.log('No recorded reads match.');
        } finally {
          await stores.close();
        }
      });
    });
}

function line(e: AccessEntry): string {
  const who = e.onBehalfOf
    ? `${e.principalId} (${e.principalName}, for ${e.onBehalfOf})`
    : `${e.principalId} (${e.principalName})`;
  const what = `${e.action}${e.subject ? ` ${e.subject}` : ''}${e.detail ? ` ?${e.detail}` : ''}`;
  return `${e.id}  ${e.at}  ${who}  ${what}  via ${e.via}`;
}
