import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import {
  auc,
  bgNbdProbabilityAlive,
  brierScore,
  CHURN_BANDS,
  CHURN_WEIGHTS,
  type ChurnFactor,
  type ChurnFactorName,
  EXPERIENCE_FACTORS,
  type ExperienceFactorName,
  fitBgNbd,
  fitMbgNbd,
  type LearnedChurnWeights,
  learnChurnWeights,
  purchaseProcessRisk,
  scoreChurn,
  type CustomerSummary,
} from '@aftercare/analytics';
import { CUSTOMER_STREAM_CATEGORY, WARRANTY_CLAIM_STREAM_CATEGORY } from '@aftercare/domain';
import { createEventStore, type EventStore, loadStoreConfig } from '@aftercare/event-store';
import {
  type CustomerChurnStates,
  churnExperience,
  churnTrainingExamples,
  type CustomerProfileState,
  foldChurnStates,
  satisfactionProjection,
} from '@aftercare/projections';
import { rfmAt } from '@aftercare/application';
import { parseDateOption, parseIntegerOption } from '../cli-options';

interface TruthCustomer {
  customerId: string;
  stoppedAt: string | null;
  lastPurchaseAt: string | null;
}

interface Truth {
  from: string;
  to: string;
  experienceEffect: number | null;
  seed: string | null;
  worldCustomers: number | null;
  customers: Map<string, TruthCustomer>;
}

/** AUC and Brier score of churn risk and of the purchase process alone, on one population. */
export interface ChurnScores {
  customers: number;
  positives: number;
  aucChurnRisk: number;
  aucProbabilityAlive: number;
  /** aucChurnRisk - aucProbabilityAlive. */
  lift: number;
  /** Paired bootstrap standard error of the lift. */
  liftStandardError: number;
  brierChurnRisk: number;
  brierProbabilityAlive: number;
  /** Brier score of predicting the observed base rate for everyone (the no-skill reference). */
  brierBaseRate: number;
}

export interface ChurnEvaluation {
  cutoff: string;
  end: string;
  horizonWeeks: number;
  experienceEffect: number | null;
  seed: string | null;
  /** Customers in the truth file. */
  truthCustomers: number;
  population: {
    /** Customers with a purchase by the cut-off (the calibration data of the purchase model). */
    buyersByCutoff: number;
    /** Of those, per the truth already gone at the cut-off: not a prediction target. */
    goneBeforeCutoff: number;
    /** The evaluation population: buyers by the cut-off still alive at it. */
    scored: number;
  };
  labels: {
    /** Scored customers who stopped buying between the cut-off and the end. */
    stoppedInWindow: number;
    stillBuying: number;
  };
  purchaseModel: {
    mbgNbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
    /** The BG/NBD on the same data, for comparison (higher log-likelihood fits better). */
    bgNbdLogLikelihood: number;
  };
  /**
   * The experience weights scored with: learned from the store's history on the training window
   * (the horizon before the cut-off; docs/churn.md), or the a-priori ones when there was too
   * little history to learn from.
   */
  weights: {
    source: 'learned' | 'a_priori';
    /** Training cut-off .. scoring cut-off: the label is "no purchase in between". */
    trainingWindow: { from: string; to: string };
    learned: LearnedChurnWeights | null;
    /** The weights used, per experience factor. */
    used: Record<ExperienceFactorName, number>;
  };
  /**
   * Primary: customers alive at the cut-off; label = stopped buying in (cut-off, end]. The purchase
   * model is conditioned on what the population definition tells it (alive at the cut-off), so
   * its score is P(gone by the end | alive at the cut-off) = 1 - S(H).
   */
  primary: ChurnScores;
  /**
   * Secondary, the score as deployed: every buyer by the cut-off, label = stopped buying at any
   * time before the end; purchase-process score 1 - P(alive at the end) (MBG/NBD, unconditioned).
   */
  allBuyers: ChurnScores;
  /** The same population and label scored with the a-priori weights (the previous model). */
  aPriori: ChurnScores;
  /**
   * Diagnostic: scored with the learned estimates before the significance rule (every weight as
   * fitted). Null when nothing was learned.
   */
  learnedUnfiltered: ChurnScores | null;
  /** Reference: the BG/NBD 1 - P(alive at the cut-off) on the primary population and label. */
  bgNbdReference: { aucProbabilityAlive: number; brierProbabilityAlive: number };
  /** Primary population by churn band: mean predicted probability and observed rate. */
  bands: { band: string; customers: number; meanProbability: number; observedRate: number }[];
  /**
   * Diagnostics, not used by the model: per experience factor, how many scored customers have it
   * and the observed label rate with and without it.
   */
  factors: {
    name: ChurnFactorName;
    weight: number;
    customers: number;
    observedRateWith: number;
    observedRateWithout: number;
  }[];
  elapsedMs: number;
}

