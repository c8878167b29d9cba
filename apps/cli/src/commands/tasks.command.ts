import { CommandBus } from '@nestjs/cqrs';
import { Command, InvalidArgumentError } from 'commander';
import {
  cliPrincipal,
  FollowUpQueries,
  FollowUpTaskCommandEnvelope,
  type FollowUpTaskResult,
  type PromiseListItem,
  type PromiseListQuery,
  piiText,
  SYSTEM_PRINCIPAL,
} from '@aftercare/application';
import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_SEVERITIES,
  type ComplaintCategory,
  type ComplaintSeverity,
  FOLLOW_UP_OUTCOMES,
  type FollowUpOutcome,
  isDomainError,
} from '@aftercare/domain';
import type { FollowUpTaskView } from '@aftercare/projections';
import { randomUUID } from 'node:crypto';
import { withApplication } from '../cli-context';
import { parseIntegerOption } from '../cli-options';
import {
  ensureFreshReadModels,
  type FreshnessOptions,
  freshnessOptions,
} from '../read-model-freshness';

const oneOf =
  <T extends string>(values: readonly T[], what: string) =>
  (value: string): T => {
    if (!(values as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${what} must be one of ${values.join(', ')}`);
    }
    return value as T;
  };

const minute = (iso: string | null): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');

/** One task as an agent reads it: when, whom, what and why, and where it came from. */
export function formatTask(t: FollowUpTaskView): string {
  const who = t.ownerId ? `${t.queue}/${t.ownerId}` : String(t.queue);
  const flags = [t.overdue ? 'OVERDUE' : '', t.escalations > 0 ? 'escalated' : '']
    .filter(Boolean)
    .join(', ');
  const head = `${minute(t.dueAt)}  ${t.customerId.padEnd(14)} ${String(t.kind).padEnd(18)} ${who.padEnd(24)} ${t.reason ?? ''}`;
  const trace =
    `                  task ${t.taskId} · playbook ${t.playbook?.playbookId} v${t.playbook?.version}` +
    ` · cause ${t.cause?.eventType} ${t.cause?.eventId} at position ${t.cause?.position}` +
    ` (${t.cause?.streamId}, ${minute(t.cause?.occurredAt ?? null)})${flags ? `  [${flags}]` : ''}`;
  return `${head}\n${trace}`;
}

function formatPromise(p: PromiseListItem): string {
  const settled = p.status === 'open' ? '' : ` on ${minute(p.settledAt)} by ${p.recordedBy}`;
  const why = p.breakReason ? ` (${p.breakReason})` : '';
  const origin =
    p.taskId === null
      ? 'made outside any task'
      : `made on task ${p.taskId} · playbook ${p.playbook?.playbookId} v${p.playbook?.version}` +
        ` · cause ${p.cause?.eventType} ${p.cause?.eventId} at position ${p.cause?.position}`;
  return `${minute(p.dueAt)}  ${p.customerId.padEnd(14)} ${p.status}${why}${settled}  by ${p.agentId} (${p.queue}): ${piiText(p.text)}  [${p.promiseId}]\n                  ${origin}`;
}

/** End of the current UTC day: "today" for a worklist. */
function endOfToday(now = new Date()): string {
  const end = new Date(now);
  end.setUTCHours(23, 59, 59, 999);
  return end.toISOString();
}

interface TodayOptions extends FreshnessOptions {
  queue?: string;
  owner?: string;
  limit: number;
  json?: boolean;
}

/** `tasks today|complete` and `promises list`: the worklist from the command line. */
export function registerTasksCommand(program: Command): void {
  const tasks = program.command('tasks').description('follow-up tasks: whom to call and why');
  freshnessOptions(
    tasks
      .command('today')
      .description('open tasks due by the end of today (UTC), overdue first: whom to call and why')
      .option('--queue <queue>', 'one queue')
      .option('--owner <agent>', 'one agent')
      .option('--limit <n>', 'most tasks listed', parseIntegerOption, 200)
      .option('--json', 'print JSON'),
  ).action(async (options: TodayOptions) => {
    await withApplication(
      async (cli) => {
        await ensureFreshReadModels(cli, options);
        const queries = new FollowUpQueries(cli.readModels);
        const dueBefore = endOfToday();
        const items: FollowUpTaskView[] = [];
        let after: string | undefined;
        do {
          const page = await queries.tasks({
            status: 'open',
            dueBefore,
            ...(options.queue ? { queue: options.queue } : {}),
            ...(options.owner ? { owner: options.owner } : {}),
            limit: Math.min(500, Math.max(1, options.limit - items.length)),
            ...(after ? { after } : {}),
          });
          items.push(...page.items);
          after = page.nextCursor ?? undefined;
        } while (after && items.length < options.limit);
        if (options.json) {
          console.log(JSON.stringify(items, null, 2));
          return;
        }
        const scope = [
          options.queue && `queue ${options.queue}`,
          options.owner && `owner ${options.owner}`,
        ]
          .filter(Boolean)
          .join(', ');
        console.log(
          `${items.length} task(s) due by ${dueBefore}${scope ? ` for ${scope}` : ''}${after ? ' (more: raise --limit)' : ''}`,
        );
        for (const t of items) console.log(formatTask(t));
      },
      { readModels: true },
    );
  });

  tasks
    .command('complete <taskId>')
    .description('record the outcome of a follow-up (issue_found opens a complaint)')
    .requiredOption(
      '--outcome <outcome>',
      FOLLOW_UP_OUTCOMES.join(' | '),
      oneOf(FOLLOW_UP_OUTCOMES, 'outcome'),
    )
    .option('--by <agent>', 'who did it (default: the OS user)')
    .option('--note <text>', 'what happened')
    .option(
      '--category <category>',
      'issue_found: the complaint category',
      oneOf(COMPLAINT_CATEGORIES, 'category'),
    )
    .option(
      '--severity <severity>',
      'issue_found: the complaint severity',
      oneOf(COMPLAINT_SEVERITIES, 'severity'),
    )
    .action(
      async (
        taskId: string,
        options: {
          outcome: FollowUpOutcome;
          by?: string;
          note?: string;
          category?: ComplaintCategory;
          severity?: ComplaintSeverity;
        },
      ) => {
        await withApplication(
          async ({ app }) => {
            const actor = cliPrincipal(options.by).id;
            try {
              const result: FollowUpTaskResult = await app.get(CommandBus).execute(
                new FollowUpTaskCommandEnvelope(
                  {
                    type: 'CompleteFollowUpTask',
                    data: {
                      taskId,
                      occurredAt: new Date().toISOString(),
                      outcome: options.outcome,
                      completedBy: options.by ?? actor,
                      ...(options.note !== undefined ? { note: options.note } : {}),
                    },
                  },
                  { commandId: randomUUID(), actor },
                  {
                    ...(options.category ? { category: options.category } : {}),
                    ...(options.severity ? { severity: options.severity } : {}),
                  },
                ),
              );
              console.log(`task ${taskId}: ${options.outcome} (position ${result.position})`);
              if (result.complaint?.refused) {
                console.log(`complaint not opened: ${result.complaint.refused}`);
              } else if (result.complaint) {
                console.log(`complaint ${result.complaint.complaintId} opened`);
              }
            } catch (error) {
              if (!isDomainError(error)) throw error;
              console.error(`${error.code}: ${error.message}`);
              process.exitCode = 2;
            }
          },
          { write: true },
        );
      },
    );
}

export function registerPromisesCommand(program: Command): void {
  const promises = program.command('promises').description('promises made to customers');
  freshnessOptions(
    promises
      .command('list')
      .description('promises by agent, queue, customer or status, due soonest first')
      .option('--agent <agent>')
      .option('--queue <queue>')
      .option('--customer <id>')
      .option(
        '--status <status>',
        'open | kept | broken',
        oneOf(['open', 'kept', 'broken'] as const, 'status'),
      )
      .option('--limit <n>', 'most promises listed', parseIntegerOption, 200)
      .option('--json', 'print JSON'),
  ).action(
    async (
      options: FreshnessOptions & {
        agent?: string;
        queue?: string;
        customer?: string;
        status?: PromiseListQuery['status'];
        limit: number;
        json?: boolean;
      },
    ) => {
      await withApplication(
        async (cli) => {
          await ensureFreshReadModels(cli, options);
          const page = await new FollowUpQueries(cli.readModels).promises({
            ...(options.agent ? { agent: options.agent } : {}),
            ...(options.queue ? { queue: options.queue } : {}),
            ...(options.customer ? { customerId: options.customer } : {}),
            ...(options.status ? { status: options.status } : {}),
            limit: Math.min(500, Math.max(1, options.limit)),
          });
          // The CLI reads as an admin: what was promised opens unless the customer was erased.
          const items = await cli.vault.revealValue(page.items, SYSTEM_PRINCIPAL);
          if (options.json) {
            console.log(JSON.stringify(items, null, 2));
            return;
          }
          console.log(
            `${items.length} promise(s)${page.nextCursor ? ' (more: raise --limit)' : ''}`,
          );
          for (const p of items) console.log(formatPromise(p));
        },
        { readModels: true, pii: true },
      );
    },
  );
}
