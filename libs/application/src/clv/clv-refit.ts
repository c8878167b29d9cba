import { randomUUID } from 'node:crypto';
import {
  fitBgNbd,
  fitGammaGamma,
  fitMbgNbd,
  learnChurnWeights,
  summarizeTransactions,
  type Transaction,
} from '@aftercare/analytics';
import type { PurchaseRecorded } from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import {
  churnTrainingExamples,
  CLV_MODEL_FITTED,
  type ClvModelFittedData,
  clvModelStreamId,
  type CustomerChurnStates,
  foldChurnStates,
} from '@aftercare/projections';
import { churnHistory, type ReadProgress } from '../churn/churn-history';

const WEEK_MS = 7 * 86_400_000;

/** A refused fit is still recorded, with its reason, so the customer view can say why. */
const refusalOf = (fit: { refusal?: string }): { refusal?: string } =>
  fit.refusal === undefined ? {} : { refusal: fit.refusal };

export interface ClvRefitOptions {
  /** The caller's clock (ISO 8601): nothing after it is used, and no fit is dated after it. */
  now: string;
  /**
   * Last day of the data window (YYYY-MM-DD), e.g. the end of a seeded world. The fit's business
   * time is then the end of that day, so as-of views from then on can use it. Default: the day
   * of the store's last event (its business time), so a store whose history ended years ago is
   * not fitted as if every customer had been silent since.
   */
  calibrationEnd?: string;
  horizonWeeks?: number;
  annualDiscountRate?: number;
  actor?: string;
  /**
   * Called while the store is read: events read so far, the last position read, the head. Without
   * `calibrationEnd` the store is read twice (the first pass finds where its history ends).
   */
  onProgress?: ReadProgress;
}

export class NothingToFitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingToFitError';
  }
}

export interface ClvRefitResult {
  /** One recorded fit per currency with enough data, the currency with most purchases first. */
  fits: ClvModelFittedData[];
  /** Currencies that could not be fitted, with the reason. */
  skipped: { currency: string; reason: string }[];
}

/**
 * Refits the population CLV model (BG/NBD + Gamma-Gamma) on every PurchaseRecorded up to the
 * calibration end, once per currency (money is never converted or added across currencies), and
 * records each fit as a `ClvModelFitted` event, so every CLV shown names the fit behind it. Each
 * event carries the MBG/NBD fitted on the same summaries: the purchase process of churn risk, the
 * model `churn evaluate` measures.
 *
 * Each fit also learns churn risk's experience weights the way `churn evaluate` does
 * (docs/churn.md): training cut-off one horizon before the calibration end, the MBG/NBD and the
 * experience factors at that cut-off, label "no purchase since", penalised logistic regression
 * with the purchase process as offset. They are recorded, with their standard errors and the
 * training window, as `churnWeights`; with too little history they are left out and the view uses
 * the a-priori ones. This reads every customer and warranty-claim event once (not only purchases)
 * and keeps the folded states at the training cut-off in memory.
 */
export async function refitClvModels(
  store: EventStore,
  options: ClvRefitOptions,
): Promise<ClvRefitResult> {
  const data = await readRefitData(store, options);
  const result: ClvRefitResult = { fits: [], skipped: [] };
  for (const currency of data.currencies) {
    try {
      result.fits.push(await recordFit(store, fitCurrency(data, currency, options)));
    } catch (error) {
      if (!(error instanceof NothingToFitError)) throw error;
      result.skipped.push({ currency, reason: error.message });
    }
  }
  if (result.fits.length === 0) {
    throw new NothingToFitError(
      result.skipped.map((s) => s.reason).join('; ') || 'No purchases recorded: nothing to fit',
    );
  }
  return result;
}

/** One currency's fit (default: the currency with the most purchases), recorded as above. */
export async function refitClvModel(
  store: EventStore,
  options: ClvRefitOptions & { currency?: string },
): Promise<ClvModelFittedData> {
  const data = await readRefitData(store, options);
  const currency = options.currency ?? data.currencies[0];
  if (currency === undefined) throw new NothingToFitError('No purchases recorded: nothing to fit');
  return recordFit(store, fitCurrency(data, currency, options));
}

