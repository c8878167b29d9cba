/**
 * The seeded pseudo-random generator of the pure libraries (sfc32, seeded through a string hash
 * and splitmix32) with the distributions they need: the simulated world, the bootstraps of the
 * churn and next-best-action reports, the policy simulation and synthetic benchmark data. Written
 * out here so each depends on nothing but the seed: same seed, same numbers, on any machine and
 * Node version.
 */

/** 32-bit string hash (FNV-1a, then an avalanche), used to turn a seed string into state. */
function hashString(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return avalanche(h);
}

function avalanche(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** splitmix32 step: spreads one word into well-mixed words for sfc32's state. */
function splitmix32(state: number): [next: number, value: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Character codes of the hex digits 0-f, and of '-'. */
const DIGIT_CODES = Array.from({ length: 16 }, (_, i) => i.toString(16).charCodeAt(0));
const DASH = 0x2d;

/** The code of the hex digit of `word` at bit `shift`. */
function hexCode(word: number, shift: number): number {
  return DIGIT_CODES[(word >>> shift) & 0xf];
}
const TWO_PI = 2 * Math.PI;

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Second normal deviate of the last Box-Muller pair. */
  private spareNormal: number | undefined;

  private constructor(a: number, b: number, c: number, d: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    // Discard the first outputs: sfc32 mixes its state in a dozen rounds.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The root generator of a seed (any string; numbers are given as their decimal text). */
  static fromSeed(seed: string): Prng {
    return Prng.fromWords(hashString(seed, 1), hashString(seed, 2), hashString(seed, 3), 0);
  }

  private static fromWords(w0: number, w1: number, w2: number, w3: number): Prng {
    let s = (w0 ^ avalanche(w3 + 0x632be5ab)) | 0;
    const words: number[] = [];
    for (const extra of [w1, w2, w3, w0]) {
      const [next, value] = splitmix32(s ^ extra);
      s = next;
      words.push(value);
    }
    return new Prng(words[0], words[1], words[2], words[3]);
  }

  /**
   * An independent generator for one part of the world (a customer, the catalogue, ...), derived
   * from this generator's seed words and a label, without consuming this generator's output: the
   * history of customer 17 does not depend on how many numbers customer 16 drew.
   */
  fork(label: number): Prng {
    return Prng.fromWords(this.a, this.b ^ avalanche(label), this.c, label + 1);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer uniform in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight; `weights` need not sum to 1. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i];
      if (r < 0) return items[i];
    }
    return items[items.length - 1];
  }

  /** Standard normal (Box-Muller, both deviates used). */
  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + sd * z;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(TWO_PI * v);
    return mean + sd * r * Math.cos(TWO_PI * v);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Log-normal whose median is `median`; `sigma` is the sd of the log. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Gamma(shape, rate) by Marsaglia and Tsang; mean shape / rate. */
  gamma(shape: number, rate: number): number {
    if (shape < 1) {
      // Boost: Gamma(k) = Gamma(k + 1) * U^(1/k).
      return this.gamma(shape + 1, rate) * Math.pow(1 - this.next(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return (d * v) / rate;
      }
    }
  }

  /** Beta(a, b) as a ratio of gammas. */
  beta(a: number, b: number): number {
    const x = this.gamma(a, 1);
    const y = this.gamma(b, 1);
    return x / (x + y);
  }

  /**
   * A version 4 UUID built from this generator's output: the 32 hex digits of four words, with
   * the version (4) and variant (10xx) bits set. Written as one string from its character codes:
   * twenty concatenations cost a seed more than all its random draws.
   */
  uuid(): string {
    const w0 = this.nextUint32();
    const w1 = this.nextUint32();
    // The variant, 10xx, in the top bits of the fourth group.
    const w2 = ((this.nextUint32() & 0x3fffffff) | 0x80000000) >>> 0;
    const w3 = this.nextUint32();
    // prettier-ignore
    return String.fromCharCode(
      hexCode(w0, 28), hexCode(w0, 24), hexCode(w0, 20), hexCode(w0, 16),
      hexCode(w0, 12), hexCode(w0, 8), hexCode(w0, 4), hexCode(w0, 0), DASH,
      hexCode(w1, 28), hexCode(w1, 24), hexCode(w1, 20), hexCode(w1, 16), DASH,
      DIGIT_CODES[4], hexCode(w1, 8), hexCode(w1, 4), hexCode(w1, 0), DASH,
      hexCode(w2, 28), hexCode(w2, 24), hexCode(w2, 20), hexCode(w2, 16), DASH,
      hexCode(w2, 12), hexCode(w2, 8), hexCode(w2, 4), hexCode(w2, 0),
      hexCode(w3, 28), hexCode(w3, 24), hexCode(w3, 20), hexCode(w3, 16),
      hexCode(w3, 12), hexCode(w3, 8), hexCode(w3, 4), hexCode(w3, 0),
    );
  }

  /** `length` upper-case hex digits, for serial numbers and references. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += HEX[this.nextUint32() & 0xff];
    return out.slice(0, length).toUpperCase();
  }
}
