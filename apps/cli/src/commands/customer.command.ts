import {
  CustomerNotFoundError,
  CustomerQueries,
  type CustomerView,
  endOfDayIfDate,
  InvalidQueryError,
  type PiiVault,
  piiText,
  type ReadModelQueries,
  SYSTEM_PRINCIPAL,
  type TimelinePage,
} from '@aftercare/application';
import { Command } from 'commander';
import {
  type ListPage,
  type ListQuery,
  type ReadModelStore,
  UnknownReadModelError,
} from '@aftercare/read-models';
import { recordRead, withApplication } from '../cli-context';
import {
  ensureFreshReadModels,
  type FreshnessOptions,
  freshnessOptions,
} from '../read-model-freshness';
import { parseDateOption, parseIntegerOption } from '../cli-options';

interface ShowOptions extends FreshnessOptions {
  asOf?: string;
  knownAt?: string;
  json?: boolean;
}

/** A date alone means the end of that day (UTC), as in the read API. */
const endOfDay = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : new Date(endOfDayIfDate(value)).toISOString();

/** A read model not built yet reads as absent: queries then replay the customer's streams. */
function tolerant(readModels: ReadModelStore): ReadModelQueries {
  const unknown = (error: unknown): boolean => error instanceof UnknownReadModelError;
  return {
    async get<State>(name: string, key: string) {
      try {
        return await readModels.get<State>(name, key);
      } catch (error) {
        if (unknown(error)) return undefined;
        throw error;
      }
    },
    async list<State>(name: string, query?: ListQuery): Promise<ListPage<State>> {
      try {
        return await readModels.list<State>(name, query);
      } catch (error) {
        if (unknown(error)) return { items: [] };
        throw error;
      }
    },
  };
}

async function withQueries(
  freshness: FreshnessOptions,
  read: { action: string; subject: string },
  run: (queries: CustomerQueries, vault: PiiVault) => Promise<void>,
): Promise<void> {
  await withApplication(
    async (cli) => {
      const { store, readModels, vault } = cli;
      await recordRead(cli, read);
      await ensureFreshReadModels(cli, freshness);
      try {
        await run(new CustomerQueries(store, tolerant(readModels)), vault);
      } catch (error) {
        if (!(error instanceof CustomerNotFoundError || error instanceof InvalidQueryError)) {
          throw error;
        }
        console.error(error.message);
        process.exitCode = 2;
      }
    },
    { readModels: true, pii: true },
  );
}

const pct = (p: number): string => `${(p * 100).toFixed(1)}%`;
const money = (n: number, currency: string): string => `${n.toFixed(2)} ${currency}`;

export function formatCustomerView(v: CustomerView): string {
  const lines: string[] = [];
  lines.push(
    `Customer ${v.customerId}${v.contact ? ` — ${piiText(v.contact.name)} <${piiText(v.contact.email)}>` : ''}${v.piiErased ? ' (personal data erased)' : ''}`,
  );
  lines.push(`  as of          ${v.now}`);
  lines.push(
    `  registered     ${v.registeredAt ?? '—'}  ${[v.segment, v.countryCode, v.jurisdiction].filter(Boolean).join(', ')}`,
  );
  const revenue =
    Object.entries(v.purchases.revenueByCurrency)
      .map(([c, n]) => money(n, c))
      .join(', ') || '—';
  lines.push(
    `  purchases      ${v.purchases.count} (${revenue}); last ${v.purchases.lastAt?.slice(0, 10) ?? '—'}${v.purchases.daysSinceLast !== null ? `, ${v.purchases.daysSinceLast} days ago` : ''}`,
  );
  lines.push(`  satisfaction   ${v.satisfaction.state}`);
  for (const r of v.satisfaction.reasons) lines.push(`                   - ${r}`);
  const m = v.satisfaction.metrics;
  lines.push(
    `                 NPS ${m.nps.latest ?? '—'}${m.nps.category ? ` (${m.nps.category})` : ''}, CSAT ${m.csat.mean ?? '—'}, CES ${m.ces.mean ?? '—'}; complaints ${m.complaints.open} open of ${m.complaints.total}`,
  );
  if (v.churnRisk) {
    lines.push(
      `  churn risk     ${pct(v.churnRisk.probability)} (${v.churnRisk.band}); ` +
        (v.churnRisk.purchaseModel === 'mbg-nbd'
          ? `P(alive in ${v.churnRisk.horizonWeeks} weeks, MBG/NBD) ${pct(v.churnRisk.pAlive)}`
          : `P(alive now, BG/NBD) ${pct(v.churnRisk.pAlive)}`),
    );
    lines.push(
      `                 experience weights ${
        v.churnRisk.weightsSource === 'learned'
          ? `learned by fit ${v.churnRisk.weightsFitId} (training ${v.churnRisk.trainingWindow?.from.slice(0, 10)} .. ${v.churnRisk.trainingWindow?.to.slice(0, 10)})`
          : 'a priori (the fit has no learned weights)'
      }`,
    );
    for (const f of v.churnRisk.factors.filter((f) => f.contribution !== 0)) {
      lines.push(
        `                   ${f.name.padEnd(20)} ${f.value.toFixed(2).padStart(7)} x ${f.weight} = ${f.contribution.toFixed(2)}`,
      );
    }
  } else lines.push(`  churn risk     — (${v.unavailable.churnRisk})`);
  if (v.clv) {
    lines.push(
      `  CLV            ${money(v.clv.clv, v.clv.currency)} over ${v.clv.horizonWeeks} weeks at ${pct(v.clv.discountRate)}/year; expected purchases ${v.clv.expectedPurchases.toFixed(2)} x ${money(v.clv.expectedAverageValue, v.clv.currency)}`,
    );
    lines.push(
      `                 realized net value ${money(v.clv.realizedNetValue, v.clv.currency)}; fit ${v.clv.fit.id} (${v.clv.fit.fittedAt})`,
    );
  } else lines.push(`  CLV            — (${v.unavailable.clv})`);
  if (v.openComplaints.length) {
    lines.push('  open complaints');
    for (const c of v.openComplaints)
      lines.push(
        `                 ${c.complaintId} ${c.severity} ${c.category}, ${c.ageDays} days${c.acknowledgedAt ? '' : ', not acknowledged'}`,
      );
  }
  if (v.openClaims.length) {
    lines.push('  open claims');
    for (const c of v.openClaims)
      lines.push(`                 ${c.claimId} on ${c.serialNumber ?? '—'}: ${c.outcome}`);
  }
  if (v.products.length) {
    lines.push('  products');
    for (const p of v.products) {
      const until = [p.warranty.commercialEndsAt, p.warranty.legalGuaranteeEndsAt]
        .filter((d): d is string => d !== null)
        .sort()
        .pop();
      lines.push(
        `                 ${p.purchasedAt.slice(0, 10)} ${p.sku} ${p.serialNumber ?? ''} ${money(p.price, p.currency)}${p.returned ? ` (returned: ${p.returned})` : ''}; warranty ${warrantyText(p, until)}`,
      );
    }
  }
  return lines.join('\n');
}

