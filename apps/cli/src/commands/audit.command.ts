import { Command } from 'commander';
import {
  type ClaimAudit,
  type DecisionRow,
  type EngineReplayRow,
  WarrantyAudit,
  WarrantyDecisionQueries,
  WarrantyEngineReplay,
  WarrantyPolicyReplay,
  SYSTEM_PRINCIPAL,
  csvRow,
  piiText,
} from '@aftercare/application';
import { parseDateOption, parseIntegerOption } from '../cli-options';
import { type CliApplication, recordRead, withApplication } from '../cli-context';
import { progressBar } from '../progress';
import {
  ensureFreshReadModels,
  type FreshnessOptions,
  freshnessOptions,
} from '../read-model-freshness';

/** `--from` and `--to`, both required: the days the claims were filed. */
function filedPeriod(command: Command): Command {
  return command
    .requiredOption('--from <date>', 'first day the claims were filed (required)', parseDateOption)
    .requiredOption('--to <date>', 'last day the claims were filed (required)', parseDateOption);
}

/**
 * Runs `work` over the warranty decisions as the API reads them (the `warranty_decisions` read
 * model), caught up first or stated stale (see `ensureFreshReadModels`).
 */
function withDecisions<T>(
  options: FreshnessOptions,
  work: (cli: CliApplication) => Promise<T>,
): Promise<T> {
  return withApplication(
    async (cli) => {
      await ensureFreshReadModels(cli, options);
      return work(cli);
    },
    { readModels: true },
  );
}

/**
 * `audit claim|verify|report|replay-policy|replay-engine`: read-only tools for auditors, policy
 * owners and compliance.
 */
