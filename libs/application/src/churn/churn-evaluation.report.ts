import { CHURN_WEIGHTS, type ChurnScores } from '@aftercare/analytics';
import type { ChurnEvaluation } from './churn-evaluation';

/** The text report of `churn evaluate`. */
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
    `  structure ${e.weights.structure.name} (incident half-life ${e.weights.structure.incidentHalfLifeDays} days), chosen by 5-fold cross-validation`,
    ...e.weights.structure.factors.map(
      (name) =>
        `  ${name.padEnd(20)} ${num(l.estimates[name]).padStart(7)} ± ${num(l.standardErrors[name])}  used ${num(l.weights[name]).padStart(6)}  (a priori ${CHURN_WEIGHTS[name].toFixed(2)})`,
    ),
    '',
    'Candidate structures (diagnostic): held-out log-likelihood gain over none per 1,000 training customers; lift when fitted on the whole training set',
    ...e.structures.map(
      (x) =>
        `  ${x.structure.padEnd(22)} ${x.crossValidatedGainPerThousand.toFixed(2).padStart(7)}  lift ${x.scores.lift >= 0 ? '+' : ''}${x.scores.lift.toFixed(4)} ± ${x.scores.liftStandardError.toFixed(4)}  ` +
        Object.entries(x.weightsUsed)
          .filter(([, w]) => w !== 0)
          .map(([n, w]) => `${n} ${(w as number).toFixed(2)}`)
          .join(', '),
    ),
    '',
  ];
}

function num(value: number | undefined): string {
  return value === undefined ? '—' : value.toFixed(3);
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