function warrantyText(p: CustomerView['products'][number], until: string | undefined): string {
  switch (p.warranty.coverage) {
    case 'covered':
      return `until ${until?.slice(0, 10)}`;
    case 'unknown':
      return `unknown (no version of policy ${p.warrantyPolicyId} in force then)`;
    case 'not_covered':
      return p.returned === 'refund' ? 'ended (refunded)' : 'expired';
  }
}

export function formatTimeline(page: TimelinePage): string {
  const lines = page.items.map(
    (i) => `${(i.occurredAt ?? i.recordedAt).slice(0, 19).replace('T', ' ')}  ${i.summary}`,
  );
  if (page.nextCursor) lines.push(`… more: --cursor ${page.nextCursor}`);
  return lines.join('\n');
}

export function registerCustomerCommand(program: Command): void {
  const customer = program.command('customer').description("One customer's profile and history");
  freshnessOptions(
    customer
      .command('show <id>')
      .description('profile with satisfaction, churn risk and CLV; now, or as of a date')
      .option('--as-of <date>', 'business time: as things had happened by then', parseDateOption)
      .option('--known-at <date>', 'record time: as the store knew them then', parseDateOption)
      .option('--json', 'print JSON'),
  ).action(async (id: string, options: ShowOptions) => {
    await withQueries(options, { action: 'customer.view', subject: id }, async (queries, vault) => {
      // The CLI reads as an admin: sealed personal data opens unless the customer was erased.
      const view = await vault.revealValue(
        await queries.profile(id, {
          asOf: endOfDay(options.asOf),
          knownAt: endOfDay(options.knownAt),
        }),
        SYSTEM_PRINCIPAL,
      );
      console.log(options.json ? JSON.stringify(view, null, 2) : formatCustomerView(view));
    });
  });
  freshnessOptions(
    customer
      .command('timeline <id>')
      .description("the customer's history by business time")
      .option('--limit <n>', 'events per page', parseIntegerOption, 200)
      .option('--cursor <cursor>', 'continue after a previous page')
      .option('--json', 'print JSON'),
  ).action(
    async (
      id: string,
      options: FreshnessOptions & { limit: number; cursor?: string; json?: boolean },
    ) => {
      await withQueries(
        options,
        { action: 'customer.timeline', subject: id },
        async (queries, vault) => {
          const page = await vault.revealValue(
            await queries.timeline(id, {
              limit: Math.max(1, options.limit),
              cursor: options.cursor,
            }),
            SYSTEM_PRINCIPAL,
          );
          console.log(options.json ? JSON.stringify(page, null, 2) : formatTimeline(page));
        },
      );
    },
  );
}
