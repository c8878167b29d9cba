import {
  CHURN_WEIGHTS,
  EXPERIENCE_FACTORS,
  auc,
  brierScore,
  churnBand,
  experienceFactorValues,
  scoreChurn,
} from './churn';
import { logit } from './special-functions';

describe('scoreChurn', () => {
  it('without service issues is exactly 1 - pAlive', () => {
    const score = scoreChurn({ pAlive: 0.8, experience: {} });
    expect(score.probability).toBeCloseTo(0.2, 12);
    expect(score.band).toBe('low');
    const purchase = score.factors.find((f) => f.name === 'purchaseProcess');
    expect(purchase?.weight).toBe(1);
    expect(purchase?.value).toBeCloseTo(logit(0.2), 12);
    expect(score.factors.filter((f) => f.contribution !== 0)).toEqual([purchase]);
  });

  it('an open complaint and detractor feedback raise the risk, with each factor reported', () => {
    const score = scoreChurn({
      pAlive: 0.8,
      experience: { openComplaintAgesDays: [45, 10], latestNps: 3, failedSetups: 1 },
    });
    const expectedLogit =
      logit(0.2) +
      2 * CHURN_WEIGHTS.openComplaints +
      1.5 * CHURN_WEIGHTS.openComplaintAge +
      CHURN_WEIGHTS.detractor +
      CHURN_WEIGHTS.failedSetups;
    expect(logit(score.probability)).toBeCloseTo(expectedLogit, 10);
    expect(score.band).toBe('high');
    const total = score.factors.reduce((sum, f) => sum + f.contribution, 0);
    expect(total).toBeCloseTo(expectedLogit, 12);
    for (const f of score.factors) expect(f.contribution).toBeCloseTo(f.weight * f.value, 15);
  });

  it('passives and promoters are not detractors; counts are capped', () => {
    const base = scoreChurn({ pAlive: 0.5, experience: { latestNps: 7 } }).probability;
    expect(base).toBeCloseTo(0.5, 12);
    const capped = scoreChurn({ pAlive: 0.5, experience: { returns: 50 } });
    expect(capped.factors.find((f) => f.name === 'returns')?.value).toBe(3);
  });

  it('counts every incident in the pooled count, decayed with the half-life, and reads it when asked', () => {
    const experience = {
      incidentAgesDays: { escalation: [0, 180], defect: [360], late_delivery: [-5] },
    };
    // 1 + 0.5 + 0.25; the incident after the scoring time is not known yet.
    expect(experienceFactorValues(experience, 180).incidents).toBeCloseTo(1.75, 12);
    expect(experienceFactorValues(experience, 360).escalations).toBeCloseTo(1 + 2 ** -0.5, 12);
    const nine = scoreChurn({ pAlive: 0.8, experience });
    expect(nine.factors.map((f) => f.name)).toEqual(['purchaseProcess', ...EXPERIENCE_FACTORS]);
    expect(nine.probability).toBeCloseTo(0.2, 12);
    const pooled = scoreChurn({
      pAlive: 0.8,
      experience,
      weights: { incidents: 0.4 },
      structure: { name: 'pooled/180d', factors: ['incidents'], incidentHalfLifeDays: 180 },
    });
    expect(pooled.factors.map((f) => f.name)).toEqual(['purchaseProcess', 'incidents']);
    expect(logit(pooled.probability)).toBeCloseTo(logit(0.2) + 0.4 * 1.75, 12);
  });

  it('every service factor moves the risk up, never down', () => {
    const base = scoreChurn({ pAlive: 0.7, experience: {} }).probability;
    const worse = [
      { openComplaintAgesDays: [1] },
      { latestNps: 6 },
      { failedSetups: 1 },
      { lateDeliveries: 1 },
      { repeatRepairSerials: 1 },
      { returns: 1 },
      { warrantyRejections: 1 },
      { resolvedComplaints: 1 },
    ];
    for (const experience of worse) {
      expect(scoreChurn({ pAlive: 0.7, experience }).probability).toBeGreaterThan(base);
    }
  });

  it('weighs a detractor answer by its recency weight', () => {
    const fresh = scoreChurn({ pAlive: 0.5, experience: { latestNps: 2, latestNpsWeight: 1 } });
    const old = scoreChurn({ pAlive: 0.5, experience: { latestNps: 2, latestNpsWeight: 0.25 } });
    expect(logit(fresh.probability)).toBeCloseTo(CHURN_WEIGHTS.detractor, 12);
    expect(logit(old.probability)).toBeCloseTo(0.25 * CHURN_WEIGHTS.detractor, 12);
  });

  it('stays within (0, 1) when pAlive is exactly 0 or 1', () => {
    expect(scoreChurn({ pAlive: 1, experience: {} }).probability).toBeGreaterThan(0);
    expect(scoreChurn({ pAlive: 0, experience: {} }).probability).toBeLessThan(1);
  });

  it('bands at 0.3 and 0.6', () => {
    expect([0.29, 0.3, 0.59, 0.6].map(churnBand)).toEqual(['low', 'medium', 'medium', 'high']);
  });
});

describe('auc', () => {
  it('is the share of positive-negative pairs ranked correctly', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 15);
    expect(auc([0.1, 0.2, 0.3], [false, true, true])).toBe(1);
    expect(auc([0.3, 0.2, 0.1], [false, true, true])).toBe(0);
  });

  it('counts ties as one half', () => {
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
    // pairs (pos, neg): (0.5, 0.5) tie, (0.5, 0.1) win, (0.9, 0.5) win, (0.9, 0.1) win -> 3.5 / 4
    expect(auc([0.5, 0.5, 0.9, 0.1], [1, 0, 1, 0])).toBeCloseTo(0.875, 15);
  });

  it('is NaN without both classes and rejects mismatched lengths', () => {
    expect(auc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(() => auc([0.1], [1, 0])).toThrow(RangeError);
  });
});

describe('brierScore', () => {
  it('is the mean squared error of the probabilities', () => {
    expect(brierScore([0.1, 0.9], [0, 1])).toBeCloseTo(0.01, 15);
    expect(brierScore([1, 0, 0.5], [false, true, true])).toBeCloseTo((1 + 1 + 0.25) / 3, 15);
  });
});