export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description('Explain, recompute and verify warranty decisions');

  audit
    .command('claim <claimId>')
    .description('the claim, facts used, policy, rule trace, overrides and verification')
    .option('--json', 'print JSON')
    .action(async (claimId: string, options: { json?: boolean }) => {
      await withApplication(
        async (cli) => {
          await recordRead(cli, { action: 'audit.claim', subject: claimId });
          const audit = await cli.app.get(WarrantyAudit).claim(claimId);
          if (!audit) return program.error(`No warranty claim ${claimId}`, { exitCode: 2 });
          // As the API's audit view: the claimant's words open unless the customer was erased.
          const result = await cli.vault.revealValue(audit, SYSTEM_PRINCIPAL);
          console.log(options.json ? JSON.stringify(result, null, 2) : formatClaim(result));
          if (!result.verification.ok) process.exitCode = 1;
        },
        { pii: true },
      );
    });

  audit
    .command('verify')
    .description('walk every warranty stream: check each hash chain and recompute each decision')
    .option(
      '--category <category>',
      'stream category to verify (only warranty has chains)',
      'warranty',
    )
    .option('--no-progress', 'no progress bar')
    .action(async (options: { category: string; progress: boolean }) => {
      if (options.category !== 'warranty') {
        return program.error(
          `Only the warranty category is hash-chained, not '${options.category}'`,
          {
            exitCode: 2,
          },
        );
      }
      await withApplication(async ({ app }) => {
        const auditor = app.get(WarrantyAudit);
        const bar = progressBar(
          'verify |{bar}| {value}/{total} claims | ETA {eta_formatted}',
          options.progress,
        );
        const result = await auditor.verifyAll((done, total) => {
          if (!bar?.isActive) bar?.start(total, 0);
          bar?.update(done);
        });
        bar?.stop();
        for (const failure of result.failures) {
          console.log(`FAIL ${failure.claimId}: ${describeFailure(failure)}`);
        }
        for (const finding of result.integrity)
          console.log(`FAIL ${finding.kind}: ${finding.message}`);
        console.log(`${result.checked} claims checked, ${result.failures.length} failed`);
        if (result.failures.length + result.integrity.length > 0) process.exitCode = 1;
      });
    });

  freshnessOptions(
    filedPeriod(audit.command('report'))
      .description(
        "claims filed in a period: approval rates (by the engine and after overrides), costs per currency, by policy version, rule and product (the API's figures: both read the warranty_decisions read model)",
      )
      .option('--format <format>', 'json or csv', 'json'),
  ).action(async (options: { from: string; to: string; format: string } & FreshnessOptions) => {
    if (options.format !== 'json' && options.format !== 'csv') {
      return program.error(`--format must be json or csv, not '${options.format}'`, {
        exitCode: 2,
      });
    }
    await withDecisions(options, async ({ app }) => {
      const decisions = app.get(WarrantyDecisionQueries);
      const query = { from: options.from, to: options.to };
      if (options.format === 'json') {
        console.log(JSON.stringify(await decisions.report(query), null, 2));
        return;
      }
      console.log(csvRow(DECISION_COLUMNS));
      for await (const row of decisions.decisions(query)) {
        console.log(
          csvRow(
            DECISION_COLUMNS.map((c) => (c === 'failedRules' ? row.failedRules.join(' ') : row[c])),
          ),
        );
      }
    });
  });

  freshnessOptions(
    audit
      .command('replay-policy')
      .description('what-if: re-decide past claims under another policy version; writes nothing')
      .requiredOption('--policy <policyId>', 'policy id')
      .requiredOption('--version <version>', 'policy version to apply', parseIntegerOption)
      .option('--from <date>', 'first day (business time)', parseDateOption)
      .option('--to <date>', 'last day (business time)', parseDateOption)
      .option('--json', 'print JSON'),
  ).action(
    async (
      options: {
        policy: string;
        version: number;
        from?: string;
        to?: string;
        json?: boolean;
      } & FreshnessOptions,
    ) => {
      await withDecisions(options, async ({ app }) => {
        const replay = await app
          .get(WarrantyPolicyReplay)
          .replay(options.policy, options.version, options);
        if (!replay) {
          return program.error(`Policy ${options.policy} has no version ${options.version}`, {
            exitCode: 2,
          });
        }
        if (options.json) {
          console.log(JSON.stringify(replay, null, 2));
          return;
        }
        console.log(
          `${replay.claims} claims re-decided under ${replay.policyId} v${replay.version}`,
        );
        console.log(`${replay.changed.length} decisions would change`);
        for (const c of replay.changed) {
          console.log(
            `  ${c.claimId}: ${c.recorded.outcome} ${c.recorded.coveredAmount} ${c.currency} (v${c.recorded.policyVersion}) -> ${c.replayed.outcome} ${c.replayed.coveredAmount} ${c.currency}`,
          );
        }
        for (const c of replay.costs) {
          console.log(
            `cost in ${c.currency}: recorded ${c.recorded}, replayed ${c.replayed}, difference ${c.difference}`,
          );
        }
      });
    },
  );

  freshnessOptions(
    filedPeriod(audit.command('replay-engine'))
      .description(
        'remediation: claims filed in the period that the current engine would decide differently; writes nothing',
      )
      .option('--format <format>', 'text, json or csv', 'text'),
  ).action(async (options: { from: string; to: string; format: string } & FreshnessOptions) => {
    if (!['text', 'json', 'csv'].includes(options.format)) {
      return program.error(`--format must be text, json or csv, not '${options.format}'`, {
        exitCode: 2,
      });
    }
    await withDecisions(options, async ({ app }) => {
      const replay = await app.get(WarrantyEngineReplay).replay(options);
      if (options.format === 'json') {
        console.log(JSON.stringify(replay, null, 2));
        return;
      }
      if (options.format === 'csv') {
        console.log(csvRow(REPLAY_COLUMNS));
        for (const row of replay.rows) console.log(csvRow(replayCells(row)));
        return;
      }
      console.log(
        `${replay.claims} claims re-decided with ${replay.engineVersion}; ${replay.changed} would change`,
      );
      for (const c of replay.byChange) console.log(`  ${c.from} -> ${c.to}: ${c.claims}`);
      for (const c of replay.costs) {
        console.log(
          `cost in ${c.currency}: recorded ${c.recorded}, replayed ${c.replayed}, difference ${c.difference}`,
        );
      }
      for (const r of replay.rows) {
        console.log(
          `  ${r.claimId} (${r.law}): ${r.recorded.outcome} ${r.recorded.remedy ?? '-'} ${r.recorded.coveredAmount} -> ${r.replayed.outcome} ${r.replayed.remedy ?? '-'} ${r.replayed.coveredAmount} ${r.currency}; now ${r.finalOutcome}`,
        );
      }
    });
  });
}

const DECISION_COLUMNS = [
  'claimId',
  'customerId',
  'filedAt',
  'decidedAt',
  'policyId',
  'policyVersion',
  'jurisdiction',
  'engineVersion',
  'productCategory',
  'sku',
  'outcome',
  'finalOutcome',
  'remedy',
  'finalRemedy',
  'coveredAmount',
  'finalCoveredAmount',
  'currency',
  'overridden',
  'insideLegalGuarantee',
  'failedRules',
] as const satisfies readonly (keyof DecisionRow)[];

