/**
 * The published CDNOW results (Fader, Hardie & Lee 2005) on the 2,357-customer sample with a
 * calibration period ending 1997-09-30. The data are a fixture in test/fixtures/cdnow (provenance there).
 */
// eslint-disable-next-line no-restricted-imports -- a test may read the reference data set
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bgNbdConditionalExpectedTransactions, bgNbdProbabilityAlive, fitBgNbd } from './bg-nbd';
import { fitGammaGamma } from './gamma-gamma';
import { CustomerSummary, parseCdnowTransactions, summarizeTransactions } from './rfm-summary';

const dataDir = resolve(__dirname, '../../..', 'test/fixtures/cdnow');
const read = (file: string): string => readFileSync(resolve(dataDir, file), 'utf8');

describe('CDNOW sample, 39-week calibration', () => {
  let summary: CustomerSummary[];
  beforeAll(() => {
    summary = summarizeTransactions(parseCdnowTransactions(read('CDNOW_sample.txt')), '1997-09-30');
  });

  it('summarises every customer as the published calibration summary does (x, t_x, T, zbar)', () => {
    const rows = read('cdnow_customers_summary_with_transactions.csv')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((line) => line.split(',').map(Number));
    expect(summary).toHaveLength(rows.length);
    expect(rows).toHaveLength(2357);
    const mismatches = rows.filter(([id, x, tx, T, zbar], i) => {
      const c = summary[i];
      const near = (a: number, b: number): boolean => Math.abs(a - b) <= 0.005 + 1e-9;
      return !(
        Number(c.customerId) === id &&
        c.x === x &&
        near(c.tx, tx) &&
        near(c.T, T) &&
        near(c.monetary, zbar)
      );
    });
    expect(mismatches).toEqual([]);
  });

  it('fits BG/NBD to r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4', () => {
    const fit = fitBgNbd(summary);
    expect(fit.converged).toBe(true);
    expect(fit.refusal).toBeUndefined();
    expect(Math.abs(fit.params.r - 0.243)).toBeLessThan(0.001);
    expect(Math.abs(fit.params.alpha - 4.414)).toBeLessThan(0.003);
    expect(Math.abs(fit.params.a - 0.793)).toBeLessThan(0.001);
    expect(Math.abs(fit.params.b - 2.426)).toBeLessThan(0.002);
    expect(Math.abs(fit.logLikelihood - -9582.4)).toBeLessThan(0.1);

    // Customer 0001 (x=2, t_x=30.43, T=38.86): the Fader-Hardie note's worked example gives
    // 1.226 expected purchases in the next 39 weeks.
    const first = summary[0];
    expect(first.customerId).toBe('0001');
    expect(bgNbdConditionalExpectedTransactions(fit.params, first, 39)).toBeCloseTo(1.226, 3);
    // P(alive) = 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+tx))^(r+x)) evaluated by hand at the
    // published parameters: 1 / (1 + (0.793/3.426) (43.27/34.84)^2.243) = 0.7266.
    expect(bgNbdProbabilityAlive(fit.params, first)).toBeCloseTo(0.7266, 3);
  });

  it('fits Gamma-Gamma on the 946 repeat buyers to p=6.25, q=3.74, gamma=15.44', () => {
    const fit = fitGammaGamma(summary);
    expect(fit.customers).toBe(946);
    expect(fit.converged).toBe(true);
    expect(fit.refusal).toBeUndefined();
    expect(Math.abs(fit.params.p - 6.25)).toBeLessThan(0.01);
    expect(Math.abs(fit.params.q - 3.74)).toBeLessThan(0.01);
    expect(Math.abs(fit.params.gamma - 15.44)).toBeLessThan(0.01);
  });
});
