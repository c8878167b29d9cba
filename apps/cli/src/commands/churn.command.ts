import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import {
  auc,
  bgNbdProbabilityAlive,
  brierScore,
  fitBgNbd,
  scoreChurn,
  type CustomerSummary,
} from '@aftercare/analytics';
import { CUSTOMER_STREAM_CATEGORY, WARRANTY_CLAIM_STREAM_CATEGORY } from '@aftercare/domain';
import { createEventStore, loadStoreConfig } from '@aftercare/event-store';
import {
  churnExperience,
  customerProfileProjection,
  type CustomerProfileState,
  rfmAt,
  satisfactionProjection,
  type SatisfactionStateData,
} from '@aftercare/projections';
import { parseDateOption } from '../cli-options';

interface TruthCustomer {
  customerId: string;
  stoppedAt: string | null;
  lastPurchaseAt: string | null;
}

interface Truth {
  from: string;
  to: string;
  experienceEffect: number | null;
  customers: Map<string, TruthCustomer>;
}

export interface ChurnEvaluation {
  cutoff: string;
  end: string;
  experienceEffect: number | null;
  /** Customers with a purchase by the cut-off (the calibration population). */
  customers: number;
  labels: {
    /** Label 1: no purchase after the cut-off (up to the end of the period). */
    noPurchaseAfterCutoff: number;
    /** Label 1: stopped buying (latent dropout) before the end of the period. */
    stoppedBeforeEnd: number;
  };
  bgNbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
  noPurchaseAfterCutoff: Scores;
  stoppedBeforeEnd: Scores;
  /**
   * Label "no purchase after the cut-off", among customers with repeat purchases only: BG/NBD
   * gives P(alive) = 1 to anyone without a repeat purchase, so it cannot rank them.
   */
  repeatBuyers: Scores & { customers: number; positives: number };
  /** Mean churn probability by band, and the observed rate of the label in it. */
  bands: { band: string; customers: number; meanProbability: number; observedRate: number }[];
}

interface Scores {
  aucChurnRisk: number;
  aucProbabilityAlive: number;
  brierChurnRisk: number;
  brierProbabilityAlive: number;
}

const WEEK_MS = 7 * 86_400_000;

async function readTruth(path: string): Promise<Truth> {
  const truth: Truth = { from: '', to: '', experienceEffect: null, customers: new Map() };
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new InvalidArgumentError(`${path}:${lineNo} is not JSON`);
    }
    if (record.kind === 'header') {
      const options = record.options as { from: string; to: string; experienceEffect?: number };
      truth.from = options.from;
      truth.to = options.to;
      truth.experienceEffect = options.experienceEffect ?? null;
    } else if (record.kind === 'customer') {
      const c = record as unknown as TruthCustomer;
      truth.customers.set(c.customerId, {
        customerId: c.customerId,
        stoppedAt: c.stoppedAt,
        lastPurchaseAt: c.lastPurchaseAt,
      });
    }
  }
  if (!truth.to) throw new InvalidArgumentError(`${path} has no header line (kind: header)`);
  return truth;
}

/**
 * Replays the store up to the cut-off (business time), fits BG/NBD on that calibration window,
 * scores everyone, and measures both scores against what the ground truth says happened next.
 */