const REPLAY_COLUMNS = [
  'claimId',
  'customerId',
  'filedAt',
  'law',
  'currency',
  'recordedEngine',
  'recordedOutcome',
  'recordedRemedy',
  'recordedCoveredAmount',
  'replayedEngine',
  'replayedOutcome',
  'replayedRemedy',
  'replayedCoveredAmount',
  'finalOutcome',
  'costDifference',
] as const;

function replayCells(r: EngineReplayRow): unknown[] {
  return [
    r.claimId,
    r.customerId,
    r.filedAt,
    r.law,
    r.currency,
    r.recorded.engineVersion,
    r.recorded.outcome,
    r.recorded.remedy,
    r.recorded.coveredAmount,
    r.replayed.engineVersion,
    r.replayed.outcome,
    r.replayed.remedy,
    r.replayed.coveredAmount,
    r.finalOutcome,
    r.costDifference,
  ];
}

function describeFailure(audit: ClaimAudit): string {
  const { chain, recomputation, policyMatchesPublished } = audit.verification;
  const parts: string[] = [];
  if (!chain.ok) {
    parts.push(
      `hash chain broken at revision ${chain.brokenEvent?.revision} (${chain.brokenEvent?.type}): ${chain.reason}`,
    );
  }
  if (recomputation && !recomputation.matches) {
    parts.push(
      `decision not reproduced (${recomputation.mismatches.map((m) => m.field).join(', ')})`,
    );
  }
  if (policyMatchesPublished === false)
    parts.push('recorded policy differs from the published version');
  return parts.join('; ');
}

function formatClaim(audit: ClaimAudit): string {
  const lines = [`Warranty claim ${audit.claimId}`];
  if (audit.claim) {
    lines.push(
      `  filed ${audit.claim.occurredAt} by customer ${audit.claim.customerId} for serial ${audit.claim.serialNumber}`,
      `  defect ${audit.claim.defect.code}: ${piiText(audit.claim.defect.description)}; noticed ${audit.claim.noticedAt}; symptom: ${piiText(audit.claim.symptom)}${audit.claim.suspectedCause ? ` (claimant suspects ${audit.claim.suspectedCause})` : ''}`,
    );
  }
  const d = audit.decision;
  if (d) {
    lines.push(
      `Decision (recorded ${d.recordedAt}, by ${d.decidedBy.kind === 'agent' ? `agent ${d.decidedBy.agentId}` : 'system'})`,
      `  outcome ${d.outcome}, remedy ${d.remedy ?? '-'}, covered ${d.coveredAmount} ${d.currency}`,
      `  policy ${d.policy.policyId} v${d.policy.version} (effective ${d.policy.effectiveFrom}), law ${'key' in d.law ? d.law.key : d.law.code}, engine ${d.engineVersion}`,
      `  facts digest ${d.factsDigest}`,
      'Rules',
      ...d.ruleTrace.map(
        (r) =>
          `  ${r.result.padEnd(14)} ${r.ruleId.padEnd(28)} ${r.explanation}${r.statute ? ` [${r.statute}]` : ''}`,
      ),
    );
  }
  for (const a of audit.assessments) {
    lines.push(`Assessment by ${a.assessedBy} (${a.method}) at ${a.occurredAt}: ${a.cause}`);
  }
  for (const r of audit.remedyRefusals) {
    lines.push(
      `Refusal of ${r.remedy} by ${r.refusedBy} at ${r.occurredAt}: ${r.ground} (${r.reason})`,
    );
  }
  if (audit.decisions.length > 1) {
    lines.push(
      'Decisions',
      ...audit.decisions.map(
        (x) =>
          `  ${x.recordedAt} ${x.outcome} ${x.remedy ?? '-'} ${x.coveredAmount} (${x.trigger ?? 'filing'}, ${x.engineVersion})`,
      ),
    );
  }
  for (const o of audit.overrides) {
    lines.push(`Override by ${o.agentId} at ${o.occurredAt}: ${o.outcome} (${o.justification})`);
  }
  lines.push(`Final outcome: ${audit.finalOutcome ?? '-'}`);
  const v = audit.verification;
  lines.push(
    'Verification',
    `  hash chain: ${v.chain.ok ? 'intact' : `BROKEN at revision ${v.chain.brokenEvent?.revision} (${v.chain.reason})`}`,
    `  recomputed decision: ${v.recomputation === null ? 'no decision' : v.recomputation.matches ? 'same outcome' : `DIFFERS: ${JSON.stringify(v.recomputation.mismatches)}`}`,
    `  policy as published: ${v.policyMatchesPublished === null ? '-' : v.policyMatchesPublished ? 'yes' : 'NO'}`,
  );
  return lines.join('\n');
}
