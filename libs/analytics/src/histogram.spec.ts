import { histogramOfSorted, niceWidth, quantileOfSorted } from './histogram';

describe('histogram', () => {
  it('rounds bin widths to 1, 2 or 5 times a power of ten', () => {
    expect([0.7, 1, 1.5, 3, 7, 12, 4300].map(niceWidth)).toEqual([1, 1, 2, 5, 10, 20, 5000]);
  });

  it('takes quantiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileOfSorted(values, 0.5)).toBe(50);
    expect(quantileOfSorted(values, 0.99)).toBe(99);
    expect(quantileOfSorted([], 0.5)).toBeNull();
  });

  it('bins every value once, with the long tail in one open bin past the 99th percentile', () => {
    const values = [...Array.from({ length: 990 }, (_, i) => i / 10), 5_000, 9_000].sort(
      (a, b) => a - b,
    );
    const { bins, count } = histogramOfSorted(values, 20);
    expect(count).toBe(992);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(992);
    expect(bins[0]).toEqual({ from: 0, to: 5, count: 50 });
    expect(bins.at(-1)).toMatchObject({ to: null, count: expect.any(Number) });
    expect(bins.at(-1)!.from).toBeLessThanOrEqual(100);
    for (let i = 1; i < bins.length; i++) expect(bins[i].from).toBe(bins[i - 1].to);
  });

  it('answers no bins for no values', () => {
    expect(histogramOfSorted([])).toEqual({
      count: 0,
      median: null,
      p90: null,
      p99: null,
      bins: [],
    });
  });
});