export async function evaluateChurn(
  truthPath: string,
  cutoffOption?: string,
): Promise<ChurnEvaluation> {
  const truth = await readTruth(truthPath);
  const cutoff = cutoffOption
    ? new Date(
        /^\d{4}-\d{2}-\d{2}$/.test(cutoffOption) ? `${cutoffOption}T23:59:59.999Z` : cutoffOption,
      ).toISOString()
    : new Date(Date.parse(truth.to) - 26 * WEEK_MS).toISOString();
  const cutoffMs = Date.parse(cutoff);
  if (!(cutoffMs > Date.parse(truth.from) && cutoffMs < Date.parse(truth.to))) {
    throw new InvalidArgumentError(
      `--cutoff must fall inside the seeded period ${truth.from} .. ${truth.to}`,
    );
  }

  const store = await createEventStore(loadStoreConfig());
  const profiles = new Map<string, CustomerProfileState>();
  const satisfaction = new Map<string, SatisfactionStateData>();
  try {
    for await (const event of store.readAll({
      filter: { categories: [CUSTOMER_STREAM_CATEGORY, WARRANTY_CLAIM_STREAM_CATEGORY] },
    })) {
      const at = (event.data as { occurredAt?: unknown }).occurredAt;
      if (typeof at !== 'string' || Date.parse(at) > cutoffMs) continue;
      const key = customerProfileProjection.keyOf(event);
      if (key === undefined) continue;
      profiles.set(
        key,
        customerProfileProjection.evolve(
          profiles.get(key) ?? customerProfileProjection.initialState(key),
          event,
        ),
      );
      if (event.streamId.startsWith(`${CUSTOMER_STREAM_CATEGORY}-`)) {
        satisfaction.set(
          key,
          satisfactionProjection.evolve(
            satisfaction.get(key) ?? satisfactionProjection.initialState(key),
            event,
          ),
        );
      }
    }
  } finally {
    await store.close();
  }

  const population: { id: string; rfm: CustomerSummary; profile: CustomerProfileState }[] = [];
  for (const [id, profile] of profiles) {
    const rfm = rfmAt(profile, cutoff);
    if (rfm && truth.customers.has(id)) population.push({ id, rfm, profile });
  }
  if (population.length < 10) {
    throw new InvalidArgumentError(
      `only ${population.length} customers bought by ${cutoff}: too few to evaluate`,
    );
  }
  const fit = fitBgNbd(population.map((c) => c.rfm));

  const churn: number[] = [];
  const dead: number[] = [];
  const noPurchase: boolean[] = [];
  const stopped: boolean[] = [];
  for (const c of population) {
    const pAlive = bgNbdProbabilityAlive(fit.params, c.rfm);
    const experience = churnExperience(
      c.profile,
      satisfaction.get(c.id) ?? satisfactionProjection.initialState(c.id),
      cutoff,
    );
    churn.push(scoreChurn({ pAlive, experience }).probability);
    dead.push(1 - pAlive);
    const t = truth.customers.get(c.id) as TruthCustomer;
    noPurchase.push(t.lastPurchaseAt === null || Date.parse(t.lastPurchaseAt) <= cutoffMs);
    stopped.push(t.stoppedAt !== null);
  }
  const scores = (labels: boolean[]): Scores => ({
    aucChurnRisk: auc(churn, labels),
    aucProbabilityAlive: auc(dead, labels),
    brierChurnRisk: brierScore(churn, labels),
    brierProbabilityAlive: brierScore(dead, labels),
  });
  const repeat = population
    .map((c, i) => [c.rfm.x > 0, i] as const)
    .filter(([r]) => r)
    .map(([, i]) => i);
  const pick = <T>(values: T[]): T[] => repeat.map((i) => values[i]);
  const repeatLabels = pick(noPurchase);
  const repeatBuyers = {
    customers: repeat.length,
    positives: repeatLabels.filter(Boolean).length,
    aucChurnRisk: auc(pick(churn), repeatLabels),
    aucProbabilityAlive: auc(pick(dead), repeatLabels),
    brierChurnRisk: brierScore(pick(churn), repeatLabels),
    brierProbabilityAlive: brierScore(pick(dead), repeatLabels),
  };
  const bands = (['low', 'medium', 'high'] as const).map((band) => {
    const idx = churn
      .map((p, i) => [p, i] as const)
      .filter(([p]) =>
        band === 'low' ? p < 0.3 : band === 'medium' ? p >= 0.3 && p < 0.6 : p >= 0.6,
      )
      .map(([, i]) => i);
    const mean = (values: number[]): number =>
      values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
    return {
      band,
      customers: idx.length,
      meanProbability: mean(idx.map((i) => churn[i])),
      observedRate: mean(idx.map((i) => (noPurchase[i] ? 1 : 0))),
    };
  });
  return {
    cutoff,
    end: truth.to,
    experienceEffect: truth.experienceEffect,
    customers: population.length,
    labels: {
      noPurchaseAfterCutoff: noPurchase.filter(Boolean).length,
      stoppedBeforeEnd: stopped.filter(Boolean).length,
    },
    bgNbd: { ...fit.params, logLikelihood: fit.logLikelihood },
    noPurchaseAfterCutoff: scores(noPurchase),
    stoppedBeforeEnd: scores(stopped),
    repeatBuyers,
    bands,
  };
}

