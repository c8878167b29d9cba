import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  auc,
  bandCalibration,
  brierScore,
  bgNbdProbabilityAlive,
  CHURN_STRUCTURE_CANDIDATES,
  CHURN_WEIGHTS,
  type ChurnFactor,
  type ChurnFactorStructure,
  type ChurnScores,
  churnScores,
  type CustomerSummary,
  type ExperienceFactorName,
  factorDiagnostics,
  type FactorRecord,
  fitBgNbd,
  fitMbgNbd,
  type LearnedChurnWeights,
  learnChurnWeights,
  BASE_FACTORS,
  purchaseProcessRisk,
  scoreChurn,
  type ChurnFactorName,
} from '@aftercare/analytics';
import type { EventStore } from '@aftercare/event-store';
import {
  type CustomerChurnStates,
  churnExperience,
  churnTrainingExamples,
  type CustomerProfileState,
  foldChurnStates,
  satisfactionProjection,
  churnIncidentsProjection,
} from '@aftercare/projections';
import { rfmAt } from '../queries/customer-view';
import { churnHistory, type ReadProgress } from './churn-history';

/**
 * `churn evaluate`: churn risk measured against the ground truth of a seeded world (docs/churn.md).
 * The scores themselves are pure (libs/analytics, churn-evaluation.ts); this replays the store.
 */

/** Bad input (the truth file, the cut-off): the CLI prints it and exits 2. */
export class ChurnEvaluationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChurnEvaluationInputError';
  }
}

export type { ChurnScores };

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
    /** The factors read (chosen by cross-validation when learned; the base factors otherwise). */
    structure: ChurnFactorStructure;
    /** The weights used, per experience factor of the structure. */
    used: FactorRecord;
  };
  /**
   * Diagnostic, never used by the model: every candidate structure fitted on the whole training
   * set (significance rule applied) and scored on the primary population, beside its held-out
   * log-likelihood on the training set (the choice's criterion).
   */
  structures: {
    structure: string;
    crossValidatedGainPerThousand: number;
    weightsUsed: FactorRecord;
    scores: ChurnScores;
  }[];
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
      throw new ChurnEvaluationInputError(`${path}:${lineNo} is not JSON`);
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
  if (!truth.to) throw new ChurnEvaluationInputError(`${path} has no header line (kind: header)`);
  return truth;
}

export interface ChurnEvaluationOptions {
  /** End of the calibration window (default: the horizon before the end of the world). */
  cutoff?: string;
  /** Weeks from the cut-off to the end, when no cut-off is given (default 52). */
  horizonWeeks?: number;
  /** Called while the store is replayed: events read so far and the store's head position. */
  onProgress?: ReadProgress;
}

/**
 * Replays the store up to the cut-off (business time), fits the purchase model on that
 * calibration window, scores every customer, and measures churn risk and the purchase process
 * alone against what the ground truth says happened next. See docs/churn.md.
 */
