/** Histograms of a skewed quantity (CLV): pure. */

export interface HistogramBin {
  from: number;
  /** Exclusive upper bound; null for the last bin, which holds everything from `from` up. */
  to: number | null;
  count: number;
}

export interface Histogram {
  count: number;
  /** Quantiles of the values (nearest rank). */
  median: number | null;
  p90: number | null;
  p99: number | null;
  bins: HistogramBin[];
}

/** The value at quantile q of ascending values (nearest rank), null when there are none. */
export function quantileOfSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The smallest of 1, 2 and 5 times a power of ten that is at least `raw`. */
export function niceWidth(raw: number): number {
  if (!(raw > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= raw) return step * magnitude;
  return 10 * magnitude;
}

/**
 * Equal-width bins of round width from the smallest value's bin up to the 99th percentile, and
 * one open bin above it for the long tail, so a few very large values do not squash the rest
 * into the first bar. `sorted` must be ascending.
 */
export function histogramOfSorted(sorted: readonly number[], bins = 20): Histogram {
  const p99 = quantileOfSorted(sorted, 0.99);
  const summary = {
    count: sorted.length,
    median: quantileOfSorted(sorted, 0.5),
    p90: quantileOfSorted(sorted, 0.9),
    p99,
  };
  if (p99 === null) return { ...summary, bins: [] };
  const low = Math.min(0, sorted[0]);
  const width = niceWidth((p99 - low) / bins);
  const start = Math.floor(low / width) * width;
  const closed = Math.max(1, Math.ceil((p99 - start) / width));
  const counts = new Array<number>(closed + 1).fill(0);
  for (const value of sorted) counts[Math.min(closed, Math.floor((value - start) / width))]++;
  const edge = (i: number): number => Number((start + i * width).toPrecision(12));
  const result = counts.map((count, i) => ({
    from: edge(i),
    to: i === closed ? null : edge(i + 1),
    count,
  }));
  // The open bin only when something lies past the closed ones.
  return { ...summary, bins: result[closed].count === 0 ? result.slice(0, closed) : result };
}
