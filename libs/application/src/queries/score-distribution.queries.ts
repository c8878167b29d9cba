import { type Histogram, histogramOfSorted } from '@aftercare/analytics';
import type { CustomerScoreIndex } from '@aftercare/read-models';
import {
  CHURN_BAND_VALUES,
  type CustomerScoresStatus,
  scoresStatus,
} from './customer-list.queries';

export interface ChurnBandTotals {
  /** low, medium, high; `unscored` for customers without a churn score. */
  band: string;
  customers: number;
  /** Value at risk (churn probability × CLV) summed per currency: never added across currencies. */
  valueAtRisk: { currency: string; amount: number; customers: number }[];
}

export interface ClvDistribution extends Histogram {
  currency: string;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Population views of the score index: churn bands and the CLV distribution, in SQL aggregates. */
export class ScoreDistributionQueries {
  constructor(private readonly index: CustomerScoreIndex | undefined) {}

  private scoreIndex(): CustomerScoreIndex {
    if (!this.index) throw new Error('The score views need the read models');
    return this.index;
  }

  /** Customers and value at risk in each churn band (every band listed, empty ones too). */
  async churnBands(): Promise<{ scores: CustomerScoresStatus; bands: ChurnBandTotals[] }> {
    const index = this.scoreIndex();
    const [meta, totals] = await Promise.all([index.meta(), index.bandTotals()]);
    const order = [...CHURN_BAND_VALUES, 'unscored'];
    const bands = new Map<string, ChurnBandTotals>(
      order.map((band) => [band, { band, customers: 0, valueAtRisk: [] }]),
    );
    for (const total of totals) {
      const band = bands.get(total.churnBand ?? 'unscored');
      if (!band) continue;
      band.customers += total.customers;
      if (total.currency !== null && total.withClv > 0) {
        band.valueAtRisk.push({
          currency: total.currency,
          amount: round2(total.valueAtRisk),
          customers: total.withClv,
        });
      }
    }
    for (const band of bands.values()) {
      band.valueAtRisk.sort((a, b) => a.currency.localeCompare(b.currency));
    }
    return { scores: scoresStatus(meta), bands: [...bands.values()] };
  }

  /** CLV histograms, one per currency (or the one asked for). */
  async clvDistribution(
    currency?: string,
  ): Promise<{ scores: CustomerScoresStatus; currencies: ClvDistribution[] }> {
    const index = this.scoreIndex();
    const [meta, totals] = await Promise.all([index.meta(), index.bandTotals()]);
    const currencies = [
      ...new Set(
        totals.filter((t) => t.currency !== null && t.withClv > 0).map((t) => t.currency!),
      ),
    ]
      .filter((c) => currency === undefined || c === currency)
      .sort();
    const histograms = await Promise.all(
      currencies.map(async (c) => ({
        currency: c,
        ...histogramOfSorted(await index.clvValues(c)),
      })),
    );
    return { scores: scoresStatus(meta), currencies: histograms };
  }
}