export function formatChurnEvaluation(e: ChurnEvaluation): string {
  const f = (n: number): string => n.toFixed(4);
  const block = (title: string, s: Scores, positives: number, total = e.customers): string[] => [
    `${title} (${positives} of ${total})`,
    `  AUC churn risk            ${f(s.aucChurnRisk)}`,
    `  AUC probability alive     ${f(s.aucProbabilityAlive)}   (lift ${(s.aucChurnRisk - s.aucProbabilityAlive >= 0 ? '+' : '') + f(s.aucChurnRisk - s.aucProbabilityAlive)})`,
    `  Brier churn risk          ${f(s.brierChurnRisk)}`,
    `  Brier 1 - P(alive)        ${f(s.brierProbabilityAlive)}`,
  ];
  return [
    `Churn evaluation: calibration up to ${e.cutoff}, outcomes to ${e.end}` +
      (e.experienceEffect !== null ? ` (world experience effect ${e.experienceEffect})` : ''),
    `BG/NBD on ${e.customers} customers: r=${e.bgNbd.r.toFixed(3)} alpha=${e.bgNbd.alpha.toFixed(3)} a=${e.bgNbd.a.toFixed(3)} b=${e.bgNbd.b.toFixed(3)} (LL ${e.bgNbd.logLikelihood.toFixed(1)})`,
    '',
    ...block(
      'Label: no purchase after the cut-off',
      e.noPurchaseAfterCutoff,
      e.labels.noPurchaseAfterCutoff,
    ),
    '',
    ...block('Label: stopped buying before the end', e.stoppedBeforeEnd, e.labels.stoppedBeforeEnd),
    '',
    ...block(
      'Label: no purchase after the cut-off, repeat buyers only',
      e.repeatBuyers,
      e.repeatBuyers.positives,
      e.repeatBuyers.customers,
    ),
    '',
    'Calibration by band (label: no purchase after the cut-off)',
    ...e.bands.map(
      (b) =>
        `  ${b.band.padEnd(7)} ${String(b.customers).padStart(6)} customers  predicted ${Number.isNaN(b.meanProbability) ? '—' : f(b.meanProbability)}  observed ${Number.isNaN(b.observedRate) ? '—' : f(b.observedRate)}`,
    ),
  ].join('\n');
}

export function registerChurnCommand(program: Command): void {
  const churn = program.command('churn').description('Churn risk: measured against known outcomes');
  churn
    .command('evaluate')
    .description(
      'replay the seeded world up to a cut-off, fit BG/NBD on it, score every customer and report ' +
        'AUC and Brier score of churn risk and of probability alive alone against the ground truth',
    )
    .requiredOption('--truth <file>', 'ground-truth NDJSON written by `seed`')
    .option(
      '--cutoff <date>',
      'end of the calibration window (default: 26 weeks before the end)',
      parseDateOption,
    )
    .option('--json', 'print JSON')
    .action(async (options: { truth: string; cutoff?: string; json?: boolean }) => {
      const result = await evaluateChurn(options.truth, options.cutoff);
      console.log(options.json ? JSON.stringify(result, null, 2) : formatChurnEvaluation(result));
    });
}
