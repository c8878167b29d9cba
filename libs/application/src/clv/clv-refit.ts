import { randomUUID } from 'node:crypto';
import {
  fitBgNbd,
  fitGammaGamma,
  fitMbgNbd,
  learnChurnWeights,
  summarizeTransactions,
  type Transaction,
} from '@aftercare/analytics';
import {
  CUSTOMER_STREAM_CATEGORY,
  type PurchaseRecorded,
  WARRANTY_CLAIM_STREAM_CATEGORY,
} from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import {
  churnTrainingExamples,
  CLV_MODEL_FITTED,
  type ClvModelFittedData,
  clvModelStreamId,
  type CustomerChurnStates,
  foldChurnStates,
} from '@aftercare/projections';

const WEEK_MS = 7 * 86_400_000;

/** A refused fit is still recorded, with its reason, so the customer view can say why. */
const refusalOf = (fit: { refusal?: string }): { refusal?: string } =>
  fit.refusal === undefined ? {} : { refusal: fit.refusal };

export interface ClvRefitOptions {
  /** The caller's clock (ISO 8601): the calibration end unless `calibrationEnd` is given. */
  now: string;
  /**
   * Last day of the data window (YYYY-MM-DD), e.g. the end of a seeded world. The fit's business
   * time is then the end of that day, so as-of views from then on can use it.
   */
  calibrationEnd?: string;
  horizonWeeks?: number;
  annualDiscountRate?: number;
  actor?: string;
}

export class NothingToFitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingToFitError';
  }
}

/**
 * Refits the population CLV model (BG/NBD + Gamma-Gamma) on every PurchaseRecorded up to `now`
 * and records the fit as a `ClvModelFitted` event, so every CLV shown names the fit behind it.
 * The same event carries the MBG/NBD fitted on the same summaries: the purchase process of churn
 * risk, the model `churn evaluate` measures. Money is not converted: the fit uses the currency
 * with the most purchases.
 *
 * It also learns churn risk's experience weights the way `churn evaluate` does (docs/churn.md):
 * training cut-off one horizon before the calibration end, the MBG/NBD and the experience factors
 * at that cut-off, label "no purchase since", penalised logistic regression with the purchase
 * process as offset. They are recorded, with their standard errors and the training window, as
 * `churnWeights`; with too little history they are left out and the view uses the a-priori ones.
 * This reads every customer and warranty-claim event (not only purchases) and keeps the folded
 * states at the training cut-off in memory.
 */
export async function refitClvModel(
  store: EventStore,
  options: ClvRefitOptions,
): Promise<ClvModelFittedData> {
  const byCurrency = new Map<string, Transaction[]>();
  const calibrationEnd = options.calibrationEnd ?? options.now.slice(0, 10);
  const fittedAt = options.calibrationEnd ? `${options.calibrationEnd}T23:59:59.999Z` : options.now;
  const nowMs = Date.parse(fittedAt);
  const horizonWeeks = options.horizonWeeks ?? 52;
  const trainingCutoff = new Date(nowMs - horizonWeeks * WEEK_MS).toISOString();
  const trainingCutoffMs = Date.parse(trainingCutoff);
  const atTrainingCutoff = new Map<string, CustomerChurnStates>();
  const lastPurchaseMs = new Map<string, number>();
  for await (const event of store.readAll({
    filter: { categories: [CUSTOMER_STREAM_CATEGORY, WARRANTY_CLAIM_STREAM_CATEGORY] },
  })) {
    const at = (event.data as { occurredAt?: unknown }).occurredAt;
    if (typeof at !== 'string') continue;
    const atMs = Date.parse(at);
    if (atMs <= trainingCutoffMs) foldChurnStates(atTrainingCutoff, event);
    if (atMs > nowMs || !event.type.startsWith('PurchaseRecorded')) continue;
    const data = event.data as PurchaseRecorded['data'];
    lastPurchaseMs.set(data.customerId, Math.max(lastPurchaseMs.get(data.customerId) ?? 0, atMs));
    let list = byCurrency.get(data.currency);
    if (!list) byCurrency.set(data.currency, (list = []));
    list.push({
      customerId: data.customerId,
      date: data.occurredAt.slice(0, 10),
      amount: data.price,
    });
  }
  const [currency, transactions] =
    [...byCurrency.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  if (!currency || !transactions)
    throw new NothingToFitError('No purchases recorded: nothing to fit');

  const summaries = summarizeTransactions(transactions, calibrationEnd);
  const bgNbd = fitBgNbd(summaries);
  const repeaters = summaries.filter((s) => s.x > 0 && s.monetary > 0);
  if (repeaters.length === 0) {
    throw new NothingToFitError(
      `No customer has bought twice in ${currency}: Gamma-Gamma cannot be fitted`,
    );
  }
  const gammaGamma = fitGammaGamma(summaries);
  const mbgNbd = fitMbgNbd(summaries);
  const churnWeights = learnChurnWeights(
    churnTrainingExamples(
      atTrainingCutoff,
      trainingCutoff,
      (id) => lastPurchaseMs.get(id),
      currency,
    ),
    { horizonWeeks },
  );
  const fitId = randomUUID();
  const firstDay = transactions.reduce((min, t) => (t.date < min ? t.date : min), calibrationEnd);
  const fit: ClvModelFittedData = {
    fitId,
    occurredAt: fittedAt,
    window: { from: firstDay, to: calibrationEnd },
    currency,
    timeUnit: 'weeks',
    customers: summaries.length,
    customersWithRepeatPurchases: repeaters.length,
    bgNbd: {
      params: bgNbd.params,
      logLikelihood: bgNbd.logLikelihood,
      converged: bgNbd.converged,
      iterations: bgNbd.iterations,
      ...refusalOf(bgNbd),
    },
    gammaGamma: {
      params: gammaGamma.params,
      logLikelihood: gammaGamma.logLikelihood,
      customers: gammaGamma.customers,
      converged: gammaGamma.converged,
      ...refusalOf(gammaGamma),
    },
    mbgNbd: {
      params: mbgNbd.params,
      logLikelihood: mbgNbd.logLikelihood,
      converged: mbgNbd.converged,
      ...refusalOf(mbgNbd),
    },
    ...(churnWeights
      ? {
          churnWeights: { ...churnWeights, trainingWindow: { from: trainingCutoff, to: fittedAt } },
        }
      : {}),
    horizonWeeks,
    annualDiscountRate: options.annualDiscountRate ?? 0.1,
    fittedBy: options.actor ?? 'clv-refit',
  };
  await store.appendToStream(
    clvModelStreamId(fitId),
    [
      {
        id: randomUUID(),
        type: CLV_MODEL_FITTED,
        data: fit,
        metadata: { schemaVersion: 1, actor: fit.fittedBy, correlationId: fitId },
      },
    ],
    { expectedRevision: 'no_stream' },
  );
  return fit;
}
