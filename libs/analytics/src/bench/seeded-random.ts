/**
 * A small seeded generator for synthetic benchmark data (never used by the models): mulberry32
 * uniforms, with normal, gamma and beta variates built on them. Same seed, same sequence.
 */

// Math functions bound once: a global lookup per call is slow in some hosts (jest's sandbox).
const { log, sqrt, cos, pow, imul } = Math;
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in (0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  }

  normal(): number {
    return sqrt(-2 * log(this.uniform())) * cos(2 * Math.PI * this.uniform());
  }

  exponential(rate: number): number {
    return -log(this.uniform()) / rate;
  }

  /** Gamma(shape, rate) by Marsaglia & Tsang (2000), boosted for shape < 1. */
  gamma(shape: number, rate: number): number {
    if (shape < 1) return this.gamma(shape + 1, rate) * pow(this.uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / sqrt(9 * d);
    for (;;) {
      const z = this.normal();
      const v = pow(1 + c * z, 3);
      if (v <= 0) continue;
      const u = this.uniform();
      if (log(u) < 0.5 * z * z + d - d * v + d * log(v)) return (d * v) / rate;
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a, 1);
    return x / (x + this.gamma(b, 1));
  }
}
