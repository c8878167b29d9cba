import { randomUUID } from 'node:crypto';
import {
  fitBgNbd,
  fitGammaGamma,
  fitMbgNbd,
  summarizeTransactions,
  type Transaction,
} from '@aftercare/analytics';
import type { PurchaseRecorded } from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import {
  CLV_MODEL_FITTED,
  type ClvModelFittedData,
  clvModelStreamId,
} from '@aftercare/projections';

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
 */
export async function refitClvModel(
  store: EventStore,
  options: ClvRefitOptions,
): Promise<ClvModelFittedData> {
  const byCurrency = new Map<string, Transaction[]>();
  const calibrationEnd = options.calibrationEnd ?? options.now.slice(0, 10);
  const fittedAt = options.calibrationEnd ? `${options.calibrationEnd}T23:59:59.999Z` : options.now;
  const nowMs = Date.parse(fittedAt);
  for await (const event of store.readAll({
    filter: { categories: ['customer'], eventTypePrefixes: ['PurchaseRecorded'] },
  })) {
    const data = event.data as PurchaseRecorded['data'];
    if (Date.parse(data.occurredAt) > nowMs) continue;
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
    },
    gammaGamma: {
      params: gammaGamma.params,
      logLikelihood: gammaGamma.logLikelihood,
      customers: gammaGamma.customers,
      converged: gammaGamma.converged,
    },
    mbgNbd: {
      params: mbgNbd.params,
      logLikelihood: mbgNbd.logLikelihood,
      converged: mbgNbd.converged,
    },
    horizonWeeks: options.horizonWeeks ?? 52,
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