interface RefitData {
  calibrationEnd: string;
  fittedAt: string;
  horizonWeeks: number;
  trainingCutoff: string;
  /** By number of purchases, most first. */
  currencies: string[];
  byCurrency: Map<string, Transaction[]>;
  atTrainingCutoff: Map<string, CustomerChurnStates>;
  lastPurchaseMs: Map<string, number>;
}

async function readRefitData(store: EventStore, options: ClvRefitOptions): Promise<RefitData> {
  const calibrationEnd =
    options.calibrationEnd ?? (await lastEventDay(store, options.now, options.onProgress));
  const endOfDay = `${calibrationEnd}T23:59:59.999Z`;
  const fittedAt = Date.parse(endOfDay) < Date.parse(options.now) ? endOfDay : options.now;
  const nowMs = Date.parse(fittedAt);
  const horizonWeeks = options.horizonWeeks ?? 52;
  const trainingCutoff = new Date(nowMs - horizonWeeks * WEEK_MS).toISOString();
  const trainingCutoffMs = Date.parse(trainingCutoff);
  const byCurrency = new Map<string, Transaction[]>();
  const atTrainingCutoff = new Map<string, CustomerChurnStates>();
  const lastPurchaseMs = new Map<string, number>();
  for await (const { event, atMs } of churnHistory(store, options.onProgress, {
    reportEnd: true,
  })) {
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
  const currencies = [...byCurrency.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([currency]) => currency);
  return {
    calibrationEnd,
    fittedAt,
    horizonWeeks,
    trainingCutoff,
    currencies,
    byCurrency,
    atTrainingCutoff,
    lastPurchaseMs,
  };
}

/**
 * The business day of the store's last event (the latest `occurredAt` of a customer or claim
 * event), never after `now`: where a history ends. One pass over those events; an empty store
 * ends today.
 */
export async function lastEventDay(
  store: EventStore,
  now: string,
  onProgress?: ClvRefitOptions['onProgress'],
): Promise<string> {
  const today = now.slice(0, 10);
  let latest = '';
  for await (const { at, atMs } of churnHistory(store, onProgress)) {
    if (at > latest && !Number.isNaN(atMs)) latest = at;
  }
  const day = latest ? new Date(latest).toISOString().slice(0, 10) : today;
  return day < today ? day : today;
}

function fitCurrency(
  data: RefitData,
  currency: string,
  options: ClvRefitOptions,
): ClvModelFittedData {
  const { calibrationEnd, fittedAt, horizonWeeks, trainingCutoff } = data;
  const transactions = data.byCurrency.get(currency);
  if (!transactions) throw new NothingToFitError(`No purchases recorded in ${currency}`);
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
      data.atTrainingCutoff,
      trainingCutoff,
      (id) => data.lastPurchaseMs.get(id),
      currency,
    ),
    { horizonWeeks },
  );
  const firstDay = transactions.reduce((min, t) => (t.date < min ? t.date : min), calibrationEnd);
  return {
    fitId: randomUUID(),
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
}

function recordFit(store: EventStore, fit: ClvModelFittedData): Promise<ClvModelFittedData> {
  return recordModelFit(store, clvModelStreamId(fit.fitId), CLV_MODEL_FITTED, fit);
}

/** Records a model fit as the one event of a stream of its own, by whom it was fitted. */
export async function recordModelFit<F extends { fitId: string; fittedBy?: string }>(
  store: EventStore,
  streamId: string,
  type: string,
  fit: F,
): Promise<F> {
  await store.appendToStream(
    streamId,
    [
      {
        id: randomUUID(),
        type,
        data: fit,
        metadata: { schemaVersion: 1, actor: fit.fittedBy, correlationId: fit.fitId },
      },
    ],
    { expectedRevision: 'no_stream' },
  );
  return fit;
}
