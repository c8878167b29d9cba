import type {
  BgNbdParams,
  GammaGammaParams,
  LearnedChurnWeights,
  MbgNbdParams,
} from '@aftercare/analytics';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';

/**
 * CLV model fits. A population refit is itself recorded, as `ClvModelFitted` in stream
 * `clvModel-<fitId>`, so every CLV shown can name the fit (parameters, data window, likelihood,
 * population) it came from, and an as-of view can use the fit that was current then.
 *
 * The event is defined here until the domain catalogue takes it (it carries no customerId: a fit
 * belongs to the population, like a warranty policy).
 */
export const CLV_MODEL_STREAM_CATEGORY = 'clvModel';
export const clvModelStreamId = (fitId: string): string => `${CLV_MODEL_STREAM_CATEGORY}-${fitId}`;
export const CLV_MODEL_FITTED = 'ClvModelFitted';

export interface ClvModelFittedData {
  fitId: string;
  /** When the fit was made (business time of the event). */
  occurredAt: string;
  /** The data window: purchase days from `from` to `to` (calibration end), inclusive. */
  window: { from: string; to: string };
  /** Monetary values are in this currency; customers' other currencies are left out. */
  currency: string;
  timeUnit: 'weeks';
  customers: number;
  customersWithRepeatPurchases: number;
  /**
   * `refusal` (on any of the three models) says why that model's fit must not be used (a
   * degenerate limit, a non-finite likelihood or prediction, q <= 1): the customer view then shows
   * the reason instead of figures.
   */
  bgNbd: {
    params: BgNbdParams;
    logLikelihood: number;
    converged: boolean;
    iterations: number;
    refusal?: string;
  };
  gammaGamma: {
    params: GammaGammaParams;
    logLikelihood: number;
    customers: number;
    converged: boolean;
    refusal?: string;
  };
  /**
   * The MBG/NBD on the same (x, tx, T): the purchase process of churn risk (docs/churn.md), the
   * same model `churn evaluate` measures. Absent from fits recorded before it was added; the
   * customer view then falls back to the BG/NBD probability alive.
   */
  mbgNbd?: { params: MbgNbdParams; logLikelihood: number; converged: boolean; refusal?: string };
  /**
   * The experience weights of churn risk learned from the store's own history (docs/churn.md,
   * learnChurnWeights): a backtest on the year before the calibration end, `trainingWindow.from`
   * being the training cut-off and `trainingWindow.to` the calibration end. Absent from fits
   * recorded before it was added and when there was too little history; the customer view then
   * uses the a-priori weights.
   */
  churnWeights?: LearnedChurnWeights & { trainingWindow: { from: string; to: string } };
  /** Defaults the customer view uses. */
  horizonWeeks: number;
  annualDiscountRate: number;
  fittedBy?: string;
}

export type ClvModelFitState = ClvModelFittedData | null;

export const clvModelProjection: Projection<ClvModelFitState> = {
  name: 'clv_models',
  version: 1,
  filter: { categories: [CLV_MODEL_STREAM_CATEGORY], eventTypePrefixes: [CLV_MODEL_FITTED] },
  keyOf: (event: RecordedEvent) => {
    if (event.type !== CLV_MODEL_FITTED) return undefined;
    const fitId = (event.data as { fitId?: unknown } | null)?.fitId;
    return typeof fitId === 'string' ? fitId : undefined;
  },
  initialState: () => null,
  evolve: (state, event) =>
    event.type === CLV_MODEL_FITTED ? (event.data as ClvModelFittedData) : state,
  columns: {
    fittedAt: (s) => s?.occurredAt ?? null,
    customers: (s) => s?.customers ?? null,
  },
  // The latest fits as of a time.
  indexes: ['fittedAt'],
};