export async function evaluateChurn(
  store: EventStore,
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
    throw new ChurnEvaluationInputError(
      `the cut-off ${cutoff} must fall inside the seeded period ${truth.from} .. ${truth.to}`,
    );
  }
  const horizonWeeks = (endMs - cutoffMs) / WEEK_MS;

  // Training window for the experience weights: the horizon before the cut-off.
  const trainingCutoff = new Date(cutoffMs - (endMs - cutoffMs)).toISOString();
  const trainingCutoffMs = Date.parse(trainingCutoff);

  const atCutoff = new Map<string, CustomerChurnStates>();
  const atTrainingCutoff = new Map<string, CustomerChurnStates>();
  for await (const { event, atMs } of churnHistory(store, options.onProgress, {
    reportEnd: true,
  })) {
    if (atMs > cutoffMs) continue;
    foldChurnStates(atCutoff, event);
    if (atMs <= trainingCutoffMs) foldChurnStates(atTrainingCutoff, event);
  }

  // The weights are learned from the store alone (purchases after the training cut-off, up to the
  // scoring cut-off), never from the truth file.
  const trainingExamples =
    trainingCutoffMs > Date.parse(truth.from)
      ? churnTrainingExamples(atTrainingCutoff, trainingCutoff, (id) => {
          const last = atCutoff.get(id)?.profile.lastPurchaseAt;
          return last ? Date.parse(last) : undefined;
        })
      : [];
  const learned =
    trainingExamples.length > 0 ? learnChurnWeights(trainingExamples, { horizonWeeks }) : undefined;
  atTrainingCutoff.clear();
  const structure = learned?.structure ?? BASE_FACTORS;
  const usedWeights: FactorRecord = learned
    ? learned.weights
    : Object.fromEntries(structure.factors.map((name) => [name, CHURN_WEIGHTS[name]]));
  // Diagnostic: every candidate structure fitted on the whole training set.
  const candidates = learned
    ? CHURN_STRUCTURE_CANDIDATES.map((candidate) => ({
        candidate,
        gain:
          learned.structureScores?.find((x) => x.structure === candidate.name)?.gainPerThousand ??
          NaN,
        fit: learnChurnWeights(trainingExamples, {
          horizonWeeks,
          structures: [candidate],
          purchaseModel: learned.purchaseModel,
        }),
      }))
    : [];
  trainingExamples.length = 0;

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
    throw new ChurnEvaluationInputError(
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
    candidates: candidates.map(() => [] as number[]),
  };
  const all = { churn: [] as number[], base: [] as number[], label: [] as boolean[] };
  for (const c of buyers) {
    const states = atCutoff.get(c.id);
    const experience = churnExperience(
      c.profile,
      states?.satisfaction ?? satisfactionProjection.initialState(c.id),
      cutoff,
      states?.incidents ?? churnIncidentsProjection.initialState(c.id),
    );
    const risk = purchaseProcessRisk(mbg.params, c.rfm, horizonWeeks);
    const stopped = stoppedMs(c.truth);
    all.churn.push(
      scoreChurn({ pAlive: risk.pAliveAtHorizon, experience, weights: usedWeights, structure })
        .probability,
    );
    all.base.push(1 - risk.pAliveAtHorizon);
    all.label.push(stopped <= endMs);
    if (stopped <= cutoffMs) continue;
    const score = scoreChurn({
      pAlive: risk.survival,
      experience,
      weights: usedWeights,
      structure,
    });
    candidates.forEach(({ candidate, fit }, k) =>
      primary.candidates[k].push(
        scoreChurn({
          pAlive: risk.survival,
          experience,
          weights: fit?.weights ?? {},
          structure: candidate,
        }).probability,
      ),
    );
    primary.churn.push(score.probability);
    primary.aPriori.push(scoreChurn({ pAlive: risk.survival, experience }).probability);
    if (learned) {
      primary.unfiltered.push(
        scoreChurn({ pAlive: risk.survival, experience, weights: learned.estimates, structure })
          .probability,
      );
    }
    primary.factors.push(score.factors);
    primary.base.push(1 - risk.survival);
    primary.bg.push(1 - bgNbdProbabilityAlive(bg.params, c.rfm));
    primary.label.push(stopped <= endMs);
  }
  const positives = primary.label.filter(Boolean).length;

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
      structure,
      used: usedWeights,
    },
    structures: candidates.map(({ candidate, gain, fit }, k) => ({
      structure: candidate.name,
      crossValidatedGainPerThousand: gain,
      weightsUsed: fit?.weights ?? {},
      scores: churnScores(primary.candidates[k], primary.base, primary.label),
    })),
    primary: churnScores(primary.churn, primary.base, primary.label),
    aPriori: churnScores(primary.aPriori, primary.base, primary.label),
    learnedUnfiltered: learned
      ? churnScores(primary.unfiltered, primary.base, primary.label)
      : null,
    allBuyers: churnScores(all.churn, all.base, all.label),
    bgNbdReference: {
      aucProbabilityAlive: auc(primary.bg, primary.label),
      brierProbabilityAlive: brierScore(primary.bg, primary.label),
    },
    bands: bandCalibration(primary.churn, primary.label),
    factors: factorDiagnostics(
      structure.factors,
      Object.fromEntries(structure.factors.map((n) => [n, usedWeights[n] ?? 0])) as Record<
        ExperienceFactorName,
        number
      >,
      primary.factors,
      primary.label,
    ),
    elapsedMs: Math.round(performance.now() - started),
  };
}
