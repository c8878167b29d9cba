/** @aftercare/analytics: pure statistics for CLV and churn (no Nest, no I/O, no clock). */
export {
  logGamma,
  logBeta,
  hyp2f1,
  logAddExp,
  logSumExp,
  logistic,
  logit,
} from './special-functions';
export { nelderMead } from './optimize';
export { DAY_MS, dayNumber, canonicalInstantMs, formatDayNumber } from './calendar';
export type { NelderMeadOptions, OptimizationResult } from './optimize';
export {
  compileBgNbdLogLikelihood,
  bgNbdLogLikelihood,
  fitBgNbd,
  bgNbdProbabilityAlive,
  bgNbdConditionalExpectedTransactions,
  bgNbdExpectedTransactions,
} from './bg-nbd';
export type { BgNbdParams, BgNbdFit, BgNbdFitOptions, RfmObservation } from './bg-nbd';
export {
  compileGammaGammaLogLikelihood,
  gammaGammaLogLikelihood,
  fitGammaGamma,
  gammaGammaConditionalExpectedValue,
  customerLifetimeValue,
  discountedExpectedTransactions,
  realizedNetValue,
} from './gamma-gamma';
export type {
  GammaGammaParams,
  GammaGammaFit,
  SpendObservation,
  ClvOptions,
  AfterSalesCosts,
} from './gamma-gamma';
export { fitClvModel } from './clv';
export type { ClvModel, CustomerClv } from './clv';
export {
  summarizeTransactions,
  isCalendarDate,
  parseTransactions,
  parseCdnowTransactions,
  parseCsvTransactions,
  TransactionParseError,
  TRANSACTION_FORMATS,
} from './rfm-summary';
export type { Transaction, CustomerSummary, TransactionFormat } from './rfm-summary';
export {
  compileMbgNbdLogLikelihood,
  fitMbgNbd,
  mbgNbdProbabilityAlive,
  mbgNbdSurvival,
  purchaseProcessRisk,
  mbgNbdProbabilityNoPurchase,
} from './churn-purchase-process';
export type { MbgNbdParams, MbgNbdFit, PurchaseProcessRisk } from './churn-purchase-process';
export {
  scoreChurn,
  churnBand,
  auc,
  brierScore,
  experienceFactorValues,
  CHURN_WEIGHTS,
  CHURN_BANDS,
  EXPERIENCE_FACTORS,
  ALL_EXPERIENCE_FACTORS,
  BASE_FACTORS,
  DEFAULT_INCIDENT_HALF_LIFE_DAYS,
} from './churn';
export {
  INCIDENT_KINDS,
  SEPARATE_INCIDENT_FACTORS,
  decayedIncidentCount,
  pooledIncidentCount,
} from './churn-incidents';
export type { IncidentKind as ChurnIncidentKind, IncidentAges } from './churn-incidents';
export {
  CHURN_STRUCTURE_CANDIDATES,
  INCIDENT_HALF_LIVES_DAYS,
  chooseChurnStructure,
  crossValidatedLogLikelihood,
} from './churn-structure';
export type { StructureScore } from './churn-structure';
export type {
  ChurnInput,
  ChurnScore,
  ChurnFactor,
  ChurnFactorName,
  ChurnFactorStructure,
  ExperienceFactorName,
  ChurnBand,
  ServiceExperience,
  OutcomeLabel,
} from './churn';
export { fitPenalizedLogistic } from './penalized-logistic';
export {
  learnChurnWeights,
  CHURN_WEIGHT_PENALTY,
  CHURN_WEIGHT_SIGNIFICANCE_Z,
  CHURN_WEIGHT_MIN_CUSTOMERS,
} from './churn-weights';
export type { PenalizedLogisticFit, PenalizedLogisticOptions } from './penalized-logistic';
export type {
  FactorRecord,
  ChurnTrainingExample,
  LearnedChurnWeights,
  LearnChurnWeightsOptions,
} from './churn-weights';
export { runClvBench, synthesizePopulation } from './bench/clv.bench';
export type {
  ClvBenchOptions,
  ClvBenchResult,
  SyntheticPopulation,
  SyntheticPopulationOptions,
} from './bench/clv.bench';
export { churnScores, bandCalibration, factorDiagnostics } from './churn-evaluation';
export type { ChurnScores } from './churn-evaluation';
export { emptyTimeline, snapshotAt, timelineExperience, timelineRfm } from './nba-timeline';
export type {
  RetentionTimeline,
  RetentionActionName,
  IncidentKind,
  TimelineSnapshot,
} from './nba-timeline';
export { eligibleActions, nbaStratum, NBA_ACTIONS, ELIGIBILITY_RULES } from './nba-eligibility';
export type { Eligibility } from './nba-eligibility';
export {
  estimateActionEffects,
  stratumDelta,
  nbaTroubleBand,
  NBA_TROUBLE_BANDS,
  NBA_RISK_BANDS,
  DEFAULT_NBA_EFFECT_OPTIONS,
} from './nba-effects';
export type {
  NbaEffects,
  NbaEffectOptions,
  ActionEffect,
  StratumEffect,
  TroubleBandEffect,
  ServiceRisk,
} from './nba-effects';
export {
  fitNbaValueModel,
  customerValue,
  serviceRisk,
  probabilityAlive,
  nextActionsFor,
} from './nba-value';
export type { NextAction, NbaValueModel } from './nba-value';
export { Prng } from './prng';
export { cusumStep, poissonCusum, DEFECT_CUSUM_DEFAULTS } from './poisson-cusum';
export type { PoissonCusumOptions, CountPeriod, CusumPeriod } from './poisson-cusum';
export { histogramOfSorted, niceWidth, quantileOfSorted } from './histogram';
export type { Histogram, HistogramBin } from './histogram';