const WEEK_MS = 7 * 86_400_000;
/** Default horizon: one year, the horizon CLV is reported over as well. */
export const DEFAULT_CHURN_HORIZON_WEEKS = 52;
const BOOTSTRAP_RESAMPLES = 200;

async function readTruth(path: string): Promise<Truth> {
  const truth: Truth = {
    from: '',
    to: '',
    experienceEffect: null,
    seed: null,
    worldCustomers: null,
    customers: new Map(),
  };
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
      const options = record.options as {
        from: string;
        to: string;
        experienceEffect?: number;
        seed?: string;
        customers?: number;
      };
      truth.from = options.from;
      truth.to = options.to;
      truth.experienceEffect = options.experienceEffect ?? null;
      truth.seed = options.seed ?? null;
      truth.worldCustomers = options.customers ?? null;
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

export interface ChurnEvaluationOptions {
  /** End of the calibration window (default: the horizon before the end of the world). */
  cutoff?: string;
  /** Weeks from the cut-off to the end, when no cut-off is given (default 52). */
  horizonWeeks?: number;
  /** The store to replay (default: the configured one); left open when given. */
  store?: EventStore;
}

/**
 * Replays the store up to the cut-off (business time), fits the purchase model on that
 * calibration window, scores every customer, and measures churn risk and the purchase process
 * alone against what the ground truth says happened next. See docs/churn.md.
 */
export async function evaluateChurn(
  truthPath: string,
  options: ChurnEvaluationOptions = {},
): Promise<ChurnEvaluation> {
  const started = performance.now();
  const truth = await readTruth(truthPath);
  const endMs = Date.parse(truth.to);
  const cutoff = options.cutoff
    ? new Date(
        /^\d{4}-\d{2}-\d{2}$/.test(options.cutoff)
          ? `${options.cutoff}T23:59:59.999Z`
          : options.cutoff,
      ).toISOString()
    : new Date(
        endMs - (options.horizonWeeks ?? DEFAULT_CHURN_HORIZON_WEEKS) * WEEK_MS,
      ).toISOString();
  const cutoffMs = Date.parse(cutoff);
  if (!(cutoffMs > Date.parse(truth.from) && cutoffMs < endMs)) {
    throw new InvalidArgumentError(
      `the cut-off ${cutoff} must fall inside the seeded period ${truth.from} .. ${truth.to}`,
    );
  }
  const horizonWeeks = (endMs - cutoffMs) / WEEK_MS;

  // Training window for the experience weights: the horizon before the cut-off.
  const trainingCutoff = new Date(cutoffMs - (endMs - cutoffMs)).toISOString();
  const trainingCutoffMs = Date.parse(trainingCutoff);

  const store = options.store ?? (await createEventStore(loadStoreConfig()));
  const atCutoff = new Map<string, CustomerChurnStates>();
  const atTrainingCutoff = new Map<string, CustomerChurnStates>();
  try {
    for await (const event of store.readAll({
      filter: { categories: [CUSTOMER_STREAM_CATEGORY, WARRANTY_CLAIM_STREAM_CATEGORY] },
    })) {
      const at = (event.data as { occurredAt?: unknown }).occurredAt;
      if (typeof at !== 'string') continue;
      const atMs = Date.parse(at);
      if (atMs > cutoffMs) continue;
      foldChurnStates(atCutoff, event);
      if (atMs <= trainingCutoffMs) foldChurnStates(atTrainingCutoff, event);
    }
  } finally {
    if (!options.store) await store.close();
  }

  // The weights are learned from the store alone (purchases after the training cut-off, up to the
  // scoring cut-off), never from the truth file.
  const learned =
    trainingCutoffMs > Date.parse(truth.from)
      ? learnChurnWeights(
          churnTrainingExamples(atTrainingCutoff, trainingCutoff, (id) => {
            const last = atCutoff.get(id)?.profile.lastPurchaseAt;
            return last ? Date.parse(last) : undefined;
          }),
          { horizonWeeks },
        )
      : undefined;
  atTrainingCutoff.clear();
  const usedWeights = Object.fromEntries(
    EXPERIENCE_FACTORS.map((name) => [name, learned ? learned.weights[name] : CHURN_WEIGHTS[name]]),
  ) as Record<ExperienceFactorName, number>;

  const buyers: {
    id: string;
    rfm: CustomerSummary;
    profile: CustomerProfileState;
    truth: TruthCustomer;
  }[] = [];
  for (const [id, { profile }] of atCutoff) {
    const rfm = rfmAt(profile, cutoff);
    const t = truth.customers.get(id);
    if (rfm && t) buyers.push({ id, rfm, profile, truth: t });
  }
  if (buyers.length < 10) {
    throw new InvalidArgumentError(
      `only ${buyers.length} customers bought by ${cutoff}: too few to evaluate`,
    );
  }
  // The purchase model sees the calibration window only, never the truth.
  const mbg = fitMbgNbd(buyers.map((c) => c.rfm));
  const bg = fitBgNbd(buyers.map((c) => c.rfm));

  const stoppedMs = (t: TruthCustomer): number =>
    t.stoppedAt === null ? Infinity : Date.parse(t.stoppedAt);
  const primary = {
    churn: [] as number[],
    base: [] as number[],
    bg: [] as number[],
    aPriori: [] as number[],
    unfiltered: [] as number[],
    label: [] as boolean[],
    factors: [] as (readonly ChurnFactor[])[],
  };
  const all = { churn: [] as number[], base: [] as number[], label: [] as boolean[] };
  for (const c of buyers) {
    const experience = churnExperience(
      c.profile,
      atCutoff.get(c.id)?.satisfaction ?? satisfactionProjection.initialState(c.id),
      cutoff,
    );
    const risk = purchaseProcessRisk(mbg.params, c.rfm, horizonWeeks);
    const stopped = stoppedMs(c.truth);
    all.churn.push(
      scoreChurn({ pAlive: risk.pAliveAtHorizon, experience, weights: usedWeights }).probability,
    );
    all.base.push(1 - risk.pAliveAtHorizon);
    all.label.push(stopped <= endMs);
    if (stopped <= cutoffMs) continue;
    const score = scoreChurn({ pAlive: risk.survival, experience, weights: usedWeights });
    primary.churn.push(score.probability);
    primary.aPriori.push(scoreChurn({ pAlive: risk.survival, experience }).probability);
    if (learned) {
      primary.unfiltered.push(
        scoreChurn({ pAlive: risk.survival, experience, weights: learned.estimates }).probability,
      );
    }
    primary.factors.push(score.factors);
    primary.base.push(1 - risk.survival);
    primary.bg.push(1 - bgNbdProbabilityAlive(bg.params, c.rfm));
    primary.label.push(stopped <= endMs);
  }
  const positives = primary.label.filter(Boolean).length;

  const bands = (['low', 'medium', 'high'] as const).map((band) => {
    const idx = primary.churn
      .map((p, i) => [p, i] as const)
      .filter(([p]) =>
        band === 'low'
          ? p < CHURN_BANDS.medium
          : band === 'medium'
            ? p >= CHURN_BANDS.medium && p < CHURN_BANDS.high
            : p >= CHURN_BANDS.high,
      )
      .map(([, i]) => i);
    return {
      band,
      customers: idx.length,
      meanProbability: mean(idx.map((i) => primary.churn[i])),
      observedRate: mean(idx.map((i) => (primary.label[i] ? 1 : 0))),
    };
  });

  return {
    cutoff,
    end: truth.to,
    horizonWeeks,
    experienceEffect: truth.experienceEffect,
    seed: truth.seed,
    truthCustomers: truth.customers.size,
    population: {
      buyersByCutoff: buyers.length,
      goneBeforeCutoff: buyers.length - primary.label.length,
      scored: primary.label.length,
    },
    labels: { stoppedInWindow: positives, stillBuying: primary.label.length - positives },
    purchaseModel: {
      mbgNbd: { ...mbg.params, logLikelihood: mbg.logLikelihood },
      bgNbdLogLikelihood: bg.logLikelihood,
    },
    weights: {
      source: learned ? 'learned' : 'a_priori',
      trainingWindow: { from: trainingCutoff, to: cutoff },
      learned: learned ?? null,
      used: usedWeights,
    },
    primary: scoresOf(primary.churn, primary.base, primary.label),
    aPriori: scoresOf(primary.aPriori, primary.base, primary.label),
    learnedUnfiltered: learned ? scoresOf(primary.unfiltered, primary.base, primary.label) : null,
    allBuyers: scoresOf(all.churn, all.base, all.label),
    bgNbdReference: {
      aucProbabilityAlive: auc(primary.bg, primary.label),
      brierProbabilityAlive: brierScore(primary.bg, primary.label),
    },
    bands,
    factors: EXPERIENCE_FACTORS.map((name) => {
      const present = primary.factors.map(
        (fs) => (fs.find((f) => f.name === name)?.value ?? 0) > 0,
      );
      const rate = (want: boolean): number =>
        mean(primary.label.filter((_, i) => present[i] === want).map((l) => (l ? 1 : 0)));
      return {
        name,
        weight: usedWeights[name],
        customers: present.filter(Boolean).length,
        observedRateWith: rate(true),
        observedRateWithout: rate(false),
      };
    }),
    elapsedMs: Math.round(performance.now() - started),
  };
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

function scoresOf(churn: number[], base: number[], labels: boolean[]): ChurnScores {
  const positives = labels.filter(Boolean).length;
  const rate = labels.length ? positives / labels.length : NaN;
  const aucChurnRisk = auc(churn, labels);
  const aucProbabilityAlive = auc(base, labels);
  return {
    customers: labels.length,
    positives,
    aucChurnRisk,
    aucProbabilityAlive,
    lift: aucChurnRisk - aucProbabilityAlive,
    liftStandardError: bootstrapLiftSe(churn, base, labels),
    brierChurnRisk: brierScore(churn, labels),
    brierProbabilityAlive: brierScore(base, labels),
    brierBaseRate: brierScore(
      labels.map(() => rate),
      labels,
    ),
  };
}

/** Paired bootstrap (fixed seed, so the report is deterministic) of the AUC difference. */
function bootstrapLiftSe(churn: number[], base: number[], labels: boolean[]): number {
  const n = labels.length;
  if (n === 0) return NaN;
  let state = 0x9e3779b9;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lifts: number[] = [];
  const c = new Array<number>(n);
  const b = new Array<number>(n);
  const l = new Array<boolean>(n);
  for (let k = 0; k < BOOTSTRAP_RESAMPLES; k++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(next() * n);
      c[i] = churn[j];
      b[i] = base[j];
      l[i] = labels[j];
    }
    const d = auc(c, l) - auc(b, l);
    if (Number.isFinite(d)) lifts.push(d);
  }
  const m = mean(lifts);
  return Math.sqrt(
    lifts.reduce((s, d) => s + (d - m) * (d - m), 0) / Math.max(1, lifts.length - 1),
  );
}

function learnedBlock(e: ChurnEvaluation): string[] {
  const l = e.weights.learned;
  const w = e.weights.trainingWindow;
  if (!l) return [`Learned weights: none (training window ${w.from} .. ${w.to})`, ''];
  const m = l.purchaseModel.params;
  return [
    `Learned weights: training cut-off ${w.from}, label no purchase by ${w.to}: ` +
      `${l.withoutPurchase} of ${l.customers} buyers; L2 penalty ${l.penalty}, used if w >= ${l.significanceZ} s.e.`,
    `  offset MBG/NBD at the training cut-off: r=${m.r.toFixed(3)} alpha=${m.alpha.toFixed(3)} a=${m.a.toFixed(3)} b=${m.b.toFixed(3)}; ` +
      `intercept ${l.intercept.toFixed(3)} ± ${l.interceptStandardError.toFixed(3)} (not used)`,
    ...EXPERIENCE_FACTORS.map(
      (name) =>
        `  ${name.padEnd(20)} ${l.estimates[name].toFixed(3).padStart(7)} ± ${l.standardErrors[name].toFixed(3)}  used ${l.weights[name].toFixed(3).padStart(6)}  (a priori ${CHURN_WEIGHTS[name].toFixed(2)})`,
    ),
    '',
  ];
}

export function formatChurnEvaluation(e: ChurnEvaluation): string {
  const f = (n: number): string => (Number.isNaN(n) ? '—' : n.toFixed(4));
  const signed = (n: number): string => (n >= 0 ? '+' : '') + f(n);
  const block = (s: ChurnScores): string[] => [
    `  AUC churn risk                   ${f(s.aucChurnRisk)}`,
    `  AUC probability alive alone      ${f(s.aucProbabilityAlive)}`,
    `  lift (AUC)                       ${signed(s.lift)}  (bootstrap s.e. ${f(s.liftStandardError)})`,
    `  Brier churn risk                 ${f(s.brierChurnRisk)}`,
    `  Brier probability alive alone    ${f(s.brierProbabilityAlive)}`,
    `  Brier base rate (no skill)       ${f(s.brierBaseRate)}`,
  ];
  const m = e.purchaseModel.mbgNbd;
  return [
    `Churn evaluation: calibration up to ${e.cutoff}, outcomes to ${e.end} (${e.horizonWeeks.toFixed(1)} weeks)` +
      (e.seed !== null ? `, world seed ${e.seed}` : '') +
      (e.experienceEffect !== null ? `, experience effect ${e.experienceEffect}` : ''),
    `Population: ${e.population.scored} scored = ${e.population.buyersByCutoff} buyers by the cut-off - ` +
      `${e.population.goneBeforeCutoff} already gone (of ${e.truthCustomers} in the truth)`,
    `Label: stopped buying in the window ${e.labels.stoppedInWindow}, still buying ${e.labels.stillBuying}`,
    '',
    `Experience weights: ${e.weights.source === 'learned' ? 'learned' : 'a priori (too little history to learn from)'}`,
    ...block(e.primary),
    `  lift with the a-priori weights   ${signed(e.aPriori.lift)}  (s.e. ${f(e.aPriori.liftStandardError)}; AUC ${f(e.aPriori.aucChurnRisk)}, Brier ${f(e.aPriori.brierChurnRisk)})`,
    ...(e.learnedUnfiltered
      ? [
          `  lift, every learned estimate     ${signed(e.learnedUnfiltered.lift)}  (s.e. ${f(e.learnedUnfiltered.liftStandardError)}; AUC ${f(e.learnedUnfiltered.aucChurnRisk)}, Brier ${f(e.learnedUnfiltered.brierChurnRisk)}; diagnostic)`,
        ]
      : []),
    '',
    ...learnedBlock(e),
    `Purchase model MBG/NBD: r=${m.r.toFixed(3)} alpha=${m.alpha.toFixed(3)} a=${m.a.toFixed(3)} b=${m.b.toFixed(3)} ` +
      `(LL ${m.logLikelihood.toFixed(1)}; BG/NBD LL ${e.purchaseModel.bgNbdLogLikelihood.toFixed(1)})`,
    `Reference, BG/NBD 1 - P(alive at the cut-off): AUC ${f(e.bgNbdReference.aucProbabilityAlive)}, ` +
      `Brier ${f(e.bgNbdReference.brierProbabilityAlive)}`,
    '',
    `All ${e.allBuyers.customers} buyers by the cut-off, label stopped before the end (${e.allBuyers.positives}), ` +
      'score as deployed (1 - P(alive at the end))',
    ...block(e.allBuyers),
    '',
    'Calibration by band (scored population)',
    ...e.bands.map(
      (b) =>
        `  ${b.band.padEnd(7)} ${String(b.customers).padStart(6)} customers  predicted ${f(b.meanProbability)}  observed ${f(b.observedRate)}`,
    ),
    '',
    'Experience factors (diagnostic): customers with it, observed rate with / without',
    ...e.factors.map(
      (x) =>
        `  ${x.name.padEnd(20)} w=${x.weight.toFixed(2)} ${String(x.customers).padStart(6)}  ${f(x.observedRateWith)} / ${f(x.observedRateWithout)}`,
    ),
    '',
    `(${(e.elapsedMs / 1000).toFixed(1)} s)`,
  ].join('\n');
}

export function registerChurnCommand(program: Command): void {
  const churn = program.command('churn').description('Churn risk: measured against known outcomes');
  churn
    .command('evaluate')
    .description(
      'replay the seeded world up to a cut-off, fit the purchase model (MBG/NBD) on it, score every ' +
        'customer alive at the cut-off and report AUC and Brier score of churn risk and of the ' +
        'probability alive alone against the ground truth (see docs/churn.md)',
    )
    .requiredOption('--truth <file>', 'ground-truth NDJSON written by `seed`')
    .option(
      '--cutoff <date>',
      'end of the calibration window (default: --horizon weeks before the end)',
      parseDateOption,
    )
    .option(
      '--horizon <weeks>',
      `weeks from the cut-off to the end when --cutoff is not given (default ${DEFAULT_CHURN_HORIZON_WEEKS})`,
      parseIntegerOption,
    )
    .option('--json', 'print JSON')
    .action(
      async (options: { truth: string; cutoff?: string; horizon?: number; json?: boolean }) => {
        const result = await evaluateChurn(options.truth, {
          cutoff: options.cutoff,
          horizonWeeks: options.horizon,
        });
        console.log(options.json ? JSON.stringify(result, null, 2) : formatChurnEvaluation(result));
      },
    );
}
